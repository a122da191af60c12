"""Transaction boundaries: one unit of work per use case, and the retry of MySQL deadlock victims."""

import contextlib
import random
import time
from collections.abc import Callable, Iterator
from contextvars import ContextVar
from functools import wraps

from sqlalchemy import event
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from app.errors import Unavailable
from app.extensions import db


class UnitOfWork:
    """One use case's transaction, and what the use case collects to write in it before it commits."""

    def __init__(self):
        # Things that happened, appended by the use case; written in its own transaction (the outbox).
        self.events: list = []
        # Each level the use case locked: level id → (available, alert threshold) when it was first
        # locked, or None for a level the use case created. The stock episodes compare it with the
        # level's state when the use case ends (app/events/episodes.py).
        self.levels_before: dict[int, tuple[int, int | None] | None] = {}
        # The ORM levels it holds, by id: their attributes are their state (no query needed at the
        # end) unless a bulk UPDATE changed levels behind the ORM's back (levels_stale).
        self.levels: dict[int, object] = {}
        self.levels_stale = False

    def watch_levels(self, levels, *, created: bool = False, orm: bool = True) -> None:
        """Note the state of levels just locked (or created), unless noted earlier in this use case.
        `orm`: they are the session's InventoryLevel objects; else rows that a bulk UPDATE will change."""
        for level in levels:
            if created:
                self.levels_before[level.id] = None
            else:
                self.levels_before.setdefault(level.id, (level.on_hand - level.reserved, level.alert_threshold))
            if orm:
                self.levels[level.id] = level
        self.levels_stale = self.levels_stale or not orm

    def discard(self) -> None:
        """Forget what was collected: the transaction rolled back, and none of it happened."""
        self.events.clear()
        self.levels_before.clear()
        self.levels.clear()
        self.levels_stale = False


_current: ContextVar[UnitOfWork | None] = ContextVar("unit_of_work", default=None)

# Run, in order, when a use case's block has ended without an error, before it commits (what they
# write commits with the use case), and after it has committed. Registered once, at import.
_BEFORE_COMMIT: list[Callable[[UnitOfWork], None]] = []


_AFTER_COMMIT: list[Callable[[UnitOfWork], None]] = []


def before_commit(hook: Callable[[UnitOfWork], None]) -> Callable[[UnitOfWork], None]:
    """Decorator: run `hook(unit)` at the end of every use case, inside its transaction."""
    if hook not in _BEFORE_COMMIT:
        _BEFORE_COMMIT.append(hook)
    return hook


def after_commit(hook: Callable[[UnitOfWork], None]) -> Callable[[UnitOfWork], None]:
    """Decorator: run `hook(unit)` once a use case has committed (not when it rolled back). The
    change stands whatever the hook does: it must not raise."""
    if hook not in _AFTER_COMMIT:
        _AFTER_COMMIT.append(hook)
    return hook


def current_unit() -> UnitOfWork | None:
    """The use case running now, if any."""
    return _current.get()


@event.listens_for(Session, "after_rollback")
def _discard_rolled_back(_session) -> None:
    # A refusal rolled back inside a use case (an idempotent write's non-2xx answer): nothing of it
    # may reach the before-commit hooks.
    unit = _current.get()
    if unit is not None:
        unit.discard()


@contextlib.contextmanager
def use_case(*, rehearsal: bool = False) -> Iterator[UnitOfWork]:
    """Run the block as one use case: commit once when it ends, roll back if it raises.

    A use case started inside another joins it, and the outermost commits. That is how a keyed
    write stays atomic: the idempotency layer opens the unit of work, the service's own joins it,
    and the stored answer is written in the same transaction as the effects. Helpers only flush.

    A rehearsal (a dry run) does everything, then rolls it all back, hooks included: the objects it
    loaded are detached first, so they keep the state the use case left them in for the answer.
    """
    outer = _current.get()
    if outer is not None:
        if rehearsal:
            raise RuntimeError("A rehearsal cannot join a use case: the outer one would commit what it does")
        yield outer
        # What the caller gets back is written (ids assigned), as if this use case had committed.
        db.session.flush()
        return
    unit = UnitOfWork()
    token = _current.set(unit)
    try:
        yield unit
        if rehearsal:
            db.session.flush()
            db.session.expunge_all()
            db.session.rollback()
            return
        for hook in _BEFORE_COMMIT:
            hook(unit)
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise
    finally:
        _current.reset(token)
    for hook in _AFTER_COMMIT:
        hook(unit)


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
