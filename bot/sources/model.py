"""A source: where a folder of the documents comes from (a website or a git repository), and its name."""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

from .errors import SourceError

Kind = Literal["website", "git"]
# A name is a folder of the documents and a word on the command line: no spaces, no dots first (hidden).
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$")


@dataclass(frozen=True)
class Source:
    """A website or a git repository laid out under documents/<name>/."""

    name: str
    kind: Kind
    url: str
    branch: str | None = None  # git only; the remote's default branch when None
    subdir: str | None = None  # git only: the folder of the repository to keep
    added_at: float = 0.0
    synced_at: float | None = None  # the end of the last sync that succeeded
    error: str | None = None  # the last sync's failure, cleared by a success

    def synced(self, error: str | None = None) -> Source:
        """The source after a sync: its time when it succeeded, its error when not."""
        return replace(self, error=error) if error else replace(self, synced_at=time.time(), error=None)


def check_name(name: str) -> str:
    """The name, if it can be a folder name and a command-line word; SourceError if not."""
    if not _NAME.match(name):
        raise SourceError(None, f"invalid source name {name!r}: use letters, digits, '-' and '_' "
                                "(at most 64, not starting with '-' or '_')")
    return name


def kind_of(url: str) -> Kind:
    """Whether a URL is a git repository (a .git URL, git@, file:// or a local folder) or a website (http[s]://)."""
    parts = urlsplit(url)
    if url.startswith("git@") or parts.scheme in ("git", "ssh", "file") or parts.path.rstrip("/").endswith(".git"):
        return "git"
    if parts.scheme in ("http", "https"):
        return "website"
    if parts.scheme == "" and Path(url).expanduser().is_dir():
        return "git"
    raise SourceError(None, f"not a website or git repository URL: {url!r} (expected an https:// URL, a .git URL "
                            "or the path of a local repository)")


def default_name(url: str) -> str:
    """A name made from the URL: a repository's name, or a site's host and first path word."""
    parts = urlsplit(url if "://" in url or not url.startswith("git@") else "ssh://" + url.replace(":", "/", 1))
    words = [w for w in parts.path.split("/") if w]
    if kind_of(url) == "git":
        stem = words[-1] if words else "repository"
        stem = stem[:-4] if stem.endswith(".git") else stem
    else:
        host = (parts.hostname or "site").removeprefix("www.")
        stem = "-".join([host.split(".")[0] if host.count(".") else host, *words[:1]])
        stem = re.sub(r"\.[A-Za-z0-9]+$", "", stem)
    stem = re.sub(r"[^A-Za-z0-9_-]+", "-", stem).strip("-_")[:64]
    return stem or "source"
