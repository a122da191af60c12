"""Column groups several models share."""

import sqlalchemy as sa
import sqlalchemy.orm as so


class NamedInCompany:
    """A `name` unique within its company, compared case-insensitively on every database.

    The table adds `UniqueConstraint("company_id", "name_key")`.
    """

    name: so.Mapped[str] = so.mapped_column(sa.String(120))
    # The name case-folded: makes "Main" and "main" collide on SQLite as on MySQL.
    name_key: so.Mapped[str] = so.mapped_column(sa.String(120))

    def rename(self, name: str) -> None:
        self.name = name
        self.name_key = name.casefold()
