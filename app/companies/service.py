"""Company use cases: read and change the caller's own company."""

from app.companies.models import Company
from app.errors import NotFound
from app.extensions import db
from app.alerts import read_model
from app.common.transaction import use_case


def get_company(caller_company_id: int, company_id: int) -> Company:
    """The caller's company; any other id is answered as if it did not exist."""
    company = db.session.get(Company, company_id) if company_id == caller_company_id else None
    if company is None:
        raise NotFound(f"Company {company_id} does not exist")
    return company


def update_company(caller_company_id: int, company_id: int, changes: dict) -> Company:
    changes = {**changes.pop("settings", {}), **changes}
    with use_case():
        get_company(caller_company_id, company_id)  # any other company: 404 before anything is locked
        with read_model.company_thresholds_changed(company_id, when="default_low_stock_threshold" in changes):
            # Locked after its levels, and read once locked (see tenancy.get_owned).
            company = db.session.get(Company, company_id, with_for_update=True, populate_existing=True)
            for field, value in changes.items():
                setattr(company, field, value)
            db.session.flush()
    return company
