"""The bot's database: SQLite by default, a server database by URL; Alembic migrations run when it opens."""

from .conversations import HISTORY_TURNS, Conversations, FollowUp, Origin, Turn
from .engine import open_database
from .errors import DatabaseError, DatabaseUnavailableError, DatabaseURLError, SchemaError
from .guild_settings import GuildSettings, GuildSettingsStore
from .questionlog import LoggedQuestion, QuestionLog, QuestionStat, Totals, normalize, report

__all__ = ["HISTORY_TURNS", "Conversations", "DatabaseError", "DatabaseURLError", "DatabaseUnavailableError",
           "FollowUp", "GuildSettings", "GuildSettingsStore", "LoggedQuestion", "Origin", "QuestionLog", "QuestionStat",
           "SchemaError", "Totals", "Turn", "normalize", "open_database", "report"]
