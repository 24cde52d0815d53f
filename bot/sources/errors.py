"""What can go wrong with a source: each error says which source and what, in words an operator can act on."""

from __future__ import annotations


class SourceError(Exception):
    """A source that could not be added, fetched or found; the documents and the index were left as they were."""

    def __init__(self, name: str | None, problem: str) -> None:
        self.name = name
        self.problem = problem
        super().__init__(f"source {name}: {problem}" if name else problem)


class UnknownSourceError(SourceError):
    """No source has this name."""

    def __init__(self, name: str, known: list[str]) -> None:
        self.known = known
        listed = f"; the sources are {', '.join(known)}" if known else "; there are no sources"
        super().__init__(None, f"no source named {name!r}{listed}")
