"""One reader per file format: each turns a file's content into a title and a list of blocks."""

from __future__ import annotations

from dataclasses import dataclass, field

from ..documents import Block


class ReadError(Exception):
    """A file a reader cannot make sense of; the message is the reason shown to the user."""


@dataclass
class Reading:
    """What a reader found in a file: its own title (if it has one), its blocks and language."""

    title: str | None = None
    blocks: list[Block] = field(default_factory=list)
    language: str | None = None


class Sections:
    """The heading path at the current point of a document: push headings as they come, read the path."""

    def __init__(self) -> None:
        self._stack: list[tuple[int, str]] = []
        self.path: tuple[str, ...] = ()  # the open headings, outermost first

    def enter(self, level: int, text: str) -> tuple[str, ...]:
        """Open a heading of `level`, closing those at its level or below; the path ending with it."""
        while self._stack and self._stack[-1][0] >= level:
            self._stack.pop()
        self._stack.append((level, text))
        self.path = tuple(text for _, text in self._stack)
        return self.path
