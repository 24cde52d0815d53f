"""Helpers shared by the benchmarks: figures as median (min–max), the machine, processes and their memory."""

from __future__ import annotations

import os
import platform
import resource
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


@dataclass
class Figure:
    """Repeated measurements of one thing; shown as median (min–max)."""

    values: list[float] = field(default_factory=list)

    def add(self, value: float) -> None:
        self.values.append(float(value))

    @property
    def median(self) -> float:
        return statistics.median(self.values) if self.values else float("nan")

    @property
    def low(self) -> float:
        return min(self.values) if self.values else float("nan")

    @property
    def high(self) -> float:
        return max(self.values) if self.values else float("nan")

    def show(self, unit: str = "", scale: float = 1.0, digits: int = 1) -> str:
        """'12.3 ms (11.9–13.0)'; a single value has no range."""
        if not self.values:
            return "–"
        f = f"{{:.{digits}f}}"
        mid = f.format(self.median * scale) + (f" {unit}" if unit else "")
        if len(self.values) == 1:
            return mid
        return f"{mid} ({f.format(self.low * scale)}–{f.format(self.high * scale)})"

    def to_dict(self) -> dict:
        return {"median": self.median, "min": self.low, "max": self.high, "n": len(self.values)}


def settings_models():
    """(MiniLM embedder, multilingual embedder or None) as `docbot ask` loads them from the DOCBOT_* settings."""
    from bot.service import limit_blas_threads, make_embedder, make_multilingual, prepare_embedder
    from bot.settings import Settings

    limit_blas_threads()
    settings = Settings()
    embedder = make_embedder(settings)
    prepare_embedder(embedder)
    return embedder, make_multilingual(settings)


def percentile(values: list[float], q: float) -> float:
    """The q-th percentile (0–100) by linear interpolation, as numpy does by default."""
    s = sorted(values)
    if not s:
        return float("nan")
    pos = (len(s) - 1) * q / 100.0
    lo = int(pos)
    hi = min(lo + 1, len(s) - 1)
    return s[lo] + (s[hi] - s[lo]) * (pos - lo)


def peak_rss_mb() -> float:
    """Peak resident set size of this process so far, in MiB (memory-mapped pages it touched included).

    VmHWM, not getrusage's ru_maxrss: Linux carries ru_maxrss across exec, so a child would report
    its parent's peak.
    """
    try:
        with open("/proc/self/status") as f:
            return next(int(line.split()[1]) for line in f if line.startswith("VmHWM:")) / 1024.0
    except (OSError, StopIteration, ValueError):
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def rss_mb() -> float:
    """Resident set size of this process now, in MiB."""
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def folder_mb(folder: Path) -> float:
    """Bytes of the files under a folder, in MB."""
    return sum(p.stat().st_size for p in Path(folder).rglob("*") if p.is_file()) / 1e6


def loadavg() -> str:
    """The 1-minute load average: the machine may be shared, and a busy one slows everything."""
    try:
        return f"{os.getloadavg()[0]:.1f}"
    except OSError:
        return "?"


def machine() -> str:
    """One line about the machine and the libraries that matter to the figures."""
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as f:
            cpu = next((line.split(":", 1)[1].strip() for line in f if line.startswith("model name")), cpu)
    except OSError:
        pass
    mem = ""
    try:
        with open("/proc/meminfo") as f:
            kb = int(next(line.split()[1] for line in f if line.startswith("MemTotal")))
        mem = f", {kb / 1024 / 1024:.0f} GiB RAM"
    except (OSError, StopIteration, ValueError):
        pass
    libs = []
    for name in ("onnxruntime", "torch", "sentence_transformers", "faiss", "bm25s"):
        try:
            from importlib.metadata import version

            dist = {"faiss": "faiss-cpu", "sentence_transformers": "sentence-transformers"}.get(name, name)
            libs.append(f"{name} {version(dist)}")
        except Exception:  # noqa: BLE001 - a missing library is simply not listed
            pass
    return (f"{cpu}, {os.cpu_count()} cores{mem}, no GPU; Linux {platform.release()}; "
            f"Python {platform.python_version()}; " + ", ".join(libs))


def docbot_command() -> list[str]:
    """The `docbot` console script of this interpreter's environment (or `python -m bot`)."""
    script = Path(sys.executable).with_name("docbot")
    return [str(script)] if script.exists() else [sys.executable, "-m", "bot"]


def docbot_env(index_dir: Path, documents_dir: Path, backend: str) -> dict[str, str]:
    """The environment of a `docbot` process over the benchmark's own index and documents."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("DOCBOT_")}
    env.update(DOCBOT_INDEX_DIR=str(index_dir), DOCBOT_DOCUMENTS_DIR=str(documents_dir),
               DOCBOT_EMBEDDING_BACKEND=backend, DOCBOT_LOG_LEVEL="WARNING", HF_HUB_OFFLINE="1",
               DOCBOT_MULTILINGUAL="false")  # the MiniLM backends against their floor; e5 is measured apart
    return env


def time_until_first_line(cmd: list[str], env: dict[str, str], cwd: Path, timeout: float = 120.0) -> float:
    """Seconds from starting a process to the first line it prints on stdout; the process must exit 0."""
    started = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    line = proc.stdout.readline()
    first = time.perf_counter() - started
    out, err = proc.communicate(timeout=timeout)
    if proc.returncode != 0 or not line.strip():
        raise RuntimeError(f"{' '.join(cmd)} exited {proc.returncode}: {err.strip()[-500:]}")
    return first


def run_timed(cmd: list[str], env: dict[str, str], cwd: Path, timeout: float = 600.0) -> tuple[float, str]:
    """Seconds a process takes from start to exit, and its stdout; it must exit 0."""
    started = time.perf_counter()
    proc = subprocess.run(cmd, env=env, cwd=cwd, capture_output=True, text=True, timeout=timeout)
    took = time.perf_counter() - started
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} exited {proc.returncode}: {proc.stderr.strip()[-500:]}")
    return took, proc.stdout


def questions() -> list[str]:
    """The benchmark's questions: French and English, answerable and not, about the shipped documents."""
    path = Path(__file__).with_name("questions.txt")
    return [line.strip() for line in path.read_text(encoding="utf-8").splitlines()
            if line.strip() and not line.startswith("#")]
