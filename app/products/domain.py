"""Catalogue rules that need no database: what a SKU is and when two SKUs are the same."""

import re

SKU_PATTERN = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


def normalize_sku(raw: str) -> str:
    """The SKU as stored for display: trimmed. Raises ValueError when it is not a valid SKU."""
    sku = raw.strip()
    if not SKU_PATTERN.match(sku):
        raise ValueError("1–64 characters: letters, digits, '-', '_' or '.'")
    return sku


def sku_key(sku: str) -> str:
    """The form SKUs are compared in: 'wid-001' and 'WID-001' are the same SKU."""
    return sku.strip().upper()
