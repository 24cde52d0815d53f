"""A throw-away PostgreSQL server for the tests: its own data folder in a temp dir, on 127.0.0.1, a free port.

Started once per test session by the `postgres_url` fixture (tests/conftest.py) when PostgreSQL's server
programs are installed (Debian's `postgresql` package; `.ci/install-postgres.sh` installs it), and stopped at
the end of the session, whatever happened. PostgreSQL refuses to run as root: as root, the server runs as the
`postgres` user (which the Debian package creates), else as `nobody`.
"""

from __future__ import annotations

import os
import pwd
import secrets
import shutil
import socket
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa

USER = "docbot"
DATABASE = "docbot_test"
START_TIMEOUT_S = 60


def server_programs() -> Path | None:
    """The folder of PostgreSQL's server programs (initdb, pg_ctl), the newest installed; None if none is."""
    found = shutil.which("pg_ctl")
    if found and shutil.which("initdb"):
        return Path(found).resolve().parent
    # Debian keeps them out of PATH, one folder per major version.
    versions = sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"), key=lambda p: int(p.parts[-3])
                      if p.parts[-3].isdigit() else 0)
    return versions[-1].parent if versions else None


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _run_as() -> str | None:
    """The user the server runs as: None (ourselves) unless we are root."""
    if os.geteuid() != 0:
        return None
    for name in ("postgres", "nobody"):
        try:
            pwd.getpwnam(name)
        except KeyError:
            continue
        return name
    raise RuntimeError("running as root, and neither a postgres nor a nobody user exists to run PostgreSQL")


@dataclass
class Server:
    """A running throw-away server; `url` is its test database, owned by a superuser."""

    programs: Path
    folder: Path
    port: int
    password: str
    user: str | None

    @property
    def url(self) -> str:
        """The test database's URL, password included."""
        return f"postgresql+psycopg://{USER}:{self.password}@127.0.0.1:{self.port}/{DATABASE}"

    def _pg(self, *args: str) -> subprocess.CompletedProcess:
        return subprocess.run([str(self.programs / args[0]), *args[1:]], user=self.user, capture_output=True,
                              text=True, timeout=START_TIMEOUT_S, cwd=self.folder)

    def log_tail(self, lines: int = 20) -> str:
        """The end of the server's log, for a failure's message."""
        log = self.folder / "server.log"
        return "\n".join(log.read_text(errors="replace").splitlines()[-lines:]) if log.exists() else "(no log)"

    def stop(self) -> None:
        """Stop the server at once and remove its folder (nothing in it is worth keeping)."""
        try:
            if (self.folder / "data" / "postmaster.pid").exists():
                self._pg("pg_ctl", "stop", "-D", str(self.folder / "data"), "-m", "immediate", "-w")
        finally:
            shutil.rmtree(self.folder, ignore_errors=True)


def start(programs: Path) -> Server:
    """Make a data folder in a new temp dir, start a server on a free port, create the test database."""
    user = _run_as()
    folder = Path(tempfile.mkdtemp(prefix="docbot-postgres-"))
    if user is not None:
        entry = pwd.getpwnam(user)
        os.chown(folder, entry.pw_uid, entry.pw_gid)
    server = Server(programs, folder, _free_port(), secrets.token_hex(12), user)
    try:
        (folder / "password").write_text(server.password + "\n")
        if user is not None:
            os.chown(folder / "password", entry.pw_uid, entry.pw_gid)
        # Passwords over TCP, as a real deployment; no fsync: the data is thrown away.
        done = server._pg("initdb", "-D", str(folder / "data"), "-U", USER, f"--pwfile={folder / 'password'}",
                          "--auth-host=scram-sha-256", "--auth-local=trust", "-E", "UTF8", "--no-locale",
                          "--no-sync")
        if done.returncode != 0:
            raise RuntimeError(f"initdb failed: {(done.stderr or done.stdout).strip()[-500:]}")
        for attempt in range(3):
            if attempt:  # the free port was taken before the server bound it (tests running side by side)
                server.port = _free_port()
            options = (f"-p {server.port} -c listen_addresses=127.0.0.1 -k {folder} -c fsync=off "
                       "-c synchronous_commit=off -c full_page_writes=off -c max_connections=200")
            done = server._pg("pg_ctl", "start", "-D", str(folder / "data"), "-l", str(folder / "server.log"),
                              "-w", "-t", str(START_TIMEOUT_S), "-o", options)
            if done.returncode == 0 or "already in use" not in server.log_tail():
                break
        if done.returncode != 0:
            raise RuntimeError(f"the server did not start: {server.log_tail()}")
        admin = sa.create_engine(server.url.replace(f"/{DATABASE}", "/postgres"), isolation_level="AUTOCOMMIT")
        try:
            with admin.connect() as conn:
                conn.execute(sa.text(f'CREATE DATABASE "{DATABASE}"'))
        finally:
            admin.dispose()
    except BaseException:
        server.stop()
        raise
    return server


def _run_as_admin(url: str, statement: str) -> None:
    """One statement outside any transaction (CREATE and DROP DATABASE cannot run in one)."""
    admin = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(sa.text(statement))
    finally:
        admin.dispose()


def create_database(url: str, name: str) -> str:
    """Create an empty database `name` on the server of `url` (whose user may create databases); its URL."""
    _run_as_admin(url, f'CREATE DATABASE "{name}"')
    return sa.make_url(url).set(database=name).render_as_string(hide_password=False)


def drop_database(url: str, name: str) -> None:
    """Drop the database `name`, closing the connections left to it (a process killed mid-test)."""
    _run_as_admin(url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
