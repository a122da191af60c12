"""Every model, imported in one place so that migrations and the mappers see them all."""

from app.auth.models import ApiToken, User  # noqa: F401
from app.bundles.models import BundleComponent  # noqa: F401
from app.companies.models import Company  # noqa: F401
from app.events.models import Event  # noqa: F401
from app.idempotency.models import IdempotencyKey  # noqa: F401
from app.inventory.models import DailySale, InventoryLevel, StockMovement  # noqa: F401
from app.notifications.models import EmailedEpisode, NotificationEmail, NotificationSettings  # noqa: F401
from app.orders.models import Order, OrderLine, OrderReservation  # noqa: F401
from app.products.models import Product, ProductType  # noqa: F401
from app.purchasing.models import PurchaseOrder, PurchaseOrderLine, Receipt, ReceiptLine  # noqa: F401
from app.suppliers.models import ProductSupplier, Supplier  # noqa: F401
from app.warehouses.models import Warehouse  # noqa: F401
from app.webhooks.models import WebhookDelivery, WebhookSubscription  # noqa: F401
