"""What the database holds and what it was asked: every row of every table, to prove that a refused
request changed nothing; and the statements a request sends."""

import contextlib

import sqlalchemy as sa

from app.extensions import db

# Written by a read as well as by a write: when a token was last used (at most once a minute).
VOLATILE = {("api_tokens", "last_used_at")}


def database_state(app) -> dict[str, list[tuple]]:
    """Table name → its rows in primary-key order, leaving out the columns any request may touch."""
    with app.app_context():
        state = {}
        for table in db.metadata.sorted_tables:
            columns = [column for column in table.columns if (table.name, column.name) not in VOLATILE]
            rows = db.session.execute(sa.select(*columns).order_by(*table.primary_key.columns)).all()
            state[table.name] = [tuple(row) for row in rows]
        db.session.remove()
    return state


@contextlib.contextmanager
def counting_statements(app):
    """The SQL statements sent to the app's database while the block runs, in a list."""
    statements = []

    def count(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    with app.app_context():
        engine = db.engine
    sa.event.listen(engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        sa.event.remove(engine, "before_cursor_execute", count)
