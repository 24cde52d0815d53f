"""The README's (and docs/'s) sample sessions are what docbot prints: each is run and compared with the page.

A sample is a fenced block after an HTML comment `<!-- sample: KIND -->`; its lines starting with
`$ ` are commands, run by bash in a fresh working folder (with `documents/` and `.venv/bin` on the
PATH, default settings), and the lines after each are its output (stdout and stderr, as a terminal
shows them when piped). KIND says what the folder holds: `real`, the shipped articles indexed with
the bundled model, in order through the README (so `docbot index` comes first); `stats`, a question
log of two weeks of use, the same every time. Only what changes from run to run is set aside: times
of a build, dates, trailing spaces, and strong against partial match (a score near their boundary may
fall on either side on another CPU; the README states the scores' tolerance).

Every command and option `docbot --help` lists must also appear in the README.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
README = REPO / "README.md"
# The pages people read: their samples are run, their links followed.
PAGES = [README, REPO / "CHANGELOG.md", *sorted((REPO / "docs").glob("*.md"))]
SAMPLE = re.compile(r"<!-- sample: (\w+) -->\n```[a-z]*\n(.*?)```", re.DOTALL)
VARIABLE = [(re.compile(r"\b\d+\.\d+s\b"), "N.Ns"), (re.compile(r"\d{4}-\d{2}-\d{2}( \d{2}:\d{2})?"), "DATE"),
            # A strong match is a score from 2.0 up: a score within the README's tolerance of it (0.05 across
            # CPUs) may land on either side on another machine. Whether an answer was found, which passages are
            # cited, in which order and where, are compared exactly.
            (re.compile(r"\b(strong|partial) match\b"), "MATCH")]


def samples(kind: str) -> list[list[tuple[str, str]]]:
    """The README's samples of one kind: each a list of (command, expected output)."""
    found = []
    text = "\n".join(page.read_text(encoding="utf-8") for page in PAGES)
    for k, body in SAMPLE.findall(text):
        if k != kind:
            continue
        steps: list[tuple[str, list[str]]] = []
        for line in body.splitlines():
            if line.startswith("$ "):
                steps.append((line[2:], []))
            else:
                steps[-1][1].append(line)
        found.append([(cmd, "\n".join(out)) for cmd, out in steps])
    return found


def normal(text: str) -> str:
    for pattern, placeholder in VARIABLE:
        text = pattern.sub(placeholder, text)
    return "\n".join(line.rstrip() for line in text.strip("\n").splitlines())


def run(command: str, folder: Path) -> str:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("DOCBOT_") and k not in ("COLUMNS", "LINES", "DISCORD_TOKEN")}
    env.update(PATH=f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}", HF_HUB_OFFLINE="1")
    p = subprocess.run(["bash", "-c", command], cwd=folder, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       text=True, timeout=600)
    return p.stdout


def check(steps: list[tuple[str, str]], folder: Path) -> None:
    for command, expected in steps:
        got = run(command, folder)
        assert normal(got) == normal(expected), f"$ {command}\n--- README\n{expected}\n--- docbot printed\n{got}"


@pytest.fixture
def folder(tmp_path) -> Path:
    """A working folder as a clone's: the shipped documents, the default settings."""
    (tmp_path / "documents").symlink_to(REPO / "documents")
    return tmp_path


@pytest.mark.integration
def test_real_samples(folder):
    """The samples on the shipped articles, in README order, give what the README shows."""
    found = samples("real")
    assert found, "no sample in the README"
    for steps in found:
        check(steps, folder)


def seed_question_log(database: Path) -> None:
    """Two weeks of questions ending today: the same counts, wordings and votes every time."""
    from bot.database import QuestionLog

    asked = [("Où Jensen Huang a-t-il dîné avec Donald Trump ?", "answered"),
             ("Qui est le PDG de Nvidia ?", "answered"),
             ("Quel est le prix d'une puce H20 ?", "not_covered"),
             ("Who makes the H20 chip?", "answered"),
             ("Combien de puces H20 la Chine a-t-elle commandées ?", "answered"),
             ("Quelle est la recette des crêpes ?", "not_covered")]
    per_day = [3, 5, 0, 4, 6, 2, 0, 7, 5, 8, 4, 6, 9, 5]
    today = dt.date.today()
    ids = []
    with QuestionLog(database) as qlog:
        for d, count in enumerate(per_day):
            day = today - dt.timedelta(days=len(per_day) - 1 - d)
            for i in range(count):
                question, outcome = asked[(d * 5 + i * 3 + (i * i) // 2) % len(asked)]
                when = dt.datetime.combine(day, dt.time(9 + i)).timestamp()
                ids.append(qlog.record(question, outcome=outcome, latency_ms=150.0 + 10 * (i % 5), source="slash",
                                       asked_at=when))
        for n, qid in enumerate(ids[::4]):
            if qlog.get(qid).outcome == "answered":
                qlog.vote(qid, n, -1 if n % 5 == 0 else 1)


def test_stats_sample(folder):
    """The `docbot stats` sample is what it prints for two weeks of questions."""
    (folder / ".index").mkdir()
    seed_question_log(folder / ".index" / "docbot.sqlite3")
    (steps,) = samples("stats")
    check(steps, folder)


def test_every_command_and_option_is_in_the_readme():
    """Each command `docbot --help` lists, and each of their options, is named in the README."""
    import typer

    from bot.cli import app

    text = README.read_text(encoding="utf-8")
    group = typer.main.get_command(app)
    for name, command in group.commands.items():
        assert f"docbot {name}" in text, name
        for param in command.params:
            for opt in param.opts:
                if opt.startswith("--") and opt != "--help":
                    assert opt in text, f"docbot {name} {opt}"
    assert "docbot --version" in text


LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)\)")
FENCE = re.compile(r"^```.*?^```", re.MULTILINE | re.DOTALL)


def anchors(page: Path) -> set[str]:
    """The anchors of a Markdown page's headings, as GitHub makes them."""
    text = FENCE.sub("", page.read_text(encoding="utf-8"))
    heads = re.findall(r"^#{1,6} +(.+?) *$", text, re.MULTILINE)
    return {re.sub(r"[^\w\- ]", "", h.replace("`", "").lower()).replace(" ", "-") for h in heads}


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.relative_to(REPO).as_posix())
def test_links_resolve(page):
    """Every relative link of the page leads to a file of the repository, and its #anchor to a heading there."""
    assert page.exists(), page
    broken = []
    for target in LINK.findall(FENCE.sub("", page.read_text(encoding="utf-8"))):
        if re.match(r"[a-z]+:", target):  # https:, mailto: …
            continue
        path, _, anchor = target.partition("#")
        dest = (page.parent / path).resolve() if path else page
        if not dest.exists():
            broken.append(target)
        elif anchor and dest.suffix == ".md" and anchor not in anchors(dest):
            broken.append(target)
    assert broken == []


def test_the_changelog_names_this_version():
    """The newest version in CHANGELOG.md is the one `docbot --version` prints."""
    from importlib import metadata

    newest = re.search(r"^## \[(\d+\.\d+\.\d+)\]", (REPO / "CHANGELOG.md").read_text(encoding="utf-8"), re.MULTILINE)
    assert newest and newest.group(1) == metadata.version("docbot")


def test_readme_is_short():
    """The README is the front door, for the person who installs and runs docbot: at most 300 lines."""
    assert len(README.read_text(encoding="utf-8").splitlines()) <= 300


def update(kind: str, folder: Path) -> None:
    """Rewrite the README's samples of one kind with what docbot prints now (review the diff before committing)."""
    text = README.read_text(encoding="utf-8")
    out, at = [], 0
    for m in SAMPLE.finditer(text):
        if m.group(1) != kind:
            continue
        lines = []
        for cmd, _ in [(line[2:], None) for line in m.group(2).splitlines() if line.startswith("$ ")]:
            lines += [f"$ {cmd}", *(line.rstrip() for line in run(cmd, folder).rstrip("\n").splitlines())]
        out += [text[at:m.start(2)], "\n".join(lines) + "\n"]
        at = m.end(2)
    README.write_text("".join(out) + text[at:], encoding="utf-8")


if __name__ == "__main__":
    # python tests/test_readme.py --update: the `real` samples run again in a fresh folder and written back.
    import tempfile

    if sys.argv[1:] != ["--update"]:
        sys.exit("usage: python tests/test_readme.py --update")
    with tempfile.TemporaryDirectory() as tmp:
        (Path(tmp) / "documents").symlink_to(REPO / "documents")
        update("real", Path(tmp))
