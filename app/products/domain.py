"""Catalogue rules that need no database: what a SKU is and when two SKUs are the same."""

import re

SKU_PATTERN = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


def normalize_sku(raw: str) -> str:
    """The SKU as stored for display: trimmed. Raises ValueError when it is not a valid SKU."""
    sku = raw.strip()
    if not SKU_PATTERN.match(sku):
        raise ValueError("1–64 characters: letters, digits, '-', '_' or '.'")
    return sku


# Only ASCII letters change case: str.upper() would make a SKU of `ß` or `ﬃ` (never valid) into
# the key of a valid one (`SS`, `FFI`), so that a filter or a sheet naming it would find another.
_ASCII_UPPER = str.maketrans("abcdefghijklmnopqrstuvwxyz", "ABCDEFGHIJKLMNOPQRSTUVWXYZ")


def sku_key(sku: str) -> str:
    """The form SKUs are compared in: 'wid-001' and 'WID-001' are the same SKU."""
    return sku.strip().translate(_ASCII_UPPER)
