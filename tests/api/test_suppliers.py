"""Suppliers, and the links saying which supplier provides a product on what terms (at most one primary)."""

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.products.models import Product
from app.suppliers.models import ProductSupplier
from tests.api.alerting import stale_reorder_suppliers
from tests.api.races import answer, run_together
from tests.factories import create_product, create_supplier


@pytest.fixture(autouse=True)
def reorder_suppliers_stay_current(app):
    """After each test, whatever links it made, changed or deleted: every product's stored reorder
    supplier is the one its links give."""
    yield
    stale = stale_reorder_suppliers(app)
    if stale:
        pytest.fail("\n".join(stale[:20]), pytrace=False)


ROUNDS = 8


def link(account, product, supplier, **terms):
    return account.put(f"/api/products/{product['id']}/suppliers/{supplier['id']}", json=terms)


def links_of(account, product):
    response = account.get(f"/api/products/{product['id']}/suppliers")
    assert response.status_code == 200, response.json
    return response.json["items"]


def primary_flags(app, product):
    with app.app_context():
        return dict(db.session.execute(
            sa.select(ProductSupplier.supplier_id, ProductSupplier.primary_flag)
            .where(ProductSupplier.product_id == product["id"])
        ).all())


# Suppliers


def test_creating_a_supplier_returns_it(acme):
    response = acme.post(
        "/api/suppliers",
        json={"name": "Tick Tock Parts", "contact_email": "Orders@TickTock.example", "contact_phone": "+44 20 7946 0000",
              "lead_time_days": 14},
    )
    assert response.status_code == 201
    body = response.json
    assert isinstance(body["id"], int)
    assert body["name"] == "Tick Tock Parts"
    assert body["contact_email"] == "orders@ticktock.example"
    assert body["contact_phone"] == "+44 20 7946 0000"
    assert body["lead_time_days"] == 14


def test_a_supplier_needs_only_a_name(acme):
    body = create_supplier(acme, "Tick Tock Parts")
    assert body["contact_email"] is None
    assert body["contact_phone"] is None
    assert body["lead_time_days"] is None


@pytest.mark.parametrize("body", [{}, {"name": ""}, {"name": "   "}, {"name": "x" * 201}])
def test_a_supplier_needs_a_name(acme, body):
    response = acme.post("/api/suppliers", json=body)
    assert response.status_code == 422
    assert "name" in response.json["errors"]


@pytest.mark.parametrize("email", ["not-an-email", "orders@", "@ticktock.example", "a b@c.example", 42])
def test_an_invalid_contact_email_is_refused(acme, email):
    response = acme.post("/api/suppliers", json={"name": "Tick Tock Parts", "contact_email": email})
    assert response.status_code == 422
    assert response.json["error"] == "validation_error"
    assert "contact_email" in response.json["errors"]
    assert acme.get("/api/suppliers").json["total"] == 0


@pytest.mark.parametrize("days", [0, 365])
def test_lead_time_days_may_be_anything_from_0_to_365(acme, days):
    assert create_supplier(acme, "Tick Tock Parts", lead_time_days=days)["lead_time_days"] == days


@pytest.mark.parametrize("days", [-1, 366, True, "7", 1.5])
def test_lead_time_days_outside_0_to_365_or_not_an_integer_is_refused(acme, days):
    response = acme.post("/api/suppliers", json={"name": "Tick Tock Parts", "lead_time_days": days})
    assert response.status_code == 422
    assert "lead_time_days" in response.json["errors"]


def test_getting_a_supplier_by_id(acme):
    supplier = create_supplier(acme, "Tick Tock Parts", lead_time_days=3)
    response = acme.get(f"/api/suppliers/{supplier['id']}")
    assert response.status_code == 200
    assert response.json == supplier


def test_another_companys_supplier_is_not_found(acme, globex):
    theirs = create_supplier(globex, "Globex Gears")
    for response in (
        acme.get(f"/api/suppliers/{theirs['id']}"),
        acme.patch(f"/api/suppliers/{theirs['id']}", json={"name": "Mine now"}),
        acme.delete(f"/api/suppliers/{theirs['id']}"),
    ):
        assert response.status_code == 404
        assert response.json["error"] == "not_found"
    assert globex.get(f"/api/suppliers/{theirs['id']}").json["name"] == "Globex Gears"


def test_listing_suppliers_shows_only_the_companys_own_by_id(acme, globex):
    first = create_supplier(acme, "Tick Tock Parts")
    second = create_supplier(acme, "Battery Barn")
    create_supplier(globex, "Globex Gears")
    body = acme.get("/api/suppliers").json
    assert [s["id"] for s in body["items"]] == [first["id"], second["id"]]
    assert (body["page"], body["per_page"], body["total"]) == (1, 50, 2)


def test_q_finds_suppliers_whose_name_contains_it_in_any_case(acme):
    create_supplier(acme, "Tick Tock Parts")
    create_supplier(acme, "Battery Barn")
    create_supplier(acme, "Clockwork TICK Ltd")
    body = acme.get("/api/suppliers?q=tick").json
    assert sorted(s["name"] for s in body["items"]) == ["Clockwork TICK Ltd", "Tick Tock Parts"]
    assert body["total"] == 2


@pytest.mark.parametrize("q", ["société", "SOCIÉTÉ", "societe", "Soci"])
def test_q_finds_names_whatever_their_case_and_accents_on_every_database(acme, q):
    create_supplier(acme, "Société Horlogère")
    create_supplier(acme, "ÅNGSTRÖM Optics")
    assert [s["name"] for s in acme.get(f"/api/suppliers?q={q}").json["items"]] == ["Société Horlogère"]
    assert [s["name"] for s in acme.get("/api/suppliers?q=angström").json["items"]] == ["ÅNGSTRÖM Optics"]


NAMES = ["Straße GmbH", "ﬁne Parts", "Café Noir", "Ａcme Fullwidth", "Ⅻ Clocks", "Ǆemal", "İstanbul Saat", "Øst Tools"]


@pytest.mark.parametrize("q, found", [
    ("straße", ["Straße GmbH"]), ("STRASSE", []),
    ("ﬁne", ["ﬁne Parts"]), ("fine", []),
    ("cafe", ["Café Noir"]), ("cafe\u0301", ["Café Noir"]), ("CAFÉ", ["Café Noir"]),
    ("acme", ["Ａcme Fullwidth"]),
    ("xii", []), ("ⅻ", ["Ⅻ Clocks"]),
    ("ǆemal", ["Ǆemal"]), ("dzemal", []),
    ("istanbul", ["İstanbul Saat"]),
    ("ost", []), ("øst", ["Øst Tools"]),
])
def test_q_compares_one_character_against_one_on_every_database(acme, q, found):
    """As MySQL's collation compares in a LIKE, on SQLite too: case and accents aside, a character
    that is several letters (ß, ﬁ, Ⅻ, Ǆ) is not found by their spelling out; an accent typed
    apart from its letter is the accented letter."""
    for name in NAMES:
        create_supplier(acme, name)
    assert [s["name"] for s in acme.get("/api/suppliers", query_string={"q": q}).json["items"]] == found


def test_q_treats_percent_and_underscore_literally(acme):
    create_supplier(acme, "100% Springs")
    create_supplier(acme, "1000 Springs")
    assert [s["name"] for s in acme.get("/api/suppliers?q=0%25").json["items"]] == ["100% Springs"]
    assert acme.get("/api/suppliers?q=_").json["total"] == 0


def test_suppliers_are_listed_page_by_page(acme):
    ids = [create_supplier(acme, f"Supplier {n}")["id"] for n in range(5)]
    page_two = acme.get("/api/suppliers?page=2&per_page=2").json
    assert [s["id"] for s in page_two["items"]] == ids[2:4]
    assert (page_two["page"], page_two["per_page"], page_two["total"]) == (2, 2, 5)
    assert acme.get("/api/suppliers?page=4&per_page=2").json["items"] == []


def test_per_page_over_200_is_refused(acme):
    assert acme.get("/api/suppliers?per_page=201").status_code == 422


def test_patching_a_supplier_changes_only_the_fields_sent(acme):
    supplier = create_supplier(acme, "Tick Tock Parts", contact_email="orders@ticktock.example", lead_time_days=14)
    response = acme.patch(f"/api/suppliers/{supplier['id']}", json={"lead_time_days": 7, "contact_phone": "555-0100"})
    assert response.status_code == 200
    assert response.json["lead_time_days"] == 7
    assert response.json["contact_phone"] == "555-0100"
    assert response.json["name"] == "Tick Tock Parts"
    assert response.json["contact_email"] == "orders@ticktock.example"
    assert acme.get(f"/api/suppliers/{supplier['id']}").json["lead_time_days"] == 7


def test_patching_a_supplier_with_an_invalid_email_is_refused_and_changes_nothing(acme):
    supplier = create_supplier(acme, "Tick Tock Parts", contact_email="orders@ticktock.example")
    response = acme.patch(f"/api/suppliers/{supplier['id']}", json={"contact_email": "nope"})
    assert response.status_code == 422
    assert "contact_email" in response.json["errors"]
    assert acme.get(f"/api/suppliers/{supplier['id']}").json["contact_email"] == "orders@ticktock.example"


def test_deleting_a_supplier_removes_it(acme):
    supplier = create_supplier(acme, "Tick Tock Parts")
    response = acme.delete(f"/api/suppliers/{supplier['id']}")
    assert response.status_code == 204
    assert acme.get(f"/api/suppliers/{supplier['id']}").status_code == 404
    assert acme.delete(f"/api/suppliers/{supplier['id']}").status_code == 404


def test_deleting_a_supplier_removes_its_product_links_too(app, acme):
    clock = create_product(acme, "RETRO-CLOCK")
    doomed = create_supplier(acme, "Tick Tock Parts")
    kept = create_supplier(acme, "Battery Barn")
    link(acme, clock, doomed, is_primary=True)
    link(acme, clock, kept)
    assert acme.delete(f"/api/suppliers/{doomed['id']}").status_code == 204
    assert [row["supplier_id"] for row in links_of(acme, clock)] == [kept["id"]]
    with app.app_context():
        assert db.session.scalar(
            sa.select(sa.func.count()).select_from(ProductSupplier).where(ProductSupplier.supplier_id == doomed["id"])
        ) == 0


def reorder_supplier(app, product):
    with app.app_context():
        return db.session.scalar(sa.select(Product.reorder_supplier_id).where(Product.id == product["id"]))


def test_the_stored_reorder_supplier_follows_every_change_of_the_links(app, acme):
    """The primary, else the linked supplier with the lowest id, else none — after each change."""
    clock = create_product(acme, "RETRO-CLOCK")
    first, second, third = (create_supplier(acme, name) for name in ("Alpha", "Beta", "Gamma"))
    steps = [
        (lambda: link(acme, clock, second), second),
        (lambda: link(acme, clock, third), second),
        (lambda: link(acme, clock, third, is_primary=True), third),
        (lambda: link(acme, clock, first), third),
        (lambda: link(acme, clock, third, is_primary=False), first),
        (lambda: link(acme, clock, second, is_primary=True), second),
        (lambda: acme.delete(f"/api/products/{clock['id']}/suppliers/{second['id']}"), first),
        (lambda: acme.delete(f"/api/suppliers/{first['id']}"), third),
        (lambda: acme.delete(f"/api/products/{clock['id']}/suppliers/{third['id']}"), None),
    ]
    for number, (change, expected) in enumerate(steps):
        assert change().status_code in (200, 204), number
        assert reorder_supplier(app, clock) == (expected and expected["id"]), number


@pytest.mark.mysql
def test_concurrent_changes_of_a_products_links_leave_its_reorder_supplier_current(app, acme):
    """Each round, four clients change one product's links at once — two make different suppliers
    primary, one unlinks a third, one deletes a fourth supplier — and the stored reorder supplier is
    what the links left give (the autouse check), every request answered."""
    for round_number in range(ROUNDS):
        clock = create_product(acme, f"RACE-CLOCK-{round_number}")
        alpha, beta, gamma, delta = (create_supplier(acme, f"{name} {round_number}")
                                     for name in ("Alpha", "Beta", "Gamma", "Delta"))
        for supplier in (delta, gamma, beta, alpha):
            assert link(acme, clock, supplier).status_code == 200
        path = f"/api/products/{clock['id']}/suppliers"
        answers = run_together(app, [
            lambda client: answer(client.put(f"{path}/{alpha['id']}", json={"is_primary": True}, headers=acme.headers)),
            lambda client: answer(client.put(f"{path}/{beta['id']}", json={"is_primary": True}, headers=acme.headers)),
            lambda client: answer(client.delete(f"{path}/{gamma['id']}", headers=acme.headers)),
            lambda client: answer(client.delete(f"/api/suppliers/{delta['id']}", headers=acme.headers)),
        ])
        assert [a["status"] for a in answers] == [200, 200, 204, 204], answers
        assert reorder_supplier(app, clock) in (alpha["id"], beta["id"])
        assert stale_reorder_suppliers(app) == []


@pytest.mark.parametrize("role", ["staff", "viewer"])
def test_only_managers_and_admins_change_suppliers(acme, role):
    supplier = create_supplier(acme, "Tick Tock Parts")
    member = acme.add_user(role)
    assert member.post("/api/suppliers", json={"name": "Battery Barn"}).status_code == 403
    assert member.patch(f"/api/suppliers/{supplier['id']}", json={"name": "X"}).status_code == 403
    assert member.delete(f"/api/suppliers/{supplier['id']}").status_code == 403
    assert member.get(f"/api/suppliers/{supplier['id']}").status_code == 200
    assert acme.add_user("manager").post("/api/suppliers", json={"name": "Battery Barn"}).status_code == 201


# Product ↔ supplier links


def test_linking_a_supplier_returns_the_link_with_defaults(acme):
    clock = create_product(acme, "RETRO-CLOCK")
    supplier = create_supplier(acme, "Tick Tock Parts")
    response = link(acme, clock, supplier)
    assert response.status_code == 200
    assert response.json == {
        "product_id": clock["id"], "supplier_id": supplier["id"], "supplier_name": "Tick Tock Parts",
        "supplier_sku": None, "unit_cost": None, "lead_time_days": None, "min_order_qty": 1, "order_multiple": 1,
        "is_primary": False,
    }


def test_a_link_carries_its_terms_with_unit_cost_as_a_decimal_string(acme):
    clock = create_product(acme, "RETRO-CLOCK")
    supplier = create_supplier(acme, "Tick Tock Parts")
    response = link(acme, clock, supplier, supplier_sku="TT-88", unit_cost=2.5, lead_time_days=10, min_order_qty=24,
                    is_primary=True)
    assert response.status_code == 200
    assert response.json == {**response.json, "supplier_sku": "TT-88", "unit_cost": "2.50", "lead_time_days": 10,
                             "min_order_qty": 24, "is_primary": True}


def test_putting_a_link_again_updates_only_the_fields_sent(acme):
    clock = create_product(acme, "RETRO-CLOCK")
    supplier = create_supplier(acme, "Tick Tock Parts")
    link(acme, clock, supplier, supplier_sku="TT-88", unit_cost="2.50", lead_time_days=10, min_order_qty=24,
         is_primary=True)
    response = link(acme, clock, supplier, unit_cost="3.75")
    assert response.status_code == 200
    assert response.json == {**response.json, "supplier_sku": "TT-88", "unit_cost": "3.75", "lead_time_days": 10,
                             "min_order_qty": 24, "is_primary": True}
    assert len(links_of(acme, clock)) == 1


def test_a_link_field_can_be_cleared_with_null(acme):
    clock = create_product(acme, "RETRO-CLOCK")
    supplier = create_supplier(acme, "Tick Tock Parts")
    link(acme, clock, supplier, supplier_sku="TT-88", unit_cost="2.50")
    response = link(acme, clock, supplier, unit_cost=None)
    assert response.json["unit_cost"] is None
    assert response.json["supplier_sku"] == "TT-88"


def test_making_a_supplier_primary_clears_the_products_previous_primary(app, acme):
    clock = create_product(acme, "RETRO-CLOCK")
    old = create_supplier(acme, "Tick Tock Parts")
    new = create_supplier(acme, "Battery Barn")
    link(acme, clock, old, is_primary=True)
    response = link(acme, clock, new, is_primary=True)
    assert response.status_code == 200
    assert response.json["is_primary"] is True
    assert {row["supplier_id"]: row["is_primary"] for row in links_of(acme, clock)} == {old["id"]: False, new["id"]: True}
    assert sum(1 for flag in primary_flags(app, clock).values() if flag) == 1


def test_the_primary_flag_can_move_back_and_forth_between_suppliers(acme):
    clock = create_product(acme, "RETRO-CLOCK")
    suppliers = [create_supplier(acme, name) for name in ("Tick Tock Parts", "Battery Barn", "Spring Street")]
    for supplier in suppliers + suppliers[::-1]:
        assert link(acme, clock, supplier, is_primary=True).status_code == 200
        primaries = [row["supplier_id"] for row in links_of(acme, clock) if row["is_primary"]]
        assert primaries == [supplier["id"]]


def test_a_primary_on_one_product_leaves_other_products_primaries_alone(acme):
    clock = create_product(acme, "RETRO-CLOCK")
    lamp = create_product(acme, "LAVA-LAMP")
    supplier = create_supplier(acme, "Tick Tock Parts")
    other = create_supplier(acme, "Battery Barn")
    link(acme, lamp, other, is_primary=True)
    link(acme, clock, supplier, is_primary=True)
    link(acme, clock, other, is_primary=True)
    assert [row["is_primary"] for row in links_of(acme, lamp)] == [True]


def test_is_primary_false_unsets_the_primary(acme):
    clock = create_product(acme, "RETRO-CLOCK")
    supplier = create_supplier(acme, "Tick Tock Parts")
    link(acme, clock, supplier, is_primary=True)
    assert link(acme, clock, supplier, is_primary=False).json["is_primary"] is False
    assert link(acme, clock, supplier, min_order_qty=5).json["is_primary"] is False


def test_a_products_links_are_listed_by_supplier_id(acme):
    clock = create_product(acme, "RETRO-CLOCK")
    suppliers = [create_supplier(acme, name) for name in ("Tick Tock Parts", "Battery Barn", "Spring Street")]
    for supplier in (suppliers[2], suppliers[0], suppliers[1]):
        link(acme, clock, supplier)
    rows = links_of(acme, clock)
    assert [row["supplier_id"] for row in rows] == [s["id"] for s in suppliers]
    assert [row["supplier_name"] for row in rows] == ["Tick Tock Parts", "Battery Barn", "Spring Street"]


def test_a_product_without_suppliers_lists_none(acme):
    assert links_of(acme, create_product(acme, "RETRO-CLOCK")) == []


def test_a_products_links_are_a_list_page_like_every_list(acme):
    clock = create_product(acme, "RETRO-CLOCK")
    suppliers = [create_supplier(acme, name) for name in ("Tick Tock Parts", "Battery Barn", "Spring Street")]
    for supplier in suppliers:
        link(acme, clock, supplier)
    page = acme.get(f"/api/products/{clock['id']}/suppliers", query_string={"page": 2, "per_page": 2}).json
    assert (page["page"], page["per_page"], page["total"]) == (2, 2, 3)
    assert [row["supplier_id"] for row in page["items"]] == [suppliers[2]["id"]]


@pytest.mark.parametrize("query", [{"per_page": 201}, {"per_page": 0}, {"page": 0}, {"page": "x"}])
def test_a_bad_page_of_a_products_links_is_422_naming_it(acme, query):
    clock = create_product(acme, "RETRO-CLOCK")
    response = acme.get(f"/api/products/{clock['id']}/suppliers", query_string=query)
    assert (response.status_code, response.json["error"]) == (422, "validation_error")
    assert set(response.json["errors"]) == set(query)


def test_unlinking_a_supplier_removes_the_link_once(acme):
    clock = create_product(acme, "RETRO-CLOCK")
    supplier = create_supplier(acme, "Tick Tock Parts")
    link(acme, clock, supplier)
    path = f"/api/products/{clock['id']}/suppliers/{supplier['id']}"
    assert acme.delete(path).status_code == 204
    assert links_of(acme, clock) == []
    again = acme.delete(path)
    assert again.status_code == 404
    assert again.json["error"] == "not_found"
    assert acme.get(f"/api/suppliers/{supplier['id']}").status_code == 200


@pytest.mark.parametrize("method", ["get", "put", "delete"])
@pytest.mark.parametrize("whose", ["unknown", "foreign"])
def test_an_unknown_or_foreign_product_in_a_link_path_is_not_found(acme, globex, method, whose):
    supplier = create_supplier(acme, "Tick Tock Parts")
    product_id = create_product(globex, "GLOBEX-GEAR")["id"] if whose == "foreign" else 999999
    path = f"/api/products/{product_id}/suppliers" + ("" if method == "get" else f"/{supplier['id']}")
    response = getattr(acme, method)(path, **({"json": {}} if method == "put" else {}))
    assert response.status_code == 404
    assert response.json["error"] == "not_found"


@pytest.mark.parametrize("method", ["put", "delete"])
@pytest.mark.parametrize("whose", ["unknown", "foreign"])
def test_an_unknown_or_foreign_supplier_in_a_link_path_is_not_found(app, acme, globex, method, whose):
    clock = create_product(acme, "RETRO-CLOCK")
    supplier_id = create_supplier(globex, "Globex Gears")["id"] if whose == "foreign" else 999999
    response = getattr(acme, method)(f"/api/products/{clock['id']}/suppliers/{supplier_id}",
                                     **({"json": {"is_primary": True}} if method == "put" else {}))
    assert response.status_code == 404
    assert response.json["error"] == "not_found"
    assert primary_flags(app, clock) == {}


@pytest.mark.parametrize(
    ("field", "value"),
    [("min_order_qty", 0), ("min_order_qty", -5), ("min_order_qty", True), ("min_order_qty", "2"),
     ("unit_cost", "-1.00"), ("unit_cost", "2.505"), ("unit_cost", "NaN"), ("unit_cost", True),
     ("lead_time_days", -1), ("lead_time_days", 366), ("is_primary", "yes"), ("is_primary", 1)],
)
def test_invalid_link_terms_are_refused_and_nothing_is_linked(acme, field, value):
    clock = create_product(acme, "RETRO-CLOCK")
    supplier = create_supplier(acme, "Tick Tock Parts")
    response = link(acme, clock, supplier, **{field: value})
    assert response.status_code == 422
    assert field in response.json["errors"]
    assert links_of(acme, clock) == []


def test_an_invalid_update_leaves_the_existing_link_unchanged(acme):
    clock = create_product(acme, "RETRO-CLOCK")
    supplier = create_supplier(acme, "Tick Tock Parts")
    before = link(acme, clock, supplier, min_order_qty=12, unit_cost="2.50").json
    assert link(acme, clock, supplier, min_order_qty=0, unit_cost="9.99").status_code == 422
    assert links_of(acme, clock) == [before]


@pytest.mark.parametrize("role", ["staff", "viewer"])
def test_only_managers_and_admins_change_links_but_everyone_reads_them(acme, role):
    clock = create_product(acme, "RETRO-CLOCK")
    supplier = create_supplier(acme, "Tick Tock Parts")
    link(acme, clock, supplier)
    member = acme.add_user(role)
    path = f"/api/products/{clock['id']}/suppliers/{supplier['id']}"
    assert member.put(path, json={"is_primary": True}).status_code == 403
    assert member.delete(path).status_code == 403
    assert member.get(f"/api/products/{clock['id']}/suppliers").status_code == 200


def test_creating_a_product_with_a_supplier_id_links_it_as_primary(acme):
    supplier = create_supplier(acme, "Tick Tock Parts")
    response = acme.post("/api/products", json={"name": "Retro Clock", "sku": "RETRO-CLOCK", "price": "19.99",
                                                "supplier_id": supplier["id"]})
    assert response.status_code == 201
    rows = links_of(acme, response.json)
    assert [(row["supplier_id"], row["is_primary"], row["min_order_qty"]) for row in rows] == [(supplier["id"], True, 1)]
