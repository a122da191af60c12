"""The demo data command."""

from app.commands import DEMO_EMAIL, DEMO_PASSWORD


def test_seed_demo_loads_a_company_an_admin_and_two_warehouses(runner, client):
    result = runner.invoke(args=["seed-demo"])
    assert result.exit_code == 0
    assert f"{DEMO_EMAIL} / {DEMO_PASSWORD}" in result.output
    token = client.post("/api/auth/token", json={"email": DEMO_EMAIL, "password": DEMO_PASSWORD}).json["token"]
    warehouses = client.get("/api/warehouses", headers={"Authorization": f"Bearer {token}"}).json
    assert [w["name"] for w in warehouses["items"]] == ["Main Warehouse", "East Depot"]


def test_seed_demo_twice_adds_nothing_the_second_time(runner, client):
    runner.invoke(args=["seed-demo"])
    again = runner.invoke(args=["seed-demo"])
    assert again.exit_code == 0
    assert "already present" in again.output
    token = client.post("/api/auth/token", json={"email": DEMO_EMAIL, "password": DEMO_PASSWORD}).json["token"]
    assert client.get("/api/warehouses", headers={"Authorization": f"Bearer {token}"}).json["total"] == 2
