"""Bundles: kits made of other products, created atomically, without cycles, available as their components allow."""

import pytest
import sqlalchemy as sa

from app.bundles.models import BundleComponent
from app.extensions import db
from app.products.models import Product
from tests.dbstate import counting_statements
from tests.factories import create_bundle, create_product, lines, make_warehouse


def set_components(account, bundle, *pairs):
    return account.put(f"/api/bundles/{bundle['id']}/components", json={"components": lines(*pairs)})


def availability(body):
    return {line["warehouse_id"]: line["available"] for line in body["availability"]}


def component_rows(app, bundle):
    with app.app_context():
        return dict(db.session.execute(
            sa.select(BundleComponent.component_id, BundleComponent.quantity).where(BundleComponent.bundle_id == bundle["id"])
        ).all())


def row_counts(app):
    with app.app_context():
        return (db.session.scalar(sa.select(sa.func.count()).select_from(Product)),
                db.session.scalar(sa.select(sa.func.count()).select_from(BundleComponent)))


@pytest.fixture
def shop(acme):
    """RETRO-CLOCK and BATTERY-AA in three warehouses: W1 (10 and 3), W2 (5 and no level), W3 (4 and 4)."""
    w1, w2, w3 = (make_warehouse(acme, name) for name in ("Main", "Overflow", "Outlet"))
    clock = create_product(acme, "RETRO-CLOCK", {w1: 10, w2: 5, w3: 4}, name="Retro Clock")
    battery = create_product(acme, "BATTERY-AA", {w1: 3, w3: 4}, name="AA Battery")
    return w1, w2, w3, clock, battery


# Creating


def test_creating_a_bundle_returns_it_with_components_and_availability(acme, shop):
    w1, w2, w3, clock, battery = shop
    response = acme.post("/api/bundles", json={
        "name": "Gift Box", "sku": "GIFT-BOX", "price": 29.99, "description": "A clock and its battery",
        "components": lines((clock, 2), (battery, 1)),
    })
    assert response.status_code == 201
    body = response.json
    assert body["is_bundle"] is True
    assert body["is_active"] is True
    assert (body["sku"], body["name"], body["price"], body["description"]) == ("GIFT-BOX", "Gift Box", "29.99",
                                                                              "A clock and its battery")
    assert sorted(body["components"], key=lambda c: c["product_id"]) == sorted([
        {"product_id": clock["id"], "sku": "RETRO-CLOCK", "name": "Retro Clock", "quantity": 2},
        {"product_id": battery["id"], "sku": "BATTERY-AA", "name": "AA Battery", "quantity": 1},
    ], key=lambda c: c["product_id"])
    assert availability(body) == {w1: 3, w2: 0, w3: 2}
    assert body["inventory"] == []
    assert body["total_available"] == 5


def test_a_bundle_holds_no_stock_of_its_own(acme, shop):
    bundle = create_bundle(acme, "GIFT-BOX", (shop[3], 2), (shop[4], 1))
    assert bundle["total_on_hand"] == 0
    product_view = acme.get(f"/api/products/{bundle['id']}").json
    assert product_view["is_bundle"] is True
    assert product_view["inventory"] == []
    assert availability(product_view) == availability(bundle)


def test_availability_lists_only_warehouses_where_some_component_has_a_level(acme, shop):
    w1, w2, w3, clock, _ = shop
    make_warehouse(acme, "Empty Shed")
    assert availability(create_bundle(acme, "CLOCK-DUO", (clock, 2))) == {w1: 5, w2: 2, w3: 2}


def test_a_bundle_of_unstocked_products_has_no_availability(acme):
    lamp = create_product(acme, "LAVA-LAMP")
    body = create_bundle(acme, "LAMP-KIT", (lamp, 1))
    assert body["availability"] == []
    assert body["total_available"] == 0


def test_a_nested_bundle_is_available_as_often_as_its_inner_bundle_allows(acme):
    w1, w2 = make_warehouse(acme, "Main"), make_warehouse(acme, "Overflow")
    clock = create_product(acme, "RETRO-CLOCK", {w1: 20, w2: 5})
    battery = create_product(acme, "BATTERY-AA", {w1: 7})
    gift_box = create_bundle(acme, "GIFT-BOX", (clock, 2), (battery, 1))
    assert availability(gift_box) == {w1: 7, w2: 0}
    party_pack = create_bundle(acme, "PARTY-PACK", (gift_box, 2))
    assert availability(party_pack) == {w1: 3, w2: 0}
    assert party_pack["total_available"] == 3
    assert party_pack["components"] == [{"product_id": gift_box["id"], "sku": "GIFT-BOX", "name": "Gift-Box", "quantity": 2}]


def test_a_nested_bundle_takes_the_minimum_with_its_plain_components(acme, shop):
    w1, w2, w3, clock, battery = shop
    gift_box = create_bundle(acme, "GIFT-BOX", (clock, 1))  # W1 10, W2 5, W3 4
    hamper = create_bundle(acme, "HAMPER", (gift_box, 2), (battery, 1))
    assert availability(hamper) == {w1: 3, w2: 0, w3: 2}


def test_a_component_shared_with_a_nested_bundle_counts_once_so_what_is_shown_can_be_sold(acme, shop):
    w1, w2, w3, clock, battery = shop  # batteries: W1 3, W3 4
    gift_box = create_bundle(acme, "GIFT-BOX", (clock, 1), (battery, 1))
    # One CLOCK-SET takes 2 batteries: one inside the gift box and one beside it.
    clock_set = create_bundle(acme, "CLOCK-SET", (gift_box, 1), (battery, 1))
    assert availability(clock_set) == {w1: 1, w2: 0, w3: 2}
    assert acme.get(f"/api/bundles/{clock_set['id']}").json["total_available"] == 3

    def sell(quantity):
        return acme.post("/api/inventory/movements", json={
            "type": "sale", "product_id": clock_set["id"], "warehouse_id": w3, "quantity": quantity})

    assert sell(3).status_code == 409
    assert sell(2).status_code == 201
    assert availability(acme.get(f"/api/bundles/{clock_set['id']}").json) == {w1: 1, w2: 0, w3: 0}


@pytest.mark.parametrize(
    ("case", "components"),
    [
        ("empty", lambda c, o: []),
        ("missing", None),
        ("quantity zero", lambda c, o: [{"product_id": c, "quantity": 0}]),
        ("quantity negative", lambda c, o: [{"product_id": c, "quantity": -1}]),
        ("quantity boolean", lambda c, o: [{"product_id": c, "quantity": True}]),
        ("quantity missing", lambda c, o: [{"product_id": c}]),
        # Found by the contract fuzz: a line without a valid product_id crashed the duplicate check (500).
        ("product missing", lambda c, o: [{"quantity": 1}]),
        ("product id beyond 64 bits", lambda c, o: [{"product_id": 2**63, "quantity": 1}]),
        ("listed twice", lambda c, o: [{"product_id": c, "quantity": 1}, {"product_id": c, "quantity": 2}]),
        ("unknown product", lambda c, o: [{"product_id": 999999, "quantity": 1}]),
        ("another company's product", lambda c, o: [{"product_id": o, "quantity": 1}]),
    ],
)
def test_invalid_components_are_refused_and_nothing_is_written(app, acme, globex, case, components):
    clock = create_product(acme, "RETRO-CLOCK")
    theirs = create_product(globex, "GLOBEX-GEAR")
    before = row_counts(app)
    body = {"name": "Gift Box", "sku": "GIFT-BOX", "price": "29.99"}
    if components is not None:
        body["components"] = components(clock["id"], theirs["id"])
    response = acme.post("/api/bundles", json=body)
    assert response.status_code == 422, case
    assert response.json["error"] == "validation_error"
    assert "components" in response.json["errors"]
    assert row_counts(app) == before


def test_an_archived_product_cannot_become_a_component(app, acme):
    clock = create_product(acme, "RETRO-CLOCK")
    assert acme.delete(f"/api/products/{clock['id']}").status_code == 204
    before = row_counts(app)
    response = acme.post("/api/bundles", json={"name": "Gift Box", "sku": "GIFT-BOX", "price": "29.99",
                                               "components": lines((clock, 1))})
    assert response.status_code == 422
    assert "components" in response.json["errors"]
    assert row_counts(app) == before


@pytest.mark.parametrize("missing", ["name", "sku", "price"])
def test_a_bundle_needs_a_name_sku_and_price(acme, missing):
    clock = create_product(acme, "RETRO-CLOCK")
    body = {"name": "Gift Box", "sku": "GIFT-BOX", "price": "29.99", "components": lines((clock, 1))}
    del body[missing]
    response = acme.post("/api/bundles", json=body)
    assert response.status_code == 422
    assert missing in response.json["errors"]


@pytest.mark.parametrize("whose", ["own product", "own bundle", "other company's product"])
@pytest.mark.parametrize("sku", ["GIFT-BOX", "gift-box", " Gift-Box "])
def test_a_sku_already_used_by_any_product_is_refused_and_nothing_is_written(app, acme, globex, whose, sku):
    clock = create_product(acme, "RETRO-CLOCK")
    if whose == "own product":
        create_product(acme, "GIFT-BOX")
    elif whose == "own bundle":
        create_bundle(acme, "GIFT-BOX", (clock, 1))
    else:
        create_product(globex, "GIFT-BOX")
    before = row_counts(app)
    response = acme.post("/api/bundles", json={"name": "Gift Box", "sku": sku, "price": "29.99",
                                               "components": lines((clock, 2))})
    assert response.status_code == 409
    assert response.json["error"] == "sku_taken"
    assert row_counts(app) == before


@pytest.mark.parametrize("role", ["staff", "viewer"])
def test_only_managers_and_admins_create_bundles_or_change_components(acme, role):
    clock = create_product(acme, "RETRO-CLOCK")
    bundle = create_bundle(acme, "GIFT-BOX", (clock, 1))
    member = acme.add_user(role)
    body = {"name": "Party Pack", "sku": "PARTY-PACK", "price": "5", "components": lines((clock, 1))}
    assert member.post("/api/bundles", json=body).status_code == 403
    assert set_components(member, bundle, (clock, 3)).status_code == 403
    assert member.get(f"/api/bundles/{bundle['id']}").status_code == 200
    assert acme.add_user("manager").post("/api/bundles", json=body).status_code == 201


# Replacing components


def test_putting_components_replaces_the_whole_list(app, acme, shop):
    w1, w2, w3, clock, battery = shop
    lamp = create_product(acme, "LAVA-LAMP", {w2: 9})
    bundle = create_bundle(acme, "GIFT-BOX", (clock, 2), (battery, 1))
    response = set_components(acme, bundle, (clock, 1), (lamp, 3))
    assert response.status_code == 200
    assert sorted((c["product_id"], c["quantity"]) for c in response.json["components"]) == sorted(
        [(clock["id"], 1), (lamp["id"], 3)])
    assert availability(response.json) == {w1: 0, w2: 3, w3: 0}
    assert component_rows(app, bundle) == {clock["id"]: 1, lamp["id"]: 3}
    assert acme.get(f"/api/bundles/{bundle['id']}").json["components"] == response.json["components"]


def test_a_bundle_may_be_made_to_contain_another_bundle(acme, shop):
    w1, w2, w3, clock, battery = shop
    gift_box = create_bundle(acme, "GIFT-BOX", (clock, 2), (battery, 1))
    hamper = create_bundle(acme, "HAMPER", (clock, 1))
    response = set_components(acme, hamper, (gift_box, 1), (clock, 1))
    assert response.status_code == 200
    # A hamper takes 3 clocks (2 in the gift box) and 1 battery.
    assert availability(response.json) == {w1: 3, w2: 0, w3: 1}


def test_a_diamond_of_bundles_is_not_a_cycle(acme, shop):
    clock = shop[3]
    gift_box = create_bundle(acme, "GIFT-BOX", (clock, 1))
    left = create_bundle(acme, "LEFT-KIT", (gift_box, 1))
    right = create_bundle(acme, "RIGHT-KIT", (gift_box, 2))
    top = create_bundle(acme, "TOP-KIT", (clock, 1))
    assert set_components(acme, top, (left, 1), (right, 1)).status_code == 200


@pytest.mark.parametrize("shape", ["itself", "A→B→A", "A→B→C→A"])
def test_a_cycle_is_refused_and_the_components_are_unchanged(app, acme, shop, shape):
    clock = shop[3]
    a = create_bundle(acme, "BUNDLE-A", (clock, 2))
    if shape == "itself":
        target, new = a, [(a, 1)]
    elif shape == "A→B→A":
        b = create_bundle(acme, "BUNDLE-B", (a, 1))
        target, new = a, [(b, 1), (clock, 1)]
    else:
        b = create_bundle(acme, "BUNDLE-B", (a, 1))
        c = create_bundle(acme, "BUNDLE-C", (b, 1))
        target, new = a, [(c, 1)]
    before = acme.get(f"/api/bundles/{target['id']}").json
    response = set_components(acme, target, *new)
    assert response.status_code == 422
    assert response.json["error"] == "bundle_cycle"
    assert acme.get(f"/api/bundles/{target['id']}").json["components"] == before["components"]
    assert component_rows(app, target) == {clock["id"]: 2}


@pytest.mark.parametrize(
    ("case", "components"),
    [
        ("empty", lambda c, o: []),
        ("quantity zero", lambda c, o: [{"product_id": c, "quantity": 0}]),
        ("listed twice", lambda c, o: [{"product_id": c, "quantity": 1}, {"product_id": c, "quantity": 1}]),
        ("unknown product", lambda c, o: [{"product_id": 999999, "quantity": 1}]),
        ("another company's product", lambda c, o: [{"product_id": o, "quantity": 1}]),
        ("product missing", lambda c, o: [{"quantity": 1}]),
        ("one of two lines without its product", lambda c, o: [{"product_id": c, "quantity": 1}, {"quantity": 1}]),
    ],
)
def test_invalid_replacement_components_are_refused_and_the_old_ones_kept(app, acme, globex, case, components):
    clock = create_product(acme, "RETRO-CLOCK")
    battery = create_product(acme, "BATTERY-AA")
    theirs = create_product(globex, "GLOBEX-GEAR")
    bundle = create_bundle(acme, "GIFT-BOX", (battery, 4))
    response = acme.put(f"/api/bundles/{bundle['id']}/components",
                        json={"components": components(clock["id"], theirs["id"])})
    assert response.status_code == 422, case
    assert "components" in response.json["errors"]
    assert component_rows(app, bundle) == {battery["id"]: 4}


@pytest.mark.parametrize("target", ["plain product", "unknown", "another company's bundle"])
def test_replacing_components_of_something_that_is_not_our_bundle_is_not_found(acme, globex, target):
    clock = create_product(acme, "RETRO-CLOCK")
    ids = {"plain product": clock["id"], "unknown": 999999,
           "another company's bundle": create_bundle(globex, "GLOBEX-KIT", (create_product(globex, "GEAR"), 1))["id"]}
    response = acme.put(f"/api/bundles/{ids[target]}/components", json={"components": lines((clock, 1))})
    assert response.status_code == 404
    assert response.json["error"] == "not_found"


# Reading


def test_getting_a_bundle_by_id(acme, shop):
    bundle = create_bundle(acme, "GIFT-BOX", (shop[3], 2), (shop[4], 1))
    response = acme.get(f"/api/bundles/{bundle['id']}")
    assert response.status_code == 200
    assert response.json == {k: v for k, v in bundle.items() if k not in ("product_id", "message")}


@pytest.mark.parametrize("target", ["plain product", "unknown", "another company's bundle"])
def test_getting_something_that_is_not_our_bundle_is_not_found(acme, globex, target):
    ids = {"plain product": create_product(acme, "RETRO-CLOCK")["id"], "unknown": 999999,
           "another company's bundle": create_bundle(globex, "GLOBEX-KIT", (create_product(globex, "GEAR"), 1))["id"]}
    response = acme.get(f"/api/bundles/{ids[target]}")
    assert response.status_code == 404
    assert response.json["error"] == "not_found"


def test_listing_bundles_shows_only_the_companys_bundles_by_id(acme, globex, shop):
    clock = shop[3]
    first = create_bundle(acme, "GIFT-BOX", (clock, 1))
    second = create_bundle(acme, "CLOCK-DUO", (clock, 2))
    create_bundle(globex, "GLOBEX-KIT", (create_product(globex, "GEAR"), 1))
    body = acme.get("/api/bundles").json
    assert [b["id"] for b in body["items"]] == [first["id"], second["id"]]
    assert (body["page"], body["per_page"], body["total"]) == (1, 50, 2)
    assert all(b["is_bundle"] for b in body["items"])
    assert availability(body["items"][1]) == {shop[0]: 5, shop[1]: 2, shop[2]: 2}


def test_listing_bundles_hides_archived_ones_unless_asked(acme, shop):
    kept = create_bundle(acme, "GIFT-BOX", (shop[3], 1))
    archived = create_bundle(acme, "OLD-KIT", (shop[3], 1))
    assert acme.delete(f"/api/products/{archived['id']}").status_code == 204
    assert [b["id"] for b in acme.get("/api/bundles").json["items"]] == [kept["id"]]
    assert [b["id"] for b in acme.get("/api/bundles?is_active=false").json["items"]] == [archived["id"]]


def test_bundles_are_listed_page_by_page(acme, shop):
    ids = [create_bundle(acme, f"KIT-{n}", (shop[3], 1))["id"] for n in range(5)]
    body = acme.get("/api/bundles?page=2&per_page=2").json
    assert [b["id"] for b in body["items"]] == ids[2:4]
    assert body["total"] == 5


# Bounded queries


def nested_chain(account, depth, base):
    bundle = create_bundle(account, "LEVEL-1", (base, 1))
    for level in range(2, depth + 1):
        bundle = create_bundle(account, f"LEVEL-{level}", (bundle, 1))
    return bundle


def statements_for(app, account, path):
    assert account.get(path).status_code == 200  # warm up
    with counting_statements(app) as statements:
        response = account.get(path)
    assert response.status_code == 200
    return len(statements)


def test_reading_a_deeply_nested_bundle_takes_as_many_queries_as_a_flat_one(app, acme, shop):
    flat = create_bundle(acme, "GIFT-BOX", (shop[3], 2), (shop[4], 1))
    deep = nested_chain(acme, 4, shop[3])
    assert availability(deep) == {shop[0]: 10, shop[1]: 5, shop[2]: 4}
    flat_count = statements_for(app, acme, f"/api/bundles/{flat['id']}")
    deep_count = statements_for(app, acme, f"/api/bundles/{deep['id']}")
    assert flat_count > 0
    assert deep_count == flat_count


def test_listing_five_bundles_takes_as_many_queries_as_listing_one(app, acme, shop):
    create_bundle(acme, "GIFT-BOX-1", (shop[3], 1), (shop[4], 1))
    one = statements_for(app, acme, "/api/bundles")
    for n in range(2, 6):
        create_bundle(acme, f"GIFT-BOX-{n}", (shop[3], n), (shop[4], 1))
    assert statements_for(app, acme, "/api/bundles") == one
