"""The bot's database: SQLite by default, a server database by URL; Alembic migrations run when it opens."""

from .conversations import HISTORY_TURNS, Conversations, FollowUp, Turn
from .engine import open_database
from .errors import DatabaseError, DatabaseReadOnlyError, DatabaseUnavailableError, DatabaseURLError, SchemaError
from .guild_settings import GuildSettings, GuildSettingsStore
from .questionlog import DayStat, LoggedQuestion, Origin, QuestionLog, QuestionStat, Totals, normalize

__all__ = ["HISTORY_TURNS", "Conversations", "DatabaseError", "DatabaseReadOnlyError", "DatabaseURLError",
           "DatabaseUnavailableError", "DayStat", "FollowUp", "GuildSettings", "GuildSettingsStore", "LoggedQuestion",
           "Origin", "QuestionLog", "QuestionStat", "SchemaError", "Totals", "Turn", "normalize", "open_database"]
