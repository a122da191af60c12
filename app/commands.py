"""Flask CLI commands: demo data."""

import click
import sqlalchemy as sa
from flask import Flask

from app.auth import service as auth_service
from app.auth.models import User
from app.extensions import db
from app.warehouses import service as warehouse_service

DEMO_EMAIL = "admin@demo.stockflow.local"
DEMO_PASSWORD = "stockflow-demo"


def seed_demo() -> bool:
    """Load the demo company once; False when it is already there."""
    if db.session.scalar(sa.select(User.id).where(User.email == DEMO_EMAIL)) is not None:
        return False
    company, _user, _token, _api_token = auth_service.register("Demo Trading Co.", DEMO_EMAIL, DEMO_PASSWORD, "Demo Admin")
    warehouse_service.create_warehouse(company.id, "Main Warehouse", "1 Harbour Road, Springfield")
    warehouse_service.create_warehouse(company.id, "East Depot", "42 Industrial Way, Shelbyville")
    return True


def register_commands(app: Flask) -> None:
    @app.cli.command("seed-demo")
    def seed_demo_command():
        """Load demo data (a company, its admin, two warehouses) unless already loaded."""
        created = seed_demo()
        click.echo("Demo data loaded." if created else "Demo data already present; nothing added.")
        click.echo(f"Demo admin: {DEMO_EMAIL} / {DEMO_PASSWORD}")
