"""Signing secrets: made, stored encrypted under a key derived from SECRET_KEY, and used to sign."""

import base64
import functools
import hashlib
import hmac
import secrets

from cryptography.fernet import Fernet
from flask import current_app

PREFIX = "whsec_"


def new_secret() -> str:
    return PREFIX + secrets.token_urlsafe(32)


def _fernet() -> Fernet:
    return _fernet_for(current_app.config["SECRET_KEY"])


@functools.lru_cache(maxsize=4)
def _fernet_for(secret_key: str) -> Fernet:
    key = hashlib.sha256(b"stockflow webhook secrets\0" + secret_key.encode()).digest()
    return Fernet(base64.urlsafe_b64encode(key))


def seal(secret: str) -> str:
    return _fernet().encrypt(secret.encode()).decode()


def unseal(sealed: str) -> str:
    return _fernet().decrypt(sealed.encode()).decode()


def signature(secret: str, timestamp: int, body: bytes) -> str:
    """The StockFlow-Signature header: v1=<hex HMAC-SHA256(secret as UTF-8, "<timestamp>.<raw body>")>."""
    return "v1=" + hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
