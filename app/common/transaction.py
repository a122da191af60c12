"""Transaction boundaries: one unit of work per use case, and the retry of MySQL deadlock victims."""

import contextlib
import random
import time
from collections.abc import Iterator
from contextvars import ContextVar
from functools import wraps

from sqlalchemy.exc import OperationalError

from app.errors import Unavailable
from app.extensions import db


class UnitOfWork:
    """One use case's transaction, and what the use case collects to write in it before it commits."""

    def __init__(self):
        # Things that happened, appended by the use case; written in its own transaction (the outbox).
        self.events: list = []


_current: ContextVar[UnitOfWork | None] = ContextVar("unit_of_work", default=None)


@contextlib.contextmanager
def use_case() -> Iterator[UnitOfWork]:
    """Run the block as one use case: commit once when it ends, roll back if it raises.

    A use case started inside another joins it, and the outermost commits. That is how a keyed
    write stays atomic: the idempotency layer opens the unit of work, the service's own joins it,
    and the stored answer is written in the same transaction as the effects. Helpers only flush.
    """
    outer = _current.get()
    if outer is not None:
        yield outer
        # What the caller gets back is written (ids assigned), as if this use case had committed.
        db.session.flush()
        return
    unit = UnitOfWork()
    token = _current.set(unit)
    try:
        yield unit
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise
    finally:
        _current.reset(token)


# MySQL: 1213 deadlock found, 1205 lock wait timeout. Both roll the transaction back; retrying
# the whole use case is safe because nothing of it was kept.
RETRYABLE_MYSQL_ERRORS = {1213, 1205}
MAX_ATTEMPTS = 4


def is_retryable(error: OperationalError) -> bool:
    args = getattr(error.orig, "args", ())
    return bool(args) and args[0] in RETRYABLE_MYSQL_ERRORS


def retry_on_deadlock(view):
    """Run a write again, from scratch, when MySQL chose it as a deadlock victim; then give up with 503.

    Goes on every view that writes, right below its authentication.
    """

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
