"""Flask CLI commands: demo data, benchmark-scale data, clearing expired idempotency keys, and
recomputing the stored alert figures."""

import datetime as dt
from decimal import Decimal
from pathlib import Path

import time

import click
import sqlalchemy as sa
from flask import Flask

from app.alerts import read_model
from app.auth import service as auth_service
from app.auth.models import User
from app.bundles import service as bundle_service
from app.extensions import db
from app.common.time import utcnow
from app.common.transaction import use_case
from app.idempotency.service import purge_expired
from app.companies.models import Company
from app.inventory.models import InventoryLevel
from app.inventory.movements import record_movement
from app.products import service as product_service
from app.purchasing import receiving
from app.purchasing import service as purchasing_service
from app.scale import seed_scale
from app.suppliers import service as supplier_service
from app.warehouses import service as warehouse_service

DEMO_EMAIL = "admin@demo.stockflow.local"
DEMO_PASSWORD = "stockflow-demo"

# (type, supplier, sku, name, price, stock in Main, stock in East)
DEMO_PRODUCTS = [
    ("Clocks", "Tick & Co", "RETRO-CLOCK", "Retro alarm clock", "24.90", 40, 12),
    ("Clocks", "Tick & Co", "WALL-CLOCK", "Station wall clock", "59.00", 8, 3),
    ("Clocks", "Tick & Co", "DESK-CLOCK", "Walnut desk clock", "34.50", 15, 0),
    ("Clocks", "Tick & Co", "CUCKOO-CLOCK", "Black Forest cuckoo clock", "189.00", 2, 1),
    ("Lamps", "Lumen Supply", "DESK-LAMP", "Brass desk lamp", "42.00", 25, 10),
    ("Lamps", "Lumen Supply", "FLOOR-LAMP", "Arc floor lamp", "129.00", 4, 2),
    ("Lamps", "Lumen Supply", "BEDSIDE-LAMP", "Linen bedside lamp", "29.90", 30, 18),
    ("Lamps", "Lumen Supply", "EDISON-BULB", "Edison filament bulb", "6.50", 200, 120),
    ("Stationery", "Paper Mill Ltd", "NOTEBOOK-A5", "Dotted notebook A5", "9.90", 150, 80),
    ("Stationery", "Paper Mill Ltd", "NOTEBOOK-A4", "Ruled notebook A4", "12.90", 90, 40),
    ("Stationery", "Paper Mill Ltd", "FOUNTAIN-PEN", "Steel fountain pen", "27.00", 35, 10),
    ("Stationery", "Paper Mill Ltd", "INK-BLUE", "Blue ink bottle", "7.50", 60, 25),
    ("Stationery", "Paper Mill Ltd", "GIFT-WRAP", "Kraft gift wrap roll", "4.20", 300, 100),
    ("Stationery", "Paper Mill Ltd", "GIFT-BOX-SM", "Small gift box", "2.10", 120, 60),
    ("Home", "Lumen Supply", "CANDLE-FIG", "Fig scented candle", "18.00", 45, 20),
    ("Home", "Tick & Co", "HOURGLASS", "Sand hourglass, 30 min", "22.00", 6, 4),
    ("Home", "Paper Mill Ltd", "PHOTO-FRAME", "Oak photo frame 13x18", "15.00", 50, 5),
    ("Home", "Lumen Supply", "VASE-GLASS", "Hand-blown glass vase", "48.00", 9, 0),
    ("Home", "Paper Mill Ltd", "COASTER-SET", "Cork coaster set of 4", "11.00", 70, 35),
    ("Home", "Tick & Co", "BAROMETER", "Brass barometer", "95.00", 3, 1),
]
DEMO_TYPES = {"Clocks": 5, "Lamps": 8, "Stationery": 25, "Home": 10}
DEMO_SUPPLIERS = {
    "Tick & Co": ("orders@tickandco.example", 14),
    "Lumen Supply": ("sales@lumen.example", 7),
    "Paper Mill Ltd": ("orders@papermill.example", 5),
}
# Lumen Supply sells in packs: at least 10 units, by 6.
DEMO_PACKS = {"Lumen Supply": (10, 6)}
# Recent sales, so that the low-stock alerts have something to say: (sku, warehouse, units, days ago).
# The gift set is a bundle: selling it sells its components.
DEMO_SALES = [
    ("WALL-CLOCK", "Main Warehouse", 3, 2), ("CUCKOO-CLOCK", "Main Warehouse", 1, 5),
    ("FLOOR-LAMP", "Main Warehouse", 2, 1), ("HOURGLASS", "East Depot", 2, 3), ("BAROMETER", "Main Warehouse", 1, 10),
    ("NOTEBOOK-A5", "Main Warehouse", 20, 4), ("GIFT-SET-WRITER", "East Depot", 2, 1),
]


def seed_demo() -> bool:
    """Load the demo company once, in one transaction; False when it is already there."""
    with use_case():
        if db.session.scalar(sa.select(User.id).where(User.email == DEMO_EMAIL)) is not None:
            return False
        _load_demo()
    return True


def _load_demo() -> None:
    company, user, _token, _api_token = auth_service.register("Demo Trading Co.", DEMO_EMAIL, DEMO_PASSWORD, "Demo Admin")
    main = warehouse_service.create_warehouse(company.id, "Main Warehouse", "1 Harbour Road, Springfield")
    east = warehouse_service.create_warehouse(company.id, "East Depot", "42 Industrial Way, Shelbyville")
    types = {
        name: product_service.create_product_type(company.id, name, threshold).id
        for name, threshold in DEMO_TYPES.items()
    }
    suppliers = {
        name: supplier_service.create_supplier(company.id, name=name, contact_email=email, lead_time_days=lead).id
        for name, (email, lead) in DEMO_SUPPLIERS.items()
    }
    products = {}
    for type_name, supplier_name, sku, name, price, in_main, in_east in DEMO_PRODUCTS:
        product = product_service.create_product(company.id, user.id, {
            "name": name, "sku": sku, "price": Decimal(price), "product_type_id": types[type_name],
            "supplier_id": suppliers[supplier_name],
            "inventory": [{"warehouse_id": main.id, "quantity": in_main}, {"warehouse_id": east.id, "quantity": in_east}],
        })
        products[sku] = product.id
        minimum, multiple = DEMO_PACKS.get(supplier_name, (1, 1))
        # Bought at half the selling price.
        supplier_service.set_link(company.id, product.id, suppliers[supplier_name], {
            "unit_cost": (Decimal(price) / 2).quantize(Decimal("0.01")), "min_order_qty": minimum,
            "order_multiple": multiple})
    products["GIFT-SET-WRITER"] = bundle_service.create_bundle(
        company.id, name="Writer's gift set", sku="GIFT-SET-WRITER", price=Decimal("44.00"),
        description="Notebook, fountain pen and ink, boxed",
        components=[
            {"product_id": products[sku], "quantity": 1}
            for sku in ("NOTEBOOK-A5", "FOUNTAIN-PEN", "INK-BLUE", "GIFT-BOX-SM")
        ],
    ).id
    warehouses = {main.name: main.id, east.name: east.id}
    for sku, warehouse, units, days_ago in DEMO_SALES:
        record_movement(company.id, user.id, {
            "type": "sale", "product_id": products[sku], "warehouse_id": warehouses[warehouse], "quantity": units,
            "occurred_at": utcnow() - dt.timedelta(days=days_ago), "reference": "demo sale",
        })
    # On order: wall clocks from Tick & Co; lamps from Lumen Supply, partly delivered already.
    clocks = purchasing_service.create_purchase_order(company.id, user.id, {
        "supplier_id": suppliers["Tick & Co"], "warehouse_id": main.id, "reference": "PO-DEMO-1",
        "lines": [{"product_id": products["WALL-CLOCK"], "quantity": 12}]})
    purchasing_service.change_status(company.id, clocks.id, "ordered")
    lamps = purchasing_service.create_purchase_order(company.id, user.id, {
        "supplier_id": suppliers["Lumen Supply"], "warehouse_id": main.id, "reference": "PO-DEMO-2",
        "lines": [{"product_id": products["FLOOR-LAMP"], "quantity": 12}, {"product_id": products["DESK-LAMP"], "quantity": 24}]})
    lamps = purchasing_service.change_status(company.id, lamps.id, "ordered")
    receiving.receive(company.id, user.id, lamps.id, {"lines": [{"line_id": lamps.lines[0].id, "quantity": 6}],
                                                      "reference": "DN-DEMO-1"})


def register_commands(app: Flask) -> None:
    @app.cli.command("worker", context_settings={"ignore_unknown_options": True})
    @click.option("--concurrency", default=8, show_default=True, help="Deliveries in flight at once (threads).")
    @click.argument("celery_args", nargs=-1, type=click.UNPROCESSED)
    def worker_command(concurrency, celery_args):
        """Run a background worker (webhook deliveries, emails) on BROKER_URL; extra arguments go to Celery."""
        app.extensions["celery"].worker_main(["worker", "--pool=threads", f"--concurrency={concurrency}",
                                              "--loglevel=INFO", *celery_args])

    @app.cli.command("scheduler", context_settings={"ignore_unknown_options": True})
    @click.argument("celery_args", nargs=-1, type=click.UNPROCESSED)
    def scheduler_command(celery_args):
        """Run the scheduler: every WEBHOOK_SWEEP_SECONDS it enqueues what was committed but never
        enqueued, and deliveries left by a worker that died; every NOTIFICATION_SWEEP_SECONDS it plans
        the low-stock emails that are due. Run exactly one."""
        schedule = Path(app.instance_path) / "scheduler-schedule"
        schedule.parent.mkdir(parents=True, exist_ok=True)
        app.extensions["celery"].start(["beat", "--loglevel=INFO", f"--schedule={schedule}", *celery_args])

    @app.cli.command("wait-for-db")
    @click.option("--timeout", default=60.0, show_default=True, help="Seconds to keep trying.")
    def wait_for_db_command(timeout):
        """Wait until the database answers (SELECT 1), trying once a second, a log line per failed
        try; exit 1 after --timeout seconds. Run it before `flask db upgrade` when the database may
        still be starting (docker-compose.yml does)."""
        deadline, attempt = time.monotonic() + timeout, 0
        while True:
            attempt += 1
            try:
                with db.engine.connect() as connection:
                    connection.execute(sa.text("SELECT 1"))
            except sa.exc.DBAPIError as error:
                reason = str(getattr(error, "orig", error)).splitlines()[0]
                if time.monotonic() >= deadline:
                    click.echo(f"The database did not answer within {timeout:g} s ({attempt} tries): {reason}", err=True)
                    raise SystemExit(1) from None
                click.echo(f"Waiting for the database (try {attempt}): {reason}", err=True)
                time.sleep(1)
                continue
            click.echo(f"The database answers (try {attempt}).")
            return

    @app.cli.command("seed-demo")
    def seed_demo_command():
        """Load demo data (a company, its admin, warehouses, catalogue, stock) unless already loaded."""
        created = seed_demo()
        click.echo("Demo data loaded." if created else "Demo data already present; nothing added.")
        click.echo(f"Demo admin: {DEMO_EMAIL} / {DEMO_PASSWORD}")

    @app.cli.command("purge-idempotency-keys")
    def purge_idempotency_keys_command():
        """Delete stored Idempotency-Key answers older than 24 hours (run it daily, e.g. from cron)."""
        click.echo(f"Deleted {purge_expired()} expired idempotency keys.")

    @app.cli.command("refresh-alert-thresholds")
    def refresh_alert_thresholds_command():
        """Recompute every level's stored alert threshold, one company per transaction (after a rolling
        upgrade from a release without them, whose replicas wrote levels without one)."""
        companies = db.session.scalars(sa.select(Company.id).order_by(Company.id)).all()
        for company_id in companies:
            with use_case():
                read_model.recount_thresholds(company_id)
        levels = db.session.scalar(sa.select(sa.func.count()).select_from(InventoryLevel))
        click.echo(f"Recomputed the alert thresholds of {levels} levels in {len(companies)} companies.")

    @app.cli.command("refresh-sales-totals")
    def refresh_sales_totals_command():
        """Recompute every level's sales totals and the running totals of its daily sales from the daily
        units, a thousand levels per transaction (after a rolling upgrade from a release without them,
        whose replicas recorded sales without keeping them)."""
        after = levels = 0
        while True:
            with use_case():
                level_ids = db.session.scalars(
                    sa.select(InventoryLevel.id).where(InventoryLevel.id > after).order_by(InventoryLevel.id).limit(1000)
                    .with_for_update()  # in id order, as every stock change locks levels
                ).all()
                if not level_ids:
                    break  # leaving the block commits, as at the end of every batch
                read_model.recount_sales(level_ids)
            after, levels = level_ids[-1], levels + len(level_ids)
        click.echo(f"Recomputed the sales totals of {levels} levels.")

    @app.cli.command("seed-scale")
    @click.option("--products", default=20_000, show_default=True, help="Products in the company.")
    @click.option("--warehouses", default=5, show_default=True, help="Warehouses; every product is stocked in each.")
    @click.option("--sale-lines", default=1_000_000, show_default=True, help="Sale rows in the ledger.")
    @click.option("--days", default=90, show_default=True, help="The sales are spread over this many past days.")
    @click.option("--email", default="scale@stockflow.local", show_default=True, help="The company admin's login.")
    @click.option("--password", default="stockflow-scale", show_default=True)
    @click.option("--seed", default=42, show_default=True, help="Random seed: the same options give the same data.")
    @click.option("--low-share", default=0.15, show_default=True, type=click.FloatRange(0, 1),
                  help="Share of levels that end low (1–60 units) or empty; about 2/3 of them then alert.")
    @click.option("--open-po-share", default=0.0, show_default=True, type=click.FloatRange(0, 1),
                  help="Share of levels with units on order: open purchase orders to their reorder supplier.")
    def seed_scale_command(products, warehouses, sale_lines, days, email, password, seed, low_share, open_po_share):
        """Create one large company (catalogue, levels, ledger, daily sales, open purchase orders) in bulk, for benchmarks."""
        started = time.monotonic()
        summary = seed_scale(email, password, products, warehouses, sale_lines, days, seed, low_share, open_po_share)
        click.echo(
            f"Company {summary.company_id} ({summary.email}): {summary.products} products, {summary.levels} levels, "
            f"{summary.sale_lines} sale lines, {summary.daily_sales_rows} daily sales rows, "
            f"{summary.purchase_orders} open purchase orders in {time.monotonic() - started:.1f} s."
        )
