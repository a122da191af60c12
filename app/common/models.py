"""Column types and column groups several models share."""

import unicodedata
from decimal import Decimal

import sqlalchemy as sa
import sqlalchemy.orm as so
from sqlalchemy.dialects import mysql

from app.errors import ValidationFailed


def exact_string(length: int) -> sa.types.TypeEngine:
    """A VARCHAR compared code point for code point on every database, as SQLite compares.

    For the columns whose equality decides something (unique names, emails): MySQL's default
    collation would make 'Cafe' equal 'Café' and 'a' equal 'A'. Values are normalized before they
    are stored, so the comparison the application wants is the binary one.
    """
    return sa.String(length).with_variant(mysql.VARCHAR(length, collation="utf8mb4_bin"), "mysql", "mariadb")


class DecimalText(sa.types.TypeDecorator):
    """A decimal kept as its text, `scale` places after the point: for SQLite, whose NUMERIC columns
    keep 15 significant digits (12345678897654321.09 would come back as …322.00)."""

    impl = sa.String(40)
    cache_ok = True

    def __init__(self, scale: int):
        super().__init__()
        self.scale = scale

    def process_bind_param(self, value, dialect):
        return None if value is None else f"{Decimal(value):.{self.scale}f}"

    def process_result_value(self, value, dialect):
        return None if value is None else Decimal(value)


def exact_decimal(precision: int, scale: int) -> sa.types.TypeEngine:
    """DECIMAL(precision, scale), exact on SQLite too (DecimalText there) however many digits it has."""
    return sa.Numeric(precision, scale).with_variant(DecimalText(scale), "sqlite")


# Microseconds on MySQL too (its DATETIME keeps whole seconds): a retry due in 1.2 s must not be
# due after 1.
PreciseDateTime = sa.DateTime().with_variant(mysql.DATETIME(fsp=6), "mysql")


# Full case folding can turn one character into three ('ﬃ' → 'ffi'), so a name of 120 characters
# may fold to 360; the key column leaves room for canonical decomposition on top.
NAME_LENGTH, NAME_KEY_LENGTH = 120, 480


def name_key(name: str) -> str:
    """The form names are compared in: case-insensitively ('STRASSE' = 'straße', 'Main' = 'main'),
    accents significant ('Cafe' ≠ 'Café'), canonically equivalent spellings equal (é = e + ◌́)."""
    return unicodedata.normalize("NFC", unicodedata.normalize("NFD", name).casefold())


class NamedInCompany:
    """A `name` unique within its company, compared by `name_key` on every database.

    The table adds `UniqueConstraint("company_id", "name_key")`.
    """

    name: so.Mapped[str] = so.mapped_column(sa.String(NAME_LENGTH))
    name_key: so.Mapped[str] = so.mapped_column(exact_string(NAME_KEY_LENGTH))

    def rename(self, name: str) -> None:
        key = name_key(name)
        if len(key) > NAME_KEY_LENGTH:
            raise ValidationFailed(errors={"name": [f"Too long once case-folded (over {NAME_KEY_LENGTH} characters)."]})
        self.name = name
        self.name_key = key
