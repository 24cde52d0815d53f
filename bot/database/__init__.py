"""The bot's database: SQLite by default, a server database by URL; Alembic migrations run when it opens."""

from .engine import open_database
from .errors import DatabaseError, DatabaseReadOnlyError, DatabaseUnavailableError, DatabaseURLError, SchemaError
from .questionlog import DayStat, LoggedQuestion, QuestionLog, QuestionStat, Totals, normalize

__all__ = ["DatabaseError", "DatabaseReadOnlyError", "DatabaseURLError", "DatabaseUnavailableError", "DayStat",
           "LoggedQuestion", "QuestionLog", "QuestionStat", "SchemaError", "Totals", "normalize", "open_database"]
