"""Fixtures for sources: a documentation website on 127.0.0.1 (a copy of the Debian FAQ), and git repositories."""

from __future__ import annotations

import hashlib
import os
import subprocess
import threading
from collections import Counter
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

FAQ = Path(__file__).parent / "fixtures" / "debian-faq"
PAGES = ("index.en.html", "kernel.en.html", "basic-defs.en.html", "contributing.en.html", "redistributing.en.html")
CHUNK = 64 * 1024


class Site(ThreadingHTTPServer):
    """The FAQ under /doc/FAQ/ with ETags, robots.txt and sitemap.xml, and misbehaving pages under /bad/."""

    daemon_threads = True

    def __init__(self, root: Path) -> None:
        super().__init__(("127.0.0.1", 0), Handler)
        self.root = root
        self.hits: Counter[str] = Counter()  # path -> requests
        self.not_modified: Counter[str] = Counter()  # path -> 304s
        self.sent: Counter[str] = Counter()  # path -> body bytes sent
        self.sitemap = True
        self.failing = False  # every FAQ page answers 500
        self.release = threading.Event()  # lets hanging requests end
        self.lock = threading.Lock()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


class Handler(BaseHTTPRequestHandler):
    server: Site

    def log_message(self, *args) -> None:
        pass

    def do_GET(self) -> None:  # noqa: N802 - http.server's name
        path = self.path.split("?")[0]
        with self.server.lock:
            self.server.hits[path] += 1
        if path == "/robots.txt":
            return self._send(200, b"User-agent: *\nDisallow: /doc/FAQ/private/\n", "text/plain")
        if path == "/doc/FAQ/sitemap.xml" and self.server.sitemap:
            urls = "".join(f"<url><loc>{self.server.url}/doc/FAQ/{p}</loc></url>" for p in PAGES)
            body = ('<?xml version="1.0" encoding="UTF-8"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
                    f"{urls}</urlset>")
            return self._send(200, body.encode(), "application/xml")
        if path == "/doc/FAQ":  # as sites do: the folder's address without its slash leads to its first page
            return self._redirect("/doc/FAQ/index.en.html")
        if path.startswith("/doc/FAQ/"):
            return self._faq(path.removeprefix("/doc/FAQ/"))
        if path == "/bad/hang/":
            self.server.release.wait(60)
            return self._send(200, b"<html><body>late</body></html>")
        if path == "/bad/big/":  # 200 MB, sent as long as the client reads
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.end_headers()
            chunk = b"<p>" + b"x" * (CHUNK - 7) + b"</p>\n"
            try:
                for _ in range(200 * 1024 * 1024 // CHUNK):
                    self.wfile.write(chunk)
                    with self.server.lock:
                        self.server.sent[path] += len(chunk)
            except OSError:
                pass
            return None
        if path in ("/bad/loop/", "/bad/loop/a"):
            return self._redirect("/bad/loop/b")
        if path == "/bad/loop/b":
            return self._redirect("/bad/loop/a")
        if path == "/bad/binary/":
            return self._send(200, bytes(range(256)) * 64, "text/html")
        if path == "/bad/error/":
            return self._send(500, b"<html><body>Internal Server Error</body></html>")
        if path.endswith("/info/refs") and path.startswith("/git/private.git"):
            self.send_response(401)
            self.send_header("WWW-Authenticate", 'Basic realm="git"')
            self.send_header("Content-Length", "0")
            self.end_headers()
            return None
        return self._send(404, b"<html><body>Not Found</body></html>")

    def _faq(self, name: str) -> None:
        if self.server.failing:
            return self._send(500, b"<html><body>Internal Server Error</body></html>")
        name = name or "index.en.html"
        file = self.server.root / name
        if not name.endswith(".html") or not file.is_file():
            return self._send(404, b"<html><body>Not Found</body></html>")
        body = file.read_bytes()
        etag = '"' + hashlib.sha256(body).hexdigest()[:16] + '"'
        if self.headers.get("If-None-Match") == etag:
            with self.server.lock:
                self.server.not_modified[self.path] += 1
            self.send_response(304)
            self.send_header("ETag", etag)
            self.end_headers()
            return None
        return self._send(200, body, "text/html; charset=utf-8", {"ETag": etag, "Last-Modified": formatdate(
            file.stat().st_mtime, usegmt=True)})

    def _redirect(self, to: str) -> None:
        self.send_response(302)
        self.send_header("Location", to)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def _send(self, status: int, body: bytes, kind: str = "text/html", headers: dict | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        try:
            self.wfile.write(body)
        except OSError:
            pass


@pytest.fixture
def site(tmp_path):
    """The Debian FAQ (five pages) served on 127.0.0.1 from a copy the test may change."""
    root = tmp_path / "www"
    root.mkdir()
    for name in PAGES:
        (root / name).write_bytes((FAQ / name).read_bytes())
    server = Site(root)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.release.set()
    server.shutdown()
    server.server_close()


@pytest.fixture
def documents(tmp_path, monkeypatch) -> Path:
    """An empty documents folder, with fast and small fetch limits for tests."""
    folder = tmp_path / "documents"
    folder.mkdir()
    (folder / "notes.md").write_text("# Notes\n\nThe office opens at nine on weekdays.\n", encoding="utf-8")
    monkeypatch.setenv("DOCBOT_DOCUMENTS_DIR", str(folder))
    monkeypatch.setenv("DOCBOT_SOURCE_DELAY_SECONDS", "0")
    monkeypatch.setenv("DOCBOT_SOURCE_TIMEOUT_SECONDS", "2")
    return folder


def git(*args: str, cwd: Path | None = None) -> str:
    env = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.org", "GIT_COMMITTER_NAME": "t",
           "GIT_COMMITTER_EMAIL": "t@example.org", "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1"}
    return subprocess.run(["git", *args], cwd=cwd, env=env, check=True, capture_output=True, text=True).stdout


@pytest.fixture
def repository(tmp_path):
    """A bare git repository with a docs/ folder (two Markdown guides), code and a README; and its work tree."""
    bare = tmp_path / "project.git"
    work = tmp_path / "project"
    git("init", "--quiet", "--bare", "--initial-branch=main", str(bare))
    git("init", "--quiet", "--initial-branch=main", str(work))
    (work / "docs").mkdir()
    (work / "docs" / "install.md").write_text(
        "# Installing Frobnicator\n\nRun `pip install frobnicator` and then `frob init` in the project folder.\n"
        "\n## Upgrading\n\nThe upgrade keeps the configuration file frob.toml as it was.\n", encoding="utf-8")
    (work / "docs" / "tuning.md").write_text(
        "# Tuning\n\nThe cache size is set by FROB_CACHE_MB; the default is 64 megabytes.\n", encoding="utf-8")
    (work / "src").mkdir()
    (work / "src" / "frob.py").write_text("print('frob')\n", encoding="utf-8")
    (work / "README.md").write_text("# Frobnicator\n\nA tool.\n", encoding="utf-8")
    git("add", "-A", cwd=work)
    git("commit", "--quiet", "-m", "docs", cwd=work)
    git("remote", "add", "origin", str(bare), cwd=work)
    git("push", "--quiet", "origin", "main", cwd=work)
    return bare, work


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every file under a folder (hidden ones too) and its bytes."""
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}
