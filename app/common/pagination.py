"""Page arguments and the {items, page, per_page, total} envelope of every list."""

from functools import cache

from marshmallow import Schema, fields, validate

from app.common.fields import QueryInteger
from app.extensions import db

MAX_PER_PAGE = 200
# Past this page the row offset, (page - 1) × per_page, no longer fits the database's 64-bit integer.
MAX_PAGE = (2**63 - 1) // MAX_PER_PAGE


class PageArgs(Schema):
    page = QueryInteger(
        load_default=1, validate=validate.Range(min=1, max=MAX_PAGE), metadata={"description": "1-based page number"}
    )
    per_page = QueryInteger(
        load_default=50,
        validate=validate.Range(min=1, max=MAX_PER_PAGE),
        metadata={"description": f"Items per page, 1–{MAX_PER_PAGE}"},
    )


@cache
def page_of(item_schema: type[Schema]) -> type[Schema]:
    """The list envelope schema for one item schema."""
    name = item_schema.__name__.removesuffix("Schema") + "Page"
    return Schema.from_dict(
        {
            "items": fields.List(fields.Nested(item_schema), required=True),
            "page": fields.Integer(required=True),
            "per_page": fields.Integer(required=True),
            "total": fields.Integer(required=True, metadata={"description": "Items matching, over all pages"}),
        },
        name=name,
    )


def paginate(statement, page: int, per_page: int) -> dict:
    """Run a select for one page; Flask-SQLAlchemy does the offset and count."""
    result = db.paginate(statement, page=page, per_page=per_page, max_per_page=MAX_PER_PAGE, error_out=False, count=True)
    return {"items": result.items, "page": page, "per_page": per_page, "total": result.total}


def cursor_page(statement, id_column, limit: int, cursor: int | None = None) -> dict:
    """One page of a list newest first by id, after the `cursor` id if given: {items, next_cursor}.
    Rows added while a client pages only ever appear before its first page."""
    if cursor is not None:
        statement = statement.where(id_column < cursor)
    rows = db.session.scalars(statement.order_by(id_column.desc()).limit(limit + 1)).all()
    return {"items": rows[:limit], "next_cursor": rows[limit - 1].id if len(rows) > limit else None}


EXPORT_CHUNK = 5_000


def in_chunks(statement, id_column, *, key=lambda item: item.id, scalars: bool = False, descending: bool = False,
              size: int | None = None):
    """Every row of a select (its objects with `scalars`), a chunk of `size` at a time in id order,
    `key` reading an item's id: one query per chunk, starting where the last one ended, so neither
    the process nor the database holds more than a chunk however many rows match."""
    size = size or EXPORT_CHUNK
    last = None
    while True:
        chunk = statement if last is None else statement.where(id_column < last if descending else id_column > last)
        result = db.session.execute(chunk.order_by(id_column.desc() if descending else id_column).limit(size))
        rows = result.scalars().all() if scalars else result.all()
        if rows:
            yield rows
        if len(rows) < size:
            return
        last = key(rows[-1])
