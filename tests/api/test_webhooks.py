"""Webhook subscriptions (admin): URL rules against server-side request forgery, the signing secret
shown once and stored encrypted, tenancy."""

import socket

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.webhooks.models import WebhookSubscription
from app.webhooks.secrets import signature, unseal

PUBLIC = "https://93.184.216.34/hooks/stockflow"  # a global address, given as a literal: no DNS needed


@pytest.fixture
def private_allowed(app, monkeypatch):
    """As the tests' receivers run on this machine: loopback targets and plain http allowed."""
    monkeypatch.setitem(app.config, "WEBHOOK_ALLOW_PRIVATE_NETWORKS", True)
    monkeypatch.setitem(app.config, "WEBHOOK_ALLOW_HTTP", True)


def subscribe(account, url=PUBLIC, events=("stock.low",), **fields):
    return account.post("/api/webhooks", json={"url": url, "events": list(events), **fields})


def subscribed(account, **kwargs) -> dict:
    response = subscribe(account, **kwargs)
    assert response.status_code == 201, response.json
    return response.json


def stored(app, webhook_id) -> WebhookSubscription:
    with app.app_context():
        return db.session.get(WebhookSubscription, webhook_id)


def webhook_count(app) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count()).select_from(WebhookSubscription))


def test_subscribing_returns_the_subscription_and_its_secret_once(app, acme):
    body = subscribed(acme, events=["stock.low", "stock.out"], description="ERP")
    assert body["secret"].startswith("whsec_") and len(body["secret"]) > 40
    assert {k: body[k] for k in ("url", "events", "description", "is_active", "disabled_reason")} == {
        "url": PUBLIC, "events": ["stock.low", "stock.out"], "description": "ERP", "is_active": True,
        "disabled_reason": None}
    shown = acme.get(f"/api/webhooks/{body['id']}").json
    assert "secret" not in shown and shown["created_at"].endswith("Z")
    assert [w["id"] for w in acme.get("/api/webhooks").json["items"]] == [body["id"]]


def test_the_secret_is_stored_encrypted_and_signs_as_api_md_says(app, acme):
    body = subscribed(acme)
    row = stored(app, body["id"])
    assert body["secret"] not in row.secret_encrypted
    with app.app_context():
        assert unseal(row.secret_encrypted) == body["secret"]
    import hashlib
    import hmac
    expected = hmac.new(body["secret"].encode(), b"1700000000." + b'{"a":1}', hashlib.sha256).hexdigest()
    assert signature(body["secret"], 1700000000, b'{"a":1}') == f"v1={expected}"


def test_rotating_the_secret_replaces_it(app, acme):
    body = subscribed(acme)
    rotated = acme.post(f"/api/webhooks/{body['id']}/rotate-secret")
    assert rotated.status_code == 200 and rotated.json["secret"].startswith("whsec_")
    assert rotated.json["secret"] != body["secret"]
    with app.app_context():
        assert unseal(stored(app, body["id"]).secret_encrypted) == rotated.json["secret"]


@pytest.mark.parametrize("events", [["*"], ["order.created", "purchase_order.received"]])
def test_every_type_or_all_of_them(acme, events):
    assert subscribed(acme, events=events)["events"] == events


@pytest.mark.parametrize("events", [[], ["stock.lowish"], ["*", "stock.low"], ["ping"], "stock.low", [1], None])
def test_unknown_or_empty_event_types_are_refused(app, acme, events):
    before = webhook_count(app)
    response = acme.post("/api/webhooks", json={"url": PUBLIC, "events": events})
    assert response.status_code == 422 and "events" in response.json["errors"], response.json
    assert webhook_count(app) == before


def test_duplicate_types_are_kept_once(acme):
    assert subscribed(acme, events=["stock.low", "stock.low"])["events"] == ["stock.low"]
    assert subscribed(acme, events=["*", "*"])["events"] == ["*"]


@pytest.mark.parametrize("url", [
    "https://127.0.0.1/hook", "https://localhost/hook", "https://10.1.2.3/hook", "https://192.168.0.10/hook",
    "https://172.16.5.4/hook", "https://169.254.169.254/latest/meta-data", "https://[::1]/hook",
    "https://[fe80::1]/hook", "https://224.0.0.1/hook", "https://0.0.0.0/hook", "https://[::ffff:127.0.0.1]/hook",
    "https://100.64.0.1/hook",
    # IPv6 forms that lead to a private IPv4 address: 6to4, Teredo (client 127.0.0.1), NAT64.
    "https://[2002:7f00:1::]/hook", "https://[2002:a9fe:a9fe::]/latest/meta-data",
    "https://[2001:0:4136:e378:8000:63bf:80ff:fffe]/hook", "https://[64:ff9b::7f00:1]/hook",
    "https://[64:ff9b::a9fe:a9fe]/latest/meta-data",
])
def test_urls_reaching_private_networks_are_refused(app, acme, url):
    before = webhook_count(app)
    response = subscribe(acme, url=url)
    assert response.status_code == 422 and response.json["error"] == "validation_error", response.json
    assert list(response.json["errors"]) == ["url"], response.json
    assert webhook_count(app) == before


@pytest.mark.parametrize("url", ["http://93.184.216.34/hook", "ftp://93.184.216.34/x", "93.184.216.34/hook",
                                 "https://", "https://user:pass@93.184.216.34/hook", "https://no-such-host.invalid/hook",
                                 "https://93.184.216.34:99999/hook", "not a url", "https://93.184.216.34:0/hook",
                                 "https://93.184.216.34/hook\r\nX-Injected: 1", "https://93.184.216.34/ho\tok",
                                 "https://93.184.216.34/my hook", "https://93.184.216.34/hook\u200b"])
def test_urls_that_are_not_https_or_do_not_resolve_are_refused(acme, url):
    response = subscribe(acme, url=url)
    assert response.status_code == 422 and list(response.json["errors"]) == ["url"], response.json


def test_a_6to4_address_carrying_a_global_ipv4_address_is_accepted(acme):
    assert subscribed(acme, url="https://[2002:5db8:d822::]/hook")["url"] == "https://[2002:5db8:d822::]/hook"


def test_a_host_name_resolving_to_a_6to4_form_of_loopback_is_refused(app, acme, monkeypatch):
    real_lookup = socket.getaddrinfo

    def lookup(host, port, *args, **kwargs):
        return real_lookup("2002:7f00:1::" if host == "hooks.stockflow.test" else host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", lookup)
    response = subscribe(acme, url="https://hooks.stockflow.test/hook")
    assert response.status_code == 422 and list(response.json["errors"]) == ["url"], response.json
    assert "resolves to a loopback" in response.json["errors"]["url"][0]


def test_the_server_may_allow_http_and_private_networks_for_development(acme, private_allowed):
    assert subscribed(acme, url="http://127.0.0.1:8080/hook")["url"] == "http://127.0.0.1:8080/hook"


def test_another_companys_webhook_is_not_found_before_a_new_url_is_judged(acme, globex):
    path = f"/api/webhooks/{subscribed(acme)['id']}"
    for url in ("not a url", "https://10.0.0.1/hook", PUBLIC):
        response = globex.patch(path, json={"url": url})
        assert (response.status_code, response.json["error"]) == (404, "not_found")
    assert acme.get(path).json["url"] == PUBLIC


def test_patching_changes_only_the_fields_sent_and_checks_a_new_url(app, acme):
    body = subscribed(acme, description="ERP")
    path = f"/api/webhooks/{body['id']}"
    assert acme.patch(path, json={"url": "https://10.0.0.1/hook"}).status_code == 422
    changed = acme.patch(path, json={"events": ["*"], "is_active": False})
    assert changed.status_code == 200, changed.json
    assert {k: changed.json[k] for k in ("url", "events", "description", "is_active")} == {
        "url": PUBLIC, "events": ["*"], "description": "ERP", "is_active": False}
    assert acme.patch(path, json={"secret": "whsec_mine"}).status_code == 422


def test_reactivating_clears_the_reason_it_was_disabled(app, acme):
    body = subscribed(acme)
    with app.app_context():
        db.session.execute(sa.update(WebhookSubscription).values(is_active=False, disabled_reason="failing for 3 days"))
        db.session.commit()
    response = acme.patch(f"/api/webhooks/{body['id']}", json={"is_active": True})
    assert (response.json["is_active"], response.json["disabled_reason"]) == (True, None)


def test_deleting_a_subscription(acme):
    body = subscribed(acme)
    assert acme.delete(f"/api/webhooks/{body['id']}").status_code == 204
    assert acme.get(f"/api/webhooks/{body['id']}").status_code == 404
    assert acme.delete(f"/api/webhooks/{body['id']}").status_code == 404


@pytest.mark.parametrize("role", ["manager", "staff", "viewer"])
def test_only_admins_manage_webhooks(app, acme, role):
    body = subscribed(acme)
    member = acme.add_user(role)
    path = f"/api/webhooks/{body['id']}"
    answers = [member.get("/api/webhooks"), member.post("/api/webhooks", json={"url": PUBLIC, "events": ["*"]}),
               member.get(path), member.patch(path, json={"is_active": False}), member.delete(path),
               member.post(f"{path}/rotate-secret")]
    assert [r.status_code for r in answers] == [403] * 6
    assert stored(app, body["id"]).is_active is True


def test_another_companys_webhooks_are_not_found(acme, globex):
    body = subscribed(acme)
    path = f"/api/webhooks/{body['id']}"
    answers = [globex.get(path), globex.patch(path, json={"is_active": False}), globex.delete(path),
               globex.post(f"{path}/rotate-secret")]
    assert [r.status_code for r in answers] == [404] * 4
    assert globex.get("/api/webhooks").json["items"] == []
    assert acme.get(path).json["is_active"] is True
