"""Bundles stop where their parts stop: an archived part makes a bundle unsellable, and nesting has a
depth limit, enforced on every write and survived by every read."""

import pytest
import sqlalchemy as sa

from app.bundles.models import BundleComponent
from app.extensions import db
from app.products.models import Product
from tests.dbstate import database_state
from tests.factories import make_bundle, make_product, make_warehouse


@pytest.fixture
def kit(acme):
    """GIFT-BOX = 2 RETRO-CLOCK + 1 BATTERY-AA, stocked 10 and 5 in Main."""
    main = make_warehouse(acme)
    clock, battery = make_product(acme, "RETRO-CLOCK", {main: 10}), make_product(acme, "BATTERY-AA", {main: 5})
    return {"main": main, "clock": clock, "battery": battery, "box": make_bundle(acme, "GIFT-BOX", (clock, 2), (battery, 1))}


def sale(account, product_id, warehouse_id, quantity=1):
    return account.post("/api/inventory/movements", json={
        "type": "sale", "product_id": product_id, "warehouse_id": warehouse_id, "quantity": quantity})


def order(account, warehouse_id, *items):
    return account.post("/api/orders", json={
        "warehouse_id": warehouse_id, "items": [{"product_id": p, "quantity": q} for p, q in items]})


def availability(account, bundle_id):
    return {line["warehouse_id"]: line["available"] for line in account.get(f"/api/bundles/{bundle_id}").json["availability"]}


# Archived parts


def test_a_bundle_with_an_archived_component_cannot_be_sold(app, acme, kit):
    assert acme.delete(f"/api/products/{kit['battery']}").status_code == 204
    before = database_state(app)
    response = sale(acme, kit["box"], kit["main"])
    assert response.status_code == 409
    assert response.json["error"] == "in_use"
    assert response.json["errors"] == {"product_id": [f"contains archived product {kit['battery']}"]}
    assert database_state(app) == before


def test_a_bundle_with_an_archived_component_cannot_be_ordered(app, acme, kit):
    acme.delete(f"/api/products/{kit['clock']}")
    before = database_state(app)
    response = order(acme, kit["main"], (kit["battery"], 1), (kit["box"], 1))
    assert response.status_code == 409
    assert response.json["error"] == "in_use"
    assert response.json["errors"] == {"items": [f"contains archived product {kit['clock']}"]}
    assert database_state(app) == before


def test_a_bundle_inside_an_archived_bundle_cannot_be_sold_through_it(app, acme, kit):
    party = make_bundle(acme, "PARTY-PACK", (kit["box"], 1))
    acme.delete(f"/api/products/{kit['box']}")
    response = sale(acme, party, kit["main"])
    assert (response.status_code, response.json["error"]) == (409, "in_use")
    assert response.json["errors"] == {"product_id": [f"contains archived product {kit['box']}"]}


def test_a_bundle_with_an_archived_part_is_available_nowhere(acme, kit):
    party = make_bundle(acme, "PARTY-PACK", (kit["box"], 1))
    assert availability(acme, kit["box"]) == {kit["main"]: 5}
    acme.delete(f"/api/products/{kit['battery']}")
    assert availability(acme, kit["box"]) == {kit["main"]: 0}
    assert availability(acme, party) == {kit["main"]: 0}
    listed = {p["id"]: p["total_available"] for p in acme.get("/api/products?is_bundle=true").json["items"]}
    assert listed == {kit["box"]: 0, party: 0}


def test_restoring_the_component_makes_the_bundle_sellable_again(acme, kit):
    acme.delete(f"/api/products/{kit['battery']}")
    assert acme.patch(f"/api/products/{kit['battery']}", json={"is_active": True}).status_code == 200
    assert sale(acme, kit["box"], kit["main"]).status_code == 201
    assert availability(acme, kit["box"]) == {kit["main"]: 4}


def test_an_order_taken_before_the_archiving_still_ships(acme, kit):
    taken = order(acme, kit["main"], (kit["box"], 2))
    assert taken.status_code == 201
    acme.delete(f"/api/products/{kit['clock']}")
    shipped = acme.patch(f"/api/orders/{taken.json['id']}/status", json={"status": "shipped"})
    assert shipped.status_code == 200
    rows = acme.get("/api/inventory/movements", query_string={"type": "sale"}).json["items"]
    assert sorted((row["product_id"], row["quantity_change"], row["bundle_id"]) for row in rows) == sorted(
        [(kit["clock"], -4, kit["box"]), (kit["battery"], -2, kit["box"])])


def test_an_order_taken_before_the_archiving_can_be_cancelled(acme, kit):
    taken = order(acme, kit["main"], (kit["box"], 2))
    acme.delete(f"/api/products/{kit['clock']}")
    assert acme.patch(f"/api/orders/{taken.json['id']}/status", json={"status": "cancelled"}).status_code == 200
    clock = acme.get(f"/api/products/{kit['clock']}").json
    assert clock["inventory"][0]["reserved"] == 0


# Nesting depth


def chain(account, base, levels, prefix="LEVEL"):
    """Bundles nested `levels` deep over `base`: LEVEL-1 = base, LEVEL-2 = LEVEL-1, …; returns their ids."""
    ids = []
    for level in range(1, levels + 1):
        ids.append(make_bundle(account, f"{prefix}-{level}", (ids[-1] if ids else base, 1)))
    return ids


def test_bundles_nest_ten_levels_deep(acme, kit):
    ids = chain(acme, kit["clock"], 10)
    assert availability(acme, ids[-1]) == {kit["main"]: 10}
    assert sale(acme, ids[-1], kit["main"], 3).status_code == 201


def test_an_eleventh_level_is_refused_and_nothing_is_stored(app, acme, kit):
    ids = chain(acme, kit["clock"], 10)
    before = database_state(app)
    response = acme.post("/api/bundles", json={"name": "Too Deep", "sku": "LEVEL-11", "price": "1.00",
                                               "components": [{"product_id": ids[-1], "quantity": 1}]})
    assert response.status_code == 422
    assert response.json["error"] == "bundle_too_deep"
    assert "components" in response.json["errors"]
    assert database_state(app) == before


def test_replacing_components_may_not_push_a_containing_bundle_past_ten_levels(app, acme, kit):
    lower = chain(acme, kit["clock"], 5, "LOWER")
    upper = chain(acme, kit["battery"], 5, "UPPER")  # UPPER-5 is 5 deep over BATTERY-AA
    # UPPER-1 made of LOWER-5 would make UPPER-5 5 + 5 = 10 deep: allowed.
    allowed = acme.put(f"/api/bundles/{upper[0]}/components", json={"components": [{"product_id": lower[-1], "quantity": 1}]})
    assert allowed.status_code == 200, allowed.json
    # One level more under LOWER-1 would make UPPER-5 11 deep.
    extra = make_bundle(acme, "EXTRA", (kit["clock"], 1))
    before = database_state(app)
    refused = acme.put(f"/api/bundles/{lower[0]}/components", json={"components": [{"product_id": extra, "quantity": 1}]})
    assert (refused.status_code, refused.json["error"]) == (422, "bundle_too_deep")
    assert database_state(app) == before


def test_bundles_nested_deeper_than_the_limit_by_older_data_are_still_read_and_sold(app, acme, kit):
    """Rows written before the limit existed: a chain of 400 bundles, stored directly."""
    with app.app_context():
        previous = kit["clock"]
        for level in range(400):
            bundle = Product(company_id=acme.company_id, name=f"Old {level}", price=1, is_bundle=True)
            bundle.change_sku(f"OLD-{level}")
            db.session.add(bundle)
            db.session.flush()
            db.session.add(BundleComponent(bundle_id=bundle.id, component_id=previous, company_id=acme.company_id, quantity=1))
            previous = bundle.id
        db.session.commit()
        top = previous
    assert acme.get("/api/products?per_page=200&page=3").status_code == 200
    assert acme.get("/api/bundles?per_page=200&page=2").status_code == 200
    assert availability(acme, top) == {kit["main"]: 10}
    assert sale(acme, top, kit["main"], 2).status_code == 201
    assert order(acme, kit["main"], (top, 1)).status_code == 201
    with app.app_context():
        on_hand = db.session.scalar(sa.text("SELECT on_hand FROM inventory_levels WHERE product_id = :p"), {"p": kit["clock"]})
    assert on_hand == 8
