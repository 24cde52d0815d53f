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

    return context.get_x_argument(as_dictionary=True).get("url") or Settings().database_url.get_secret_value()


def _include(obj: object, name: str | None, type_: str, reflected: bool, compare_to: object) -> bool:
    # SQLite's reflection sees neither the name nor the ON DELETE of a foreign key added with its column
    # (0003's parent_id): comparing them would report a change that isn't one.
    return not (type_ == "foreign_key_constraint" and context.get_context().dialect.name == "sqlite")


def _configure(**kwargs: object) -> None:
    context.configure(target_metadata=metadata, compare_type=True, include_object=_include, **kwargs)


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
