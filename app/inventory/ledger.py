"""Ledger primitives: lock levels in one fixed order, create missing ones, append the rows that say why.

The levels' own rules (InventoryLevel.take, receive, …) change the stock; this module only locks
and creates levels and writes ledger rows. Every function works inside the caller's transaction
and never commits.
"""

import collections
import functools
from collections.abc import Iterable

import sqlalchemy as sa
import sqlalchemy.orm as so

from app.alerts.read_model import level_threshold
from app.common.chunks import CHUNK, chunks
from app.common.time import utcnow
from app.common.transaction import current_unit
from app.common.upsert import upsert
from app.extensions import db
from app.inventory.models import InventoryLevel, StockMovement
from app.products.models import Product

LevelKey = tuple[int, int]  # (product_id, warehouse_id)


# Keys or ids per statement (app/common/chunks.py).
LOCK_CHUNK = CHUNK


def lock_levels(company_id: int, keys: Iterable[LevelKey]) -> dict[LevelKey, InventoryLevel]:
    """Lock the existing levels for these keys with SELECT … FOR UPDATE in ascending id order — the one
    order every writer uses, so two writers never wait on each other in a circle. Several keys are
    first resolved to ids (a read that locks nothing), then locked by primary key, a chunk of ids at
    a time, in that order: a locking read through another index would lock that index's entries in
    its own order (MySQL locks as it reads, before it sorts) and could deadlock with a writer
    locking the same levels by id (read_model._changing). A level another request is creating at
    that moment is not among them: a caller that creates missing levels (create_levels) waits for
    that request at its insert, then finds and locks the level."""
    keys = sorted(set(keys))
    if not keys:
        return {}
    if len(keys) == 1:
        (product_id, warehouse_id), = keys
        levels = _locked(_LOCK_ONE, company_id=company_id, product_id=product_id, warehouse_id=warehouse_id)
    else:
        ids = sorted(_level_ids(company_id, keys))
        levels = [level for chunk in chunks(ids, LOCK_CHUNK) for level in _locked(_LOCK_BY_ID, ids=chunk)]
    _watch(levels)
    return {(level.product_id, level.warehouse_id): level for level in levels}


def _level_ids(company_id: int, keys: list[LevelKey]) -> list[int]:
    """The ids of the existing levels of these keys, read without locks: by key, or, for more keys
    than one statement takes (a stock-take), by their products."""
    if len(keys) <= LOCK_CHUNK:
        return db.session.scalars(_IDS_BY_KEY, {"company_id": company_id, "keys": keys}).all()
    wanted = set(keys)
    return [
        level_id
        for chunk in chunks(sorted({product_id for product_id, _ in keys}), LOCK_CHUNK)
        for level_id, product_id, warehouse_id in db.session.execute(
            sa.select(InventoryLevel.id, InventoryLevel.product_id, InventoryLevel.warehouse_id)
            .where(InventoryLevel.company_id == company_id, InventoryLevel.product_id.in_(chunk)))
        if (product_id, warehouse_id) in wanted
    ]


def _locking(where):
    return (sa.select(InventoryLevel).where(where).order_by(InventoryLevel.id).with_for_update()
            .execution_options(populate_existing=True))


# Built once: every movement locks its levels, and building a statement costs more than running it.
_OWNED = InventoryLevel.company_id == sa.bindparam("company_id")
_LOCK_ONE = _locking(sa.and_(_OWNED, InventoryLevel.product_id == sa.bindparam("product_id"),
                             InventoryLevel.warehouse_id == sa.bindparam("warehouse_id")))
_IDS_BY_KEY = sa.select(InventoryLevel.id).where(
    _OWNED, sa.tuple_(InventoryLevel.product_id, InventoryLevel.warehouse_id).in_(sa.bindparam("keys", expanding=True)))
_LOCK_BY_ID = _locking(InventoryLevel.id.in_(sa.bindparam("ids", expanding=True)))


def _locked(statement, **params) -> list[InventoryLevel]:
    return db.session.scalars(statement, params).all()


def _product_column(column):
    return sa.select(column).where(Product.id == InventoryLevel.product_id).scalar_subquery().label(column.key)


# The level and, read but not locked (a scalar subquery of a locking read takes no lock on MySQL
# 8.0.22+ and MariaDB), its product's state and SKU, and the level's effective threshold. The
# subqueries read after the lock is granted: a threshold changed meanwhile (under the level's lock)
# is the one read.
_LOCK_ONE_WITH_PRODUCT = _LOCK_ONE.add_columns(
    InventoryLevel.product_id.label("id"), *map(_product_column, (Product.is_active, Product.is_bundle, Product.sku)),
    level_threshold().label("threshold"))


def lock_level_with_product(company_id: int, product_id: int, warehouse_id: int) -> sa.Row | None:
    """lock_levels for one key that also reads the level's product, in one statement: a row of the
    level (`InventoryLevel`, given its `sku` and effective `threshold` as inventory.service.describe
    does) and its product's `id`, `is_active` and `is_bundle` — or None when the company has no such
    level."""
    row = db.session.execute(_LOCK_ONE_WITH_PRODUCT, {
        "company_id": company_id, "product_id": product_id, "warehouse_id": warehouse_id}).first()
    if row is not None:
        row.InventoryLevel.sku, row.InventoryLevel.threshold = row.sku, row.threshold
        _watch([row.InventoryLevel])
    return row


def _watch(levels, *, created: bool = False) -> None:
    """Tell the use case the levels it holds, as they are now (or that it created them): the stock
    episodes are decided from their state before and after it."""
    unit = current_unit()
    if unit is not None:
        unit.watch_levels(levels, created=created)


def create_levels(company_id: int, keys: Iterable[LevelKey]) -> dict[LevelKey, InventoryLevel]:
    """Create these levels (the caller checked their warehouses are the company's) and lock them.

    One insert (a thousand levels each) that skips levels a concurrent request created first. No savepoint: when MySQL
    picks this insert as a deadlock victim it rolls back the whole transaction (savepoints too),
    and the error must reach the retry as the deadlock it is. New levels get higher ids than every
    existing one, so locking them after the existing ones keeps the ascending order. The caller
    (movements.created_levels) tells the alert read model.
    """
    keys = sorted(set(keys))
    rows = [
        {"company_id": company_id, "product_id": product_id, "warehouse_id": warehouse_id,
         "on_hand": 0, "reserved": 0, "updated_at": utcnow()}
        for product_id, warehouse_id in keys
    ]
    for chunk in chunks(rows, LOCK_CHUNK):
        upsert(InventoryLevel.__table__, chunk)
    levels = lock_levels(company_id, keys)
    _watch(levels.values(), created=True)
    return levels


# What a movement changes on its level, and the alert threshold of a level it created
# (read_model.levels_created).
WRITTEN_COLUMNS = frozenset({"on_hand", "reserved", "units_sold", "last_sold_on", "alert_threshold"})


def write_levels(levels: Iterable[InventoryLevel]) -> None:
    """Write what changed on many locked levels with one UPDATE per set of changed columns and 512
    levels (`SET on_hand = CASE WHEN id = …`) rather than one per level, as the session's flush
    would; the levels are then up to date with the database. A batch of 40,000 counts saves 40,000
    round trips this way."""
    now = utcnow()
    by_columns = collections.defaultdict(list)
    for level in levels:
        # An attribute changed since it was loaded or written keeps its old value in committed_state.
        columns = WRITTEN_COLUMNS & sa.inspect(level).committed_state.keys()
        if columns:
            by_columns[tuple(sorted(columns))].append(level)
    for columns, changed in sorted(by_columns.items()):
        for chunk in chunks(changed, WRITE_CHUNK):
            # Padded with its last level to a power of two: few statements are ever built and compiled.
            size = 1 << (len(chunk) - 1).bit_length()
            statement, names = _levels_update(columns, size)
            params = {"now": now}
            for level, (id_name, *value_names) in zip(chunk + chunk[-1:] * (size - len(chunk)), names):
                params[id_name] = level.id
                params.update((name, getattr(level, column)) for name, column in zip(value_names, columns))
            db.session.connection().execute(statement, params)
            _written(chunk, columns, now)


WRITE_CHUNK = 512


# A statement for 512 levels takes about a megabyte per column and a few tenths of a second to build
# and compile: the few shapes in use are kept.
@functools.lru_cache(maxsize=32)
def _levels_update(columns: tuple[str, ...], size: int) -> tuple[sa.Update, list[tuple[str, ...]]]:
    """The UPDATE setting these columns of `size` levels, each named by the bound parameters `id_<i>`
    and `<column>_<i>`: the statement, and each level's parameter names."""
    table = InventoryLevel.__table__
    names = [(f"id_{i}", *(f"{column}_{i}" for column in columns)) for i in range(size)]
    ids = [sa.bindparam(level_names[0], type_=table.c.id.type) for level_names in names]

    def value(i: int, n: int):
        return sa.bindparam(names[i][1 + n], type_=table.c[columns[n]].type)

    values = {column: value(0, n) if size == 1 else sa.case(*((table.c.id == ids[i], value(i, n)) for i in range(size)))
              for n, column in enumerate(columns)}
    statement = sa.update(table).where(table.c.id.in_(ids)).values(
        {**values, "updated_at": sa.bindparam("now", type_=table.c.updated_at.type)})
    return statement, names


def _written(levels, columns, now) -> None:
    """The levels' values are now the database's: not changes to flush again."""
    for level in levels:
        for column in columns:
            so.attributes.set_committed_value(level, column, getattr(level, column))
        so.attributes.set_committed_value(level, "updated_at", now)
        state = sa.inspect(level)
        if not state.committed_state and state.session is not None:
            # Nothing else of it changed: no longer a dirty object that the session's next flush
            # (every commit) would look over, only to find nothing to write.
            state._commit_all(state.dict, state.session.identity_map)


def append(level: InventoryLevel, type: str, change: int, **refs) -> StockMovement:
    """Write the ledger row recording a change the level has just made (its on_hand is after it),
    with the session's next flush."""
    movement = StockMovement(**_values(level, type, change, refs))
    db.session.add(movement)
    return movement


def entry(level: InventoryLevel, type: str, change: int, **refs) -> StockMovement:
    """The ledger row recording a change the level has just made, not yet written: see insert.

    Never added to the session, so its values go straight into its dict, a tenth of the cost of
    the mapped constructor's instrumented attribute sets (a stock-take makes tens of thousands)."""
    movement = _NEW_MOVEMENT()
    vars(movement).update(_values(level, type, change, refs))
    return movement


_NEW_MOVEMENT = so.attributes.manager_of_class(StockMovement).new_instance


def _values(level: InventoryLevel, type: str, change: int, refs: dict) -> dict:
    return {"company_id": level.company_id, "product_id": level.product_id, "warehouse_id": level.warehouse_id,
            "type": type, "quantity_change": change, "on_hand_after": level.on_hand, **refs}


_ROW_COLUMNS = tuple(column.name for column in StockMovement.__table__.columns if column.name != "id")
_NULLABLE = frozenset(column.name for column in StockMovement.__table__.columns if column.nullable and column.default is None)


def insert(rows: list[StockMovement]) -> None:
    """Write these ledger rows (from entry) in order, outside the session's unit of work: one
    multi-row INSERT where the database answers the new ids (SQLite, MariaDB, PostgreSQL), else one
    INSERT per row (MySQL 8 has no RETURNING). The rows get their ids and created_at."""
    if not rows:
        return
    now = utcnow()
    # The rows' own dicts, as entry filled them (never in the session: nothing tracks their changes).
    # An attribute never set (no transfer, no order…) is None; a column no row sets is left out,
    # to its default (NULL): fewer values to send.
    states = [vars(row) for row in rows]
    for state in states:
        state["created_at"] = now
        state["occurred_at"] = state.get("occurred_at") or now
    columns = [column for column in _ROW_COLUMNS
               if column not in _NULLABLE or any(state.get(column) is not None for state in states)]
    params = [{column: state.get(column) for column in columns} for state in states]
    connection, table = db.session.connection(), StockMovement.__table__
    if len(rows) > 1 and connection.dialect.insert_executemany_returning_sort_by_parameter_order:
        ids = connection.execute(_INSERT.returning(table.c.id, sort_by_parameter_order=True), params).scalars().all()
    else:
        ids = [connection.execute(_INSERT, values).inserted_primary_key[0] for values in params]
    for state, row_id in zip(states, ids, strict=True):
        state["id"] = row_id


_INSERT = sa.insert(StockMovement.__table__)
