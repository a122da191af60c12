"""Races of the stored alert thresholds (MySQL): levels created and changed while what their thresholds
derive from changes end with the threshold the committed rows give."""

import collections
import random
import threading
import traceback
import uuid

import pytest

from app.alerts import read_model
from tests.api.alerting import described, stale_alert_thresholds
from tests.api.races import (
    JOIN_TIMEOUT,
    answer,
    assert_stock_invariants,
    created,
    run_together,
    warehouse,
)

pytestmark = [pytest.mark.mysql, pytest.mark.slow]


# ---------------------------------------------------------------------------------------------
# (g) alert thresholds of levels created, and changed, while what they derive from changes
# ---------------------------------------------------------------------------------------------

CREATORS = 6
CHANGES = 8
ROUNDS = 8


def catalogue_product(stock, **fields):
    """The body of a product with `stock` ({warehouse_id: quantity}); `fields` e.g. product_type_id, low_stock_threshold."""
    sku = f"UPKEEP-{uuid.uuid4().hex[:10]}"
    inventory = [{"warehouse_id": w, "quantity": q} for w, q in stock.items()]
    return {"name": sku.title(), "sku": sku, "price": "5.00", "inventory": inventory, **fields}


class RaceLog:
    """Every answer the threads got, by kind of request."""

    def __init__(self):
        self.entries, self.lock = [], threading.Lock()

    def record(self, kind, response):
        with self.lock:
            self.entries.append((kind, answer(response)))

    def count(self, kind):
        return sum(1 for k, _ in self.entries if k == kind)

    def assert_all_succeeded_and_thresholds_current(self, app, context=""):
        """Every request answered 2xx and every level's stored alert threshold is what the oracle recomputes."""
        by_kind = {kind: collections.Counter(x["status"] for k, x in self.entries if k == kind) for kind, _ in self.entries}
        failed = [(kind, x["status"], x["error"]) for kind, x in self.entries if not 200 <= x["status"] < 300]
        stale = stale_alert_thresholds(app)
        assert not failed and not stale, (
            f"{context}{len(failed)} request(s) failed: {failed}; all: {by_kind}\n{described(stale)}")


def receiving(account, log, new_levels, then=None, finished=None):
    """CREATORS jobs sharing out `new_levels` ((product_id, warehouse_id) that have no level yet), each
    receiving 3 units into its share, then creating the product whose body `then(index)` gives, if any.
    The last one to finish sets `finished`."""
    remaining, lock = [CREATORS], threading.Lock()

    def creator(index):
        def run(client):
            for product_id, warehouse_id in new_levels[index::CREATORS]:
                log.record("receive", client.post("/api/inventory/movements", headers=account.headers, json={
                    "type": "receive", "product_id": product_id, "warehouse_id": warehouse_id, "quantity": 3}))
            if then is not None:
                log.record("create", client.post("/api/products", headers=account.headers, json=then(index)))
            with lock:
                remaining[0] -= 1
                if remaining[0] == 0 and finished is not None:
                    finished.set()
        return run
    return [creator(index) for index in range(CREATORS)]


def patching(account, log, kind, path, bodies, until=None):
    """A job that PATCHes `path` with each of `bodies` in turn; round again until `until` is set, if given."""
    def run(client):
        while True:
            for body in bodies:
                log.record(kind, client.patch(path, headers=account.headers, json=body))
            if until is None or until.is_set():
                return
    return run


def test_levels_created_while_the_company_default_and_a_warehouse_change_get_the_current_alert_threshold(
        app, acme):
    """Requests that create levels (a receive into a warehouse the product has no level in yet, a
    product created with stock) race requests that change the company default and deactivate and
    reactivate a warehouse. Every request succeeds (deadlocks are retried), and afterwards every
    level's stored alert threshold is what its product, type, warehouse and company give, as the
    plain-SQL oracle of the alert tests recomputes it."""
    houses = [warehouse(acme, f"Depot {n}") for n in range(4)]
    clocks = created(acme, "/api/product-types", {"name": "Clocks", "low_stock_threshold": 7})["id"]
    # Two in three of the type, one in four with a threshold of its own; all stocked in Depot 0 only.
    products = [
        created(acme, "/api/products", catalogue_product(
            {houses[0]: 20}, **({"product_type_id": clocks} if n % 3 else {}),
            **({"low_stock_threshold": 4} if n % 4 == 0 else {})))["id"]
        for n in range(12)
    ]
    new_levels = [(p, w) for p in products for w in houses[1:]]
    random.Random(7).shuffle(new_levels)
    rng, log = random.Random(11), RaceLog()
    defaults = [{"settings": {"default_low_stock_threshold": rng.randint(0, 30)}} for _ in range(CHANGES)]

    def new_product(index):
        return catalogue_product({w: 5 for w in houses[1:]}, **({"product_type_id": clocks} if index % 2 else {}))

    run_together(app, receiving(acme, log, new_levels, then=new_product) + [
        patching(acme, log, "company", f"/api/companies/{acme.company_id}", defaults),
        patching(acme, log, "warehouse", f"/api/warehouses/{houses[2]}",
                 [{"is_active": step % 2 == 1} for step in range(CHANGES)]),
    ])

    assert (log.count("receive"), log.count("create")) == (len(new_levels), CREATORS)
    log.assert_all_succeeded_and_thresholds_current(app)
    levels = assert_stock_invariants(app, acme.company_id)
    assert len(levels) == len(products) * len(houses) + CREATORS * len(houses[1:])


def test_levels_created_while_their_product_types_threshold_changes_get_the_current_alert_threshold(
        app, acme):
    """Round after round, receives of the type's products into a new warehouse race one client that
    keeps changing the type's threshold: after each round every level holds the type's last threshold."""
    clocks = created(acme, "/api/product-types", {"name": "Clocks", "low_stock_threshold": 7})["id"]
    products = [created(acme, "/api/products", catalogue_product({}, product_type_id=clocks))["id"] for _ in range(12)]
    rng, log = random.Random(11), RaceLog()

    for round_number in range(ROUNDS):
        depot, finished = warehouse(acme, f"Depot {round_number}"), threading.Event()
        thresholds = [{"low_stock_threshold": value} for value in rng.sample(range(31), 4)]
        run_together(app, receiving(acme, log, [(p, depot) for p in products], finished=finished) + [
            patching(acme, log, "type", f"/api/product-types/{clocks}", thresholds, until=finished)])
        log.assert_all_succeeded_and_thresholds_current(app, f"round {round_number}: ")

    assert log.count("receive") == ROUNDS * len(products)
    assert len(assert_stock_invariants(app, acme.company_id)) == ROUNDS * len(products)


# Exact interleavings: one request is held right after it refreshed (or, for a new level, read) the
# alert thresholds, before it commits, while another runs; then it is released. Whichever waits for whichever, every level must
# end with what the committed rows give.

HELD = "held-request"


def hold_after(monkeypatch, owner, name):
    """Make `owner.name` (a refresh or a first reading of alert thresholds) hold the request of the
    thread named HELD right after it ran, until released. Returns the events (reached, release)."""
    original, reached, release = getattr(owner, name), threading.Event(), threading.Event()

    def held(*args, **kwargs):
        result = original(*args, **kwargs)
        if threading.current_thread().name == HELD and not reached.is_set():
            reached.set()
            release.wait(JOIN_TIMEOUT)
        return result

    monkeypatch.setattr(owner, name, held)
    return reached, release


def started(app, request, name):
    """Run request(client) in a thread of this name with its own test client; join() it, then read .answer."""
    def work():
        try:
            thread.answer = answer(request(app.test_client()))
        except Exception:  # noqa: BLE001 (reported by the test)
            thread.answer = {"status": None, "error": traceback.format_exc()}

    thread = threading.Thread(target=work, name=name, daemon=True)
    thread.answer = None
    thread.start()
    return thread


def interleave(app, held_request, hold, other_request):
    """Start held_request, wait until it is held before its commit, run other_request meanwhile (it may
    have to wait for the held one: give it a second), release the held one; return both answers."""
    reached, release = hold
    first = started(app, held_request, HELD)
    try:
        assert reached.wait(10), "the held request never reached its reading of alert thresholds"
        second = started(app, other_request, "other-request")
        second.join(timeout=1)
    finally:
        release.set()
    first.join(timeout=JOIN_TIMEOUT)
    second.join(timeout=JOIN_TIMEOUT)
    assert not first.is_alive() and not second.is_alive(), "a request hung"
    return first.answer, second.answer


def typed_products(account, stock, count=12, threshold=5):
    """A product type of `threshold` and `count` products of it stocked with `stock`: enough levels that
    MySQL scans them rather than looking each one up."""
    clocks = created(account, "/api/product-types", {"name": "Clocks", "low_stock_threshold": threshold})["id"]
    return clocks, [created(account, "/api/products", catalogue_product(stock, product_type_id=clocks))["id"]
                    for _ in range(count)]


def test_a_product_types_threshold_changed_while_a_receive_creates_a_level_of_its_product_reaches_that_level(
        app, acme, monkeypatch):
    """A receive into a warehouse where the product has no level is held after it created the level
    and read its alert threshold from the type's 5 (written with its stock); meanwhile the type's
    threshold becomes 14. Either that change waits for the receive or it reaches the new level: the
    level ends with 14."""
    main, depot = warehouse(acme, "Main"), warehouse(acme, "Depot")
    clocks, products = typed_products(acme, {main: 20})
    receive = {"type": "receive", "product_id": products[0], "warehouse_id": depot, "quantity": 3}

    received, changed = interleave(
        app,
        lambda client: client.post("/api/inventory/movements", json=receive, headers=acme.headers),
        hold_after(monkeypatch, read_model, "levels_created"),
        lambda client: client.patch(f"/api/product-types/{clocks}", json={"low_stock_threshold": 14}, headers=acme.headers),
    )

    assert (received["status"], changed["status"]) == (201, 200), (received, changed)
    stale = stale_alert_thresholds(app)
    assert not stale, described(stale)


def test_a_product_type_patch_finding_its_threshold_already_set_does_not_undo_a_concurrent_change(
        app, acme, monkeypatch):
    """PATCH the type's threshold 5 → 20 is held after it refreshed its products' levels; meanwhile
    another PATCH asks for 5, which it still reads as already set. Whichever value the type ends with,
    every level of its products must hold it."""
    houses = [warehouse(acme, f"Depot {n}") for n in range(5)]
    clocks, _ = typed_products(acme, {w: 3 for w in houses})
    path = f"/api/product-types/{clocks}"

    raised, kept = interleave(
        app,
        lambda client: client.patch(path, json={"low_stock_threshold": 20}, headers=acme.headers),
        hold_after(monkeypatch, read_model, "_refresh"),
        lambda client: client.patch(path, json={"low_stock_threshold": 5}, headers=acme.headers),
    )

    assert (raised["status"], kept["status"]) == (200, 200), (raised, kept)
    stale = stale_alert_thresholds(app)
    assert not stale, described(stale)


def test_a_company_default_change_made_while_a_product_types_threshold_changes_keeps_the_types_new_threshold(
        app, acme, monkeypatch):
    """PATCH the type's threshold 5 → 20 is held after it refreshed its products' levels; meanwhile the
    company default changes. Every level of the type's products must end with 20, the others with the
    new default."""
    houses = [warehouse(acme, f"Depot {n}") for n in range(5)]
    created(acme, "/api/products", catalogue_product({w: 3 for w in houses}))
    clocks, _ = typed_products(acme, {w: 3 for w in houses})

    raised, defaulted = interleave(
        app,
        lambda client: client.patch(f"/api/product-types/{clocks}", json={"low_stock_threshold": 20}, headers=acme.headers),
        hold_after(monkeypatch, read_model, "_refresh"),
        lambda client: client.patch(f"/api/companies/{acme.company_id}",
                                    json={"settings": {"default_low_stock_threshold": 3}}, headers=acme.headers),
    )

    assert (raised["status"], defaulted["status"]) == (200, 200), (raised, defaulted)
    stale = stale_alert_thresholds(app)
    assert not stale, described(stale)
