"""How much docbot logs, and where: warnings only for people at a terminal, INFO for the Discord bot."""

from __future__ import annotations

import logging
import os
import sys

# Libraries that log at INFO what their callers already say (or progress bars as log lines).
_NOISY = ("sentence_transformers", "httpx", "huggingface_hub", "transformers", "faiss", "bm25s", "asyncio")


class _Handler(logging.StreamHandler):
    """docbot's own handler on stderr, replaced (not added to) when logging is set up again.

    It writes to whatever sys.stderr is when a record comes, not to the stream of its creation.
    """

    @property
    def stream(self):  # noqa: D102
        return sys.stderr

    @stream.setter
    def stream(self, value) -> None:
        pass


def level_for(setting: str | None, verbose: int, default: str) -> int:
    """The log level: `-v` (INFO) or `-vv` (DEBUG) first, then DOCBOT_LOG_LEVEL, then the command's default."""
    if verbose:
        return logging.DEBUG if verbose > 1 else logging.INFO
    return logging.getLevelName(setting or default)


def setup_logging(level: int, *, timestamps: bool = False) -> None:
    """Log to stderr from `level` up; with `timestamps`, as a service's log (the Discord bot)."""
    # Model loading draws progress bars on the terminal; the log says what was loaded.
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    root = logging.getLogger()
    for handler in [h for h in root.handlers if isinstance(h, _Handler)]:
        root.removeHandler(handler)
    handler = _Handler()
    fmt = "%(asctime)s %(levelname)s %(name)s: %(message)s" if timestamps else "%(levelname)s %(name)s: %(message)s"
    handler.setFormatter(logging.Formatter(fmt))
    root.addHandler(handler)
    root.setLevel(level)
    # bm25s sets its logger to DEBUG when imported, which would undo the levels set below; every
    # command that logs imports it sooner or later, so importing it here first costs nothing.
    import bm25s  # noqa: F401

    for noisy in _NOISY:
        logging.getLogger(noisy).setLevel(max(level, logging.WARNING))
