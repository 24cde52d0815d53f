"""The revisions, numbered; each one describes its own tables and never imports bot.database.tables."""
