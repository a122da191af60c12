"""HTTP endpoints: /api/companies/{id}."""

from flask.views import MethodView

from app.auth.models import Role
from app.auth.security import current_company_id
from app.blueprint import Blueprint
from app.common.schemas import ErrorSchema
from app.common.transaction import retry_on_deadlock
from app.companies import service
from app.companies.schemas import CompanySchema, CompanyUpdateSchema

blp = Blueprint("companies", __name__, url_prefix="/api/companies", description="Your company and its settings")


@blp.route("/<int:company_id>")
class CompanyItem(MethodView):
    @blp.auth_required()
    @blp.response(200, CompanySchema)
    @blp.alt_response(404, schema=ErrorSchema, description="Not your company")
    def get(self, company_id):
        """Your company and its settings"""
        return service.get_company(current_company_id(), company_id)

    @blp.auth_required(Role.admin)
    @retry_on_deadlock
    @blp.arguments(CompanyUpdateSchema)
    @blp.response(200, CompanySchema)
    @blp.alt_response(404, schema=ErrorSchema, description="Not your company")
    def patch(self, data, company_id):
        """Rename the company or change its alert settings"""
        return service.update_company(current_company_id(), company_id, data)
