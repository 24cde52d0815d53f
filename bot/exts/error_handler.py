"""Slash command errors become short private messages in the user's language; tracebacks go to the log."""

from __future__ import annotations

import discord
from discord import app_commands
from discord.ext import commands

from ._utils import send_error


class ErrorHandler(commands.Cog):
    """Routes every slash command error to `send_error`."""

    def __init__(self, bot: commands.Bot) -> None:
        self.bot = bot
        self._previous = bot.tree.on_error

    async def cog_load(self) -> None:
        """Install the handler on the command tree."""
        self.bot.tree.error(self.on_app_command_error)

    async def cog_unload(self) -> None:
        """Put back the tree's previous handler."""
        self.bot.tree.on_error = self._previous

    async def on_app_command_error(self, interaction: discord.Interaction,
                                   error: app_commands.AppCommandError) -> None:
        """Report a slash command error to its user."""
        await send_error(interaction, error)


async def setup(bot: commands.Bot) -> None:
    """Load the ErrorHandler cog."""
    await bot.add_cog(ErrorHandler(bot))
