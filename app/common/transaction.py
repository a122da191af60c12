"""Transaction boundaries shared by every use case: commit, and retry on MySQL deadlocks."""

import random
import time
from functools import wraps

from flask import g
from sqlalchemy.exc import OperationalError

from app.errors import Unavailable
from app.extensions import db

# MySQL: 1213 deadlock found, 1205 lock wait timeout. Both roll the transaction back; retrying
# the whole use case is safe because nothing of it was kept.
RETRYABLE_MYSQL_ERRORS = {1213, 1205}
MAX_ATTEMPTS = 4


def commit() -> None:
    """End a use case's transaction.

    Under an Idempotency-Key the request's stored answer must be written in the same transaction
    as its effects, so the use case only flushes and the idempotency layer commits both.
    """
    if g.get("commit_deferred"):
        db.session.flush()
    else:
        db.session.commit()


def is_retryable(error: OperationalError) -> bool:
    args = getattr(error.orig, "args", ())
    return bool(args) and args[0] in RETRYABLE_MYSQL_ERRORS


def retry_on_deadlock(view):
    """Run a write again, from scratch, when MySQL chose it as a deadlock victim; then give up with 503."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        for attempt in range(1, MAX_ATTEMPTS + 1):
            try:
                return view(*args, **kwargs)
            except OperationalError as error:
                db.session.rollback()
                if not is_retryable(error):
                    raise
                if attempt == MAX_ATTEMPTS:
                    raise Unavailable("The database is busy; retry the request") from error
                time.sleep(random.uniform(0.005, 0.02) * attempt)

    return wrapper
