"""Engine settings per database: MySQL pool hygiene, SQLite WAL and write locks at BEGIN."""

import sqlite3

from sqlalchemy import event
from sqlalchemy.engine import Engine, make_url


def engine_options(config) -> dict:
    url = make_url(config["SQLALCHEMY_DATABASE_URI"])
    if url.get_backend_name() == "mysql":
        return {
            "pool_pre_ping": True,
            "pool_recycle": config["DB_POOL_RECYCLE"],
            "pool_size": config["DB_POOL_SIZE"],
            "max_overflow": config["DB_POOL_SIZE"],
            "pool_timeout": config["DB_CONNECT_TIMEOUT"],
            # Row locks on what is read for update, no gap locks: fewer deadlocks under load.
            "isolation_level": "READ COMMITTED",
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


@event.listens_for(Engine, "begin")
def _begin_immediate(connection):
    # Take SQLite's write lock when the transaction starts, so two writers queue up instead of
    # one failing with "database is locked" when it upgrades from a read lock.
    if connection.dialect.name == "sqlite":
        connection.exec_driver_sql("BEGIN IMMEDIATE")
