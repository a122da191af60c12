"""Docker Compose and the image, read against what the README and the tests run."""

import gc
import re
import runpy
from pathlib import Path

import yaml

from app.common import csvio

ROOT = Path(__file__).resolve().parents[2]


def _compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def _dockerfile() -> str:
    return (ROOT / "Dockerfile").read_text()


def test_compose_runs_mysql_84_with_a_volume_and_a_healthcheck():
    db = _compose()["services"]["db"]
    assert db["image"] == "mysql:8.4"
    assert any(volume.endswith(":/var/lib/mysql") for volume in db["volumes"])
    assert "mysql-data" in _compose()["volumes"]
    assert "mysqladmin ping" in " ".join(db["healthcheck"]["test"])


def test_compose_runs_redis_for_the_rate_limiter():
    services = _compose()["services"]
    assert services["redis"]["image"].startswith("redis:")
    assert services["app"]["environment"]["RATELIMIT_STORAGE_URI"] == "redis://redis:6379/0"


def test_the_app_points_at_the_db_service_and_waits_for_it():
    app = _compose()["services"]["app"]
    assert re.match(r"mysql\+pymysql://[^@]+@db:3306/stockflow", app["environment"]["DATABASE_URL"])
    assert app["environment"]["STOCKFLOW_ENV"] == "production"
    assert app["depends_on"]["db"]["condition"] == "service_healthy"
    assert app["depends_on"]["redis"]["condition"] == "service_healthy"
    assert app["ports"] == ["5000:5000"]
    assert app["healthcheck"]["test"] == ["CMD", "python", "deploy/healthcheck.py"]


def test_the_app_migrates_before_serving_with_the_image_command():
    command = " ".join(_compose()["services"]["app"]["command"])
    assert command.index("flask wait-for-db") < command.index("flask db upgrade") < command.index("gunicorn wsgi:app")


def test_every_compose_variable_of_the_app_is_listed_in_env_example():
    listed = {line.split("=", 1)[0] for line in (ROOT / ".env.example").read_text().splitlines() if "=" in line and not line.startswith("#")}
    assert set(_compose()["services"]["app"]["environment"]) <= listed


def test_the_image_runs_gunicorn_as_a_non_root_user_with_a_healthcheck():
    dockerfile = _dockerfile()
    assert re.search(r"^FROM python:3\.\d+-slim", dockerfile, re.M)
    assert re.search(r"^USER stockflow", dockerfile, re.M)
    # The check asks /health/ready on the address BIND names (deploy/healthcheck.py).
    assert re.search(r'^  CMD \["python", "deploy/healthcheck.py"\]', dockerfile, re.M)
    assert re.search(r'^CMD \["gunicorn", "wsgi:app"\]', dockerfile, re.M)


def test_the_image_command_is_the_one_the_readme_documents():
    cmd = re.search(r"^CMD \[(.*)\]", _dockerfile(), re.M).group(1)
    command = " ".join(part.strip().strip('"') for part in cmd.split(","))
    assert f"`{command}`" in (ROOT / "README.md").read_text()


def test_the_image_installs_the_pinned_requirements():
    assert "pip install -r requirements.txt" in _dockerfile()


def test_gunicorn_freezes_the_loaded_app_out_of_the_garbage_collector(monkeypatch, tmp_path):
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(tmp_path))  # else reading the file makes one
    settings = runpy.run_path(str(ROOT / "gunicorn.conf.py"))
    frozen = []
    monkeypatch.setattr(gc, "freeze", lambda: frozen.append(True))
    monkeypatch.setattr(csvio, "keep_alive", csvio.keep_alive)  # restored after the test

    class Worker:
        def notify(self):
            pass

    worker = Worker()
    settings["post_worker_init"](worker=worker)
    assert frozen == [True]
    # A CSV export's chunks are the worker's heartbeat.
    assert csvio.keep_alive == worker.notify


def test_compose_runs_a_worker_and_a_scheduler_on_redis_with_the_apps_environment():
    services = _compose()["services"]
    assert services["worker"]["command"] == ["flask", "worker"]
    assert services["scheduler"]["command"] == ["flask", "scheduler"]
    for name in ("worker", "scheduler"):
        assert services[name]["environment"] == services["app"]["environment"]
    assert services["app"]["environment"]["BROKER_URL"].startswith("redis://redis:6379/")


def test_the_healthcheck_asks_the_address_gunicorn_binds():
    healthcheck = runpy.run_path(str(ROOT / "deploy" / "healthcheck.py"))
    ready_url = healthcheck["ready_url"]
    assert ready_url("0.0.0.0:5000") == "http://127.0.0.1:5000/health/ready"
    assert ready_url("0.0.0.0:8080") == "http://127.0.0.1:8080/health/ready"
    assert ready_url("10.0.0.5:9000") == "http://10.0.0.5:9000/health/ready"
    assert ready_url("[::]:7000") == "http://[::1]:7000/health/ready"
    assert ready_url(":6000") == "http://127.0.0.1:6000/health/ready"
