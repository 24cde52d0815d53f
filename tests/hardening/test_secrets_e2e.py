"""The token in a whole `docbot run` session at DEBUG level, in a real process: never in its output."""

from __future__ import annotations

import os
import signal
import subprocess
import sys

import pytest

from .conftest import DRIVER, TIMEOUT

pytestmark = pytest.mark.e2e

SECRET = "secret-part-of-the-token"  # the stand-in's token holds it; any piece of it counts as a leak


@pytest.fixture(autouse=True)
def _debug_logs(monkeypatch):
    monkeypatch.setenv("DOCBOT_LOG_LEVEL", "DEBUG")


def start_run(tmp_path, token: str) -> tuple[subprocess.Popen, object]:
    """`docbot run` (fake embedder) with DISCORD_TOKEN=token; its stdout and stderr go to one file."""
    out = open(tmp_path / "run.log", "w+", encoding="utf-8")  # a file: DEBUG output would fill a pipe
    env = {**os.environ, "DISCORD_TOKEN": token}
    return subprocess.Popen([sys.executable, str(DRIVER), "run"], stdout=out, stderr=subprocess.STDOUT,
                            stdin=subprocess.DEVNULL, text=True, env=env), out


async def test_token_is_never_printed_during_a_bot_session(stand_in, built, tmp_path):
    """Log in, sync, answer /ask and a mention, refuse /reindex, stop: the DEBUG log never shows the token."""
    fake = stand_in
    assert SECRET in fake.bot_token
    proc, out = start_run(tmp_path, fake.bot_token)
    try:
        await fake.wait_ready(timeout=TIMEOUT)
        ada = fake.add_member("ada")
        asked = await fake.invoke("ask", {"question": "Qui est le PDG de Nvidia ?"}, member=ada)
        refused = await fake.invoke("reindex", {}, member=ada, permission_override=True)
        # Someone else: Ada asking again so soon would get a ⏳ reaction, not an answer.
        mention = await fake.post_message(f"<@{fake.app_id}> Qui est le PDG de Nvidia ?",
                                          member=fake.add_member("bea"))
        await fake.wait_for(lambda: asked.answered and refused.answered and fake.replies_to(mention), TIMEOUT,
                            "the answers")
    finally:
        proc.send_signal(signal.SIGINT)  # Ctrl-C, as an operator stops it
        proc.wait(TIMEOUT)
    out.seek(0)
    log = out.read()
    out.close()
    assert "has connected to Gateway" in log and "DEBUG discord.http" in log  # it ran, and logged at DEBUG
    assert fake.identifies, "the bot identified with its token"
    assert SECRET not in log


def test_rejected_token_is_not_printed(stand_in, built, tmp_path):
    """A token Discord refuses: exit 1 with one line that names DISCORD_TOKEN, not its value (DEBUG on)."""
    wrong = stand_in.bot_token.replace("secret-part", "secret-part-but-wrong")
    proc, out = start_run(tmp_path, wrong)
    code = proc.wait(TIMEOUT)
    out.seek(0)
    log = out.read()
    out.close()
    assert code == 1
    assert log.rstrip().splitlines()[-1].startswith("docbot: Discord rejected DISCORD_TOKEN")
    assert SECRET not in log
