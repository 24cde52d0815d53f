"""Who a message would notify: Discord's reading of mentions in content under `allowed_mentions`."""

from __future__ import annotations

import re

USER = re.compile(r"<@!?(\d+)>")
ROLE = re.compile(r"<@&(\d+)>")
EVERYONE = re.compile(r"@(everyone|here)")


def pings(content: str, allowed_mentions: dict | None, *, may_mention_everyone: bool,
          mentionable_roles: set[int], replied_user: int | None = None) -> set[str]:
    """The notifications a message's content would trigger: "@everyone", "@here", "user:<id>", "role:<id>".

    Embeds never notify, so only `content` is read. Without `allowed_mentions`, Discord parses every kind
    of mention, and a reply notifies the author of the message replied to.
    """
    content = content or ""
    if allowed_mentions is None:
        parse, users, roles, replied = {"users", "roles", "everyone"}, set(), set(), True
    else:
        parse = set(allowed_mentions.get("parse") or [])
        users = {int(i) for i in allowed_mentions.get("users") or []}
        roles = {int(i) for i in allowed_mentions.get("roles") or []}
        replied = bool(allowed_mentions.get("replied_user"))
    out: set[str] = set()
    if "everyone" in parse and may_mention_everyone:
        out |= {"@" + m for m in EVERYONE.findall(content)}
    for uid in map(int, USER.findall(content)):
        if "users" in parse or uid in users:
            out.add(f"user:{uid}")
    for rid in map(int, ROLE.findall(content)):
        if ("roles" in parse or rid in roles) and (may_mention_everyone or rid in mentionable_roles):
            out.add(f"role:{rid}")
    if replied and replied_user is not None:
        out.add(f"user:{replied_user}")
    return out
