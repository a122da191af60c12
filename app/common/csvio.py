"""CSV in and out: reading an uploaded sheet into checked rows, and streaming a list as a sheet.

Reading (the import endpoints): the body, or the file of a multipart upload, is UTF-8 text (a
BOM is accepted) with a header row. Problems are named the way every import answers them:
`"<line>.<column>"`, line numbers of the file with the header on line 1, or `"<line>"` for a
whole line. The standard library's `csv` module does the parsing.

Writing (the exports): rows go out in chunks as they are read, so an export of millions of rows
holds one chunk in memory. Text cells that a spreadsheet would run as a formula get a leading `'`.
"""

import csv
import io
import itertools
import logging
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import date, datetime, timezone
from decimal import Decimal

from flask import Response, g, request, stream_with_context
from marshmallow import Schema, ValidationError, fields, validate

from app.common.jsonbody import request_body
from app.errors import PayloadTooLarge, ValidationFailed

log = logging.getLogger("stockflow.csv")
MAX_IMPORT_BYTES = 10 * 1024 * 1024
MAX_IMPORT_ROWS = 50_000
# Enough to fix a file by; the answer stays small however broken the file is.
MAX_PROBLEMS = 1_000
# What a spreadsheet would read as the start of a formula (OWASP's list: = + - @, tab, carriage return).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# Text written behind quotes to be read as text: `'=x` means `=x`, so `'=x` itself is written `''=x`.
_QUOTED_FORMULA = re.compile("'+[" + re.escape("".join(FORMULA_STARTS)) + "]")
CSV_MEDIA_TYPE = "text/csv"


class Sheet:
    """The rows of an uploaded CSV file: `rows` is [(line number, {column: cell})], empty cells left
    out; `errors` the problems found in its cells so far (formulas, lines of the wrong length), and
    `refused` the (line, column) of the cells they are about."""

    def __init__(self, columns: list[str], rows: list[tuple[int, dict[str, str]]], errors: dict, refused: set):
        self.columns, self.rows, self.errors, self.refused = columns, rows, errors, refused


class CellInteger(fields.Integer):
    """An integer written in a cell: ASCII digits with an optional sign ("12", "-3"); not "1.0",
    "1e3", "1_000" or other scripts' digits, all of which Python's int() would take."""

    PLAIN = re.compile(r"[+-]?[0-9]+\Z")
    default_error_messages = {"invalid": "Not a valid integer.", "too_large": "Out of range."}

    def _deserialize(self, value, attr, data, **kwargs):
        if not self.PLAIN.match(value):
            raise self.make_error("invalid")
        if len(value) > 40:
            raise self.make_error("too_large")
        return super()._deserialize(value, attr, data, **kwargs)


def read_sheet(required: tuple[str, ...], optional: tuple[str, ...] = (), ignored: tuple[str, ...] = ()) -> Sheet:
    """The uploaded CSV file, checked: UTF-8, a header naming every `required` column once and no
    column outside `required`, `optional` and `ignored` (whose cells are dropped), one cell per column
    on every line, at most MAX_IMPORT_ROWS rows, no formula cell (in any column, those dropped too). Cells are trimmed; a cell written
    as `'=…` (as the exports write text starting with a formula character) reads as `=…`, and `''=…`
    (text that itself starts with `'=`) as `'=…`.
    Problems of the file as a whole raise ValidationFailed keyed `"<line>"` or `"<line>.<column>"`
    (or PayloadTooLarge); those of its cells are kept in the sheet, for checked_rows to answer
    with the others."""
    # This request's body may be as large as an import may be (the others keep 1 MiB).
    request.max_content_length = MAX_IMPORT_BYTES
    text = _decoded(_uploaded_bytes())
    if not text.strip():
        raise ValidationFailed("The file is empty", {"1": [f"A header row is needed: {','.join(required)}."]})
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        header = [name.strip() for name in next(reader)]
        columns = _checked_header(header, required, optional, ignored)
        rows, errors, refused = [], {}, set()
        line = reader.line_num + 1
        for cells in reader:
            if any(cell.strip() for cell in cells):
                if len(rows) == MAX_IMPORT_ROWS:
                    raise PayloadTooLarge(f"The file has more than {MAX_IMPORT_ROWS:,} rows; split it")
                row = _row(line, header, cells, columns, errors, refused)
                if row is not None:
                    rows.append((line, row))
            line = reader.line_num + 1
    except csv.Error as error:
        raise ValidationFailed("The file is not valid CSV", {str(reader.line_num): [f"Not valid CSV: {error}."]}) from None
    return Sheet(header, rows, errors, refused)


def _uploaded_bytes() -> bytes:
    """The body, or the one file of a multipart/form-data upload (a form with a file field)."""
    if request.mimetype == "multipart/form-data":
        files = [upload for _, upload in request.files.items(multi=True)]
        if not files:
            raise ValidationFailed("No file in the upload", {"file": ["Attach the CSV file as a file field of the form (named file, say)."]})
        if len(files) > 1:
            raise ValidationFailed("More than one file in the upload", {"file": [f"Upload one sheet at a time, not {len(files)}."]})
        files[0].stream.seek(0)  # read again when a deadlock retry runs the request a second time
        return files[0].read()
    return request_body()


def _decoded(raw: bytes) -> str:
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        before = raw[:error.start]
        line = before.count(b"\n") + before.count(b"\r") - before.count(b"\r\n") + 1
        raise ValidationFailed("The file is not UTF-8 text", {str(line): ["Not valid UTF-8: save the file as CSV UTF-8."]}) from None


def _checked_header(header: list[str], required, optional, ignored) -> dict[int, str]:
    """Position → column of the cells kept; refuses missing, unknown and repeated columns."""
    known = set(required) | set(optional)
    if len(header) == 1 and (separator := next((s for s in ";\t|" if s in header[0]), None)):
        raise ValidationFailed("Columns must be separated by commas", {"1": [
            f"The header seems to separate its columns with {separator!r}; separate them with commas."]})
    most = len(known) + len(ignored)
    if len(header) > most:
        raise ValidationFailed("The header row has too many columns", {"1": [f"{len(header):,} columns; there are at most {most}."]})
    errors = {}
    for name in required:
        if name not in header:
            errors[f"1.{name}"] = ["Missing column."]
    for position, name in enumerate(header):
        if name not in known and name not in ignored:
            errors[f"1.{name or position + 1}"] = [f"Unknown column; the columns are {', '.join((*required, *optional))}."]
        elif header.index(name) != position:
            errors[f"1.{name}"] = ["The column appears twice."]
    if errors:
        raise ValidationFailed("The header row has problems: see errors", errors)
    return {position: name for position, name in enumerate(header) if name in known}


def _row(line: int, header: list[str], cells: list[str], columns: dict[int, str], errors: dict, refused: set) -> dict | None:
    if len(cells) != len(header):
        _problem(errors, str(line), f"{len(cells)} cells where the header has {len(header)} columns.")
        return None
    row = {}
    # Every cell, those of the columns read past included: a formula cell is refused wherever it is.
    for position, (name, cell) in enumerate(zip(header, cells)):
        cell = cell.strip()
        if not cell:
            continue
        if cell.startswith(FORMULA_STARTS) and not _is_number(cell):
            _problem(errors, f"{line}.{name}", "Starts like a spreadsheet formula; write it as '" + cell[:1] + "… to mean the text.")
            refused.add((line, name))
            continue
        if position not in columns:
            continue
        if _QUOTED_FORMULA.match(cell):
            cell = cell[1:]
        row[name] = cell
    return row


_NUMBER = re.compile(r"[+-][0-9]+(?:\.[0-9]+)?\Z")


def _is_number(cell: str) -> bool:
    return bool(_NUMBER.match(cell))


def _problem(errors: dict, key: str, message: str) -> None:
    if len(errors) < MAX_PROBLEMS:
        errors.setdefault(key, []).append(message)


def checked_rows(sheet: Sheet, schema: Schema) -> tuple[list[tuple[int, dict]], dict]:
    """Each row loaded through `schema` (its cells are strings): the rows that pass, with their line,
    and every problem of the sheet keyed `"<line>.<column>"` (read_sheet's and the schema's)."""
    rows, errors = [], dict(sheet.errors)
    for line, cells in sheet.rows:
        refused = tuple(column for column in sheet.columns if (line, column) in sheet.refused)
        try:
            row = schema.load(cells, partial=refused)
        except ValidationError as error:
            for column, messages in error.messages.items():
                for message in messages if isinstance(messages, list) else [str(messages)]:
                    _problem(errors, f"{line}.{column}", message)
            continue
        if not refused:
            rows.append((line, row))
    return rows, errors


def problem(errors: dict, line: int, column: str | None, message: str) -> None:
    """Note a problem of the file, keyed as read_sheet keys them (at most MAX_PROBLEMS kept)."""
    _problem(errors, f"{line}.{column}" if column else str(line), message)


# Writing


def wants_csv(chosen: str | None) -> bool:
    """Whether the client asked for CSV: `format=csv` (ExportArgs), or no format and an Accept header
    preferring text/csv to JSON."""
    if chosen is not None:
        return chosen == "csv"
    return request.accept_mimetypes.best_match(["application/json", CSV_MEDIA_TYPE]) == CSV_MEDIA_TYPE


class ExportArgs(Schema):
    """The query argument of a list that also answers CSV (Blueprint.exports_csv)."""

    format = fields.String(validate=validate.OneOf(["json", "csv"]), metadata={"description": (
        "`csv` (or no `format` and the header `Accept: text/csv`) answers every matching row, not one page, "
        "as a streamed `text/csv` attachment with a header row; the paging arguments are then ignored. "
        "Text cells starting with `=`, `+`, `-`, `@`, a tab or a carriage return get a leading `'` so that "
        "a spreadsheet shows them as text, and so does text already starting with `'` before one of those "
        "(`'=x` is written `''=x`), so that an exported sheet imports back unchanged; numbers stay numbers.")})


class ImportArgs(Schema):
    """The query argument of a CSV import."""

    dry_run = fields.Boolean(load_default=False, metadata={"description": "true: check the file and answer what it would do, writing nothing"})


def cell(value) -> str | int | float | Decimal:
    """A value as a CSV cell: numbers as they are, times in ISO 8601 UTC, booleans as true/false,
    None empty, and text that a spreadsheet would run as a formula behind a `'`. (Called for every
    cell of millions of rows: the common types are tested first, by identity.)"""
    kind = type(value)
    if kind is int or kind is Decimal or kind is float:
        return value
    if value is None:
        return ""
    if kind is str:
        return "'" + value if value.startswith(FORMULA_STARTS) or value[:1] == "'" and _QUOTED_FORMULA.match(value) else value
    if kind is bool:
        return "true" if value else "false"
    if kind is datetime:  # naive ones are UTC, as the database keeps them
        if value.tzinfo is not None:
            value = value.astimezone(timezone.utc).replace(tzinfo=None)
        return value.isoformat(timespec="seconds") + "Z"
    if kind is date:
        return value.isoformat()
    return cell(str(value))


def keep_alive() -> None:
    """Tell the server this worker is alive while it streams. gunicorn.conf.py makes it the worker's
    heartbeat: a synchronous worker silent for GUNICORN_TIMEOUT is restarted, and an export of
    millions of rows streams for longer than that."""


def in_order(rows: Iterable[Mapping], header: list[str]) -> list[list]:
    """Rows given as mappings, as the sequences of their values in the header's order (a missing
    column is empty)."""
    return [[row.get(column) for column in header] for row in rows]


def csv_response(name: str, header: list[str], chunks: Iterable[Iterable[Sequence]]) -> Response:
    """A streamed `text/csv` attachment `<name>.csv`: the header, then each chunk of rows (sequences
    of values in the header's order) as it comes.
    The first chunk is read before the answer starts, so that a failure there (the database gone)
    is still answered with its status; the others while the response is sent, in the request's
    context."""
    chunks = iter(chunks)
    first = next(chunks, [])

    def lines() -> Iterator[str]:
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\r\n")
        writer.writerow(header)
        try:
            for chunk in itertools.chain([first], chunks):
                writer.writerows([cell(value) for value in row] for row in chunk)
                yield buffer.getvalue()
                buffer.seek(0)
                buffer.truncate()
                keep_alive()
        except Exception:
            # The status is sent: the client sees the download end early (the chunked answer has
            # no last chunk), and the log says why.
            log.exception("CSV export %s.csv failed after it started", name, extra={"request_id": g.get("request_id")})
            raise
        yield buffer.getvalue()

    response = Response(stream_with_context(lines()), mimetype=CSV_MEDIA_TYPE)
    response.headers["Content-Disposition"] = f'attachment; filename="{name}.csv"'
    response.headers["Cache-Control"] = "no-store"
    return response


# A sheet's body that cannot be read (app/common/wsgi_input.py): how the imports document it.
UNREADABLE = "bad_request: the body could not be read (a malformed chunked encoding, or fewer bytes than its Content-Length)"
IMPORT_BODY = {
    "required": True,
    "description": "The CSV file (UTF-8, header row, a BOM accepted) as the body, or as the file of a multipart/form-data upload; at most 10 MiB and 50,000 rows",
    "content": {CSV_MEDIA_TYPE: {"schema": {"type": "string"}}, "multipart/form-data": {
        "schema": {"type": "object", "properties": {"file": {"type": "string", "format": "binary"}}}}},
}
