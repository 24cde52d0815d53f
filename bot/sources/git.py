"""Fetch a git repository's documentation: a shallow clone kept between syncs, pulled on each, files copied.

Only the files docbot reads are kept (the index's list of suffixes), from the sub-folder asked for; each
gets the file's web page as its URL when the host is a known forge (GitHub, GitLab, Codeberg), so
citations link to it. Git never asks for a password: a repository that needs one fails at once.
"""

from __future__ import annotations

import logging
import os
import re
import shutil
import subprocess
from pathlib import Path, PurePosixPath
from urllib.parse import quote, urlsplit

from index import SUPPORTED_SUFFIXES

from .errors import SourceError
from .layout import Staging
from .web import Fetched

log = logging.getLogger(__name__)

# Git must fail rather than wait for a password no one will type (a private or mistyped repository).
_ENV = {"GIT_TERMINAL_PROMPT": "0", "GIT_ASKPASS": "", "SSH_ASKPASS": "", "GCM_INTERACTIVE": "never",
        "GIT_SSH_COMMAND": "ssh -oBatchMode=yes", "LC_ALL": "C"}


def remote_url(url: str) -> str:
    """The URL git is given: a local folder as a file:// URL (so the clone is shallow too)."""
    parts = urlsplit(url)
    if parts.scheme or url.startswith("git@"):
        return url
    return Path(url).expanduser().resolve().as_uri()


def web_base(url: str) -> tuple[str, str] | None:
    """(the repository's web page, its forge) for GitHub, GitLab and Codeberg URLs; None for others."""
    m = re.match(r"^git@([^:]+):(.+)$", url)
    if m:
        host, path = m.group(1), m.group(2)
    else:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https", "ssh", "git") or not parts.hostname:
            return None
        host, path = parts.hostname, parts.path
    path = path.strip("/").removesuffix(".git")
    if path.count("/") < 1:
        return None
    host = host.lower()
    if host in ("github.com", "www.github.com"):
        return f"https://github.com/{path}", "github"
    if host == "codeberg.org":
        return f"https://codeberg.org/{path}", "codeberg"
    if host == "gitlab.com" or host.startswith("gitlab."):
        return f"https://{host}/{path}", "gitlab"
    return None


def file_url(base: tuple[str, str] | None, ref: str, path: str) -> str | None:
    """The web page of a file of the repository at `ref` (a branch), or None for an unknown host."""
    if base is None:
        return None
    page, forge = base
    quoted = quote(path)
    if forge == "github":
        return f"{page}/blob/{quote(ref)}/{quoted}"
    if forge == "gitlab":
        return f"{page}/-/blob/{quote(ref)}/{quoted}"
    return f"{page}/src/branch/{quote(ref)}/{quoted}"


def lines_url(base: tuple[str, str] | None, ref: str, path: str) -> str | None:
    """The page of a range of a file's lines, "{start}" and "{end}" to fill, or None for an unknown host.

    Shown as source (GitHub's and GitLab's `?plain=1`, Codeberg's `?display=source`), since a rendered Markdown
    or reStructuredText page has no line anchors.
    """
    page = file_url(base, ref, path)
    if page is None or base is None:
        return None
    if base[1] == "github":
        return page + "?plain=1#L{start}-L{end}"
    if base[1] == "gitlab":
        return page + "?plain=1#L{start}-{end}"
    return page + "?display=source#L{start}-L{end}"


def _git(args: list[str], *, cwd: Path | None = None, timeout: float) -> str:
    """Run git; SourceError with git's own last words when it fails."""
    try:
        done = subprocess.run(["git", *args], cwd=cwd, env={**os.environ, **_ENV}, capture_output=True, text=True,
                              timeout=timeout, stdin=subprocess.DEVNULL)
    except FileNotFoundError:
        raise SourceError(None, "git is not installed (e.g. apt-get install git)") from None
    except subprocess.TimeoutExpired:
        raise SourceError(None, f"git {args[0]} took more than {timeout:g} s "
                                "(10 × DOCBOT_SOURCE_TIMEOUT_SECONDS)") from None
    if done.returncode != 0:
        raise SourceError(None, _git_problem(done.stderr))
    return done.stdout.strip()


def _git_problem(stderr: str) -> str:
    lines = [line.strip() for line in stderr.splitlines() if line.strip()]
    text = " ".join(lines).lower()
    if "terminal prompts disabled" in text or "authentication" in text or "could not read username" in text:
        return "the repository needs credentials (a private repository, or a mistyped URL)"
    if "remote branch" in text and "not found" in text or "couldn't find remote ref" in text:
        return "no such branch"
    if "does not appear to be a git repository" in text or "not found" in text or "does not exist" in text:
        return "no repository at this URL"
    fatal = next((line for line in reversed(lines) if line.lower().startswith(("fatal:", "error:"))), None)
    return (fatal or (lines[-1] if lines else "git failed")).removeprefix("fatal: ")[:300]


def fetch_repository(url: str, branch: str | None, subdir: str | None, clone: Path, staging: Staging,
                     timeout: float) -> Fetched:
    """Clone (or pull) the repository into `clone`, then copy its documentation files into `staging`."""
    remote = remote_url(url)
    ref = branch or "HEAD"
    if (clone / ".git").is_dir():
        _git(["fetch", "--depth", "1", "--no-tags", "origin", ref], cwd=clone, timeout=timeout)
        _git(["reset", "--quiet", "--hard", "FETCH_HEAD"], cwd=clone, timeout=timeout)
    else:
        tmp = clone.with_name(clone.name + ".new")
        shutil.rmtree(tmp, ignore_errors=True)
        tmp.parent.mkdir(parents=True, exist_ok=True)
        args = ["clone", "--quiet", "--depth", "1", "--single-branch", "--no-tags"]
        args += ["--branch", branch] if branch else []
        try:
            _git([*args, "--", remote, str(tmp)], timeout=timeout)
        except SourceError:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        shutil.rmtree(clone, ignore_errors=True)
        os.rename(tmp, clone)
    commit = _git(["rev-parse", "HEAD"], cwd=clone, timeout=timeout)
    name = branch or _git(["rev-parse", "--abbrev-ref", "HEAD"], cwd=clone, timeout=timeout)
    if name in ("HEAD", ""):
        name = commit
    return _copy(clone, subdir, staging, web_base(url), name, commit)


def _copy(clone: Path, subdir: str | None, staging: Staging, base: tuple[str, str] | None, ref: str,
          commit: str) -> Fetched:
    top = clone
    if subdir:
        inner = PurePosixPath(subdir.strip("/"))
        if inner.is_absolute() or ".." in inner.parts:
            raise SourceError(None, f"the sub-folder {subdir!r} is outside the repository")
        top = clone / inner
        if not top.is_dir():
            raise SourceError(None, f"the repository has no folder {subdir!r}")
    report = Fetched()
    previous = staging.previous_state().get("files", {})
    files = {}
    for dirpath, dirnames, filenames in os.walk(top):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        for filename in sorted(filenames):
            path = Path(dirpath) / filename
            if filename.startswith(".") or path.suffix.lower() not in SUPPORTED_SUFFIXES or path.is_symlink():
                continue
            rel = path.relative_to(top).as_posix()
            repo_path = path.relative_to(clone).as_posix()
            staging.copy(rel, path, file_url(base, ref, repo_path))
            if (lines := lines_url(base, ref, repo_path)) is not None:
                staging.lines[rel] = lines
            stat = path.stat()
            files[rel] = [stat.st_size, stat.st_mtime_ns]
            (report.unchanged if previous.get(rel) == files[rel] else report.changed).append(rel)
    if not files:
        raise SourceError(None, "no documentation files in the repository"
                                + (f"'s folder {subdir}" if subdir else "") + f" ({', '.join(SUPPORTED_SUFFIXES)})")
    staging.state = {"kind": "git", "commit": commit, "ref": ref, "files": files}
    return report
