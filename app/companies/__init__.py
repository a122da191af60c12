"""Companies: the tenants, and their settings."""
