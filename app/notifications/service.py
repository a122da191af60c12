"""Low-stock email use cases: the company's settings, and planning the emails.

Planning decides, in one transaction under the company's settings lock, what an email lists and
marks each listed episode as emailed (EmailedEpisode): an episode is never in two emails, whichever
mode found it. Sending (notifications.sending) comes after, in a worker.

- immediate: the stock.low events of each whole minute, one email per minute that had any, planned
  once the minute has ended and SETTLE has passed (a change commits its events within seconds);
- daily_digest: at the digest hour, the company's current alerts whose episode was in no email yet.
"""

import datetime as dt
from itertools import groupby

import sqlalchemy as sa

from app.alerts.service import low_stock_alerts
from app.common.time import utcnow
from app.common.transaction import use_case
from app.companies.models import Company
from app.companies.service import get_company
from app.events.domain import STOCK_LOW
from app.events.models import Event
from app.events.schemas import LevelSnapshotSchema
from app.extensions import db
from app.notifications.models import (
    DAILY_DIGEST,
    IMMEDIATE,
    EmailedEpisode,
    NotificationEmail,
    NotificationSettings,
    defaults,
)

SETTLE = dt.timedelta(seconds=10)
# A digest lists the most urgent alerts first, this many at most; the rest wait for the next one.
DIGEST_LIMIT = 500


def get_settings(caller_company_id: int, company_id: int) -> NotificationSettings:
    get_company(caller_company_id, company_id)
    return db.session.get(NotificationSettings, company_id) or defaults(company_id)


def update_settings(caller_company_id: int, company_id: int, changes: dict) -> NotificationSettings:
    """Change the settings given, keep the others. Starting immediate emails (a mode or addresses
    that did not send before) emails the events from now on, not the backlog; entering digest mode
    or moving its hour makes the next digest hour to come the first."""
    now = utcnow()
    with use_case():
        get_company(caller_company_id, company_id)
        db.session.execute(sa.select(Company.id).where(Company.id == company_id).with_for_update())
        settings = db.session.get(NotificationSettings, company_id, with_for_update=True, populate_existing=True)
        if settings is None:
            settings = defaults(company_id)
            settings.emails_from = now
            db.session.add(settings)
        sent_immediately = settings.mode == IMMEDIATE and settings.sends
        digest_before = (settings.mode, settings.digest_hour_utc)
        for field, value in changes.items():
            setattr(settings, field, value)
        if settings.mode == IMMEDIATE and settings.sends and not sent_immediately:
            settings.emails_from = now
        if settings.mode == DAILY_DIGEST and digest_before != (DAILY_DIGEST, settings.digest_hour_utc):
            settings.last_digest_at = latest_digest_time(now, settings.digest_hour_utc)
    return settings


def latest_digest_time(now: dt.datetime, hour: int) -> dt.datetime:
    """The last time, at or before `now`, that the clock showed `hour`:00 UTC."""
    today = now.replace(hour=hour, minute=0, second=0, microsecond=0)
    return today if today <= now else today - dt.timedelta(days=1)


def _minute(moment: dt.datetime) -> dt.datetime:
    return moment.replace(second=0, microsecond=0)


def plan_immediate(now: dt.datetime | None = None) -> list[int]:
    """Plan the immediate emails of every minute that has ended; returns the new emails' ids."""
    until = _minute((now or utcnow()) - SETTLE)
    s = NotificationSettings
    company_ids = db.session.scalars(sa.select(s.company_id).where(s.mode == IMMEDIATE, sa.exists().where(
        Event.company_id == s.company_id, Event.type == STOCK_LOW, Event.created_at >= s.emails_from,
        Event.created_at < until))).all()
    db.session.rollback()
    planned = []
    for company_id in company_ids:
        with use_case():
            settings = db.session.get(s, company_id, with_for_update=True, populate_existing=True)
            if settings.mode != IMMEDIATE or settings.emails_from >= until:
                continue
            events = db.session.scalars(
                sa.select(Event).where(Event.company_id == company_id, Event.type == STOCK_LOW,
                                       Event.created_at >= settings.emails_from, Event.created_at < until)
                .order_by(Event.created_at, Event.id)).all()
            if settings.sends:
                for minute, of_minute in groupby(events, key=lambda event: _minute(event.created_at)):
                    planned.append(_plan(settings, IMMEDIATE, minute,
                                         [(event.level_id, event.id, event.data) for event in of_minute]))
            settings.emails_from = until
    return [email_id for email_id in planned if email_id is not None]


def plan_digests(now: dt.datetime | None = None) -> list[int]:
    """Plan the digests whose hour has come; returns the new emails' ids."""
    now = now or utcnow()
    s = NotificationSettings
    due = [company_id for company_id, hour, last in db.session.execute(
        sa.select(s.company_id, s.digest_hour_utc, s.last_digest_at).where(s.mode == DAILY_DIGEST))
        if last is None or last < latest_digest_time(now, hour)]
    db.session.rollback()
    planned = []
    for company_id in due:
        with use_case():
            settings = db.session.get(s, company_id, with_for_update=True, populate_existing=True)
            if settings.mode != DAILY_DIGEST:
                continue
            slot = latest_digest_time(now, settings.digest_hour_utc)
            if settings.last_digest_at is not None and settings.last_digest_at >= slot:
                continue
            if settings.sends:
                alerts = low_stock_alerts(company_id, company_id, page=1, per_page=DIGEST_LIMIT)["alerts"]
                episodes = _episodes([alert.level_id for alert in alerts])
                schema = LevelSnapshotSchema()
                planned.append(_plan(settings, DAILY_DIGEST, slot, [
                    (alert.level_id, episodes.get(alert.level_id, 0), schema.dump(alert)) for alert in alerts]))
            settings.last_digest_at = slot
    return [email_id for email_id in planned if email_id is not None]


def _episodes(level_ids: list[int]) -> dict[int, int]:
    """Level id → the stock.low event that began its episode, for the levels that have one."""
    if not level_ids:
        return {}
    return dict(db.session.execute(
        sa.select(Event.level_id, sa.func.max(Event.id))
        .where(Event.level_id.in_(level_ids), Event.type == STOCK_LOW).group_by(Event.level_id)).all())


def _plan(settings: NotificationSettings, kind: str, period: dt.datetime, items: list[tuple]) -> int | None:
    """An email listing the items — (level id, episode, alert data), in event order — whose episode
    is in no email yet, if any is left; it takes those episodes. A level that went low, recovered and
    went low again within the period has two of them: it is listed once, with the later figures."""
    emailed = set(db.session.execute(
        sa.select(EmailedEpisode.level_id, EmailedEpisode.episode)
        .where(EmailedEpisode.level_id.in_({level_id for level_id, _, _ in items}))).all())
    fresh = [(level_id, episode, data) for level_id, episode, data in items if (level_id, episode) not in emailed]
    if not fresh:
        return None
    latest = {level_id: data for level_id, _, data in fresh}
    email = NotificationEmail(company_id=settings.company_id, kind=kind, period=period,
                              recipients=list(settings.low_stock_emails), alerts=list(latest.values()),
                              status="pending", attempts=0, next_attempt_at=utcnow())
    db.session.add(email)
    db.session.flush()
    db.session.add_all(EmailedEpisode(level_id=level_id, episode=episode, email_id=email.id)
                       for level_id, episode, _ in fresh)
    return email.id
