"""The token of an `Authorization: Bearer …` header, read one way by authentication and the rate limiter."""

# The dashboard's session cookie, which carries a token too (app/auth/security.py).
SESSION_COOKIE = "stockflow_session"

# Longer than any token we issue: not a token, whatever it says.
MAX_TOKEN_LENGTH = 512


def bearer_token(authorization: str | None) -> str | None:
    """The token of an `Authorization: Bearer <token>` header (the scheme in any case), or None."""
    scheme, _, token = (authorization or "").partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token or len(token) > MAX_TOKEN_LENGTH:
        return None
    return token
