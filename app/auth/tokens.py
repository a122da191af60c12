"""API token material: random secrets, of which only a SHA-256 digest is ever stored."""

import secrets

TOKEN_PREFIX = "sf_"


def new_token() -> str:
    return TOKEN_PREFIX + secrets.token_urlsafe(32)
