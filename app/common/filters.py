"""Query filters shared by list endpoints."""

import sqlalchemy as sa


def contains(column, text: str) -> sa.ColumnElement[bool]:
    """Case-insensitive "column contains text", with LIKE wildcards in the text taken literally."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return column.ilike(f"%{escaped}%", escape="\\")
