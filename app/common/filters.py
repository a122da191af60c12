"""Query filters shared by list endpoints."""

import functools
import unicodedata

import sqlalchemy as sa
from sqlalchemy.ext.compiler import compiles


def fold(text: str | None) -> str | None:
    """Text as a search compares it on SQLite: as MySQL's utf8mb4_unicode_ci collation compares in a
    LIKE, one character against one — case folded, accents dropped ("Société" → "societe"), a
    compatibility form read as its letter ("Ａ" → "a") — but a character that is several letters
    ("ß", "ﬁ", "Ⅻ") is not their spelling out ("ss", "fi", "xii")."""
    if text is None:
        return None
    if text.isascii():
        return text.lower()
    return "".join(map(_folded_character, text))


@functools.lru_cache(maxsize=4096)
def _folded_character(character: str) -> str:
    if ord(character) > 0xFFFF:  # outside the plane the collation knows letters of: itself
        return character
    letters = [c for c in unicodedata.normalize("NFKD", character) if not unicodedata.combining(c)]
    if not letters:  # a combining mark: the accent of the letter before it
        return ""
    letter = letters[0] if len(letters) == 1 else character
    folded = letter.casefold()
    return folded if len(folded) == 1 else letter.lower()


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
    """"column contains text" whatever the case and accents, with LIKE wildcards in the text taken literally.

    The text is composed first (NFC): MySQL compares one character at a time, so "e" + "◌́" typed
    apart must become the "é" that names hold."""
    escaped = unicodedata.normalize("NFC", text).replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return folded(column).like(folded(f"%{escaped}%"), escape="\\")
