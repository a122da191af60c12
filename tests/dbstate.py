"""Every row of every table, to prove that a refused request changed nothing."""

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
