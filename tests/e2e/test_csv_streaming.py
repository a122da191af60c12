"""A CSV export of a large ledger through gunicorn: streamed to the end even when it takes longer
than the worker timeout, because each chunk tells gunicorn the worker is alive."""

import csv
import io
import time

import pytest
import requests
import sqlalchemy as sa

from tests.e2e.conftest import Client, make_product, make_warehouse, register_company, server_environment, serving

pytestmark = [pytest.mark.e2e, pytest.mark.slow]
ROWS = 400_000
TIMEOUT_SECONDS = 1


@pytest.fixture(scope="module")
def impatient_server(live_server, tmp_path_factory):
    """One sync worker that gunicorn restarts after 1 s without a heartbeat, on the live database."""
    environment = {**server_environment(live_server.database_url), "GUNICORN_TIMEOUT": str(TIMEOUT_SECONDS),
                   "WEB_CONCURRENCY": "1"}
    log_path = tmp_path_factory.mktemp("csv") / "server.log"
    with serving(environment, log_path) as base_url:
        yield base_url, log_path


def test_a_ledger_export_outlasting_the_worker_timeout_streams_every_row(impatient_server, live_server):
    base_url, log_path = impatient_server
    with requests.Session() as session:
        client: Client = register_company(base_url, session, "Long Ledger Ltd")
        warehouse = make_warehouse(client)
        product = make_product(client, stock={warehouse: 5})
        _grow_ledger(live_server.database_url, product, ROWS)
        started = time.monotonic()
        with client.get("/api/inventory/movements", params={"format": "csv"}, stream=True) as response:
            assert response.status_code == 200 and response.headers["Content-Type"].startswith("text/csv")
            text = b"".join(response.iter_content(1 << 20)).decode()
        elapsed = time.monotonic() - started
    rows = list(csv.DictReader(io.StringIO(text)))
    assert len(rows) == ROWS
    ids = [int(row["id"]) for row in rows]
    assert ids == sorted(ids, reverse=True) and len(set(ids)) == ROWS
    # Longer than the timeout: without the heartbeat the worker would have been restarted mid-stream.
    assert elapsed > TIMEOUT_SECONDS, f"the export took {elapsed:.2f} s; grow ROWS so that it outlasts the timeout"
    assert "WORKER TIMEOUT" not in log_path.read_text()


def _grow_ledger(database_url: str, product_id: int, rows: int) -> None:
    """Copy the product's one ledger row until it has `rows` (the on_hand figures do not matter here)."""
    engine = sa.create_engine(database_url)
    with engine.begin() as connection:
        columns = "company_id, product_id, warehouse_id, type, quantity_change, on_hand_after, reason, occurred_at, created_at"
        while (count := connection.execute(sa.text("SELECT COUNT(*) FROM stock_movements WHERE product_id = :p"),
                                           {"p": product_id}).scalar()) < rows:
            connection.execute(sa.text(
                f"INSERT INTO stock_movements ({columns}) SELECT {columns} FROM stock_movements WHERE product_id = :p LIMIT :n"),
                {"p": product_id, "n": rows - count})
    engine.dispose()
