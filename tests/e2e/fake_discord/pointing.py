"""discord.py pointed at the stand-in: its API base and gateway URL, configuration only (no code path changes).

The one place this is done: in-process (the e2e fixtures) and in child processes, which read the
addresses from the environment (tests/hardening/fakedocbot.py, a `sitecustomize` for the real `docbot`).
"""

from __future__ import annotations

import os
from collections.abc import Callable

API_ENV = "DOCBOT_TEST_DISCORD_API"
GATEWAY_ENV = "DOCBOT_TEST_DISCORD_GATEWAY"


def point_discord_at(api_base: str, gateway_url: str, set_attr: Callable[[object, str, object], None] = setattr
                     ) -> None:
    """Send discord.py's REST calls to `api_base` and its websocket to `gateway_url` (`set_attr`: a monkeypatch's)."""
    import discord.gateway
    import discord.http
    import yarl

    set_attr(discord.http.Route, "BASE", api_base)
    set_attr(discord.gateway.DiscordWebSocket, "DEFAULT_GATEWAY", yarl.URL(gateway_url))


def environment(api_base: str, gateway_url: str) -> dict[str, str]:
    """The variables that make `point_from_environment` point a child process at the stand-in."""
    return {API_ENV: api_base, GATEWAY_ENV: gateway_url}


def point_from_environment() -> bool:
    """Point discord.py at the stand-in named by the environment, if one is; whether it did."""
    if not os.environ.get(API_ENV):
        return False
    point_discord_at(os.environ[API_ENV], os.environ[GATEWAY_ENV])
    return True
