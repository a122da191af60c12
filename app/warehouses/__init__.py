"""Warehouses: the places a company keeps stock."""
