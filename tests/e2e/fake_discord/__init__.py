"""A local stand-in for Discord's REST API v10 and gateway, to run the real discord.py client in tests."""

from .server import FIRST_RESPONSE_DEADLINE, CommandUnavailable, FakeDiscord, Interaction, Member, Sent

__all__ = ["FIRST_RESPONSE_DEADLINE", "CommandUnavailable", "FakeDiscord", "Interaction", "Member", "Sent"]
