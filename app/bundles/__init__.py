"""Bundles: products made of other products, holding no stock of their own."""
