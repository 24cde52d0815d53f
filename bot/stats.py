"""`docbot stats`: the question log as tables and a per-day chart sized to the terminal, or as JSON."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass

from rich import box
from rich.console import Console, Group, RenderableType
from rich.table import Table
from rich.text import Text

from .database import DayStat, QuestionLog, QuestionStat, Totals

BAR = "█"
_EIGHTHS = " ▏▎▍▌▋▊▉"
SHARE_CELLS = 10  # the answered-share bar: 10 cells for 100 %


@dataclass(frozen=True)
class Period:
    """The days a report covers: `days` whole local days ending today."""

    days: int
    bounds: list[float]  # days + 1 local midnights, Unix times

    @classmethod
    def last(cls, days: int, today: dt.date | None = None) -> Period:
        """The last `days` days, today included, as local midnights (clock changes included)."""
        today = today or dt.date.today()
        dates = [today - dt.timedelta(days=d) for d in range(days - 1, -2, -1)]
        return cls(days, [dt.datetime.combine(d, dt.time()).astimezone().timestamp() for d in dates])

    @property
    def since(self) -> float:
        """The first second of the period."""
        return self.bounds[0]


@dataclass(frozen=True)
class Report:
    """What `docbot stats` shows."""

    period: Period
    totals: Totals
    per_day: list[DayStat]
    most_asked: list[QuestionStat]
    not_covered: list[QuestionStat]
    disliked: list[QuestionStat]


def gather(qlog: QuestionLog, period: Period, limit: int) -> Report:
    """Read a report from the question log."""
    since = period.since
    return Report(period, qlog.totals(since), qlog.per_day(period.bounds), qlog.most_asked(limit, since),
                  qlog.unanswered(limit, since), qlog.disliked(limit, since))


def _day(ts: float) -> str:
    return dt.datetime.fromtimestamp(ts).date().isoformat()


def as_json(report: Report) -> dict:
    """The report for scripts (`docbot stats --json`)."""
    def questions(stats: list[QuestionStat]) -> list[dict]:
        return [{**asdict(s), "last_asked": dt.datetime.fromtimestamp(s.last_asked).astimezone().isoformat()}
                for s in stats]

    return {
        "days": report.period.days,
        "from": _day(report.period.bounds[0]),
        "to": _day(report.period.bounds[-2]),
        "totals": asdict(report.totals),
        "per_day": [{"date": _day(d.start), "questions": d.questions, "answered": d.answered,
                     "not_covered": d.not_covered} for d in report.per_day],
        "most_asked": questions(report.most_asked),
        "not_covered": questions(report.not_covered),
        "disliked": questions(report.disliked),
    }


def bar(value: float, most: float, cells: int) -> str:
    """A horizontal bar of `value` out of `most` in at most `cells` cells, to an eighth of a cell."""
    if most <= 0 or value <= 0:
        return ""
    eighths = max(1, round(value / most * cells * 8))
    return BAR * (eighths // 8) + (_EIGHTHS[eighths % 8] if eighths % 8 else "")


def _chart(report: Report, width: int) -> Table:
    # Days without a question are left out: a month's chart of a quiet bot is a few rows, not thirty empty ones.
    days = [d for d in report.per_day if d.questions]
    most = max((d.questions for d in days), default=0)
    digits = len(str(most))
    # Room for the bars once the date, the counts, the share and the gaps have theirs.
    questions_cells = max(6, width - 10 - 2 - (digits + 1) - 2 - (SHARE_CELLS + 5) - 4)
    table = Table(box=None, show_header=True, header_style="bold", pad_edge=False, padding=(0, 1))
    table.add_column("Day", no_wrap=True)
    table.add_column("Questions", no_wrap=True)
    table.add_column("Answered", no_wrap=True)
    for d in days:
        count = Text(bar(d.questions, most, questions_cells), style="cyan")
        count.append(f" {d.questions}")
        ratio = d.answered / d.questions
        share = Text(bar(ratio, 1.0, SHARE_CELLS).ljust(SHARE_CELLS), style="green")
        share.append(f" {ratio:4.0%}")
        table.add_row(Text(_day(d.start), style="dim"), count, share)
    return table


def _questions(title: str, stats: list[QuestionStat], votes: bool) -> RenderableType:
    if not stats:
        return Text(f"{title}: none.", style="bold")
    table = Table(box=box.SIMPLE_HEAD, pad_edge=False, show_edge=False, expand=True)
    table.add_column("×", justify="right", no_wrap=True)
    table.add_column("Question", overflow="ellipsis", no_wrap=True, ratio=1, min_width=10)
    if votes:
        table.add_column("👍", justify="right", no_wrap=True)
        table.add_column("👎", justify="right", no_wrap=True)
    for s in stats:
        row = [str(s.count), " ".join(s.question.split())]
        if votes:
            row += [str(s.up or ""), str(s.down or "")]
        table.add_row(*row)
    return Group(Text(f"{title}:", style="bold"), table)


def render(report: Report, width: int) -> RenderableType:
    """The report for people: the totals, a per-day chart, and the questions in tables."""
    tot, period = report.totals, report.period
    span = f"{_day(period.bounds[0])} to {_day(period.bounds[-2])}"
    if not tot.questions:
        return Text(f"No questions in the last {period.days} days ({span}).")
    latency = "" if tot.median_latency_ms is None else f"; median answer time {tot.median_latency_ms:.0f} ms"
    head = Text(f"{tot.questions} question{'s' if tot.questions != 1 else ''} in the last {period.days} days "
                f"({span})", style="bold")
    figures = Text(f"{tot.answered} answered, {tot.not_covered} not covered by the documents, {tot.errors} "
                   f"failed{latency}; feedback {tot.up} 👍 / {tot.down} 👎")
    return Group(head, figures, Text(""), _chart(report, width), Text(""),
                 _questions("Most asked", report.most_asked, votes=True), Text(""),
                 _questions("Not answered by the documents (what they are missing)", report.not_covered,
                            votes=False), Text(""),
                 _questions("Answered but marked 👎", report.disliked, votes=True))


def show(report: Report, console: Console, max_width: int = 100) -> None:
    """Print the report on `console`, at most `max_width` cells wide."""
    width = min(console.width, max_width)
    console.print(render(report, width), width=width, crop=False)
