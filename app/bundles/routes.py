"""HTTP endpoints: /api/bundles."""

from flask.views import MethodView

from app.auth.models import Role
from app.auth.security import current_company_id
from app.bundles import service
from app.bundles.schemas import BundleCreateSchema, BundleListArgs, BundleSchema, ComponentsSchema
from app.blueprint import Blueprint
from app.common.pagination import page_of
from app.common.schemas import ErrorSchema
from app.common.transaction import retry_on_deadlock

blp = Blueprint(
    "bundles", __name__, url_prefix="/api/bundles",
    description="Kits made of other products; they hold no stock, their availability comes from their components",
)


@blp.route("")
class Bundles(MethodView):
    @blp.auth_required()
    @blp.arguments(BundleListArgs, location="query")
    @blp.response(200, page_of(BundleSchema))
    def get(self, args):
        """List bundles with their components and availability"""
        return service.list_bundles(current_company_id(), **args)

    @blp.auth_required(Role.manager)
    @retry_on_deadlock
    @blp.idempotent()
    @blp.arguments(BundleCreateSchema)
    @blp.response(201, BundleSchema)
    @blp.alt_response(409, schema=ErrorSchema, description="sku_taken")
    def post(self, data):
        """Create a bundle and its components in one transaction

        Components are active products of your company (bundles allowed), each listed once with a
        quantity ≥ 1. Bundles nest at most 10 levels deep (a bundle of plain products is level 1):
        deeper → 422 `bundle_too_deep`. Availability per warehouse = min over components of
        ⌊component available / quantity⌋, through nested bundles flattened to the stocked products one
        bundle takes (a product used on several paths counts once, its quantities added up, as a
        sale takes it: what is shown can be sold); 0 everywhere while any part
        (component or nested bundle) is archived, and such a bundle cannot be sold or ordered
        (409 `in_use`).
        """
        return service.create_bundle(current_company_id(), **data)


@blp.route("/<int:bundle_id>")
class BundleItem(MethodView):
    @blp.auth_required()
    @blp.response(200, BundleSchema)
    @blp.alt_response(404, schema=ErrorSchema, description="No such bundle in your company")
    def get(self, bundle_id):
        """One bundle"""
        return service.get_bundle(current_company_id(), bundle_id)


@blp.route("/<int:bundle_id>/components")
class BundleComponents(MethodView):
    @blp.auth_required(Role.manager)
    @retry_on_deadlock
    @blp.arguments(ComponentsSchema)
    @blp.response(200, BundleSchema)
    @blp.alt_response(404, schema=ErrorSchema, description="No such bundle in your company")
    def put(self, data, bundle_id):
        """Replace the bundle's components

        A cycle (also through other bundles) → 422 `bundle_cycle`; nesting this bundle, or any bundle
        containing it, deeper than 10 levels → 422 `bundle_too_deep`. Nothing changes on a refusal.
        """
        return service.replace_components(current_company_id(), bundle_id, data["components"])
