"""Alembic's environment and the revisions of the bot's database (run by bot.database.migrate)."""
