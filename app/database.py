"""Engine settings per database: MySQL pool hygiene and timeouts, SQLite WAL and write locks at BEGIN."""

import os
import sqlite3
import tempfile
import weakref

from flask import has_request_context
from sqlalchemy import event
from sqlalchemy.engine import Engine, make_url

from app.common.filters import fold


def file_instead_of_memory(app) -> None:
    """Give an in-memory SQLite URL (`sqlite://`) a temporary file instead, removed with the app.

    An in-memory database lives in one connection, which Flask-SQLAlchemy shares between threads:
    two requests at once would run their transactions on it interleaved (SQLite refuses the second
    BEGIN, and what one rolls back the other loses). A file gives each request its own connection,
    and SQLite's locks, as a configured database file does.
    """
    url = make_url(app.config["SQLALCHEMY_DATABASE_URI"])
    if url.get_backend_name() != "sqlite" or url.database not in (None, "", ":memory:"):
        return
    handle, path = tempfile.mkstemp(prefix="stockflow-", suffix=".sqlite")
    os.close(handle)
    app.config["SQLALCHEMY_DATABASE_URI"] = url.set(database=path).render_as_string(hide_password=False)
    weakref.finalize(app, _remove_database_files, path)


def _remove_database_files(path: str) -> None:
    for name in (path, path + "-wal", path + "-shm"):
        try:
            os.remove(name)
        except FileNotFoundError:
            pass


def engine_options(config) -> dict:
    url = make_url(config["SQLALCHEMY_DATABASE_URI"])
    if url.get_backend_name() == "mysql":
        return {
            "pool_pre_ping": True,
            # A connection comes back with its transaction committed or rolled back by the session
            # (which rolls back whatever it did not commit): no ROLLBACK round trip at each return.
            "pool_reset_on_return": None,
            "pool_recycle": config["DB_POOL_RECYCLE"],
            "pool_size": config["DB_POOL_SIZE"],
            "max_overflow": config["DB_POOL_SIZE"],
            "pool_timeout": config["DB_CONNECT_TIMEOUT"],
            # Row locks on what is read for update, no gap locks: fewer deadlocks under load.
            "isolation_level": "READ COMMITTED",
            # Read and write timeouts: see bound_waits.
            "connect_args": {"charset": "utf8mb4", "connect_timeout": config["DB_CONNECT_TIMEOUT"]},
        }
    if url.get_backend_name() == "sqlite":
        return {"connect_args": {"timeout": 30, "check_same_thread": False}}
    return {}


@event.listens_for(Engine, "connect")
def _configure_sqlite(dbapi_connection, _record):
    if not isinstance(dbapi_connection, sqlite3.Connection):
        return
    # Let SQLAlchemy's "begin" event below issue BEGIN instead of the driver's lazy one.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()
    # Searches compare folded text (app/common/filters.py), as MySQL's collation does.
    dbapi_connection.create_function("stockflow_fold", 1, fold, deterministic=True)


@event.listens_for(Engine, "begin")
def _begin_immediate(connection):
    # Take SQLite's write lock when the transaction starts, so two writers queue up instead of
    # one failing with "database is locked" when it upgrades from a read lock.
    if connection.dialect.name == "sqlite":
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def configure_engines(app) -> None:
    """Per-engine settings that engine options cannot express."""
    from app.extensions import db

    with app.app_context():
        for engine in db.engines.values():
            bound_waits(engine, app.config["DB_CONNECT_TIMEOUT"], app.config["DB_QUERY_TIMEOUT"])


def bound_waits(engine: Engine, connect_timeout: int, query_timeout: int) -> None:
    """Never wait on an unanswering MySQL server longer than the configured timeouts.

    PyMySQL's connect_timeout only covers the TCP connect: a server that accepts connections but
    never answers (a hung host, a network partition, a dead proxy) would hold the handshake, the
    pool's pre-ping and every query forever, until gunicorn kills the worker. So the handshake and
    the pre-ping wait at most `connect_timeout`, and within an HTTP request a query waits at most
    `query_timeout` (0: no limit); the error then answers 503. Outside requests (migrations, CLI
    commands) a query may take as long as it needs.
    """
    if engine.dialect.driver != "pymysql":
        return

    @event.listens_for(engine, "do_connect")
    def _on_connect(_dialect, _record, _cargs, cparams):
        cparams.setdefault("read_timeout", connect_timeout)
        cparams.setdefault("write_timeout", connect_timeout)

    @event.listens_for(engine, "checkout")
    def _on_checkout(dbapi_connection, _record, _proxy):
        _set_socket_timeouts(dbapi_connection, (query_timeout or None) if has_request_context() else None)

    @event.listens_for(engine, "checkin")
    def _on_checkin(dbapi_connection, _record):
        # Back to the short timeout, for the pre-ping at the next checkout.
        if dbapi_connection is not None:
            _set_socket_timeouts(dbapi_connection, connect_timeout)


def _set_socket_timeouts(dbapi_connection, seconds: float | None) -> None:
    # PyMySQL has no public setter; it applies these before each socket read and write
    # (pinned PyMySQL; tests/e2e/test_database_outage.py proves the effect).
    dbapi_connection._read_timeout = seconds
    dbapi_connection._write_timeout = seconds
