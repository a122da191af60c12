"""Query filters shared by list endpoints."""

import unicodedata

import sqlalchemy as sa
from sqlalchemy.ext.compiler import compiles


def fold(text: str | None) -> str | None:
    """Text as a search compares it: case folded, accents dropped ("Société" → "societe"), as
    MySQL's utf8mb4_unicode_ci collation compares."""
    if text is None:
        return None
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c)).casefold()


class folded(sa.sql.functions.GenericFunction):
    """fold() in SQL: lower(), which MySQL's case- and accent-insensitive collations complete; on
    SQLite, whose lower() knows ASCII only, the function registered with each connection
    (app/database.py)."""

    type = sa.String()
    name = "lower"
    inherit_cache = True


@compiles(folded, "sqlite")
def _folded_on_sqlite(element, compiler, **kw):
    return f"stockflow_fold({compiler.process(element.clauses, **kw)})"


def contains(column, text: str) -> sa.ColumnElement[bool]:
    """"column contains text" whatever the case and accents, with LIKE wildcards in the text taken literally."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return folded(column).like(folded(f"%{escaped}%"), escape="\\")
