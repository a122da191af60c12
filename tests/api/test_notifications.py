"""Low-stock emails: the settings endpoint, and what the worker's email tasks do, run here in-process
with a driven clock against a real SMTP server (aiosmtpd)."""

import datetime as dt
import logging

import pytest
import sqlalchemy as sa

from app.common.time import utcnow
from app.events.models import Event
from app.extensions import db
from app.notifications import sending, service
from app.notifications.models import NotificationEmail, NotificationSettings
from tests.api.alerting import move, sell
from tests.factories import make_product
from tests.smtp import free_port, parts, smtp_server

DEFAULTS = {"low_stock_emails": [], "mode": "immediate", "digest_hour_utc": 7}


def settings_path(account) -> str:
    return f"/api/companies/{account.company_id}/notifications"


def put_settings(account, **body) -> dict:
    response = account.put(settings_path(account), json=body)
    assert response.status_code == 200, response.json
    return response.json


@pytest.fixture
def mailbox(app, monkeypatch):
    with smtp_server() as (mailbox, port):
        monkeypatch.setitem(app.config, "MAIL_SERVER", "127.0.0.1")
        monkeypatch.setitem(app.config, "MAIL_PORT", port)
        monkeypatch.setitem(app.config, "MAIL_FROM", "StockFlow <alerts@stockflow.example>")
        yield mailbox


def run_sweep(app, now: dt.datetime) -> list[int]:
    """What the scheduler's sweep and the workers do at `now`: plan what is due, send what is due."""
    with app.app_context():
        planned = service.plan_immediate(now) + service.plan_digests(now)
        for email_id in sending.due(now + dt.timedelta(days=1)):
            sending.send(email_id)
        return planned


def stock_low_times(app) -> list[dt.datetime]:
    with app.app_context():
        return db.session.scalars(sa.select(Event.created_at).where(Event.type == "stock.low").order_by(Event.id)).all()


def set_event_times(app, when: dt.datetime) -> None:
    """Drive the clock: every stock.low event so far happened at `when`."""
    with app.app_context():
        db.session.execute(sa.update(Event).where(Event.type == "stock.low").values(created_at=when))
        db.session.commit()


def after_minute_of(moment: dt.datetime) -> dt.datetime:
    """A moment when the minute of `moment` has ended and settled."""
    return moment.replace(second=0) + dt.timedelta(minutes=1, seconds=15)


# --- the settings --------------------------------------------------------------------------------

def test_defaults_are_immediate_to_nobody_and_any_role_reads_them(acme):
    viewer = acme.add_user("viewer")
    assert acme.get(settings_path(acme)).json == DEFAULTS
    response = viewer.get(settings_path(acme))
    assert response.status_code == 200 and response.json == DEFAULTS


def test_a_put_changes_what_it_gives_keeps_the_rest_and_drops_repeated_addresses(acme):
    assert put_settings(acme, low_stock_emails=["Buyer@acme.example", "ops@acme.example", "buyer@ACME.example"]) == {
        **DEFAULTS, "low_stock_emails": ["Buyer@acme.example", "ops@acme.example"]}
    assert put_settings(acme, mode="daily_digest", digest_hour_utc=18) == {
        "low_stock_emails": ["Buyer@acme.example", "ops@acme.example"], "mode": "daily_digest", "digest_hour_utc": 18}
    assert acme.get(settings_path(acme)).json["mode"] == "daily_digest"
    assert put_settings(acme, low_stock_emails=[])["low_stock_emails"] == []


def test_addresses_are_trimmed_and_at_most_50_count_once_repeats_are_dropped(acme):
    fifty = [f"u{i}@acme.example" for i in range(50)]
    assert put_settings(acme, low_stock_emails=[" ops@acme.example\t"])["low_stock_emails"] == ["ops@acme.example"]
    assert put_settings(acme, low_stock_emails=[*fifty, "U0@ACME.example"])["low_stock_emails"] == fifty


@pytest.mark.parametrize(("body", "field"), [
    ({"low_stock_emails": ["not-an-address"]}, "low_stock_emails"),
    ({"low_stock_emails": ["ops@acme.example\r\nBcc: x@evil.example"]}, "low_stock_emails"),
    ({"low_stock_emails": "ops@acme.example"}, "low_stock_emails"),
    ({"low_stock_emails": [f"u{i}@acme.example" for i in range(51)]}, "low_stock_emails"),
    ({"mode": "hourly"}, "mode"),
    ({"mode": None}, "mode"),
    ({"digest_hour_utc": 24}, "digest_hour_utc"),
    ({"digest_hour_utc": -1}, "digest_hour_utc"),
    ({"digest_hour_utc": "7"}, "digest_hour_utc"),
    ({"digest_hour_utc": True}, "digest_hour_utc"),
    ({"digest_hour_utc": 7.5}, "digest_hour_utc"),
    ({"sms": True}, "sms"),
])
def test_bad_settings_are_refused_naming_the_field_and_change_nothing(acme, body, field):
    put_settings(acme, low_stock_emails=["ops@acme.example"], mode="off")
    response = acme.put(settings_path(acme), json=body)
    assert response.status_code == 422, response.json
    assert any(key == field or key.startswith(f"{field}.") for key in response.json["errors"]), response.json
    assert acme.get(settings_path(acme)).json == {**DEFAULTS, "low_stock_emails": ["ops@acme.example"], "mode": "off"}


def test_only_admins_change_them_and_only_their_own_company(acme, globex):
    put_settings(acme, low_stock_emails=["ops@acme.example"])
    for role in ("staff", "manager", "viewer"):
        response = acme.add_user(role).put(settings_path(acme), json={"mode": "off"})
        assert response.status_code == 403, response.json
    for method in (globex.get, lambda path, **kw: globex.put(path, json={"mode": "off"})):
        response = method(settings_path(acme))
        assert response.status_code == 404 and response.json["error"] == "not_found"
    assert acme.get(settings_path(acme)).json == {**DEFAULTS, "low_stock_emails": ["ops@acme.example"]}
    assert globex.get(settings_path(globex)).json == DEFAULTS
    assert acme.client.get(settings_path(acme)).status_code == 401


# --- immediate ------------------------------------------------------------------------------------

def test_immediate_sends_one_email_per_minute_of_events_to_every_address(app, acme, main, mailbox):
    put_settings(acme, low_stock_emails=["buyer@acme.example", "ops@acme.example"])
    clock = make_product(acme, "RETRO-CLOCK", {main: 10}, low_stock_threshold=5, name="Retro <Clock>")
    lamp = make_product(acme, "DESK-LAMP", {main: 10}, low_stock_threshold=5)
    sell(acme, clock, main, 6)
    sell(acme, lamp, main, 7)
    minute = max(stock_low_times(app))
    set_event_times(app, minute)  # both in one minute
    assert run_sweep(app, minute) == []  # the minute has not ended yet
    assert len(run_sweep(app, after_minute_of(minute))) == 1
    [sent] = mailbox.wait_for(1)
    message = sent["message"]
    assert sorted(sent["to"]) == ["buyer@acme.example", "ops@acme.example"]
    assert message["From"] == "StockFlow <alerts@stockflow.example>"
    assert "Acme Supplies" in message["Subject"] and "2 levels" in message["Subject"]
    text, html = parts(message)
    for expected in ("Retro <Clock>", "RETRO-CLOCK", "DESK-LAMP", "Main", "4 / 5", "3 / 5"):
        assert expected in text
    assert "Retro &lt;Clock&gt;" in html and "<Clock>" not in html and "DESK-LAMP" in html

    # Nothing more for those; a level going low a minute later is the next email.
    assert run_sweep(app, after_minute_of(minute) + dt.timedelta(minutes=5)) == []
    sell(acme, make_product(acme, "WALL-MAP", {main: 6}, low_stock_threshold=5), main, 1)
    later = minute + dt.timedelta(minutes=7)
    with app.app_context():  # it happens after that sweep
        db.session.execute(sa.update(Event).where(Event.id == sa.select(sa.func.max(Event.id)).scalar_subquery())
                           .values(created_at=later))
        db.session.commit()
    assert len(run_sweep(app, after_minute_of(later))) == 1
    assert len(mailbox.wait_for(2)) == 2
    assert "WALL-MAP" in parts(mailbox.messages[1]["message"])[0]
    assert "RETRO-CLOCK" not in parts(mailbox.messages[1]["message"])[0]


def test_no_email_while_off_without_addresses_or_for_events_before_emails_were_asked_for(app, acme, main, mailbox):
    clock = make_product(acme, "RETRO-CLOCK", {main: 10}, low_stock_threshold=5)
    sell(acme, clock, main, 6)  # no addresses yet
    put_settings(acme, low_stock_emails=["ops@acme.example"], mode="off")
    lamp = make_product(acme, "DESK-LAMP", {main: 10}, low_stock_threshold=5)
    sell(acme, lamp, main, 6)  # off
    for moment in stock_low_times(app):
        assert run_sweep(app, after_minute_of(moment)) == []
    set_event_times(app, utcnow() - dt.timedelta(seconds=1))  # not in the second emails are turned on
    put_settings(acme, mode="immediate")
    assert run_sweep(app, after_minute_of(utcnow())) == []
    assert mailbox.messages == []


def test_a_company_gets_only_its_own_levels(app, acme, globex, main, mailbox):
    put_settings(acme, low_stock_emails=["ops@acme.example"])
    put_settings(globex, low_stock_emails=["ops@globex.example"])
    theirs = globex.post("/api/warehouses", json={"name": "Depot"}).json["id"]
    sell(globex, make_product(globex, "GLOBEX-GEAR", {theirs: 10}, low_stock_threshold=5), theirs, 6)
    sell(acme, make_product(acme, "RETRO-CLOCK", {main: 10}, low_stock_threshold=5), main, 6)
    set_event_times(app, max(stock_low_times(app)))
    assert len(run_sweep(app, after_minute_of(max(stock_low_times(app))))) == 2
    by_address = {sent["to"][0]: parts(sent["message"])[0] for sent in mailbox.wait_for(2)}
    assert "RETRO-CLOCK" in by_address["ops@acme.example"] and "GLOBEX-GEAR" not in by_address["ops@acme.example"]
    assert "GLOBEX-GEAR" in by_address["ops@globex.example"] and "RETRO-CLOCK" not in by_address["ops@globex.example"]


def test_a_level_low_twice_in_one_minute_is_listed_once_with_its_latest_figures(app, acme, main, mailbox):
    put_settings(acme, low_stock_emails=["ops@acme.example"])
    clock = make_product(acme, "RETRO-CLOCK", {main: 10}, low_stock_threshold=5)
    lamp = make_product(acme, "DESK-LAMP", {main: 10}, low_stock_threshold=5)
    sell(acme, clock, main, 6)  # 4 / 5: low
    move(acme, "receive", clock, main, 10)  # 14: back above
    sell(acme, clock, main, 11)  # 3 / 5: low again, a second episode
    sell(acme, lamp, main, 8)  # 2 / 5
    minute = max(stock_low_times(app))
    set_event_times(app, minute)
    assert len(stock_low_times(app)) == 3
    assert len(run_sweep(app, after_minute_of(minute))) == 1
    [sent] = mailbox.wait_for(1)
    assert "2 levels" in sent["message"]["Subject"], sent["message"]["Subject"]
    text, html = parts(sent["message"])
    assert text.count("RETRO-CLOCK") == 1 and html.count("RETRO-CLOCK") == 1
    assert "3 / 5" in text and "4 / 5" not in text and "2 / 5" in text
    # Both of the clock's episodes are in that email: no later sending lists either.
    put_settings(acme, mode="daily_digest", digest_hour_utc=7)
    assert run_sweep(app, service.latest_digest_time(utcnow(), 7) + dt.timedelta(days=1)) == []


# --- daily digest ---------------------------------------------------------------------------------

def test_the_digest_goes_once_a_day_and_never_lists_an_episode_an_email_already_listed(app, acme, main, mailbox):
    put_settings(acme, low_stock_emails=["ops@acme.example"])
    clock = make_product(acme, "RETRO-CLOCK", {main: 10}, low_stock_threshold=5)
    sell(acme, clock, main, 6)
    [went_low] = stock_low_times(app)
    assert len(run_sweep(app, after_minute_of(went_low))) == 1  # immediate: the clock's episode is emailed

    put_settings(acme, mode="daily_digest", digest_hour_utc=7)
    lamp = make_product(acme, "DESK-LAMP", {main: 10}, low_stock_threshold=5)
    sell(acme, lamp, main, 6)  # goes low in digest mode: no immediate email
    now = utcnow()
    next_digest = service.latest_digest_time(now, 7) + dt.timedelta(days=1)
    assert run_sweep(app, next_digest - dt.timedelta(minutes=1)) == []  # not before the hour (and no backlog)
    assert len(run_sweep(app, next_digest)) == 1
    assert run_sweep(app, next_digest + dt.timedelta(hours=3)) == []  # once a day
    digest = mailbox.wait_for(2)[1]["message"]
    text, html = parts(digest)
    assert "DESK-LAMP" in text and "DESK-LAMP" in html and "digest" in digest["Subject"].lower()
    assert "RETRO-CLOCK" not in text  # its episode was in the immediate email

    # A day later both are still low: their episodes are emailed, so there is no email at all.
    assert run_sweep(app, next_digest + dt.timedelta(days=1)) == []
    # The lamp is replenished and goes low again: a new episode, in the next digest.
    move(acme, "receive", lamp, main, 10)
    sell(acme, lamp, main, 12)
    assert len(run_sweep(app, next_digest + dt.timedelta(days=2))) == 1
    third = parts(mailbox.wait_for(3)[2]["message"])[0]
    assert "DESK-LAMP" in third and "RETRO-CLOCK" not in third
    assert len(mailbox.messages) == 3


def test_a_level_low_from_its_first_receipt_is_in_the_digest_once(app, acme, main, mailbox):
    put_settings(acme, low_stock_emails=["ops@acme.example"], mode="daily_digest", digest_hour_utc=0)
    clock = make_product(acme, "RETRO-CLOCK", {main: 3}, low_stock_threshold=5)  # low from the start: no event
    sell(acme, clock, main, 1)
    assert stock_low_times(app) == []
    tomorrow = service.latest_digest_time(utcnow(), 0) + dt.timedelta(days=1)
    assert len(run_sweep(app, tomorrow)) == 1
    assert "RETRO-CLOCK" in parts(mailbox.wait_for(1)[0]["message"])[0]
    assert run_sweep(app, tomorrow + dt.timedelta(days=1)) == []


# --- sending --------------------------------------------------------------------------------------

def planned_email(app, acme, main) -> int:
    put_settings(acme, low_stock_emails=["ops@acme.example"])
    sell(acme, make_product(acme, "RETRO-CLOCK", {main: 10}, low_stock_threshold=5), main, 6)
    with app.app_context():
        [email_id] = service.plan_immediate(after_minute_of(max(stock_low_times(app))))
    return email_id


def email_row(app, email_id) -> NotificationEmail:
    with app.app_context():
        email = db.session.get(NotificationEmail, email_id)
        db.session.expunge(email)
        return email


def test_an_smtp_server_that_is_down_is_retried_then_the_email_is_failed(app, acme, main, monkeypatch):
    monkeypatch.setitem(app.config, "MAIL_SERVER", "127.0.0.1")
    monkeypatch.setitem(app.config, "MAIL_PORT", free_port())  # nothing listens there
    monkeypatch.setitem(app.config, "NOTIFICATION_RETRY_SCHEDULE", "60")  # not due again before the test makes it so
    email_id = planned_email(app, acme, main)
    with app.app_context():
        assert sending.send(email_id) is False
    first = email_row(app, email_id)
    assert (first.status, first.attempts) == ("pending", 1) and "ConnectionRefusedError" in first.last_error
    assert first.next_attempt_at > first.created_at
    with app.app_context():
        assert sending.send(email_id) is False  # not due yet: nothing attempted
        assert sending.due(first.next_attempt_at) == [email_id]
        db.session.execute(sa.update(NotificationEmail).values(next_attempt_at=utcnow()))
        db.session.commit()
        assert sending.send(email_id) is False
    last = email_row(app, email_id)
    assert (last.status, last.attempts, last.next_attempt_at) == ("failed", 2, None)


def test_a_company_name_with_a_line_break_makes_a_one_line_subject(app, acme, mailbox):
    assert acme.patch(f"/api/companies/{acme.company_id}", json={"name": "Acme\r\nBcc: thief@evil.example"}).status_code == 200
    main = acme.post("/api/warehouses", json={"name": "Main"}).json["id"]
    email_id = planned_email(app, acme, main)
    with app.app_context():
        assert sending.send(email_id) is True
    [sent] = mailbox.wait_for(1)
    assert sent["to"] == ["ops@acme.example"]
    assert sent["message"]["Subject"] == "Low stock at Acme Bcc: thief@evil.example: 1 level just went low"
    assert sent["message"]["Bcc"] is None


def test_an_email_whose_headers_cannot_be_written_is_retried_then_failed_not_left_pending(app, acme, main, mailbox, monkeypatch):
    monkeypatch.setitem(app.config, "MAIL_FROM", "StockFlow\r\nBcc: thief@evil.example <alerts@stockflow.example>")
    monkeypatch.setitem(app.config, "NOTIFICATION_RETRY_SCHEDULE", "0")
    email_id = planned_email(app, acme, main)
    with app.app_context():
        assert sending.send(email_id) is False
        assert sending.send(email_id) is False
    row = email_row(app, email_id)
    assert (row.status, row.attempts, row.next_attempt_at) == ("failed", 2, None)
    assert row.last_error.startswith("ValueError: ")
    assert mailbox.messages == []


def test_a_retried_email_reaches_the_server_once_it_is_back(app, acme, main, monkeypatch):
    port = free_port()
    monkeypatch.setitem(app.config, "MAIL_SERVER", "127.0.0.1")
    monkeypatch.setitem(app.config, "MAIL_PORT", port)
    monkeypatch.setitem(app.config, "NOTIFICATION_RETRY_SCHEDULE", "0")
    email_id = planned_email(app, acme, main)
    with app.app_context():
        assert sending.send(email_id) is False
    with smtp_server(port) as (mailbox, _):
        with app.app_context():
            assert sending.send(email_id) is True
            assert sending.send(email_id) is False  # sent: never again
        [sent] = mailbox.wait_for(1)
    assert sent["message"]["Message-ID"] == f"<notification-{email_id}@localhost>"
    row = email_row(app, email_id)
    assert (row.status, row.attempts, row.last_error) == ("sent", 2, None) and row.sent_at is not None


def test_without_mail_server_the_email_is_written_to_the_log(app, acme, main, caplog):
    email_id = planned_email(app, acme, main)
    with caplog.at_level(logging.INFO, logger="app.notifications.sending"), app.app_context():
        assert sending.send(email_id) is True
    assert "RETRO-CLOCK" in caplog.text and "MAIL_SERVER" in caplog.text
    assert email_row(app, email_id).status == "sent"


def test_saving_addresses_starts_immediate_emails_from_then(app, acme):
    put_settings(acme, low_stock_emails=["ops@acme.example"])
    with app.app_context():
        settings = db.session.get(NotificationSettings, acme.company_id)
        assert settings.sends and settings.emails_from <= utcnow()


def test_metrics_count_emails_by_status(app, client, acme, main, mailbox):
    from tests.api.test_metrics import value

    email_id = planned_email(app, acme, main)
    assert value(client, "stockflow_notification_emails", status="pending") == 1
    with app.app_context():
        assert sending.send(email_id)
    assert (value(client, "stockflow_notification_emails", status="pending"),
            value(client, "stockflow_notification_emails", status="sent")) == (0, 1)
