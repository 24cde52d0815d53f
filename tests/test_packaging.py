"""What `pip install` installs: every package of the project, and its data files."""

from __future__ import annotations

from pathlib import Path

import tomllib

ROOT = Path(__file__).resolve().parent.parent


def test_every_package_is_declared():
    """pyproject.toml lists each folder of bot/ and index/ that holds Python modules, and nothing else."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    declared = set(project["tool"]["setuptools"]["packages"])
    folders = {".".join(init.parent.relative_to(ROOT).parts) for top in ("bot", "index")
               for init in (ROOT / top).rglob("__init__.py")}
    assert declared - {"index.data"} == folders
