"""Long lists cut into chunks: a statement naming thousands of values goes out a chunk at a time,
within what SQLite takes (32,766 parameters) and what MySQL's optimizer plans quickly."""

from collections.abc import Iterator, Sequence

CHUNK = 1_000


def chunks(items: Sequence, size: int = CHUNK) -> Iterator[Sequence]:
    return (items[start:start + size] for start in range(0, len(items), size))
