"""Products and product types: the catalogue."""
