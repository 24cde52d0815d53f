"""Spec'd mocks of discord.py objects, in the style of python-discord/bot's tests/helpers.py.

Every mock is built with `spec_set=` the real discord.py class, so reading or setting an attribute
the real object doesn't have fails; async methods are AsyncMocks that also reject arguments the
real method doesn't accept (bound against its signature).
"""

from __future__ import annotations

import asyncio
import inspect
import itertools
import re
import time
from typing import Any
from unittest import mock

import discord
from discord import app_commands

_ids = itertools.count(100_000_000_000_000_000)  # snowflake-sized, so escape_mentions treats them as ids


def next_id() -> int:
    return next(_ids)


def checked_async(cls: type, name: str, side_effect=None) -> mock.AsyncMock:
    """An AsyncMock standing for `cls.name` that raises TypeError on arguments the real method rejects."""
    signature = inspect.signature(getattr(cls, name))

    async def call(*args: Any, **kwargs: Any) -> Any:
        signature.bind(None, *args, **kwargs)  # None stands for self
        if side_effect is not None:
            result = side_effect(*args, **kwargs)
            return await result if inspect.isawaitable(result) else result
        return None

    return mock.AsyncMock(side_effect=call)


class SpecMock(mock.NonCallableMock):
    """A non-callable mock with `spec_set` = the real class; keyword arguments become attributes."""

    spec_class: type = object

    def __init__(self, **attributes: Any) -> None:
        super().__init__(spec_set=self.spec_class)
        for key, value in attributes.items():
            setattr(self, key, value)

    def _get_child_mock(self, **kw: Any) -> mock.MagicMock:
        # Children are plain mocks, not instances of this class (as in python-discord's helpers).
        return mock.MagicMock(**kw)


class MockGuild(SpecMock):
    spec_class = discord.Guild

    def __init__(self, **attributes: Any) -> None:
        super().__init__(**{"id": next_id(), "name": "guild", "self_role": None, "me": MockMember(bot=True),
                            "preferred_locale": discord.Locale.american_english, **attributes})


class MockMember(SpecMock):
    spec_class = discord.Member

    def __init__(self, **attributes: Any) -> None:
        uid = attributes.pop("id", next_id())
        super().__init__(**{"id": uid, "name": "member", "bot": False, "mention": f"<@{uid}>", **attributes})


class MockUser(SpecMock):
    spec_class = discord.User

    def __init__(self, **attributes: Any) -> None:
        uid = attributes.pop("id", next_id())
        super().__init__(**{"id": uid, "name": "user", "bot": False, "mention": f"<@{uid}>", **attributes})


class _Typing:
    """What `channel.typing()` returns: an async context manager."""

    def __init__(self) -> None:
        self.entered = 0

    async def __aenter__(self) -> None:
        self.entered += 1

    async def __aexit__(self, *exc: object) -> None:
        return None


def _permissions(permissions: discord.Permissions | None) -> mock.Mock:
    """A `permissions_for` giving everything docbot asks for, unless told otherwise."""
    return mock.Mock(return_value=permissions if permissions is not None else discord.Permissions.text())


class MockTextChannel(SpecMock):
    """A server text channel; `permissions` are the bot's there (default: all text permissions)."""

    spec_class = discord.TextChannel

    def __init__(self, *, permissions: discord.Permissions | None = None, **attributes: Any) -> None:
        typing = _Typing()
        super().__init__(**{"id": next_id(), "name": "channel", "typing": mock.Mock(return_value=typing),
                            "permissions_for": _permissions(permissions),
                            "send": checked_async(discord.TextChannel, "send", lambda *a, **k: MockMessage()),
                            **attributes})


class MockForumChannel(SpecMock):
    spec_class = discord.ForumChannel

    def __init__(self, **attributes: Any) -> None:
        super().__init__(**{"id": next_id(), "name": "forum", **attributes})


class MockThread(SpecMock):
    """A thread in a text channel (or a post of a forum: `parent=MockForumChannel()`)."""

    spec_class = discord.Thread

    def __init__(self, *, permissions: discord.Permissions | None = None, **attributes: Any) -> None:
        typing = _Typing()
        parent = attributes.pop("parent", None) or MockTextChannel()
        super().__init__(**{"id": next_id(), "name": "thread", "parent": parent, "parent_id": parent.id,
                            "typing": mock.Mock(return_value=typing), "permissions_for": _permissions(permissions),
                            "send": checked_async(discord.Thread, "send", lambda *a, **k: MockMessage()),
                            **attributes})


class MockDMChannel(SpecMock):
    spec_class = discord.DMChannel

    def __init__(self, **attributes: Any) -> None:
        typing = _Typing()
        super().__init__(**{"id": next_id(), "typing": mock.Mock(return_value=typing), **attributes})


class MockMessage(SpecMock):
    """A message; `reply`, `create_thread` and `add_reaction` check their arguments against discord.Message.

    Users mentioned in `content` are in `mentions`, as Discord sends them. `reply` returns the reply (a
    MockMessage), `create_thread` a MockThread started from this message (Discord gives it the same id).
    """

    spec_class = discord.Message

    def __init__(self, **attributes: Any) -> None:
        guild = attributes.pop("guild", None)
        channel = attributes.pop("channel", None) or (
            MockTextChannel(guild=guild) if guild else MockDMChannel())
        mid = attributes.pop("id", next_id())
        # As Discord does, the users mentioned in the content are in `mentions`.
        mentioned = [MockUser(id=int(i)) for i in re.findall(r"<@!?(\d+)>", attributes.get("content", ""))]
        super().__init__(**{
            "id": mid, "content": "", "author": MockMember(), "guild": guild, "channel": channel,
            "type": discord.MessageType.default, "reference": None, "mentions": mentioned, "role_mentions": [],
            "jump_url": f"https://discord.com/channels/{guild.id if guild else '@me'}/{channel.id}/{mid}",
            "reply": checked_async(discord.Message, "reply", lambda *a, **k: MockMessage(channel=channel)),
            "create_thread": checked_async(discord.Message, "create_thread",
                                           lambda *a, **k: MockThread(id=mid, name=k["name"], parent=channel)),
            "add_reaction": checked_async(discord.Message, "add_reaction"),
            **attributes})


def reply_reference(message: MockMessage) -> mock.Mock:
    """The `reference` of a message replying to `message`, as Discord resolves it."""
    return mock.Mock(spec_set=discord.MessageReference, message_id=message.id, channel_id=message.channel.id,
                     resolved=message, cached_message=message)


class MockInteractionResponse(SpecMock):
    """interaction.response: one first response only, as on Discord; `type` follows what was sent."""

    spec_class = discord.InteractionResponse

    def __init__(self) -> None:
        super().__init__()
        self.type = None
        self.is_done = mock.Mock(side_effect=lambda: self.type is not None)
        self.defer = checked_async(discord.InteractionResponse, "defer", self._respond(
            discord.InteractionResponseType.deferred_channel_message))
        self.send_message = checked_async(discord.InteractionResponse, "send_message", self._respond(
            discord.InteractionResponseType.channel_message))

    def _respond(self, kind: discord.InteractionResponseType):
        def respond(*args: Any, **kwargs: Any) -> None:
            if self.type is not None:
                raise discord.InteractionResponded(mock.sentinel.interaction)
            self.type = kind

        return respond


class MockWebhook(SpecMock):
    """interaction.followup; `send(..., wait=True)` returns the message sent."""

    spec_class = discord.Webhook

    def __init__(self) -> None:
        super().__init__(send=checked_async(discord.Webhook, "send",
                                            lambda *a, **k: MockMessage() if k.get("wait") else None))


class MockInteraction(SpecMock):
    """A slash command or button interaction from a member of a guild (or a DM with `guild=None`)."""

    spec_class = discord.Interaction

    def __init__(self, client: discord.Client, *, guild: MockGuild | None | bool = True,
                 permissions: discord.Permissions | None = None, **attributes: Any) -> None:
        guild = MockGuild() if guild is True else (guild or None)
        super().__init__(**{
            "id": next_id(),
            "client": client,
            "user": MockMember() if guild else MockUser(),
            "guild": guild,
            "guild_id": guild.id if guild else None,
            "locale": discord.Locale.american_english,
            "guild_locale": guild.preferred_locale if guild else None,
            "permissions": permissions if permissions is not None else discord.Permissions.none(),
            "app_permissions": discord.Permissions.text(),
            "channel": None,
            "channel_id": next_id(),
            "response": MockInteractionResponse(),
            "followup": MockWebhook(),
            "delete_original_response": checked_async(discord.Interaction, "delete_original_response"),
            **attributes,
        })


def sent(method: mock.AsyncMock) -> list[dict[str, Any]]:
    """The keyword arguments of each call to a mocked send method (positional content as "content")."""
    out = []
    for call in method.await_args_list:
        kwargs = dict(call.kwargs)
        if call.args:
            kwargs["content"] = call.args[0]
        out.append(kwargs)
    return out


def embed_text(embed: discord.Embed) -> str:
    """All the text of an embed, joined."""
    parts = [embed.title or "", embed.description or "", embed.footer.text or "", embed.author.name or ""]
    for field in embed.fields:
        parts += [field.name or "", field.value or ""]
    return "\n".join(parts)


def custom_ids(view: discord.ui.View) -> list[str]:
    """The custom_ids of a view's buttons, in order."""
    return [item.custom_id for item in view.children]


UNESCAPED_MASS_MENTION = re.compile(r"@(everyone|here)")


async def invoke(bot: discord.Client, name: str, interaction: Any, **params: Any) -> None:
    """Run slash command `name` ("settings mode" for a subcommand) as discord.py's CommandTree does."""
    first, *path = name.split()
    command = bot.tree.get_command(first)
    for part in path:
        command = command.get_command(part) if isinstance(command, app_commands.Group) else None
    assert isinstance(command, app_commands.Command), f"/{name} is not registered"
    try:
        # The two steps of Command._invoke_with_namespace, minus Discord's option parsing.
        if not await command._check_can_run(interaction):
            raise app_commands.CheckFailure(f"The check functions for command {name!r} failed.")
        await command._do_call(interaction, params)
    except app_commands.AppCommandError as error:
        await bot.tree.on_error(interaction, error)


async def invoke_menu(bot: discord.Client, name: str, interaction: Any, target: Any) -> None:
    """Run message menu `name` on `target` as the CommandTree does: checks, callback, errors to on_error."""
    menu = bot.tree.get_command(name, type=discord.AppCommandType.message)
    assert isinstance(menu, app_commands.ContextMenu), f"no message menu {name!r}"
    try:
        await menu._invoke(interaction, target)
    except app_commands.AppCommandError as error:
        await bot.tree.on_error(interaction, error)


async def wait_until(condition: Any, what: str, timeout: float = 10.0) -> None:
    """Let the event loop run until `condition()` holds; fail the test after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")
        await asyncio.sleep(0.01)
