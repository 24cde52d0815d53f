"""Alembic's environment: docbot passes its connection at start; developers may run the `alembic` command.

From the repository root, `alembic revision --rev-id 0004 -m "what changes"` writes a new revision, and
`alembic upgrade head` (or `--sql` for the SQL alone) runs them on DOCBOT_DATABASE_URL.
"""

from __future__ import annotations

from alembic import context

from bot.database.tables import metadata

config = context.config


def _url() -> str:
    from bot.settings import Settings

    return context.get_x_argument(as_dictionary=True).get("url") or Settings().database_url


def _configure(**kwargs: object) -> None:
    context.configure(target_metadata=metadata, compare_type=True, **kwargs)


if context.is_offline_mode():
    _configure(url=_url(), literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()
else:
    connection = config.attributes.get("connection")
    if connection is not None:  # docbot at start, inside its own transaction (DDL included, even on SQLite)
        _configure(connection=connection, render_as_batch=connection.dialect.name == "sqlite",
                   transactional_ddl=True)
        with context.begin_transaction():
            context.run_migrations()
    else:
        from bot.database import engine as db_engine

        engine = db_engine.create(db_engine.database_url(_url()))
        try:
            with engine.begin() as connection:
                _configure(connection=connection, render_as_batch=connection.dialect.name == "sqlite")
                context.run_migrations()
        finally:
            engine.dispose()
