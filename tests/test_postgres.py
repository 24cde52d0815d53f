"""The tests' PostgreSQL: without a server, its tests fail in CI and skip, saying why, on a developer's machine."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
# One test of the suite that needs PostgreSQL (its [postgresql] case), run by a pytest of its own.
TARGET = "tests/bot/test_guild_settings.py::test_a_server_that_never_chose_has_the_defaults"


def run_without_postgres(tmp_path: Path, ci: str | None) -> subprocess.Popen:
    """A pytest of TARGET on a machine where PostgreSQL's server programs are not installed."""
    plugin = tmp_path / "no_postgres.py"
    plugin.write_text("from tests import postgres\npostgres.server_programs = lambda: None\n")
    env = {k: v for k, v in os.environ.items() if k not in ("CI", "DOCBOT_TEST_DATABASE_URL", "PYTEST_ADDOPTS")}
    env["PYTHONPATH"] = os.pathsep.join([str(REPO), str(tmp_path)])
    if ci is not None:
        env["CI"] = ci
    return subprocess.Popen([sys.executable, "-m", "pytest", "-q", "-rsE", "-p", "no_postgres", "-p",
                             "no:cacheprovider", TARGET], cwd=REPO, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)


def test_no_postgres_fails_in_ci_and_skips_elsewhere(tmp_path):
    """CI=true: the PostgreSQL case errors (exit 1) naming what is missing; no CI: it skips with the reason."""
    (tmp_path / "ci").mkdir()
    (tmp_path / "dev").mkdir()
    in_ci, at_home = run_without_postgres(tmp_path / "ci", "true"), run_without_postgres(tmp_path / "dev", None)
    ci_out, home_out = in_ci.communicate(timeout=240)[0], at_home.communicate(timeout=240)[0]

    assert in_ci.returncode == 1, ci_out
    assert "1 passed" in ci_out.splitlines()[-1] and "1 error" in ci_out.splitlines()[-1]  # sqlite, postgresql
    assert "PostgreSQL is required in CI and its server programs (initdb, pg_ctl) are not installed" in ci_out

    assert at_home.returncode == 0, home_out
    assert "1 passed" in home_out.splitlines()[-1] and "1 skipped" in home_out.splitlines()[-1]
    assert "no PostgreSQL: its server programs (initdb, pg_ctl) are not installed" in home_out
    assert "PostgreSQL tests: 1 skipped" in home_out and "PostgreSQL tests: 1 error" in ci_out
