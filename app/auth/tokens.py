"""API token material: random secrets, of which only a SHA-256 digest is ever stored."""

import secrets

from app.common.digests import sha256_hex

TOKEN_PREFIX = "sf_"


def new_token() -> str:
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def token_digest(token: str) -> str:
    return sha256_hex(token)
