"""Inventory: stock levels per product and warehouse, and the append-only ledger of changes."""
