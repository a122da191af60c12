"""The dashboard and /docs in real browsers: Debian's Chromium driven by Playwright, and Debian's
Firefox ESR driven by puppeteer-core (firefox_story.mjs), against the live gunicorn + MySQL server
of tests/e2e, offline (every request must stay on that server).

Each screen reached is saved as a screenshot under reports/screens/ (reports/screens/low-stock.png
is the README's picture); a failing test also leaves `<test name>.png` there (tests/e2e/browser.py).
"""

import datetime as dt
import json
import os
import shutil
import subprocess
import sys

import pytest
import sqlalchemy as sa

from tests.conftest import PASSWORD
from tests.e2e.browser import SCREENS, screen_on
from tests.e2e.conftest import ROOT, make_warehouse, missing_prerequisite, random_sku

DEMO_EMAIL, DEMO_PASSWORD = "admin@demo.stockflow.local", "stockflow-demo"


@pytest.fixture
def screen(browser, base_url, request):
    with screen_on(browser, base_url, request) as screen:
        yield screen


@pytest.fixture(scope="module")
def demo(live_server):
    """The demo company of `make run`, loaded into the live server's database."""
    environment = {**os.environ, "DATABASE_URL": live_server.database_url, "FLASK_APP": "wsgi"}
    result = subprocess.run([sys.executable, "-m", "flask", "seed-demo"], cwd=ROOT, env=environment, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


def demo_client(anonymous):
    response = anonymous.post("/api/auth/token", json={"email": DEMO_EMAIL, "password": DEMO_PASSWORD})
    assert response.status_code == 200, response.text
    anonymous.token = response.json()["token"]
    anonymous.company_id = anonymous.ok("/api/auth/me")["company"]["id"]
    return anonymous


def test_docs_list_the_operations_with_assets_served_by_the_app(screen):
    page = screen.open("/docs")
    page.wait_for_selector(".opblock")
    assert page.locator(".opblock").count() > 50
    assert page.get_by_text("/api/companies/{company_id}/alerts/low-stock").first.is_visible()
    screen.shot("docs")


def test_a_manager_turns_a_new_alert_into_a_received_purchase_order(screen, demo, anonymous):
    api = demo_client(anonymous)
    alerting = {(a["product_id"], a["warehouse_id"]) for a in api.ok(
        f"/api/companies/{api.company_id}/alerts/low-stock", params={"per_page": 200})["alerts"]}
    levels = api.ok("/api/inventory", params={"per_page": 200})["items"]
    level = next(l for l in levels if (l["product_id"], l["warehouse_id"]) not in alerting
                 and l["threshold"] < l["available"] <= l["threshold"] + 50 and not l["reserved"])
    to_sell = level["available"] - level["threshold"]
    product = api.ok(f"/api/products/{level['product_id']}")

    # Sign in: the demo alerts, counted.
    screen.sign_in(DEMO_EMAIL, DEMO_PASSWORD)
    page = screen.page
    page.wait_for_selector("#alerts table")
    alerts_before = int(page.inner_text("#total-alerts"))
    assert alerts_before == len(alerting) > 0
    assert page.locator("#alerts tbody tr").count() == alerts_before
    screen.shot("low-stock")

    # A level: its figures, its chart, its ledger; a sale that is too big is refused next to the quantity.
    page.goto(f"{screen.base_url}/app/#/levels/{level['id']}")
    page.wait_for_selector("#sales-chart canvas")
    assert page.inner_text("#level-title") == product["name"]
    assert page.inner_text("[data-figure=available] dd") == f"{level['available']:,}"
    page.select_option("#movement-form select[name=type]", "sale")
    page.fill("#movement-form input[name=quantity]", str(level["available"] + 1))
    page.click("#movement-form button[type=submit]")
    page.wait_for_selector("#movement-form [data-error-for=quantity]:not(:empty)")
    assert "Not enough available stock" in page.inner_text("#movement-form .form-message")
    screen.shot("level")

    # The sale that takes it down to its threshold: the level shows it, and the alert appears.
    page.fill("#movement-form input[name=quantity]", str(to_sell))
    page.click("#movement-form button[type=submit]")
    page.wait_for_selector(f"text=Recorded: sale of {to_sell}.")
    assert page.inner_text("[data-figure=available] dd") == f"{level['threshold']:,}"
    assert page.locator("#level-figures").is_visible()
    page.click("#nav >> text=Low stock")
    page.wait_for_selector("#alerts table")
    assert int(page.inner_text("#total-alerts")) == alerts_before + 1
    assert page.locator(f"#alerts tbody tr[data-level-id='{level['id']}']").count() == 1

    # Replenishment: draft purchase orders from the suggestions; place ours, receive it in two parts.
    page.click("#nav >> text=Replenishment")
    page.click("#create-drafts")
    page.wait_for_selector("text=draft purchase order(s) created")
    screen.shot("replenishment")
    ours = api.ok("/api/purchase-orders", params={"status": "draft", "product_id": level["product_id"],
                                                   "warehouse_id": level["warehouse_id"]})["items"]
    assert len(ours) == 1
    po = ours[0]
    page.click(f"#purchase-orders a[href='#/purchase-orders/{po['id']}']")
    page.click("#place-order")
    page.wait_for_selector("#po-status >> text=ordered")
    index = next(i for i, line in enumerate(po["lines"]) if line["product_id"] == level["product_id"])
    ordered = po["lines"][index]["quantity"]
    for i in range(len(po["lines"])):
        page.fill(f"#receive-form input[name='lines.{i}.quantity']", "1" if i == index else "0")
    page.click("#receive")
    page.wait_for_selector("#po-status >> text=partially received")
    screen.shot("purchase-order")
    page.fill(f"#receive-form input[name='lines.{index}.quantity']", str(ordered))  # one more than is left
    page.click("#receive")
    page.wait_for_selector(f"#receive-form [data-error-for='lines.{index}.quantity']:not(:empty)")
    page.fill(f"#receive-form input[name='lines.{index}.quantity']", str(ordered - 1))
    for i in range(len(po["lines"])):
        if i != index:
            page.fill(f"#receive-form input[name='lines.{i}.quantity']", "0")
    page.click("#receive")
    received = f"tr[data-line-id='{po['lines'][index]['id']}'] td:nth-child(3)"
    page.wait_for_function("([cell, text]) => document.querySelector(cell)?.textContent === text", arg=[received, f"{ordered:,}"])
    assert api.ok(f"/api/purchase-orders/{po['id']}")["lines"][index]["received_quantity"] == ordered

    # The alert has cleared.
    page.click("#nav >> text=Low stock")
    page.wait_for_selector("#alerts table")
    assert page.locator(f"#alerts tbody tr[data-level-id='{level['id']}']").count() == 0
    assert int(page.inner_text("#total-alerts")) == alerts_before

    # Signing out revokes the session: going back shows the sign-in form, and the API refuses the cookie.
    page.click("#sign-out")
    page.wait_for_selector("#sign-in")
    page.go_back()
    page.wait_for_selector("#sign-in")
    assert page.locator("#alerts").count() == 0
    assert page.evaluate("fetch('/api/auth/me').then(r => r.status)") == 401


def test_names_are_shown_as_text_never_run_as_html(screen, register):
    admin = register("<b>Bold</b> & Co")
    hostile = "<img src=x onerror=alert(1)>"
    warehouse = make_warehouse(admin, "<script>alert(2)</script>")
    product = admin.created("/api/products", {"name": hostile, "sku": random_sku("XSS"), "price": "1.00"})["id"]
    for kind, quantity in (("receive", 12), ("sale", 5)):
        admin.created("/api/inventory/movements", {"type": kind, "product_id": product, "warehouse_id": warehouse, "quantity": quantity})

    screen.sign_in(admin.email, PASSWORD)
    page = screen.page
    page.wait_for_selector("#alerts table")
    assert page.inner_text("#alerts tbody .name") == hostile
    assert page.inner_text("#alerts tbody td:nth-child(2)") == "<script>alert(2)</script>"
    assert "<b>Bold</b> & Co" in page.inner_text("#who")
    assert page.locator("#alerts img, #alerts script, #who b").count() == 0
    page.click("#alerts tbody a")
    page.wait_for_selector("#sales-chart canvas")
    assert page.inner_text("#level-title") == hostile
    assert screen.dialogs == []


def test_a_wrong_password_is_refused_and_signs_nobody_in(screen, register):
    admin = register()
    screen.sign_in(admin.email, "not-the-password")
    page = screen.page
    page.wait_for_selector("#sign-in .message.error")
    assert page.inner_text("#sign-in .message.error") == "Wrong email or password."
    assert page.evaluate("fetch('/api/auth/me').then(r => r.status)") == 401


def test_an_expired_session_returns_to_the_sign_in_form(screen, register, live_server):
    admin = register()
    screen.sign_in(admin.email, PASSWORD)
    page = screen.page
    page.wait_for_selector("#alerts")
    engine = sa.create_engine(live_server.database_url)
    with engine.begin() as connection:
        connection.execute(sa.text("UPDATE api_tokens SET expires_at = :past WHERE user_id = :user AND name = 'dashboard'"),
                           {"past": dt.datetime(2000, 1, 1), "user": admin.user_id})
    engine.dispose()
    page.click("#nav >> text=Replenishment")
    page.wait_for_selector("#sign-in")
    assert "Your session has ended" in page.inner_text("#sign-in")
    page.fill("#sign-in input[name=email]", admin.email)
    page.fill("#sign-in input[name=password]", PASSWORD)
    page.click("#sign-in button[type=submit]")
    page.wait_for_selector("#suggestions")


def test_a_viewer_sees_no_button_that_changes_anything(screen, register):
    admin = register()
    warehouse = make_warehouse(admin)
    product = admin.created("/api/products", {"name": "Wall clock", "sku": random_sku("VIEW"), "price": "9.50"})["id"]
    admin.created("/api/inventory/movements", {"type": "receive", "product_id": product, "warehouse_id": warehouse, "quantity": 3})
    admin.created("/api/inventory/movements", {"type": "sale", "product_id": product, "warehouse_id": warehouse, "quantity": 1})
    supplier = admin.created("/api/suppliers", {"name": "Tick & Co"})["id"]
    po = admin.created("/api/purchase-orders", {"supplier_id": supplier, "warehouse_id": warehouse,
                                                "lines": [{"product_id": product, "quantity": 5, "unit_cost": "2.00"}]})["id"]
    email = f"viewer-{random_sku('v').lower()}@example.com"
    admin.created("/api/users", {"email": email, "password": PASSWORD, "role": "viewer"})

    screen.sign_in(email, PASSWORD)
    page = screen.page
    page.wait_for_selector("#alerts table")
    assert page.locator("#nav >> text=Webhooks").count() == 0
    page.click("#alerts tbody a")
    page.wait_for_selector("#sales-chart canvas")
    assert page.locator("#movement-form").count() == 0
    page.click("#nav >> text=Replenishment")
    page.wait_for_selector("#suggestions")
    assert page.locator("#create-drafts").count() == 0
    page.click(f"a[href='#/purchase-orders/{po}']")
    page.wait_for_selector("#po-status")
    assert page.locator("#place-order, #cancel-order, #close-order, #receive-form").count() == 0


def test_the_low_stock_screen_fits_a_phone(browser, base_url, demo, request):
    phone = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}
    with screen_on(browser, base_url, request, **phone) as screen:
        screen.sign_in(DEMO_EMAIL, DEMO_PASSWORD)
        screen.page.wait_for_selector("#alerts table")
        # The table scrolls inside its box; the page itself does not scroll sideways.
        assert screen.page.evaluate("document.documentElement.scrollWidth") <= 390
        screen.shot("low-stock-phone")


def test_the_alert_filters_and_pages_narrow_what_is_listed(screen, demo, anonymous):
    api = demo_client(anonymous)
    east = next(w for w in api.ok("/api/warehouses")["items"] if w["name"] == "East Depot")
    expected = api.ok(f"/api/companies/{api.company_id}/alerts/low-stock", params={"warehouse_id": east["id"]})
    assert 0 < expected["total_alerts"]

    screen.sign_in(DEMO_EMAIL, DEMO_PASSWORD)
    page = screen.page
    page.wait_for_selector("#alert-filters select[name=warehouse_id]")
    page.select_option("#alert-filters select[name=warehouse_id]", label="East Depot")
    page.click("#alert-filters button[type=submit]")
    page.wait_for_url(f"**/app/#/alerts?warehouse_id={east['id']}")
    page.wait_for_selector("#alerts table")
    assert int(page.inner_text("#total-alerts")) == expected["total_alerts"]
    warehouses = page.locator("#alerts tbody td:nth-child(2)").all_inner_texts()
    assert warehouses == ["East Depot"] * expected["total_alerts"]
    # The filter survives a reload (it is in the URL), and pages are links of the same list.
    page.reload()
    page.wait_for_selector("#alerts table")
    assert page.input_value("#alert-filters select[name=warehouse_id]") == str(east["id"])
    page.goto(f"{screen.base_url}/app/#/alerts?warehouse_id={east['id']}&page=2")
    page.wait_for_selector("#alerts .pager")
    assert page.locator("#alerts tbody tr").count() == max(0, expected["total_alerts"] - 50)
    assert page.locator("#alerts .pager a[rel=prev]").count() == 1


def test_the_dashboard_works_in_firefox(live_server, demo):
    firefox = os.environ.get("FIREFOX") or shutil.which("firefox-esr") or shutil.which("firefox")
    if not firefox:
        missing_prerequisite("Firefox is not installed: apt-get install firefox-esr (.ci/run does)")
    if not (ROOT / "node_modules" / "puppeteer-core").is_dir():
        missing_prerequisite(f"puppeteer-core is not installed: run `npm ci` in {ROOT} (make test does)")
    SCREENS.mkdir(parents=True, exist_ok=True)
    result = subprocess.run(
        ["node", str(ROOT / "tests" / "e2e" / "firefox_story.mjs"), live_server.base_url, DEMO_EMAIL, DEMO_PASSWORD,
         str(SCREENS), firefox],
        cwd=ROOT, capture_output=True, text=True, timeout=180,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    seen = json.loads(result.stdout.strip().splitlines()[-1])
    assert seen["alerts"] > 0 and seen["rows"] == min(seen["alerts"], 50)
    assert seen["level"] and "available" in seen["quantity_error"]
    assert seen["after_sign_out"] == 401
    assert seen["errors"] == [] and seen["offsite"] == []
