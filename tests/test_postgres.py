"""The tests' PostgreSQL: without a server, its tests fail in CI and skip, saying why, on a developer's machine."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
NO_POSTGRES = "from tests import postgres\npostgres.server_programs = lambda: None\n"
A_DATABASE_TEST = "def test_needs_a_database(database_url):\n    assert database_url\n"


def run_without_postgres(folder: Path, ci: str | None) -> subprocess.Popen:
    """A pytest, with this suite's fixtures, of a database test on a machine without PostgreSQL's programs."""
    folder.mkdir()
    (folder / "no_postgres.py").write_text(NO_POSTGRES)
    (folder / "test_needs.py").write_text(A_DATABASE_TEST)
    env = {k: v for k, v in os.environ.items() if k not in ("CI", "DOCBOT_TEST_DATABASE_URL", "PYTEST_ADDOPTS")}
    env["PYTHONPATH"] = os.pathsep.join([str(REPO), str(folder)])
    if ci is not None:
        env["CI"] = ci
    return subprocess.Popen([sys.executable, "-m", "pytest", "-q", "-rsE", "-p", "no_postgres", "-p", "tests.conftest",
                             "-p", "no:cacheprovider", "test_needs.py"], cwd=folder, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)


def test_no_postgres_fails_in_ci_and_skips_elsewhere(tmp_path):
    """CI=true: the PostgreSQL case errors (exit 1) naming what is missing; no CI: it skips with the reason."""
    in_ci, at_home = run_without_postgres(tmp_path / "ci", "true"), run_without_postgres(tmp_path / "dev", None)
    ci_out, home_out = in_ci.communicate(timeout=240)[0], at_home.communicate(timeout=240)[0]

    assert in_ci.returncode == 1, ci_out
    assert "1 passed, 1 error" in ci_out.splitlines()[-1]  # [sqlite], [postgresql]
    assert "PostgreSQL is required in CI and its server programs (initdb, pg_ctl) are not installed" in ci_out
    assert "PostgreSQL tests: 1 error" in ci_out

    assert at_home.returncode == 0, home_out
    assert "1 passed, 1 skipped" in home_out.splitlines()[-1]
    assert "no PostgreSQL: its server programs (initdb, pg_ctl) are not installed" in home_out
    assert "PostgreSQL tests: 1 skipped" in home_out
