"""INSERT … ON DUPLICATE KEY UPDATE on MySQL, INSERT … ON CONFLICT on SQLite: one call for both."""

from functools import cache

import sqlalchemy as sa
from sqlalchemy.dialects import mysql, sqlite

from app.extensions import db


def upsert(table: sa.Table, rows: list[dict], *, add: dict[str, str] | None = None) -> None:
    """INSERT rows; on a duplicate key keep the existing row or, with `add`, for each `column: value_of`
    in it add the new row's `value_of` to the existing row's `column`.

    The rows are the parameters of one statement, built once per table and dialect and compiled
    once: the driver sends them together (PyMySQL as a multi-row INSERT)."""
    dialect = db.session.get_bind().dialect.name
    db.session.execute(_statement(dialect, table, tuple(sorted((add or {}).items()))), rows)


@cache
def _statement(dialect: str, table: sa.Table, add: tuple[tuple[str, str], ...]):
    if dialect == "mysql":
        statement = mysql.insert(table)
        if add:
            change = {column: table.c[column] + statement.inserted[value_of] for column, value_of in add}
        else:  # a no-op update: MySQL has no ON DUPLICATE KEY DO NOTHING
            key = table.primary_key.columns[0]
            change = {key.name: key}
        return statement.on_duplicate_key_update(change)
    statement = sqlite.insert(table)
    if not add:
        return statement.on_conflict_do_nothing()
    return statement.on_conflict_do_update(
        index_elements=list(table.primary_key.columns),
        set_={column: table.c[column] + statement.excluded[value_of] for column, value_of in add},
    )
