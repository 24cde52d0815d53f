"""The Discord token: read from the environment or .env, never shown by settings, errors or git."""

from __future__ import annotations

import logging
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from bot.settings import Settings

REPO = Path(__file__).resolve().parents[2]
TOKEN = "MTE5ODc2NTQzMjEwOTg3NjU0.Gh7x2Q.secret-part-of-the-token-0123456789"
SECRET = "secret-part-of-the-token"
DOCBOT = Path(sys.executable).with_name("docbot")


@pytest.mark.parametrize("show", [repr, str, "{}".format, lambda s: s.model_dump_json(),
                                  lambda s: str(s.model_dump()), lambda s: repr(s.discord_token)],
                         ids=["repr", "str", "format", "json", "dump", "token-repr"])
def test_settings_never_show_the_token(monkeypatch, show):
    """Every way settings get printed or serialised masks the token; the bot still gets the real value."""
    monkeypatch.setenv("DISCORD_TOKEN", TOKEN)
    settings = Settings()
    assert SECRET not in show(settings)
    assert settings.discord_token.get_secret_value() == TOKEN


def test_token_from_dotenv_is_read_and_masked(tmp_path):
    """A token in .env (the working directory's) is used, and masked like one from the environment."""
    (tmp_path / ".env").write_text(f"DISCORD_TOKEN={TOKEN}\nDOCBOT_TOP_K=4\n", encoding="utf-8")
    settings = Settings()
    assert settings.discord_token.get_secret_value() == TOKEN and settings.top_k == 4
    assert SECRET not in repr(settings)


def test_logging_settings_does_not_leak_the_token(monkeypatch, caplog):
    """A log line that includes the settings (as a debug dump would) shows the token masked."""
    monkeypatch.setenv("DISCORD_TOKEN", TOKEN)
    caplog.set_level(logging.DEBUG)
    logging.getLogger("bot").debug("settings: %s / %r", Settings(), Settings())
    assert "settings:" in caplog.text and SECRET not in caplog.text


@pytest.mark.parametrize(("variable", "value"), [
    ("DOCBOT_GUILD_ID", TOKEN),  # the token pasted into the wrong variable
    ("DOCBOT_TOP_K", TOKEN),
    ("DOCBOT_LANGUAGE", TOKEN),
])
def test_settings_errors_do_not_echo_the_token(monkeypatch, variable, value):
    """`docbot` with a bad setting: one line naming the variable, exit 2, and the value never printed."""
    monkeypatch.setenv("DISCORD_TOKEN", TOKEN)
    monkeypatch.setenv(variable, value)
    monkeypatch.setenv("DOCBOT_LOG_LEVEL", "DEBUG")
    r = subprocess.run([str(DOCBOT), "run"], capture_output=True, text=True, timeout=60)
    assert r.returncode == 2
    assert r.stderr.startswith(f"docbot: invalid setting {variable}")
    assert len(r.stderr.splitlines()) == 1
    assert SECRET not in r.stderr + r.stdout


def test_dotenv_is_gitignored_and_the_example_holds_no_secret():
    """.env is ignored by git; .env.example documents every setting and sets none of them to a value."""
    example = (REPO / ".env.example").read_text(encoding="utf-8")
    assignments = dict(re.findall(r"^#?\s*([A-Z][A-Z0-9_]*)=(.*)$", example, re.MULTILINE))
    assert assignments["DISCORD_TOKEN"] == ""
    for name, field in Settings.model_fields.items():
        variable = field.validation_alias or f"DOCBOT_{name.upper()}"
        assert variable in assignments, f"{variable} is not documented in .env.example"
    # Nothing in it looks like a Discord token (three base64url parts separated by dots).
    assert not re.search(r"[\w-]{20,}\.[\w-]{6,}\.[\w-]{20,}", example)

    if shutil.which("git") is None or not (REPO / ".git").exists():
        pytest.skip("not a git checkout")
    r = subprocess.run(["git", "check-ignore", "-q", ".env"], cwd=REPO)
    assert r.returncode == 0, ".env is not gitignored"
    tracked = subprocess.run(["git", "ls-files", "--", ".env"], cwd=REPO, capture_output=True, text=True)
    assert tracked.stdout == "", ".env is committed"
