"""Memory of serving processes on one index: what a first and a second process cost, and what the models cost.

Usage: DOCBOT_DOCUMENTS_DIR=... DOCBOT_INDEX_DIR=... python benchmarks/serving_memory.py [processes=2]

Each process makes the engine as `docbot run` does, loads both models (an embedding of one word each), then
the index, then answers the questions of benchmarks/questions.txt, and reports its memory at each step from
/proc/self/smaps_rollup: RSS counts the pages it maps, shared ones included; USS (private) is what the
process alone holds, and what another process serving the same index adds. The processes run one after the
other, each staying alive until the last is measured, so the later ones find the index in the page cache.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent


def memory() -> dict[str, float]:
    """RSS, PSS and USS (private) of this process, in MiB."""
    fields: dict[str, int] = {}
    for line in Path("/proc/self/smaps_rollup").read_text().splitlines()[1:]:
        name, value = line.split(":", 1)
        fields[name] = int(value.split()[0])
    uss = fields["Private_Clean"] + fields["Private_Dirty"]
    return {"rss": round(fields["Rss"] / 1024, 1), "pss": round(fields["Pss"] / 1024, 1),
            "uss": round(uss / 1024, 1)}


def serve() -> None:
    """One serving process: report each step's memory as a JSON line, then wait for stdin to close."""
    sys.path.insert(0, str(REPO))
    from bot.service import make_engine
    from bot.settings import Settings

    steps = {"started": memory()}
    engine = make_engine(Settings())
    engine.embedder.embed(["docbot"], query=True)
    if engine.multilingual is not None:
        engine.multilingual.embed(["docbot"], query=True)
    steps["models"] = memory()
    engine.load()
    steps["index"] = memory()
    questions = [q for q in (HERE / "questions.txt").read_text(encoding="utf-8").splitlines() if q.strip()]
    for q in questions:
        engine.ask(q)
    steps[f"{len(questions)} questions"] = memory()
    print(json.dumps(steps), flush=True)
    sys.stdin.read()


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 2
    procs, reports = [], []
    try:
        for _ in range(n):
            p = subprocess.Popen([sys.executable, __file__, "--serve"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                 text=True, env={**os.environ, "PYTHONPATH": str(REPO)})
            procs.append(p)
            reports.append(json.loads(p.stdout.readline()))
    finally:
        for p in procs:
            p.stdin.close()
            p.wait()
    for i, steps in enumerate(reports, 1):
        print(f"process {i}: " + "; ".join(f"{step} RSS {m['rss']} / PSS {m['pss']} / USS {m['uss']} MiB"
                                             for step, m in steps.items()))
    first, second = reports[0], reports[-1]
    last = list(first)[-1]
    models = second["models"]["uss"] - second["started"]["uss"]
    beyond = second[last]["uss"] - second["models"]["uss"]
    print(f"models in a process: {models:.1f} MiB private; a further process adds {second[last]['uss']:.1f} MiB "
          f"private, {beyond:.1f} MiB of it beyond the models, "
          f"{100 * beyond / first[last]['rss']:.1f} % of the first process's RSS ({first[last]['rss']} MiB)")


if __name__ == "__main__":
    if sys.argv[1:] == ["--serve"]:
        serve()
    else:
        main()
