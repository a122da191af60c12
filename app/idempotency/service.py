"""Idempotency-Key handling: claim a key inside the request's transaction, store or replay its answer."""

import datetime as dt
import hashlib

import sqlalchemy as sa
from flask import Response, request
from sqlalchemy.exc import IntegrityError
from webargs import core

from app.common.digests import sha256_hex
from app.common.jsonbody import canonical, request_json
from app.common.time import utcnow
from app.common.transaction import use_case
from app.errors import Conflict, ValidationFailed
from app.extensions import db
from app.idempotency.models import IdempotencyKey

HEADER = "Idempotency-Key"
KEY_TTL = dt.timedelta(hours=24)


class IdempotencyKeyReused(ValidationFailed):
    slug = "idempotency_key_reused"
    default_message = "This Idempotency-Key was already used with a different request"


def request_fingerprint() -> str:
    """Method, path and body in canonical JSON: the same request however its JSON is formatted (an
    empty body is `{}`, as the endpoints read it)."""
    document = request_json()
    body = canonical({} if document is core.missing else document)
    return hashlib.sha256(f"{request.method} {request.path}\n".encode() + body).hexdigest()


def run_idempotently(company_id: int, key: str, view, /, *args, **kwargs) -> Response:
    """Answer a keyed write: replay the stored answer, or run the view and store its answer atomically.

    The key row is inserted first, in the same transaction as the write. A concurrent request with
    the same key blocks on that row's unique index until the first commits, then replays its answer.
    Only successful answers are stored: a failed request applied nothing and may be retried as is.
    """
    key = _as_sent(key)
    if not 1 <= len(key) <= 255:
        raise ValidationFailed(errors={HEADER: ["Must be 1–255 characters."]})
    fingerprint = request_fingerprint()
    # The view's use case joins this one: its effects and the stored answer commit together.
    with use_case():
        claim = _claim(company_id, sha256_hex(key), fingerprint)
        if isinstance(claim, Response):
            return claim
        response = view(*args, **kwargs)
        if 200 <= response.status_code < 300:
            claim.response_status = response.status_code
            claim.response_body = response.get_data(as_text=True)
        else:
            db.session.rollback()
    return response


def _as_sent(header: str) -> str:
    """A header's text as the client wrote it: WSGI gives header bytes as latin-1, so a key sent in
    UTF-8 is decoded as UTF-8 and its length counts characters, not bytes."""
    try:
        return header.encode("latin-1").decode("utf-8")
    except UnicodeError:
        return header


def _claim(company_id: int, key_digest: str, fingerprint: str) -> IdempotencyKey | Response:
    for _ in range(3):
        row = IdempotencyKey(
            company_id=company_id, key_digest=key_digest, request_hash=fingerprint,
            response_status=0, response_body="", expires_at=utcnow() + KEY_TTL,
        )
        db.session.add(row)
        try:
            db.session.flush()
            return row
        except IntegrityError:
            db.session.rollback()
        stored = db.session.scalar(
            sa.select(IdempotencyKey).where(IdempotencyKey.company_id == company_id, IdempotencyKey.key_digest == key_digest)
        )
        if stored is None:
            continue  # the first request failed and released the key: try to claim it again
        if stored.expires_at <= utcnow():
            db.session.delete(stored)
            db.session.flush()
            continue
        if stored.request_hash != fingerprint:
            raise IdempotencyKeyReused(errors={HEADER: ["already used with a different request"]})
        return _replay(stored)
    raise Conflict("A request with this Idempotency-Key is in progress; retry shortly")


def _replay(stored: IdempotencyKey) -> Response:
    db.session.rollback()
    return Response(
        stored.response_body,
        status=stored.response_status,
        mimetype="application/json",
        headers={"Idempotent-Replayed": "true"},
    )


def purge_expired() -> int:
    with use_case():
        result = db.session.execute(sa.delete(IdempotencyKey).where(IdempotencyKey.expires_at <= utcnow()))
    return result.rowcount
