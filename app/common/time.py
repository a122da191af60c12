"""The one clock: naive UTC datetimes in the database, 'Z' timestamps on the wire."""

import datetime as dt


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc).replace(tzinfo=None, microsecond=0)
