"""Reading which constraint an IntegrityError broke, the same way on MySQL and SQLite."""

from sqlalchemy.exc import IntegrityError

from app.errors import NameTaken, SkuTaken
from app.extensions import db


def violates(error: IntegrityError, *names: str) -> bool:
    """True when the error names one of these constraints or columns.

    MySQL says "Duplicate entry 'X' for key 'uq_products_sku_key'", SQLite says
    "UNIQUE constraint failed: products.sku_key": both contain the column name.
    """
    message = str(error.orig)
    return any(name in message for name in names)


def flush_or_sku_taken(sku: str) -> None:
    """Flush a new or renamed product: the unique index on the normalized SKU decides, also
    between concurrent requests, never a check-then-insert."""
    try:
        db.session.flush()
    except IntegrityError as error:
        db.session.rollback()
        if violates(error, "sku_key"):
            raise SkuTaken(f"SKU '{sku}' is already in use", {"sku": ["already in use"]}) from None
        raise


def change_named(row, kind: str, changes: dict) -> None:
    """Apply changes to a NamedInCompany row (a new name through rename) and flush them; a taken
    name is a 409, as in flush_or_name_taken."""
    if "name" in changes:
        row.rename(changes.pop("name"))
    for field, value in changes.items():
        setattr(row, field, value)
    flush_or_name_taken(kind, row.name)


def flush_or_name_taken(kind: str, name: str) -> None:
    """Flush a new or renamed NamedInCompany row; its unique index decides whether the name is free,
    also between concurrent requests."""
    try:
        db.session.flush()
    except IntegrityError as error:
        db.session.rollback()
        if violates(error, "name_key"):
            raise NameTaken(f"A {kind} named '{name}' already exists", {"name": ["already in use"]}) from None
        raise
