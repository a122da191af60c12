"""Purchasing: purchase orders to suppliers, receiving them, and what to reorder."""
