"""The bot's database: SQLite by default, a server database by URL; Alembic migrations run when it opens."""

from .engine import open_database
from .errors import DatabaseError, DatabaseUnavailableError, DatabaseURLError, SchemaError
from .questionlog import LoggedQuestion, QuestionLog, QuestionStat, Totals, normalize, report

__all__ = ["DatabaseError", "DatabaseURLError", "DatabaseUnavailableError", "LoggedQuestion", "QuestionLog",
           "QuestionStat", "SchemaError", "Totals", "normalize", "open_database", "report"]
