"""Helpers for the scenarios: reading what the bot posted, and measuring the event loop."""

from __future__ import annotations

import asyncio
import re
import time
from dataclasses import dataclass, field

_ESCAPED = re.compile(r"\\([\\*_`~|>#\-\[\]()])")


def plain(markdown: str | None) -> str:
    """Text as a reader sees it: markdown escapes and defused mentions (zero-width spaces) removed."""
    return _ESCAPED.sub(r"\1", markdown or "").replace("\u200b", "")


def embed_text(message: dict) -> str:
    """All the text of a message's content and embeds, as a reader sees it."""
    parts = [message.get("content") or ""]
    for e in message.get("embeds") or []:
        parts += [e.get("title") or "", e.get("description") or "", (e.get("footer") or {}).get("text") or ""]
        for f in e.get("fields") or []:
            parts += [f["name"], f["value"]]
    return plain("\n".join(parts))


@dataclass(frozen=True)
class ShownCitation:
    """A citation as the bot shows it: an embed field named "[n] title" whose first line names the source."""

    n: int
    title: str
    source_line: str


_FIELD_NAME = re.compile(r"^\[(\d+)\] (.*)$", re.S)


def citations_shown(message: dict) -> list[ShownCitation]:
    """The citations in a message's embeds, in order."""
    out = []
    for e in message.get("embeds") or []:
        for f in e.get("fields") or []:
            m = _FIELD_NAME.match(plain(f["name"]))
            if m:
                out.append(ShownCitation(int(m[1]), m[2], plain(f["value"].split("\n")[0])))
    return out


def assert_same_citations(message: dict, expected: dict) -> None:
    """The message cites exactly the passages of a `docbot ask --json` answer, in its order."""
    shown = citations_shown(message)
    want = expected["citations"]
    assert [c.n for c in shown] == [c["n"] for c in want], (shown, want)
    for s, c in zip(shown, want, strict=True):
        title = " ".join(c["title"].split())
        # A title too long for its field is cut at a word, with an ellipsis.
        assert s.title == title or (s.title.endswith("…") and title.startswith(s.title[:-1].rstrip())), (s, c)
        assert c["location"] in s.source_line and c["document"] in s.source_line, (s, c)


@dataclass
class LoopLag:
    """Samples how late the event loop wakes a task that sleeps `period` seconds."""

    period: float = 0.01
    samples: list[tuple[float, float]] = field(default_factory=list)  # (when, lag in seconds)
    _task: asyncio.Task | None = None

    async def _run(self) -> None:
        while True:
            start = time.monotonic()
            await asyncio.sleep(self.period)
            now = time.monotonic()
            self.samples.append((now, max(0.0, now - start - self.period)))

    def start(self) -> LoopLag:
        self._task = asyncio.get_running_loop().create_task(self._run())
        return self

    async def stop(self) -> None:
        self._task.cancel()
        try:
            await self._task
        except asyncio.CancelledError:
            pass

    def max_between(self, start: float, end: float) -> float:
        """The worst lag of the samples taken between `start` and `end` (a sample ends after its wait)."""
        lags = [lag for when, lag in self.samples if start <= when <= end + self.period + lag]
        assert lags, "no event-loop samples in the window"
        return max(lags)

    def count_between(self, start: float, end: float) -> int:
        return sum(1 for when, _ in self.samples if start <= when <= end)
