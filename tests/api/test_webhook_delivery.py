"""Delivering events to webhooks: what a worker's tasks do, run here in-process against a real HTTP
receiver (tests/e2e/test_webhook_worker.py runs them in a real worker on a real broker)."""

import datetime as dt
import json
import socket
import time

import pytest
import sqlalchemy as sa

from app.common.time import utcnow
from app.events.models import Event
from app.extensions import db
from app.webhooks import delivery
from app.webhooks.models import WebhookDelivery, WebhookSubscription
from tests.api.alerting import sell
from tests.factories import make_product
from tests.receiver import receiving, verifies


@pytest.fixture(autouse=True)
def local_receivers(app, monkeypatch):
    monkeypatch.setitem(app.config, "WEBHOOK_ALLOW_PRIVATE_NETWORKS", True)
    monkeypatch.setitem(app.config, "WEBHOOK_ALLOW_HTTP", True)
    monkeypatch.setitem(app.config, "WEBHOOK_RETRY_SCHEDULE", "1,2")


def subscribe(account, url, events=("*",)) -> dict:
    response = account.post("/api/webhooks", json={"url": url, "events": list(events)})
    assert response.status_code == 201, response.json
    return response.json


def undispatched(app) -> list[int]:
    with app.app_context():
        return db.session.scalars(sa.select(Event.id).where(Event.dispatched_at.is_(None)).order_by(Event.id)).all()


def run_worker(app) -> None:
    """What the workers do with what is committed: dispatch every event, then attempt every due
    delivery once."""
    with app.app_context():
        delivery.dispatch(undispatched(app))  # (the worker's task also claims the first and posts it at once)
        for delivery_id in delivery.overdue()[1]:
            delivery.attempt(delivery_id)


def deliveries(account, webhook) -> list[dict]:
    response = account.get(f"/api/webhooks/{webhook['id']}/deliveries")
    assert response.status_code == 200, response.json
    return response.json["items"]


def test_a_stock_low_reaches_the_receiver_signed_and_the_log_says_succeeded(app, acme, main):
    clock = make_product(acme, "RETRO-CLOCK", {main: 10}, low_stock_threshold=5)
    with receiving() as receiver:
        webhook = subscribe(acme, receiver.url, events=["stock.low"])
        sell(acme, clock, main, 6)
        run_worker(app)
        [request] = receiver.wait_for(1)
    event = json.loads(request["body"])
    headers = request["headers"]
    assert event["type"] == "stock.low" and event["data"]["product_id"] == clock and event["id"].startswith("evt_")
    assert (headers["StockFlow-Event-Id"], headers["StockFlow-Event-Type"]) == (event["id"], "stock.low")
    assert headers["Content-Type"] == "application/json"
    assert verifies(webhook["secret"], request) and not verifies("whsec_other", request)
    [logged] = deliveries(acme, webhook)
    assert headers["StockFlow-Delivery-Id"] == str(logged["id"])
    assert {k: logged[k] for k in ("event_id", "event_type", "status", "attempts", "last_status_code", "last_error",
                                   "next_attempt_at")} == {
        "event_id": event["id"], "event_type": "stock.low", "status": "succeeded", "attempts": 1,
        "last_status_code": 200, "last_error": None, "next_attempt_at": None}


def test_only_subscriptions_taking_the_type_get_it_and_each_event_is_dispatched_once(app, acme, globex, main):
    clock = make_product(acme, "RETRO-CLOCK", {main: 100})
    with receiving() as receiver:
        orders = subscribe(acme, receiver.url, events=["order.created"])
        stock = subscribe(acme, receiver.url, events=["stock.low"])
        theirs = subscribe(globex, receiver.url)
        assert acme.post("/api/orders", json={"warehouse_id": main, "items": [{"product_id": clock, "quantity": 1}]}).status_code == 201
        events = undispatched(app)
        with app.app_context():
            first, again = delivery.dispatch(events), delivery.dispatch(events)
        assert (len(first[0]), again) == (1, ([], None))
    assert [len(deliveries(account, webhook)) for account, webhook in ((acme, orders), (acme, stock), (globex, theirs))] == [1, 0, 0]


def test_a_failing_receiver_is_retried_on_the_schedule_then_failed(app, acme):
    with receiving(statuses=[500, 503, 500]) as receiver:
        webhook = subscribe(acme, receiver.url)
        assert acme.post(f"/api/webhooks/{webhook['id']}/test").status_code == 202
        [delivery_id] = [d["id"] for d in deliveries(acme, webhook)]
        with app.app_context():
            retry_in = delivery.attempt(delivery_id)
            # The schedule's first delay with jitter, to the whole second the retry is due at.
            assert 0.8 <= retry_in <= 2.2
            assert delivery.attempt(delivery_id) is None  # not due yet: nothing is sent
            db.session.execute(sa.update(WebhookDelivery).values(next_attempt_at=dt.datetime(2000, 1, 1)))
            db.session.commit()
            assert 1.6 <= delivery.attempt(delivery_id) <= 3.4
            db.session.execute(sa.update(WebhookDelivery).values(next_attempt_at=dt.datetime(2000, 1, 1)))
            db.session.commit()
            assert delivery.attempt(delivery_id) is None  # the last retry of "1,2": failed, no more
        assert len(receiver.requests) == 3
    [logged] = deliveries(acme, webhook)
    assert {k: logged[k] for k in ("status", "attempts", "last_status_code", "last_error", "next_attempt_at")} == {
        "status": "failed", "attempts": 3, "last_status_code": 500, "last_error": "answered 500", "next_attempt_at": None}
    retried = acme.post(f"/api/webhooks/{webhook['id']}/deliveries/{logged['id']}/retry")
    assert retried.status_code == 202 and (retried.json["status"], retried.json["attempts"]) == ("pending", 0)


def test_a_retry_is_due_when_the_worker_comes_back_to_it(app, acme):
    # The worker's task comes back `retry_in` seconds later (its countdown) and must find the
    # delivery due, not a fraction of a second early; the time it is due at is a whole second.
    with receiving(statuses=[500, 200]) as receiver:
        webhook = subscribe(acme, receiver.url)
        assert acme.post(f"/api/webhooks/{webhook['id']}/test").status_code == 202
        [delivery_id] = [d["id"] for d in deliveries(acme, webhook)]
        with app.app_context():
            retry_in = delivery.attempt(delivery_id)
            due_at = db.session.get(WebhookDelivery, delivery_id).next_attempt_at
            db.session.rollback()
            assert due_at.microsecond == 0 and due_at > utcnow()
            time.sleep(retry_in)
            assert delivery.attempt(delivery_id) is None  # succeeded: no retry
        assert len(receiver.requests) == 2
    [logged] = deliveries(acme, webhook)
    assert (logged["status"], logged["attempts"], logged["next_attempt_at"]) == ("succeeded", 2, None)


def test_a_test_ping_reaches_an_inactive_subscription_which_gets_nothing_else(app, acme, main):
    clock = make_product(acme, "RETRO-CLOCK", {main: 10}, low_stock_threshold=5)
    with receiving() as receiver:
        webhook = subscribe(acme, receiver.url)
        assert acme.patch(f"/api/webhooks/{webhook['id']}", json={"is_active": False}).status_code == 200
        sell(acme, clock, main, 6)  # a stock.low it would take, were it active
        assert acme.post(f"/api/webhooks/{webhook['id']}/test").status_code == 202
        run_worker(app)
        assert [json.loads(request["body"])["type"] for request in receiver.wait_for(1)] == ["ping"]
    assert [(d["event_type"], d["status"]) for d in deliveries(acme, webhook)] == [("ping", "succeeded")]


def test_a_redirect_is_not_followed_and_counts_as_a_failure(app, acme):
    with receiving(statuses=[302], headers={"Location": "http://169.254.169.254/latest"}) as receiver:
        webhook = subscribe(acme, receiver.url)
        acme.post(f"/api/webhooks/{webhook['id']}/test")
        run_worker(app)
        [logged] = deliveries(acme, webhook)
        assert (logged["status"], logged["last_status_code"], logged["last_error"]) == ("pending", 302, "answered 302")
        assert len(receiver.requests) == 1


def test_the_url_is_checked_again_before_each_delivery(app, acme, monkeypatch):
    with receiving() as receiver:
        webhook = subscribe(acme, receiver.url)
        acme.post(f"/api/webhooks/{webhook['id']}/test")
        monkeypatch.setitem(app.config, "WEBHOOK_ALLOW_PRIVATE_NETWORKS", False)
        run_worker(app)
        [logged] = deliveries(acme, webhook)
        assert logged["last_status_code"] is None and logged["last_error"].startswith("url refused: host 127.0.0.1")
        assert receiver.requests == []


def test_a_ping_goes_to_the_tested_subscription_alone(app, acme):
    with receiving() as receiver:
        tested, other = subscribe(acme, receiver.url), subscribe(acme, receiver.url)
        response = acme.post(f"/api/webhooks/{tested['id']}/test")
        assert response.status_code == 202 and response.json["event_type"] == "ping" and response.json["status"] == "pending"
        run_worker(app)
        [request] = receiver.wait_for(1)
    assert json.loads(request["body"])["type"] == "ping" and verifies(tested["secret"], request)
    assert deliveries(acme, other) == []
    [ping] = [e for e in acme.get("/api/events").json["items"] if e["type"] == "ping"]
    assert ping["data"] == {}


def days_ago(days: float) -> dt.datetime:
    return utcnow() - dt.timedelta(days=days)


def age(app, webhook, days: float, **delivery_values) -> None:
    """The subscription as if last changed `days` ago; its deliveries' columns set as given."""
    with app.app_context():
        db.session.execute(sa.update(WebhookSubscription).where(WebhookSubscription.id == webhook["id"])
                           .values(created_at=days_ago(days), updated_at=days_ago(days)))
        db.session.execute(sa.update(WebhookDelivery).where(WebhookDelivery.subscription_id == webhook["id"])
                           .values(**delivery_values))
        db.session.commit()


def ping_on_its_last_attempt(app, account, webhook) -> None:
    """A test ping, attempted once as if every earlier attempt of its schedule had failed."""
    account.post(f"/api/webhooks/{webhook['id']}/test")
    with app.app_context():
        db.session.execute(sa.update(WebhookDelivery).where(
            WebhookDelivery.subscription_id == webhook["id"], WebhookDelivery.status == "pending").values(attempts=2))
        db.session.commit()
    run_worker(app)


def state(account, webhook) -> tuple[bool, str | None]:
    shown = account.get(f"/api/webhooks/{webhook['id']}").json
    return shown["is_active"], shown["disabled_reason"]


def test_a_subscription_failing_for_three_days_is_disabled(app, acme):
    with receiving(statuses=[500]) as receiver:
        webhook = subscribe(acme, receiver.url)
        acme.post(f"/api/webhooks/{webhook['id']}/test")
        age(app, webhook, 5, attempts=2, created_at=days_ago(4))
        run_worker(app)
    assert state(acme, webhook) == (False, "every delivery failed for 3 days")


def test_a_quiet_subscription_whose_first_failure_is_recent_stays_active(app, acme):
    """Its last success was 5 days ago and nothing happened since: one delivery failing today is
    hours of failure, not 3 days."""
    with receiving(statuses=[200, 500]) as receiver:
        webhook = subscribe(acme, receiver.url)
        acme.post(f"/api/webhooks/{webhook['id']}/test")
        run_worker(app)
        age(app, webhook, 6, created_at=days_ago(5), last_attempt_at=days_ago(5))
        ping_on_its_last_attempt(app, acme, webhook)
    assert [d["status"] for d in deliveries(acme, webhook)] == ["failed", "succeeded"]
    assert state(acme, webhook) == (True, None)


def test_a_re_enabled_subscription_counts_its_three_days_again(app, acme):
    with receiving(statuses=[500, 500]) as receiver:
        webhook = subscribe(acme, receiver.url)
        acme.post(f"/api/webhooks/{webhook['id']}/test")
        age(app, webhook, 5, attempts=2, created_at=days_ago(4))
        run_worker(app)
        assert state(acme, webhook)[0] is False
        assert acme.patch(f"/api/webhooks/{webhook['id']}", json={"is_active": True}).status_code == 200
        ping_on_its_last_attempt(app, acme, webhook)
    assert [d["status"] for d in deliveries(acme, webhook)] == ["failed", "failed"]
    assert state(acme, webhook) == (True, None)


def test_deliveries_of_another_company_or_webhook_are_not_found(acme, globex):
    with receiving() as receiver:
        webhook, other = subscribe(acme, receiver.url), subscribe(acme, receiver.url)
        delivery_id = acme.post(f"/api/webhooks/{webhook['id']}/test").json["id"]
    assert globex.get(f"/api/webhooks/{webhook['id']}/deliveries").status_code == 404
    assert globex.post(f"/api/webhooks/{webhook['id']}/test").status_code == 404
    assert globex.post(f"/api/webhooks/{webhook['id']}/deliveries/{delivery_id}/retry").status_code == 404
    assert acme.post(f"/api/webhooks/{other['id']}/deliveries/{delivery_id}/retry").status_code == 404
    assert acme.add_user("manager").get(f"/api/webhooks/{webhook['id']}/deliveries").status_code == 403


def test_deleting_a_subscription_deletes_its_delivery_log(app, acme):
    with receiving() as receiver:
        webhook = subscribe(acme, receiver.url)
        acme.post(f"/api/webhooks/{webhook['id']}/test")
    assert acme.delete(f"/api/webhooks/{webhook['id']}").status_code == 204
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(WebhookDelivery)) == 0
        assert db.session.scalar(sa.select(sa.func.count()).select_from(WebhookSubscription)) == 0


def test_metrics_show_deliveries_by_status_and_the_queue_lag(app, client, acme, main):
    from tests.api.test_metrics import value

    clock = make_product(acme, "RETRO-CLOCK", {main: 10}, low_stock_threshold=5)
    assert value(client, "stockflow_events_queue_lag_seconds") == 0
    with receiving(statuses=[500]) as receiver:
        subscribe(acme, receiver.url, events=["stock.low", "stock.out"])
        sell(acme, clock, main, 6)
        sell(acme, clock, main, 4)
        with app.app_context():  # written two minutes ago, still undelivered
            db.session.execute(sa.update(Event).values(created_at=utcnow() - dt.timedelta(minutes=2)))
            db.session.commit()
        assert value(client, "stockflow_events_queue_lag_seconds") >= 120
        run_worker(app)
        receiver.wait_for(2)
    assert value(client, "stockflow_webhook_deliveries", status="succeeded") == 1
    assert value(client, "stockflow_webhook_deliveries", status="pending") == 1  # the 500, retried later
    assert value(client, "stockflow_webhook_deliveries", status="failed") == 0
    assert value(client, "stockflow_events_queue_lag_seconds") >= 120  # that one is still to deliver


def test_the_dispatch_task_posts_the_first_delivery_itself_and_leaves_the_others_to_other_workers(app, acme):
    from app.webhooks import tasks

    with receiving() as receiver:
        first, second = subscribe(acme, receiver.url), subscribe(acme, receiver.url)
        assert acme.post("/api/orders", json={"warehouse_id": acme.post("/api/warehouses", json={"name": "Main"}).json["id"],
                                              "items": []}).status_code == 422  # no event from a refusal
        assert acme.post(f"/api/webhooks/{first['id']}/test").status_code == 202
        with app.app_context():
            event_id = db.session.scalar(sa.select(Event.id))
            db.session.execute(sa.update(Event).values(dispatched_at=None))  # as if it were a company-wide event
            db.session.execute(sa.delete(WebhookDelivery))
            db.session.commit()
            tasks.dispatch.run([event_id])  # the other delivery is queued on the in-memory broker
        [request] = receiver.wait_for(1)
    [posted] = deliveries(acme, first)
    [queued] = deliveries(acme, second)
    assert request["headers"]["StockFlow-Delivery-Id"] == str(posted["id"])
    assert (posted["status"], posted["attempts"], queued["status"], queued["attempts"]) == ("succeeded", 1, "pending", 0)
    with app.app_context():
        assert db.session.get(WebhookDelivery, queued["id"]).claimed_until is None  # any worker may take it


def test_a_delivery_posts_to_the_address_its_check_vetted_not_to_a_second_lookup(app, acme, monkeypatch):
    """DNS rebinding: the name is looked up on create and once per attempt; the post goes to what that
    lookup vetted. A later lookup here would answer an address where nothing listens."""
    real_lookup, lookups = socket.getaddrinfo, []

    def lookup(host, port, *args, **kwargs):
        if host != "hooks.stockflow.test":
            return real_lookup(host, port, *args, **kwargs)
        lookups.append(host)
        return real_lookup("127.0.0.1" if len(lookups) <= 2 else "10.255.255.1", port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", lookup)
    with receiving() as receiver:
        port = receiver.url.split(":")[2].split("/")[0]
        webhook = subscribe(acme, f"http://hooks.stockflow.test:{port}/hooks")
        assert acme.post(f"/api/webhooks/{webhook['id']}/test").status_code == 202
        run_worker(app)
        [request] = receiver.wait_for(1)
    assert request["headers"]["Host"] == f"hooks.stockflow.test:{port}"
    assert lookups == ["hooks.stockflow.test"] * 2
    assert deliveries(acme, webhook)[0]["status"] == "succeeded"
