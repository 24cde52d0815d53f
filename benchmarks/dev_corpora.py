"""Every dev question set, scored on its corpus with docbot's defaults and with the plain baseline.

usage: python benchmarks/dev_corpora.py [--work DIR] [--corpora DIR] [--reuse] [--no-baseline] [--sets a,b]

For each corpus: lay it out if it is missing (benchmarks/corpora/fetch_*.sh, ../shared/realdocs/fetch.sh;
those that need apt-get need root), build docbot's index and the baseline's (benchmarks/baseline.py)
under --work, then run ../shared/tools/score.py on each of its question sets, once with `docbot ask --json`
and once with the baseline. Prints one line per set and pipeline: score.py's summary line; a set with
questions tagged "kind": "long" gets a second line, "<set>-long", for those alone. With --reuse,
indexes already under --work are kept (answer-step changes need no rebuild); without it, each is built
afresh. The held-out corpus (heldout) is scored only when --sets names it. Builds of the real corpora
take minutes each; they run one at a time. Called by benchmarks/run.py
(`make bench`); ../shared (score.py, the dev questions) is found beside the repository or at $DOCBOT_SHARED.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.common import ROOT, docbot_command  # noqa: E402

BENCH = ROOT / "benchmarks"


@dataclass(frozen=True)
class Corpus:
    name: str
    folder: str  # under --corpora, or a path relative to the repository when it starts with "./"
    fetch: str | None  # the script that lays it out: relative to the repository, or "shared:" + relative to ../shared
    sets: tuple[tuple[str, str], ...]  # (set name, questions file: relative to the repository, or "shared:...")
    held_out: bool = False  # scored only when named in --sets: never tuned on (benchmarks/corpora/README.md)


CORPORA = (
    Corpus("articles", "./documents", None, (
        ("articles-dev", "shared:eval/questions.jsonl"),
        ("followups-dev", "shared:eval/followups.jsonl"),
        ("everyday-articles", "benchmarks/everyday_articles.jsonl"),
    )),
    Corpus("realdocs", "realdocs-dev", "shared:realdocs/fetch.sh", (
        ("realdocs-dev", "shared:realdocs/questions.jsonl"),
        ("everyday-realdocs", "benchmarks/everyday_realdocs.jsonl"),
    )),
    Corpus("calib", "calib-corpus", "benchmarks/corpora/fetch_calibration.sh", (
        ("calib", "benchmarks/calibration_realdocs2.jsonl"),
    )),
    Corpus("gitdoc", "gitdoc-corpus", "benchmarks/corpora/fetch_gitdoc.sh", (
        ("gitdoc", "benchmarks/gitdoc.jsonl"),
    )),
    Corpus("etalab", "etalab-corpus", "benchmarks/corpora/fetch_etalab.sh", (
        ("etalab", "benchmarks/etalab.jsonl"),
    )),
    Corpus("heldout", "heldout-corpus", "benchmarks/corpora/fetch_heldout.sh", (
        ("heldout", "benchmarks/heldout.jsonl"),
    ), held_out=True),
)


def say(message: str) -> None:
    print(f"[dev-corpora {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def shared_folder() -> Path | None:
    """../shared: score.py and the dev questions, which live beside the repository, not in it."""
    for candidate in (os.environ.get("DOCBOT_SHARED"), ROOT.parent / "shared", ROOT.parent.parent / "shared"):
        if candidate and (Path(candidate) / "tools" / "score.py").is_file():
            return Path(candidate)
    return None


def resolve(ref: str, shared: Path | None) -> Path | None:
    if ref.startswith("shared:"):
        return shared / ref.removeprefix("shared:") if shared else None
    return ROOT / ref


def layout(c: Corpus, corpora: Path, shared: Path | None) -> Path | None:
    """The corpus's documents folder, laid out by its fetch script if it is missing (None if that fails)."""
    if c.folder.startswith("./"):
        return ROOT / c.folder
    folder = corpora / c.folder
    if folder.is_dir() and any(folder.iterdir()):
        return folder
    script = resolve(c.fetch, shared) if c.fetch else None
    if script is None or not script.is_file():
        say(f"{c.name}: {folder} is missing and there is no fetch script to lay it out")
        return None
    say(f"{c.name}: laying out {folder} with {script.name}")
    done = subprocess.run(["bash", str(script), str(folder)], capture_output=True, text=True, check=False)
    if done.returncode != 0:
        say(f"{c.name}: {script.name} failed: {done.stderr.strip()[-500:]}")
        return None
    return folder


def docbot_env(index: Path, documents: Path | None = None) -> dict[str, str]:
    """The environment with docbot's defaults: no DOCBOT_* setting but the folders."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("DOCBOT_")}
    env.update(HF_HUB_OFFLINE="1", DOCBOT_INDEX_DIR=str(index), PYTHONPATH=str(ROOT))
    if documents is not None:
        env["DOCBOT_DOCUMENTS_DIR"] = str(documents)
    return env


def build(c: Corpus, documents: Path, work: Path, reuse: bool, baseline: bool) -> dict[str, str | None]:
    """Build docbot's index and the baseline's; the error of each that failed (None when it built)."""
    errors: dict[str, str | None] = {"docbot": None, "baseline": None}
    index, base = work / c.name / "index", work / c.name / "baseline"
    if not (reuse and (index / "current").exists()):
        shutil.rmtree(index, ignore_errors=True)
        say(f"{c.name}: docbot index of {documents}")
        t = time.perf_counter()
        done = subprocess.run([*docbot_command(), "index"], env=docbot_env(index, documents),
                              cwd=ROOT, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            errors["docbot"] = (done.stderr or done.stdout).strip()[-300:] or f"exit {done.returncode}"
        say(f"{c.name}: docbot index took {time.perf_counter() - t:.0f} s")
    if baseline and not (reuse and (base / "manifest.json").exists()):
        shutil.rmtree(base, ignore_errors=True)
        say(f"{c.name}: baseline chunks and vectors")
        done = subprocess.run([sys.executable, str(BENCH / "baseline.py"), "build", str(documents), str(base)],
                              env=docbot_env(index), capture_output=True, text=True, check=False)
        if done.returncode != 0:
            errors["baseline"] = done.stderr.strip()[-300:] or f"exit {done.returncode}"
    return errors


def score(questions: Path, command: list[str], env: dict[str, str], score_py: Path, out: Path) -> str:
    """score.py's summary line for one question set (its misses written to `out`)."""
    done = subprocess.run([sys.executable, str(score_py), str(questions), "--show-misses",
                           "--cmd", subprocess.list2cmdline(command)],
                          env=env, cwd=ROOT, capture_output=True, text=True, check=False)
    out.write_text(done.stdout + done.stderr, encoding="utf-8")
    lines = done.stdout.strip().splitlines()
    return lines[-1] if lines else f"score.py failed: {done.stderr.strip()[-300:]}"


def long_subsets(sets: list[tuple[str, Path | None]], work: Path) -> list[tuple[str, Path]]:
    """("<set>-long", a file of its questions tagged "kind": "long") for each set that has some."""
    out = []
    for name, questions in sets:
        if questions is None or not questions.is_file():
            continue
        rows = [line for line in questions.read_text(encoding="utf-8").splitlines()
                if line.strip() and json.loads(line).get("kind") == "long"]
        if rows:
            subset = work / f"{name}-long.jsonl"
            subset.write_text("\n".join(rows) + "\n", encoding="utf-8")
            out.append((f"{name}-long", subset))
    return out


def run(work: Path, corpora: Path, reuse: bool = False, baseline: bool = True,
        only: set[str] | None = None) -> list[str]:
    """One line per question set and pipeline ("<set> docbot: ..." and "<set> baseline: ...")."""
    shared = shared_folder()
    if shared is None:
        return ["dev corpora: skipped (../shared/tools/score.py not found; set DOCBOT_SHARED)"]
    score_py = shared / "tools" / "score.py"
    work.mkdir(parents=True, exist_ok=True)
    lines = []
    for c in CORPORA:
        sets = [(name, resolve(q, shared)) for name, q in c.sets
                if (name in only or c.name in only if only else not c.held_out)]
        if not sets:
            continue
        documents = layout(c, corpora, shared)
        if documents is None:
            lines += [f"{name}: skipped (corpus {c.name} could not be laid out)" for name, _ in sets]
            continue
        errors = build(c, documents, work, reuse, baseline)
        index, base = work / c.name / "index", work / c.name / "baseline"
        for name, questions in [*sets, *long_subsets(sets, work)]:
            if questions is None or not questions.is_file():
                lines.append(f"{name}: skipped ({questions} not found)")
                continue
            say(f"{name}: scoring {questions.name}")
            if errors["docbot"]:
                lines.append(f"{name} docbot: build failed: {errors['docbot']}")
            else:
                cmd = [*docbot_command(), "ask", "--json", "--no-log"]
                lines.append(f"{name} docbot: " + score(questions, cmd, docbot_env(index), score_py,
                                                        work / f"{name}.docbot.txt"))
            if not baseline:
                continue
            if errors["baseline"]:
                lines.append(f"{name} baseline: build failed: {errors['baseline']}")
            else:
                cmd = [sys.executable, str(BENCH / "baseline.py"), "ask", str(base)]
                lines.append(f"{name} baseline: " + score(questions, cmd, docbot_env(index), score_py,
                                                          work / f"{name}.baseline.txt"))
    return lines


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    tmp = Path(os.environ.get("TMPDIR", "/tmp"))
    ap.add_argument("--work", type=Path, default=tmp / "docbot-dev-corpora", help="indexes and misses go here")
    ap.add_argument("--corpora", type=Path, default=tmp, help="the corpora's folders (laid out here if missing)")
    ap.add_argument("--reuse", action="store_true", help="keep indexes already built under --work")
    ap.add_argument("--no-baseline", action="store_true", help="score docbot alone")
    ap.add_argument("--sets", default="",
                    help="comma-separated set or corpus names (default: all but the held-out one)")
    a = ap.parse_args(argv)
    only = {s for s in a.sets.split(",") if s}
    for line in run(a.work, a.corpora, a.reuse, not a.no_baseline, only):
        print(line, flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
