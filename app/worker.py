"""Celery, bound to the Flask app: background work runs in its own processes, each task in an app
context. `flask worker` and `flask scheduler` (app/commands.py) start them on BROKER_URL."""

from pathlib import Path

from celery import Celery, Task
from flask import Flask


def init_celery(app: Flask) -> Celery:
    class AppTask(Task):
        def __call__(self, *args, **kwargs):
            with app.app_context():
                return self.run(*args, **kwargs)

    celery = Celery(app.import_name, task_cls=AppTask)
    celery.conf.update(
        broker_url=app.config["BROKER_URL"],
        task_ignore_result=True,
        # A task is acknowledged once done, one at a time per worker: a worker that dies mid-task
        # leaves it to the broker (Redis redelivers it) and to the sweep.
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        broker_connection_retry_on_startup=True,
        # A request enqueues right after its commit; a broker that is down must not hold it up:
        # one quick try, and the sweep enqueues what it missed.
        task_publish_retry=False,
        broker_connection_timeout=2,
        broker_transport_options=_transport_options(app.config),
        beat_schedule={
            "sweep": {"task": "webhooks.sweep", "schedule": float(app.config["WEBHOOK_SWEEP_SECONDS"])},
            "notifications": {"task": "notifications.sweep",
                              "schedule": float(app.config["NOTIFICATION_SWEEP_SECONDS"])},
        },
        worker_hijack_root_logger=False,
    )
    celery.set_default()
    app.extensions["celery"] = celery
    return celery


def _transport_options(config) -> dict:
    """Redis: give up on an unreachable broker within seconds (the sweep enqueues what it missed).
    The embedded broker: messages are files in BROKER_FOLDER, shared by every local process."""
    broker_url = config["BROKER_URL"]
    if broker_url.startswith(("redis://", "rediss://")):
        return {"socket_connect_timeout": 2, "socket_timeout": 5, "max_retries": 0}
    if broker_url.startswith("filesystem://"):
        folder = Path(config["BROKER_FOLDER"])
        for sub in ("queue", "processed", "control"):
            (folder / sub).mkdir(parents=True, exist_ok=True)
        return {"data_folder_in": str(folder / "queue"), "data_folder_out": str(folder / "queue"),
                "processed_folder": str(folder / "processed"), "control_folder": str(folder / "control"),
                "store_processed": False}
    return {}
