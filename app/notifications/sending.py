"""Sending planned emails over SMTP (the standard library's smtplib and email), in a worker.

Each sending claims its email with a conditional UPDATE for MAIL_CLAIM_SECONDS, so two workers never
send it at once. An SMTP failure is retried on NOTIFICATION_RETRY_SCHEDULE, then the email is
`failed`. The one window for a second copy is a worker dying after the SMTP server accepted the
message and before the outcome is written; the copy has the same Message-ID, by which mail clients
and servers recognize it.
"""

import datetime as dt
import logging
import smtplib
from email.message import EmailMessage
from email.utils import formatdate

import sqlalchemy as sa
from flask import current_app, render_template

from app.common import claims
from app.common.time import utcnow
from app.common.transaction import use_case
from app.companies.models import Company
from app.extensions import db
from app.notifications.models import DAILY_DIGEST, NotificationEmail

log = logging.getLogger(__name__)


def retry_schedule() -> list[float]:
    return claims.schedule(current_app.config["NOTIFICATION_RETRY_SCHEDULE"])


def due(now: dt.datetime | None = None, limit: int = 500) -> list[int]:
    """Pending emails whose (next) sending is due and that no live worker holds."""
    now = now or utcnow()
    e = NotificationEmail
    ids = db.session.scalars(
        sa.select(e.id).where(claims.due_and_free(e, now))
        .order_by(e.status, e.next_attempt_at).limit(limit)).all()
    db.session.rollback()
    return ids


def by_status() -> dict[str, int]:
    """For monitoring: the emails by status."""
    e = NotificationEmail
    return dict(db.session.execute(sa.select(e.status, sa.func.count()).group_by(e.status)).all())


def send(email_id: int) -> bool:
    """Send the email once, if it is due and no one else holds it; record the outcome. True when sent."""
    now = utcnow()
    e = NotificationEmail
    with use_case():
        claimed = db.session.execute(
            sa.update(e).where(e.id == email_id, claims.due_and_free(e, now))
            .values(claimed_until=now + dt.timedelta(seconds=current_app.config["MAIL_CLAIM_SECONDS"]))
            .execution_options(synchronize_session=False)).rowcount
    if not claimed:
        return False
    email = db.session.get(e, email_id, populate_existing=True)
    try:
        message = compose(email, db.session.get(Company, email.company_id).name)
        db.session.rollback()  # no transaction stays open while the SMTP server takes its time
        deliver(message)
        error = None
    # smtplib's errors, refused connections, timeouts, TLS (OSError); a header the email package or
    # the server's encoding refuses (ValueError): a failed attempt, retried and then `failed`, never
    # an email left pending for ever.
    except (OSError, ValueError) as failure:
        db.session.rollback()
        error = f"{type(failure).__name__}: {failure}"[:500]
        log.warning("email %s not sent: %s", email_id, error)
    _record(email_id, error)
    return error is None


def compose(email: NotificationEmail, company_name: str) -> EmailMessage:
    """The email as plain text and HTML, from the alerts it was planned with."""
    config = current_app.config
    digest = email.kind == DAILY_DIGEST
    count = len(email.alerts)
    company_name = " ".join(company_name.split())  # one line: a header holds no line break
    subject = (f"Daily low-stock digest for {company_name}: {count} alert{'s' * (count != 1)}" if digest
               else f"Low stock at {company_name}: {count} level{'s' * (count != 1)} just went low")
    context = {"company_name": company_name, "alerts": email.alerts, "digest": digest, "period": email.period,
               "subject": subject}
    message = EmailMessage()
    message["Subject"] = subject
    message["From"] = config["MAIL_FROM"]
    message["To"] = ", ".join(email.recipients)
    message["Date"] = formatdate(usegmt=True)
    domain = config["MAIL_FROM"].rpartition("@")[2].strip(" >") or "stockflow.local"
    message["Message-ID"] = f"<notification-{email.id}@{domain}>"
    message.set_content(render_template("notifications/low_stock.txt", **context))
    message.add_alternative(render_template("notifications/low_stock.html", **context), subtype="html")
    return message


def deliver(message: EmailMessage) -> None:
    """Hand the message to the SMTP server of MAIL_*; without MAIL_SERVER, write it to the log."""
    config = current_app.config
    if not config["MAIL_SERVER"]:
        log.info("MAIL_SERVER is not set; the email is logged, not sent:\n%s",
                 message.get_body(("plain",)).get_content() if message.is_multipart() else message)
        return
    smtp_class = smtplib.SMTP_SSL if config["MAIL_USE_SSL"] else smtplib.SMTP
    with smtp_class(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=config["MAIL_TIMEOUT"]) as smtp:
        if config["MAIL_USE_TLS"]:
            smtp.starttls()
        if config["MAIL_USERNAME"]:
            smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"] or "")
        refused = smtp.send_message(message)
    if refused:
        log.warning("the SMTP server refused some recipients: %s", sorted(refused))


def _record(email_id: int, error: str | None) -> None:
    schedule, now = retry_schedule(), utcnow()
    with use_case():
        email = db.session.get(NotificationEmail, email_id, with_for_update=True, populate_existing=True)
        email.attempts += 1
        email.last_error, email.claimed_until = error, None
        if error is None:
            email.status, email.sent_at, email.next_attempt_at = "sent", now, None
        elif email.attempts > len(schedule):
            email.status, email.next_attempt_at = "failed", None
        else:
            email.next_attempt_at = now + dt.timedelta(seconds=schedule[email.attempts - 1])
