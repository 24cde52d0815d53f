"""What can go wrong opening the bot's database, as errors a user can act on."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from index import DocbotError


class DatabaseError(DocbotError):
    """The bot's database cannot be used; the message says why and what to do."""


class DatabaseURLError(DatabaseError):
    """DOCBOT_DATABASE_URL is not a database URL docbot can use."""


class DatabaseUnavailableError(DatabaseError):
    """The database could not be opened or reached."""


class DatabaseReadOnlyError(DatabaseUnavailableError):
    """The SQLite database `file` can't be written: its folder (or the file) is read-only."""

    def __init__(self, file: Path, reason: str = "read-only") -> None:
        self.file = Path(file)
        self.folder = self.file.parent
        self.reason = reason
        super().__init__(f"cannot write the database {self.file} ({reason})")


class SchemaError(DatabaseError):
    """The database's tables are not those this docbot reads and writes.

    `reason` is "empty" (no docbot tables yet, read-only), "older" (read-only: a start of docbot upgrades it),
    "newer" (written by a later docbot) or "unknown" (tables docbot did not make).
    """

    def __init__(self, message: str, *, reason: Literal["empty", "older", "newer", "unknown"],
                 found: str | None, expected: str) -> None:
        super().__init__(message)
        self.reason = reason
        self.found = found
        self.expected = expected
