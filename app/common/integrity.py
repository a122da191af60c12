"""Reading which constraint an IntegrityError broke, the same way on MySQL and SQLite."""

from sqlalchemy.exc import IntegrityError

from app.errors import Conflict, NameTaken, SkuTaken
from app.extensions import db


def violates(error: IntegrityError, *names: str) -> bool:
    """True when the error names one of these constraints or columns.

    MySQL says "Duplicate entry 'X' for key 'uq_products_sku_key'", SQLite says
    "UNIQUE constraint failed: products.sku_key": both contain the column name.
    """
    message = str(error.orig)
    return any(name in message for name in names)


def flush_or_taken(name: str, taken: Conflict) -> None:
    """Flush; when that breaks the unique constraint on `name` (see violates), raise `taken` instead.
    A unique index decides, also between concurrent requests, never a check-then-insert. Call it
    inside a use case: that rolls the failed flush back."""
    try:
        db.session.flush()
    except IntegrityError as error:
        if violates(error, name):
            raise taken from None
        raise


def flush_or_sku_taken(sku: str) -> None:
    """Flush a new or renamed product: the unique index on the normalized SKU decides."""
    flush_or_taken("sku_key", SkuTaken(f"SKU '{sku}' is already in use", {"sku": ["already in use"]}))


def change_named(row, kind: str, changes: dict) -> None:
    """Apply changes to a NamedInCompany row (a new name through rename) and flush them; a taken
    name is a 409, as in flush_or_name_taken."""
    if "name" in changes:
        row.rename(changes.pop("name"))
    for field, value in changes.items():
        setattr(row, field, value)
    flush_or_name_taken(kind, row.name)


def flush_or_name_taken(kind: str, name: str) -> None:
    """Flush a new or renamed NamedInCompany row; its unique index decides whether the name is free."""
    flush_or_taken("name_key", NameTaken(f"A {kind} named '{name}' already exists", {"name": ["already in use"]}))
