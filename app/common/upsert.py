"""INSERT … ON DUPLICATE KEY UPDATE on MySQL, INSERT … ON CONFLICT on SQLite: one call for both."""

import sqlalchemy as sa
from sqlalchemy.dialects import mysql, sqlite

from app.extensions import db


def upsert(table: sa.Table, rows: list[dict], *, keep_existing: bool = False, add: dict[str, str] | None = None) -> None:
    """INSERT rows; on a duplicate key either keep the existing row or, for each `column: value_of` in
    `add`, add the new row's `value_of` to the existing row's `column`."""
    if db.session.get_bind().dialect.name == "mysql":
        statement = mysql.insert(table).values(rows)
        change = {column: table.c[column] + statement.inserted[value_of] for column, value_of in add.items()} if add \
            else {"id": table.c.id}
        statement = statement.on_duplicate_key_update(change)
    else:
        statement = sqlite.insert(table).values(rows)
        if keep_existing:
            statement = statement.on_conflict_do_nothing()
        else:
            statement = statement.on_conflict_do_update(
                index_elements=list(table.primary_key.columns),
                set_={column: table.c[column] + statement.excluded[value_of] for column, value_of in add.items()},
            )
    db.session.execute(statement)
