"""`make bench`: docbot against the raw floor, its builds and cold start, docbot at 10k and 100k passages,
a full build of real documentation, and every dev question set against the plain baseline (dev_corpora.py).

usage: python benchmarks/run.py [--repeats 7] [--backends onnx,onnx-int8,torch] [--scale 10000,100000]
                               [--realdocs DIR] [--only realdocs|devcorpora] [--json FILE]

Everything is measured in this one run, on the shipped documents (copied to a temporary folder)
and the questions of benchmarks/questions.txt, with docbot's default settings (DOCBOT_* variables
are ignored). Each figure is the median over repeats, with min–max. One table is printed on stdout;
progress goes to stderr.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks import dev_corpora
from benchmarks.common import (
    ROOT,
    Figure,
    docbot_command,
    docbot_env,
    loadavg,
    machine,
    questions,
    run_timed,
    time_until_first_line,
)


def say(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def bench_backend(work: Path, backend: str, repeats: int, build_repeats: int, cold_repeats: int) -> dict:
    """Questions and full builds (in a process of their own), then rebuilds and cold starts."""
    index_dir, documents_dir = work / f"index-{backend}", work / f"documents-{backend}"
    shutil.copytree(ROOT / "documents", documents_dir)
    cmd, env = docbot_command(), docbot_env(index_dir, documents_dir, backend)

    # The first `docbot index`, as on a fresh clone: for ONNX it also exports the model, once.
    export = " (exports the model to ONNX)" if backend.startswith("onnx") else ""
    say(f"{backend}: first `docbot index`{export}")
    first, _ = run_timed([*cmd, "index"], env, cwd=work)

    # In a process of its own: one backend per process, as docbot runs (torch and ONNX Runtime in
    # one process slow each other down).
    say(f"{backend}: full builds and questions, in a new process")
    script = str(Path(__file__).with_name("backend.py"))
    proc = subprocess.run([sys.executable, script, backend, str(work), str(repeats), str(build_repeats)],
                          capture_output=True, text=True, env=env, check=False)
    if proc.returncode != 0:
        raise RuntimeError(f"benchmarks/backend.py {backend} failed: {proc.stderr[-2000:]}")
    r = json.loads(proc.stdout.strip().splitlines()[-1])
    out = {k: Figure(v) if isinstance(v, list) and k != "re_embedded" else v for k, v in r.items()}
    out["first_index"] = first

    # `docbot index` as people run it, in a new process: one document changed, then nothing changed.
    changed_doc = sorted(documents_dir.glob("*.txt"))[0]
    say(f"{backend}: {build_repeats} × `docbot index` with one document changed, then with nothing changed")
    unchanged, one_changed, re_embedded = Figure(), Figure(), []
    for i in range(build_repeats):
        with open(changed_doc, "a", encoding="utf-8") as f:
            f.write(f"\nMise à jour numéro {i + 1} du banc d'essai : un paragraphe ajouté à la fin.\n")
        took, text = run_timed([*cmd, "index"], env, cwd=work)
        if "1 updated" not in text:
            raise RuntimeError(f"expected one updated document, got: {text.strip()}")
        one_changed.add(took)
        re_embedded.append(int(re.search(r"\((\d+) embedded\)", text).group(1)))
        took, text = run_timed([*cmd, "index"], env, cwd=work)
        if "up to date" not in text:
            raise RuntimeError(f"expected an index up to date, got: {text.strip()}")
        unchanged.add(took)

    # Cold start: a new `docbot ask` process, from its start to the first answer it prints.
    say(f"{backend}: {cold_repeats} cold starts of `docbot ask`")
    cold = Figure()
    qs = questions()
    for i in range(cold_repeats):
        cold.add(time_until_first_line([*cmd, "ask", "--json", qs[i % len(qs)]], env, cwd=work))
    out.update(unchanged=unchanged, one_changed=one_changed, re_embedded=re_embedded, cold=cold)
    return out


def bench_scale(work: Path, n: int, exports: Path) -> dict:
    """Build a synthetic index of about n passages, then serve it from a fresh process."""
    script = str(Path(__file__).with_name("scale.py"))
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    say(f"scale {n}: writing and indexing a synthetic corpus")
    built = subprocess.run([sys.executable, script, "build", str(n), str(work)], capture_output=True,
                           text=True, env=env, check=False)
    if built.returncode != 0:
        raise RuntimeError(f"scale build {n} failed: {built.stderr[-1500:]}")
    say(f"scale {n}: serving it from a new process")
    served = subprocess.run([sys.executable, script, "serve", str(n), str(work), str(exports)],
                            capture_output=True, text=True, env=env, check=False)
    if served.returncode != 0:
        raise RuntimeError(f"scale serve {n} failed: {served.stderr[-1500:]}")
    out = {"n": n, "build": json.loads(built.stdout.strip().splitlines()[-1]),
           "serve": json.loads(served.stdout.strip().splitlines()[-1])}
    shutil.rmtree(work / f"index-{n}", ignore_errors=True)
    shutil.rmtree(work / f"documents-{n}", ignore_errors=True)
    return out


def realdocs_folder(wanted: Path) -> Path | None:
    """The real documentation corpus: `wanted`, or laid out there by ../shared/realdocs/fetch.sh (root only)."""
    if wanted.is_dir() and any(wanted.iterdir()):
        return wanted
    fetch = ROOT.parent / "shared" / "realdocs" / "fetch.sh"
    if not fetch.is_file() or os.geteuid() != 0:
        return None
    say(f"realdocs: laying out {wanted} with {fetch} (apt-get)")
    done = subprocess.run(["bash", str(fetch), str(wanted)], capture_output=True, text=True, check=False)
    return wanted if done.returncode == 0 and wanted.is_dir() else None


def bench_realdocs(work: Path, documents: Path, backend: str) -> dict:
    """A full build of the real corpus and the raw encode of its passages, in a process of their own."""
    say(f"realdocs: full build of {documents} and raw encode of its passages ({backend}); this takes minutes")
    # The ONNX export is made once by a `docbot index` of its own (as users get it), not in the
    # measured process: it loads torch, which would count in the build's memory.
    # With the default settings, the multilingual signal's export too.
    run_timed([*docbot_command(), "index"], {**docbot_env(work / "index-realdocs", ROOT / "documents", backend),
                                             "DOCBOT_MULTILINGUAL": "true"}, cwd=work)
    # The build as operators run it: `docbot index --force` in a process of its own, its peak RSS read at its exit.
    say("realdocs: `docbot index --force` in a new process: its time and peak RSS")
    env = {**docbot_env(work / "index-realdocs", documents, backend), "DOCBOT_MULTILINGUAL": "true"}
    cli_s, cli_peak = build_peak(env, work)
    script = str(Path(__file__).with_name("realdocs.py"))
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    done = subprocess.run([sys.executable, script, str(documents), str(work), backend], capture_output=True,
                          text=True, env=env, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"benchmarks/realdocs.py failed: {done.stderr[-1500:]}")
    shutil.rmtree(work / "index-realdocs", ignore_errors=True)
    return {**json.loads(done.stdout.strip().splitlines()[-1]), "cli_build_s": cli_s, "cli_build_peak_rss_mb": cli_peak}


# `docbot` run in this interpreter, printing its peak RSS (VmHWM) on stderr as it exits, whatever its exit code.
_PEAK = """
import atexit, sys
def _peak():
    with open("/proc/self/status") as f:
        kb = next((line.split()[1] for line in f if line.startswith("VmHWM:")), "0")
    print(f"PEAK_RSS_KB {kb}", file=sys.stderr, flush=True)
atexit.register(_peak)
sys.argv = ["docbot", *sys.argv[1:]]
from bot.cli import main
main()
"""


def build_peak(env: dict[str, str], cwd: Path) -> tuple[float, float]:
    """Seconds and peak RSS (MiB) of a full `docbot index --force`, in a new process (models exported already)."""
    started = time.perf_counter()
    proc = subprocess.run([sys.executable, "-c", _PEAK, "index", "--force"], env=env, cwd=cwd, capture_output=True,
                          text=True, timeout=3600)
    took = time.perf_counter() - started
    peak = re.search(r"PEAK_RSS_KB (\d+)", proc.stderr)
    if proc.returncode != 0 or peak is None:
        raise RuntimeError(f"docbot index --force exited {proc.returncode}: {proc.stderr.strip()[-500:]}")
    return took, int(peak.group(1)) / 1024


def realdocs_rows(r: dict, documents: Path) -> list[tuple[str, str, str, str, str]]:
    """The real corpus's rows of the table."""
    n = r["passages"]
    return [
        (f"Real docs ({documents.name}): passages", f"{n:,} from {r['documents']} documents",
         f"{r['repeated']:,} repeated texts stored once ({r['places']:,} places); "
         f"{r['short'] / max(n, 1):.1%} under 5 words", "", "< 3 % short"),
        (f"Real docs: full build — {r['backend']}{' + multilingual-e5' if r['multilingual'] else ''}",
         f"{r['build_s']:.0f} s; {n / r['build_s']:.1f} passages/s",
         f"{r['encode_s'] + r['encode_multilingual_s']:.0f} s raw encode of the same texts, same models and runtime"
         + (f" (MiniLM {r['encode_s']:.0f} s, e5 {r['encode_multilingual_s']:.0f} s)" if r["multilingual"] else ""),
         f"{r['build_s'] / (r['encode_s'] + r['encode_multilingual_s']):.2f}", "≤ 1.1"),
        (f"Real docs: question p50 / p95 — default settings ({r['questions']} questions × 3)",
         f"{r['ask_p50_ms']:.1f} / {r['ask_p95_ms']:.1f} ms",
         f"{r['floor_p50_ms']:.1f} / {r['floor_p95_ms']:.1f} ms: the question's encode by each model and exact FAISS",
         f"{r['ask_p50_ms'] / r['floor_p50_ms']:.2f}", "p50 ≤ 20 ms"),
        ("Real docs: peak RSS / index on disk", f"{r['peak_rss_mb']:.0f} MiB / {r['disk_mb']:.0f} MB",
         f"model loaded: {r['rss_model_mb']:.0f} MiB; vectors stored once ({len(r['files'])} files)", "", ""),
        ("Real docs: `docbot index --force`, a new process — peak RSS / time",
         f"{r['cli_build_peak_rss_mb']:.0f} MiB / {r['cli_build_s']:.0f} s",
         "both models loaded by the build itself (their ONNX exports made before); VmHWM at exit", "",
         "≤ 900 MiB"),
    ]


def _mins(seconds: float) -> str:
    return f"{seconds / 60:.0f} min" if seconds >= 120 else f"{seconds:.0f} s"


def table(results: list[dict], scales: list[dict], default: str, real: list[tuple] = ()) -> str:
    """The one table: docbot, the floor or reference it is held against, the ratio and the goal."""
    rows = [("Measure", "docbot", "Floor / reference", "Ratio", "Goal")]

    def label(r: dict) -> str:
        return f"{r['backend']}{' (default)' if r['backend'] == default else ''}"

    for r in results:
        rows.append((f"Question, warm — {label(r)}", r["ask"].show("ms", 1000, 2),
                     f"{r['raw_ask'].show('ms', 1000, 2)} encode + exact FAISS (encode alone in docbot: "
                     f"{r['embed'].show('ms', 1000, 2)})", r["ratio"].show("", 1, 2), "≤ 1.3"))
    for r in results:
        n = r["passages"]
        tput = Figure([n / v for v in r["build"].values])
        raw_tput = Figure([n / v for v in r["encode"].values])
        share = Figure([e / b for b, e in zip(r["build"].values, r["encode"].values, strict=True)])
        rows.append((f"Full index, {n} passages — {label(r)}", f"{r['build'].show('s', 1, 2)}; "
                     f"{tput.show('passages/s', 1, 0)}",
                     f"{r['encode'].show('s', 1, 2)} raw encode; {raw_tput.show('passages/s', 1, 0)}",
                     share.show("", 1, 2), "≥ 0.9"))
    for r in results:
        emb = sorted(set(r["re_embedded"]))
        rows.append((f"`docbot index`, nothing changed — {label(r)}", r["unchanged"].show("s", 1, 2),
                     "new process each time", "", ""))
        rows.append((f"`docbot index`, one document changed — {label(r)}", r["one_changed"].show("s", 1, 2),
                     f"new process; {'/'.join(map(str, emb))} passages re-embedded", "", ""))
    for r in results:
        rows.append((f"First `docbot index` — {label(r)}", f"{r['first_index']:.1f} s",
                     "new process, no index yet" + ("; includes the one-time ONNX export"
                                                    if r["backend"].startswith("onnx") else ""), "", ""))
    for r in results:
        rows.append((f"Cold start to first answer — {label(r)}", r["cold"].show("s", 1, 2),
                     "new `docbot ask` process, index on disk", "", "≤ 3 s"))
    onnx = next((r for r in results if r["backend"] == default), results[0] if results else None)
    tput = Figure([onnx["passages"] / v for v in onnx["build"].values]).median if onnx else float("nan")
    for s in scales:
        b, v = s["build"], s["serve"]
        n = b["passages"]
        approx = v["faiss_index"] != "IndexFlatIP"
        rows.append((f"{s['n'] // 1000}k passages ({n:,}): question p50 / p95",
                     f"{v['p50_ms']:.1f} / {v['p95_ms']:.1f} ms",
                     f"{v['questions']} questions, end to end, {v['faiss_index']}", "", ""))
        extrapolated = n / tput + b["faiss_build_s"]
        rows.append((f"{s['n'] // 1000}k: peak RSS / index on disk / index load",
                     f"{v['peak_rss_mb']:.0f} MiB / {b['disk_mb']:.0f} MB / {v['load_s']:.1f} s",
                     f"model and libraries alone: {v['rss_before_index_mb']:.0f} MiB", "", ""))
        rows.append((f"{s['n'] // 1000}k: full build (extrapolated)", f"≈ {_mins(extrapolated)}",
                     f"{n:,} ÷ {tput:.0f} passages/s + {b['faiss_build_s']:.0f} s {b['faiss_index']} build "
                     f"(measured at this size)", "", ""))
        if approx:
            rows.append((f"{s['n'] // 1000}k: HNSW recall@10 / @50 vs exact; search time",
                         f"{v['recall10']:.3f} / {v['recall50']:.3f}; {v['ann_ms']:.2f} ms",
                         f"exact (flat) search {v['exact_ms']:.1f} ms",
                         f"{v['exact_ms'] / v['ann_ms']:.0f}× faster", "≥ 0.98"))
        else:
            rows.append((f"{s['n'] // 1000}k: vector search", f"exact (flat), {v['exact_ms']:.2f} ms",
                         "", "", ""))
    rows.extend(real)
    widths = [max(len(r[i]) for r in rows) for i in range(5)]
    lines = ["| " + " | ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) + " |" for r in rows]
    lines.insert(1, "|" + "|".join("-" * (w + 2) for w in widths) + "|")
    return "\n".join(lines)


def scales_wanted(spec: str) -> bool:
    return any(n for n in spec.split(","))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=7, help="rounds of questions per backend")
    ap.add_argument("--build-repeats", type=int, default=3, help="full builds and rebuilds per backend")
    ap.add_argument("--cold-repeats", type=int, default=5, help="cold starts per backend")
    ap.add_argument("--backends", default="onnx,onnx-int8,torch")
    ap.add_argument("--scale", default="10000,100000", help="passages of the synthetic corpora ('' for none)")
    ap.add_argument("--realdocs", type=Path,
                    default=Path(os.environ.get("TMPDIR", "/tmp")) / "realdocs-dev",
                    help="the real documentation corpus (laid out by ../shared/realdocs/fetch.sh if missing)")
    ap.add_argument("--only", choices=["realdocs", "devcorpora"], help="run only this part")
    ap.add_argument("--skip", choices=["realdocs", "devcorpora"],
                    help="leave this part out (realdocs: the dev question sets too, which need real corpora)")
    ap.add_argument("--json", type=Path, help="also write every measurement to this file")
    a = ap.parse_args(argv)
    if a.only == "devcorpora":  # every dev question set, docbot and the baseline (benchmarks/dev_corpora.py)
        return dev_corpora.main([])
    if a.only == "realdocs":
        a.backends, a.scale = "", ""

    ignored = sorted(k for k in os.environ if k.startswith("DOCBOT_"))
    for k in ignored:
        del os.environ[k]
    if ignored:
        say(f"ignoring {', '.join(ignored)}: the benchmark measures the defaults")
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    for noisy in ("bm25s", "sentence_transformers", "transformers"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    from bot.settings import Settings

    default = Settings(_env_file=None).embedding_backend
    started, load_before = time.perf_counter(), loadavg()
    work = Path(tempfile.mkdtemp(prefix="docbot-bench-"))
    try:
        results = [bench_backend(work, b, a.repeats, a.build_repeats, a.cold_repeats)
                   for b in a.backends.split(",") if b]
        exports = work / "index-onnx" / "models"
        if scales_wanted(a.scale) and not exports.exists():
            say("exporting the model to ONNX for the scale runs")
            env = docbot_env(work / "index-onnx", ROOT / "documents", "onnx")
            run_timed([*docbot_command(), "index"], env, cwd=work)
        scales = [bench_scale(work, int(n), exports) for n in a.scale.split(",") if n]
        documents = None if a.skip == "realdocs" else realdocs_folder(a.realdocs)
        real = bench_realdocs(work, documents, default) if documents else None
    finally:
        shutil.rmtree(work, ignore_errors=True)
    took = time.perf_counter() - started

    print(table(results, scales, default, realdocs_rows(real, documents) if real else []))
    print()
    if real is None and a.skip != "realdocs":
        print(f"Real docs: skipped ({a.realdocs} is missing, and ../shared/realdocs/fetch.sh could not lay it out).")
    print(f"Machine: {machine()}. Load average (1 min) {load_before} at the start, {loadavg()} at the end; "
          f"the run took {took / 60:.1f} min.")
    if results:
        print("Each figure: median over repeats (min–max). Questions: benchmarks/questions.txt, "
              f"{len(questions())} French and English questions, a few out of scope; per question, the mean of "
              f"a round, {a.repeats} rounds. Floor: the same loaded model's encode(question) and an exact FAISS "
              "search over the same passages' vectors, nothing else. Builds: in-process with the model loaded; "
              "`docbot index` and cold starts: new processes.")
    if scales:
        print("Scale: synthetic corpora (see benchmarks/scale.py): real sentences recombined into passages, "
              "passage vectors drawn from a low-rank Gaussian model, not embedded; questions embedded by the "
              "real model. Memory-mapped on load: the FAISS vectors (IO_FLAG_MMAP_IFC; numpy reads the same pages), "
              "the BM25 matrices (bm25s); peak RSS counts the mapped pages a process has touched.")
    if a.only is None and a.skip is None:
        print("\nDev question sets (benchmarks/dev_corpora.py; score.py's summary, docbot then the baseline):")
        dev_work = Path(tempfile.mkdtemp(prefix="docbot-dev-corpora-"))
        print("\n".join(dev_corpora.run(dev_work, a.realdocs.parent)))
        shutil.rmtree(dev_work, ignore_errors=True)
    if a.json:
        def plain(x):
            return x.to_dict() if isinstance(x, Figure) else x

        a.json.write_text(json.dumps({"results": [{k: plain(v) for k, v in r.items()} for r in results],
                                      "scale": scales, "realdocs": real, "machine": machine(), "seconds": took},
                                     indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
