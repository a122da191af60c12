"""Suppliers and which products they supply, on what terms."""
