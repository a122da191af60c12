"""Idempotency-Key on POST /api/products and POST /api/bundles: retries replay, never apply twice."""

import threading

import pytest
import sqlalchemy as sa

from app.bundles.models import BundleComponent
from app.common.digests import sha256_hex
from app.extensions import db
from app.idempotency.models import IdempotencyKey
from app.inventory.models import InventoryLevel, StockMovement
from app.products.models import Product
from tests.factories import create_product, make_warehouse

ENDPOINTS = ["/api/products", "/api/bundles"]


def body_for(account, path, sku, price="19.99"):
    """A creation body for the endpoint; a bundle gets a fresh component of the account's company."""
    body = {"name": sku.title(), "sku": sku, "price": price}
    if path == "/api/bundles":
        body["components"] = [{"product_id": create_product(account, f"{sku}-PART")["id"], "quantity": 2}]
    return body


def keyed_post(account, path, body, key, client=None):
    return (client or account.client).post(path, json=body, headers={**account.headers, "Idempotency-Key": key})


def products_with_sku(app, sku):
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count()).select_from(Product).where(Product.sku_key == sku.upper()))


def stored_keys(app, key):
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count()).select_from(IdempotencyKey).where(IdempotencyKey.key_digest == sha256_hex(key)))


@pytest.mark.parametrize("path", ENDPOINTS)
def test_the_same_key_and_body_twice_replays_the_first_answer(app, acme, path):
    body = body_for(acme, path, "RETRO-CLOCK")
    first = keyed_post(acme, path, body, "create-retro-clock")
    second = keyed_post(acme, path, body, "create-retro-clock")
    assert first.status_code == second.status_code == 201
    assert "Idempotent-Replayed" not in first.headers
    assert second.headers["Idempotent-Replayed"] == "true"
    assert second.json == first.json
    assert second.headers["Content-Type"].startswith("application/json")
    assert products_with_sku(app, "RETRO-CLOCK") == 1


@pytest.mark.parametrize("path", ENDPOINTS)
def test_many_retries_still_create_exactly_one(app, acme, path):
    body = body_for(acme, path, "RETRO-CLOCK")
    responses = [keyed_post(acme, path, body, "retry-me") for _ in range(4)]
    assert {r.status_code for r in responses} == {201}
    assert len({r.json["id"] for r in responses}) == 1
    assert [r.headers.get("Idempotent-Replayed") for r in responses] == [None, "true", "true", "true"]
    assert products_with_sku(app, "RETRO-CLOCK") == 1


def test_a_replayed_product_creation_places_its_initial_stock_once(app, acme):
    main = make_warehouse(acme, "Main")
    body = {"name": "Retro Clock", "sku": "RETRO-CLOCK", "price": "19.99", "warehouse_id": main, "initial_quantity": 12}
    first = keyed_post(acme, "/api/products", body, "clock-with-stock")
    keyed_post(acme, "/api/products", body, "clock-with-stock")
    with app.app_context():
        levels = db.session.scalars(sa.select(InventoryLevel).where(InventoryLevel.product_id == first.json["id"])).all()
        ledger = db.session.scalars(sa.select(StockMovement).where(StockMovement.product_id == first.json["id"])).all()
    assert [(level.warehouse_id, level.on_hand) for level in levels] == [(main, 12)]
    assert [(row.type, row.quantity_change) for row in ledger] == [("receive", 12)]


def test_a_replayed_bundle_creation_writes_its_components_once(app, acme):
    body = body_for(acme, "/api/bundles", "GIFT-BOX")
    first = keyed_post(acme, "/api/bundles", body, "gift-box")
    keyed_post(acme, "/api/bundles", body, "gift-box")
    with app.app_context():
        rows = db.session.scalar(
            sa.select(sa.func.count()).select_from(BundleComponent).where(BundleComponent.bundle_id == first.json["id"]))
    assert rows == 1


@pytest.mark.parametrize("path", ENDPOINTS)
def test_the_replay_is_the_first_answer_even_after_the_product_changed(acme, path):
    body = body_for(acme, path, "RETRO-CLOCK")
    first = keyed_post(acme, path, body, "create-retro-clock")
    assert acme.patch(f"/api/products/{first.json['id']}", json={"name": "Renamed Clock"}).status_code == 200
    replay = keyed_post(acme, path, body, "create-retro-clock")
    assert replay.status_code == 201
    assert replay.json == first.json


@pytest.mark.parametrize("path", ENDPOINTS)
def test_the_same_key_with_a_different_body_is_refused_and_creates_nothing(app, acme, path):
    first_body = body_for(acme, path, "RETRO-CLOCK")
    other_body = body_for(acme, path, "LAVA-LAMP")
    assert keyed_post(acme, path, first_body, "shared-key").status_code == 201
    response = keyed_post(acme, path, other_body, "shared-key")
    assert response.status_code == 422
    assert response.json["error"] == "idempotency_key_reused"
    assert "Idempotent-Replayed" not in response.headers
    assert products_with_sku(app, "LAVA-LAMP") == 0
    assert products_with_sku(app, "RETRO-CLOCK") == 1


def test_the_same_key_on_the_other_endpoint_is_a_different_request(app, acme):
    product_body = body_for(acme, "/api/products", "RETRO-CLOCK")
    bundle_body = body_for(acme, "/api/bundles", "GIFT-BOX")
    assert keyed_post(acme, "/api/products", product_body, "one-key").status_code == 201
    response = keyed_post(acme, "/api/bundles", bundle_body, "one-key")
    assert response.status_code == 422
    assert response.json["error"] == "idempotency_key_reused"
    assert products_with_sku(app, "GIFT-BOX") == 0


@pytest.mark.parametrize("path", ENDPOINTS)
def test_keys_are_per_company(app, acme, globex, path):
    ours = keyed_post(acme, path, body_for(acme, path, "RETRO-CLOCK"), "order-1")
    theirs = keyed_post(globex, path, body_for(globex, path, "GLOBEX-CLOCK"), "order-1")
    assert ours.status_code == theirs.status_code == 201
    assert "Idempotent-Replayed" not in theirs.headers
    assert ours.json["id"] != theirs.json["id"]
    assert products_with_sku(app, "RETRO-CLOCK") == products_with_sku(app, "GLOBEX-CLOCK") == 1


@pytest.mark.parametrize("path", ENDPOINTS)
def test_a_request_that_failed_with_a_conflict_can_be_retried_with_the_same_key(app, acme, path):
    squatter = create_product(acme, "RETRO-CLOCK")
    body = body_for(acme, path, "RETRO-CLOCK")
    failed = keyed_post(acme, path, body, "clock-retry")
    assert failed.status_code == 409
    assert failed.json["error"] == "sku_taken"
    assert stored_keys(app, "clock-retry") == 0
    assert acme.patch(f"/api/products/{squatter['id']}", json={"sku": "OLD-CLOCK"}).status_code == 200
    retried = keyed_post(acme, path, body, "clock-retry")
    assert retried.status_code == 201
    assert "Idempotent-Replayed" not in retried.headers
    assert retried.json["id"] != squatter["id"]
    again = keyed_post(acme, path, body, "clock-retry")
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.json == retried.json


@pytest.mark.parametrize("path", ENDPOINTS)
def test_a_key_used_by_an_invalid_request_is_free_for_a_corrected_one(acme, path):
    body = body_for(acme, path, "RETRO-CLOCK")
    invalid = keyed_post(acme, path, {**body, "price": "-1"}, "fix-and-retry")
    assert invalid.status_code == 422
    assert invalid.json["error"] == "validation_error"
    corrected = keyed_post(acme, path, body, "fix-and-retry")
    assert corrected.status_code == 201
    assert "Idempotent-Replayed" not in corrected.headers


@pytest.mark.parametrize("path", ENDPOINTS)
@pytest.mark.parametrize("length", [1, 255])
def test_keys_of_1_to_255_characters_are_accepted(acme, path, length):
    body = body_for(acme, path, "RETRO-CLOCK")
    assert keyed_post(acme, path, body, "k" * length).status_code == 201
    assert keyed_post(acme, path, body, "k" * length).headers["Idempotent-Replayed"] == "true"


@pytest.mark.parametrize("path", ENDPOINTS)
@pytest.mark.parametrize("key", ["k" * 256, "k" * 1000, ""])
def test_a_key_outside_1_to_255_characters_is_refused_and_creates_nothing(app, acme, path, key):
    response = keyed_post(acme, path, body_for(acme, path, "RETRO-CLOCK"), key)
    assert response.status_code == 422
    assert response.json["error"] == "validation_error"
    assert "Idempotency-Key" in response.json["errors"]
    assert products_with_sku(app, "RETRO-CLOCK") == 0


@pytest.mark.parametrize("path", ENDPOINTS)
def test_without_a_key_a_repeated_request_is_not_replayed(acme, path):
    body = body_for(acme, path, "RETRO-CLOCK")
    assert acme.post(path, json=body).status_code == 201
    repeated = acme.post(path, json=body)
    assert repeated.status_code == 409
    assert repeated.json["error"] == "sku_taken"
    assert "Idempotent-Replayed" not in repeated.headers


def test_a_role_that_may_not_create_gets_403_even_with_a_stored_key(acme):
    body = body_for(acme, "/api/products", "RETRO-CLOCK")
    assert keyed_post(acme, "/api/products", body, "manager-only").status_code == 201
    viewer = acme.add_user("viewer")
    response = keyed_post(viewer, "/api/products", body, "manager-only")
    assert response.status_code == 403
    assert "Idempotent-Replayed" not in response.headers


def test_concurrent_retries_with_one_key_create_one_product_with_one_level_and_ledger_row(app, backend, acme):
    if backend == "sqlite":
        pytest.skip("SQLite serializes writers; the race needs MySQL")
    main = make_warehouse(acme, "Main")
    body = {"name": "Retro Clock", "sku": "RETRO-CLOCK", "price": "19.99", "warehouse_id": main, "initial_quantity": 7}
    threads_count = 8
    barrier = threading.Barrier(threads_count)
    responses, errors = [None] * threads_count, []

    def attempt(index):
        client = app.test_client()
        try:
            barrier.wait(timeout=30)
            responses[index] = keyed_post(acme, "/api/products", body, "racing-clock", client=client)
        except Exception as error:  # noqa: BLE001 (reported below)
            errors.append(error)

    threads = [threading.Thread(target=attempt, args=(i,)) for i in range(threads_count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors
    assert [r.status_code for r in responses] == [201] * threads_count, [r.json for r in responses]
    assert len({r.json["id"] for r in responses}) == 1
    assert sum(1 for r in responses if r.headers.get("Idempotent-Replayed") == "true") == threads_count - 1
    product_id = responses[0].json["id"]
    with app.app_context():
        count = lambda model, *where: db.session.scalar(sa.select(sa.func.count()).select_from(model).where(*where))  # noqa: E731
        assert count(Product, Product.sku_key == "RETRO-CLOCK") == 1
        assert count(InventoryLevel, InventoryLevel.product_id == product_id) == 1
        assert count(StockMovement, StockMovement.product_id == product_id) == 1
        assert count(IdempotencyKey, IdempotencyKey.key_digest == sha256_hex("racing-clock")) == 1


def test_a_number_and_the_same_digits_in_a_string_are_different_bodies(app, acme):
    """The field refuses a number where it takes a string, so a key first used with the string
    must not replay that answer for the number."""
    first = keyed_post(acme, "/api/products", {"name": "1.5", "sku": "NUMBER-NAME", "price": "1.00"}, "typed-body")
    assert first.status_code == 201, first.json
    second = keyed_post(acme, "/api/products", {"name": 1.5, "sku": "NUMBER-NAME", "price": "1.00"}, "typed-body")
    assert (second.status_code, second.json["error"]) == (422, "idempotency_key_reused")
    assert products_with_sku(app, "NUMBER-NAME") == 1


def test_an_empty_body_and_an_empty_object_are_the_same_request(acme):
    """An empty body is read as `{}`, so the same key replays across the two spellings."""
    path = f"/api/companies/{acme.company_id}/replenishment/purchase-orders"
    headers = {**acme.headers, "Idempotency-Key": "drafts-empty"}
    first = acme.client.post(path, headers=headers)
    second = acme.client.post(path, headers=headers, json={})
    assert first.status_code == second.status_code == 201
    assert second.headers["Idempotent-Replayed"] == "true"
    assert second.json == first.json


def as_wsgi_header(text: str) -> str:
    """A header sent as UTF-8 bytes, as WSGI hands it over (each byte a latin-1 character)."""
    return text.encode("utf-8").decode("latin-1")


def test_a_key_sent_in_utf8_counts_characters_not_bytes(app, acme):
    body = body_for(acme, "/api/products", "ACCENTED-KEY")
    key = as_wsgi_header("é" * 200)  # 200 characters, 400 bytes
    assert keyed_post(acme, "/api/products", body, key).status_code == 201
    assert keyed_post(acme, "/api/products", body, key).headers["Idempotent-Replayed"] == "true"
    too_long = keyed_post(acme, "/api/products", body_for(acme, "/api/products", "ACCENTED-KEY-2"), as_wsgi_header("é" * 256))
    assert too_long.status_code == 422 and "Idempotency-Key" in too_long.json["errors"]
    assert products_with_sku(app, "ACCENTED-KEY") == 1 and products_with_sku(app, "ACCENTED-KEY-2") == 0
