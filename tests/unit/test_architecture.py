"""The layout's rules, read from the source: who may import whom, and who ends a transaction."""

import ast
from pathlib import Path

import pytest

from app.common.transaction import retry_on_deadlock

APP = Path(__file__).resolve().parents[2] / "app"
SLICES = {"alerts", "auth", "bundles", "companies", "events", "idempotency", "inventory", "orders", "products", "suppliers",
          "warehouses", "purchasing", "webhooks"}


def imported_modules(path: Path) -> set[str]:
    modules = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module:
            modules.add(node.module)
            modules.update(f"{node.module}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Import):
            modules.update(alias.name for alias in node.names)
    return modules


def ground_floor() -> list[Path]:
    return sorted((APP / "common").glob("*.py")) + [APP / "extensions.py", APP / "errors.py", APP / "database.py"]


@pytest.mark.parametrize("path", ground_floor(), ids=lambda path: str(path.relative_to(APP)))
def test_the_ground_floor_imports_no_resource_slice(path):
    slices = {module for module in imported_modules(path) if module.split(".")[:2][-1] in SLICES and module.startswith("app.")}
    assert slices == set()


def test_only_the_unit_of_work_commits():
    committing = [str(path.relative_to(APP)) for path in APP.rglob("*.py") if "session.commit(" in path.read_text()]
    assert committing == ["common/transaction.py"]


def test_the_ledger_imports_no_use_case_module():
    assert not {module for module in imported_modules(APP / "inventory" / "ledger.py") if module.endswith("service")}


def test_orders_use_the_stock_rules_and_the_ledger_of_the_inventory_slice_only():
    inventory = {module for module in imported_modules(APP / "orders" / "service.py") if module.startswith("app.inventory")}
    assert inventory <= {"app.inventory", "app.inventory.domain", "app.inventory.ledger"}


WRITES = {"POST", "PUT", "PATCH", "DELETE"}


def write_views() -> dict[str, object]:
    """'METHOD /rule' → the view function of every write the app routes (a MethodView's method)."""
    from app import create_app
    from config import TestConfig

    app = create_app(TestConfig, SQLALCHEMY_DATABASE_URI="sqlite://")
    views = {}
    for rule in app.url_map.iter_rules():
        view = app.view_functions[rule.endpoint]
        for method in sorted(rule.methods & WRITES):
            views[f"{method} {rule.rule}"] = getattr(view.view_class, method.lower()) if hasattr(view, "view_class") else view
    return views


def wrapped_chain(func):
    """The function and each one it wraps, following functools.wraps's __wrapped__."""
    while func is not None:
        yield func
        func = getattr(func, "__wrapped__", None)


def test_every_write_view_retries_deadlock_victims():
    """@retry_on_deadlock is on every POST, PUT, PATCH and DELETE view, at any depth of its decorators."""
    retrying = retry_on_deadlock(lambda: None).__code__  # the code of the wrapper it puts on every view
    views = write_views()
    assert "POST /api/orders" in views
    unprotected = [name for name, func in views.items()
                   if not any(getattr(f, "__code__", None) is retrying for f in wrapped_chain(func))]
    assert unprotected == []


def test_the_dashboard_is_a_client_of_the_api_and_reads_no_data_itself():
    modules = set().union(*(imported_modules(path) for path in (APP / "dashboard").glob("*.py")))
    outside = {module for module in modules if module.startswith("app.") and not module.startswith("app.dashboard")}
    assert outside <= {"app.errors", "app.errors.Unavailable"}
    assert not {module for module in modules if module.split(".")[0] in {"sqlalchemy", "flask_sqlalchemy"}}
