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
        company = get_company(caller_company_id, company_id)
        with read_model.company_thresholds_changed(company_id, when="default_low_stock_threshold" in changes):
            for field, value in changes.items():
                setattr(company, field, value)
            db.session.flush()
    return company
