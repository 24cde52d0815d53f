"""`docbot stats`: the per-day counts from the question log, the tables and chart, and the JSON for scripts."""

from __future__ import annotations

import datetime as dt
import io
import json

import pytest
from rich.console import Console

from bot.database import QuestionLog
from bot.stats import Period, as_json, bar, gather, render

TODAY = dt.date(2025, 3, 30)  # the day after the clocks went forward in Europe: days of 23 and 24 hours


def at(day: dt.date, hour: int) -> float:
    return dt.datetime.combine(day, dt.time(hour)).astimezone().timestamp()


@pytest.fixture
def qlog(database_url):
    with QuestionLog(database_url) as q:
        yield q


def test_period_bounds_are_local_midnights():
    """A period of n days has n + 1 bounds, each a local midnight, the last one tonight."""
    period = Period.last(3, TODAY)
    days = [dt.datetime.fromtimestamp(b) for b in period.bounds]
    assert [d.date() for d in days] == [TODAY - dt.timedelta(days=2), TODAY - dt.timedelta(days=1), TODAY,
                                        TODAY + dt.timedelta(days=1)]
    assert all(d.time() == dt.time() for d in days)


def test_per_day_counts_each_day_and_the_share_answered(qlog):
    """Each day of the period gets its questions and how many were answered; a day without any gets zeros."""
    period = Period.last(4, TODAY)
    day = [TODAY - dt.timedelta(days=d) for d in (3, 2, 1, 0)]
    for when, outcome in [(at(day[0], 0), "answered"), (at(day[0], 23), "not_covered"), (at(day[2], 12), "answered"),
                          (at(day[3], 9), "answered"), (at(day[3], 10), "error"),
                          (at(day[0] - dt.timedelta(days=1), 12), "answered")]:  # before the period
        qlog.record("Q ?", outcome=outcome, latency_ms=1.0, source="cli", asked_at=when)
    stats = qlog.per_day(period.bounds)
    assert [(d.questions, d.answered, d.not_covered) for d in stats] == [(2, 1, 1), (0, 0, 0), (1, 1, 0), (2, 1, 0)]
    assert [d.start for d in stats] == period.bounds[:-1]


def seed(qlog: QuestionLog) -> None:
    now = dt.date.today()
    qlog.record("où jensen huang a-t-il dîné", outcome="answered", latency_ms=12, source="slash",
                asked_at=at(now - dt.timedelta(days=1), 1))
    a = qlog.record("Où Jensen Huang a-t-il dîné ?", outcome="answered", latency_ms=10, source="cli",
                    asked_at=at(now, 1))
    qlog.record("Recette de crêpes ?", outcome="not_covered", latency_ms=5, source="dm", asked_at=at(now, 1))
    qlog.record("Une question d'il y a longtemps ?", outcome="not_covered", latency_ms=5, source="dm",
                asked_at=at(now - dt.timedelta(days=40), 1))
    qlog.vote(a, 1, 1)
    qlog.vote(a, 2, -1)


def test_report_tables_and_chart(qlog):
    """The report: totals of the period, a bar per day asked in, the most asked with 👍/👎, what the documents miss."""
    seed(qlog)
    report = gather(qlog, Period.last(14), limit=10)
    screen = io.StringIO()
    Console(file=screen, width=80, color_system=None).print(render(report, 80))
    text = screen.getvalue()
    lines = text.splitlines()
    assert lines[0].startswith("3 questions in the last 14 days")
    assert "2 answered, 1 not covered by the documents, 0 failed" in lines[1]
    assert "longtemps" not in text  # older than the period
    chart = [line for line in lines if line[:4].isdigit() and "-" in line[:10]]
    assert len(chart) == 2  # the days with questions; the 12 quiet days of the period are left out
    assert chart[-1].split()[-1] == "50%" and chart[-2].split()[-1] == "100%"
    most = lines[lines.index("Most asked:") + 3]
    assert most.split()[0] == "2" and "Où Jensen Huang a-t-il dîné ?" in most and most.split()[-2:] == ["1", "1"]
    missing = lines[lines.index("Not answered by the documents (what they are missing):") + 3]
    assert "Recette de crêpes ?" in missing
    assert all(len(line) <= 80 for line in lines)


@pytest.mark.parametrize("width", [50, 80, 100])
def test_report_fits_the_width(qlog, width):
    """Every line of the report fits the terminal's width (long questions are cut, not wrapped)."""
    seed(qlog)
    qlog.record("Une très longue question " * 10, outcome="not_covered", latency_ms=5, source="dm")
    screen = io.StringIO()
    Console(file=screen, width=width, color_system=None).print(render(gather(qlog, Period.last(30), 10), width))
    assert all(Console(width=200).measure(line).maximum <= width for line in screen.getvalue().splitlines())


def test_report_as_json(qlog):
    """`--json`: the same figures, for scripts."""
    seed(qlog)
    data = as_json(gather(qlog, Period.last(7), 10))
    assert data["days"] == 7 and len(data["per_day"]) == 7
    assert data["to"] == dt.date.today().isoformat()
    assert data["totals"]["questions"] == 3 and data["totals"]["up"] == 1 and data["totals"]["down"] == 1
    assert [(q["question"], q["count"], q["up"], q["down"]) for q in data["most_asked"]][0] == (
        "Où Jensen Huang a-t-il dîné ?", 2, 1, 1)
    assert sum(d["questions"] for d in data["per_day"]) == 3
    json.dumps(data)


@pytest.mark.parametrize(("value", "most", "cells", "shown"), [(0, 10, 10, ""), (10, 10, 10, "█" * 10),
                                                                (5, 10, 10, "█" * 5), (1, 80, 10, "▏"),
                                                                (3, 16, 4, "▊")])
def test_bars(value, most, cells, shown):
    """Bars are drawn to an eighth of a cell; anything above zero shows."""
    assert bar(value, most, cells) == shown


def test_docbot_stats_command(docbot):
    """`docbot stats`: a hint when nothing is logged yet; the report; --json; --days."""
    assert docbot("stats").out.startswith("No questions logged yet")
    assert json.loads(docbot("stats", "--json").out)["totals"] is None
    from bot.settings import Settings

    with QuestionLog(Settings().database_url.get_secret_value()) as q:
        seed(q)
    r = docbot("stats", "--days", "2", "-n", "1")
    assert r.code == 0 and r.out.startswith("3 questions in the last 2 days")
    assert json.loads(docbot("stats", "--json", "--days", "60").out)["totals"]["questions"] == 4
