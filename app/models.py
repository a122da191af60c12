"""Every model, imported in one place so that migrations and the mappers see them all."""

from app.auth.models import ApiToken, User  # noqa: F401
from app.companies.models import Company  # noqa: F401
from app.warehouses.models import Warehouse  # noqa: F401
