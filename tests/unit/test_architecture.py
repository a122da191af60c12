"""The layout's rules, read from the source: who may import whom, and who ends a transaction."""

import ast
from pathlib import Path

import pytest

APP = Path(__file__).resolve().parents[2] / "app"
SLICES = {"alerts", "auth", "bundles", "companies", "idempotency", "inventory", "orders", "products", "suppliers",
          "warehouses"}


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
