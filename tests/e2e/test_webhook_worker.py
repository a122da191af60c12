"""Webhooks and emails end to end: gunicorn on MySQL, a Redis broker of the test's own, real
`flask worker` and `flask scheduler` processes, a local HTTP receiver and a local SMTP server.
Nothing is mocked."""

import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import time

import pytest
import requests

from tests.e2e.browser import screen_on
from tests.e2e.conftest import ROOT, Client, free_port, migrate, server_environment, serving
from tests.receiver import receiving, verifies
from tests.smtp import parts, smtp_server


class RedisServer:
    """A redis-server of this test's own, which it may stop and start at will. It keeps nothing on
    disk: what was queued when it stops is lost, as a broker may lose it."""

    def __init__(self, port: int):
        self.port, self.process = port, None

    def start(self) -> None:
        self.process = subprocess.Popen(["redis-server", "--port", str(self.port), "--save", "", "--appendonly", "no"],
                                        stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                return
            time.sleep(0.1)
        raise RuntimeError("redis-server did not start")

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=10)


def background(command: str, environment: dict, log_path) -> subprocess.Popen:
    log = open(log_path, "ab")  # noqa: SIM115 (closed with the process)
    return subprocess.Popen(["flask", command], cwd=ROOT, env=environment, stdout=log, stderr=subprocess.STDOUT,
                            start_new_session=True)


def stop(process: subprocess.Popen, sig=signal.SIGTERM) -> None:
    if process.poll() is None:
        os.killpg(process.pid, sig)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


@pytest.fixture(scope="module")
def stack(live_server, tmp_path_factory):
    """A second server on the live server's database, with a broker, a worker and a scheduler."""
    if not shutil.which("redis-server"):
        pytest.skip("redis-server is not installed")
    logs = tmp_path_factory.mktemp("webhooks")
    redis_port, smtp_port = free_port(), free_port()
    environment = {
        **server_environment(live_server.database_url),
        "BROKER_URL": f"redis://127.0.0.1:{redis_port}/0",
        "WEBHOOK_ALLOW_HTTP": "1", "WEBHOOK_ALLOW_PRIVATE_NETWORKS": "1",
        "WEBHOOK_RETRY_SCHEDULE": "1,1,1,1", "WEBHOOK_CLAIM_SECONDS": "3", "WEBHOOK_SWEEP_SECONDS": "1",
        "MAIL_SERVER": "127.0.0.1", "MAIL_PORT": str(smtp_port), "NOTIFICATION_SWEEP_SECONDS": "1",
    }
    migrate(environment)
    redis = RedisServer(redis_port)
    redis.start()
    try:
        with smtp_server(smtp_port) as (mailbox, _), serving(environment, logs / "server.log") as base_url:
            processes = {"worker": background("worker", environment, logs / "worker.log"),
                         "scheduler": background("scheduler", environment, logs / "scheduler.log")}
            try:
                yield {"base_url": base_url, "environment": environment, "processes": processes, "logs": logs,
                       "redis": redis, "mailbox": mailbox}
            finally:
                for process in processes.values():
                    stop(process)
    finally:
        redis.stop()


@pytest.fixture
def admin(stack):
    with requests.Session() as session:
        client = Client(stack["base_url"], session)
        body = client.created("/api/auth/register", {"company_name": "Webhook Co", "email": f"hooks-{time.time_ns()}@example.com",
                                                     "password": "correct horse battery"})
        client.token, client.company_id = body["token"], body["company"]["id"]
        yield client


def shop(client, on_hand=10, threshold=5):
    warehouse = client.created("/api/warehouses", {"name": f"Main {time.time_ns()}"})["id"]
    sku = f"CLOCK-{time.time_ns()}"
    product = client.created("/api/products", {"name": "Clock", "sku": sku, "price": "9.99", "low_stock_threshold": threshold,
                                               "inventory": [{"warehouse_id": warehouse, "quantity": on_hand}]})["id"]
    return product, warehouse


def sell(client, product, warehouse, quantity):
    client.created("/api/inventory/movements", {"type": "sale", "product_id": product, "warehouse_id": warehouse,
                                                "quantity": quantity})


def deliveries(client, webhook_id):
    return client.get(f"/api/webhooks/{webhook_id}/deliveries").json()["items"]


def eventually(check, timeout=30.0):
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result or time.monotonic() > deadline:
            return result
        time.sleep(0.2)


def test_a_sale_crossing_the_threshold_reaches_the_receiver_once_signed(admin):
    with receiving() as receiver:
        webhook = admin.created("/api/webhooks", {"url": receiver.url, "events": ["stock.low"]})
        product, warehouse = shop(admin)
        sell(admin, product, warehouse, 6)
        sell(admin, product, warehouse, 1)  # still low: no second stock.low
        [request] = receiver.wait_for(1, timeout=30)
        time.sleep(2)
        assert len(receiver.requests) == 1
    event = json.loads(request["body"])
    assert event["type"] == "stock.low" and event["data"]["current_stock"] == 4
    assert verifies(webhook["secret"], request)
    assert eventually(lambda: [d["status"] for d in deliveries(admin, webhook["id"])] == ["succeeded"])


def test_a_level_going_low_is_emailed_by_the_worker_once(admin, stack):
    """Immediate mode: the minute's stock.low events in one email, once that minute has ended."""
    assert admin.put(f"/api/companies/{admin.company_id}/notifications",
                     json={"low_stock_emails": ["buyer@example.com"], "mode": "immediate"}).status_code == 200
    mailbox = stack["mailbox"]
    already = len(mailbox.messages)
    product, warehouse = shop(admin)
    sell(admin, product, warehouse, 6)
    sell(admin, product, warehouse, 1)  # the same episode
    sent = mailbox.wait_for(already + 1, timeout=90)[already]  # the minute ends, settles, and the sweep plans it
    time.sleep(3)
    assert len(mailbox.messages) == already + 1
    assert sent["to"] == ["buyer@example.com"]
    text, html = parts(sent["message"])
    assert "4 / 5" in text and "Webhook Co" in sent["message"]["Subject"] and "Clock" in html


def test_two_failures_then_success_is_three_attempts_and_one_event(admin):
    with receiving(statuses=[500, 500]) as receiver:
        webhook = admin.created("/api/webhooks", {"url": receiver.url, "events": ["*"]})
        assert admin.post(f"/api/webhooks/{webhook['id']}/test").status_code == 202
        requests_seen = receiver.wait_for(3, timeout=30)
    assert len({r["headers"]["StockFlow-Event-Id"] for r in requests_seen}) == 1
    gaps = [later["at"] - earlier["at"] for earlier, later in zip(requests_seen, requests_seen[1:])]
    assert all(gap >= 0.7 for gap in gaps), gaps  # "1,1,…" with ±20 % jitter: a backoff between attempts
    [logged] = eventually(lambda: [d for d in deliveries(admin, webhook["id"]) if d["status"] == "succeeded"])
    assert (logged["attempts"], logged["last_status_code"]) == (3, 200)


def test_a_worker_killed_mid_delivery_leaves_it_to_the_next(admin, stack):
    with receiving(delay=4) as receiver:  # the first delivery is still in flight when the worker dies
        webhook = admin.created("/api/webhooks", {"url": receiver.url, "events": ["*"]})
        assert admin.post(f"/api/webhooks/{webhook['id']}/test").status_code == 202
        receiver.wait_for(1, timeout=30)
        stop(stack["processes"]["worker"], signal.SIGKILL)
        stack["processes"]["worker"] = background("worker", stack["environment"], stack["logs"] / "worker.log")
        receiver.delay = 0
        requests_seen = receiver.wait_for(2, timeout=40)
    assert len({r["headers"]["StockFlow-Event-Id"] for r in requests_seen}) == 1
    assert eventually(lambda: [d["status"] for d in deliveries(admin, webhook["id"])] == ["succeeded"])


def test_events_recorded_while_the_broker_is_down_are_all_delivered(admin, stack):
    with receiving() as receiver:
        admin.created("/api/webhooks", {"url": receiver.url, "events": ["order.created"]})
        product, warehouse = shop(admin, on_hand=100, threshold=0)
        stack["redis"].stop()
        try:
            orders = [admin.created("/api/orders", {"warehouse_id": warehouse, "items": [{"product_id": product, "quantity": 1}]})
                      for _ in range(5)]
        finally:
            stack["redis"].start()
        requests_seen = receiver.wait_for(5, timeout=60)
    delivered = {json.loads(r["body"])["data"]["id"] for r in requests_seen}
    assert delivered == {order["id"] for order in orders}


def test_an_admin_pings_a_webhook_from_the_dashboard_and_sees_it_delivered(browser, stack, request):
    email, password = f"hooks-ui-{time.time_ns()}@example.com", "correct horse battery"
    with requests.Session() as session:
        admin = Client(stack["base_url"], session)
        admin.token = admin.created("/api/auth/register", {"company_name": "Ping Co", "email": email, "password": password})["token"]
        with receiving() as receiver, screen_on(browser, stack["base_url"], request) as screen:
            webhook = admin.created("/api/webhooks", {"url": receiver.url, "events": ["stock.low"], "description": "the till"})
            screen.sign_in(email, password)
            page = screen.page
            page.wait_for_selector("#alerts")
            page.click("#nav >> text=Webhooks")
            page.click(f"[data-webhook-id='{webhook['id']}'] a")
            page.click("#send-ping")
            page.wait_for_selector("text=Test ping queued.")
            [delivered] = receiver.wait_for(1, timeout=30)
            assert json.loads(delivered["body"])["type"] == "ping" and verifies(webhook["secret"], delivered)

            def shows_it_succeeded():
                page.reload()
                page.wait_for_selector("#send-ping")
                return page.locator("[data-delivery-id] .status").all_inner_texts() == ["succeeded"]

            assert eventually(shows_it_succeeded)
            screen.shot("webhook")
