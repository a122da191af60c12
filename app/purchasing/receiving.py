"""Receiving a delivery against a purchase order: receive movements in the ledger, all or nothing."""

import sqlalchemy.orm as so

from app import metrics
from app.common.pagination import paginate
from app.common.tenancy import get_owned, scoped
from app.common.time import utcnow
from app.common.transaction import use_case
from app.errors import InvalidTransition, OverReceipt, ValidationFailed, about
from app.extensions import db
from app.inventory import ledger
from app.purchasing import domain
from app.purchasing.models import PurchaseOrder, Receipt, ReceiptLine
from app.purchasing.schemas import ReceiptSchema
from app.purchasing.service import announced, get_purchase_order, levels_for


def receive(company_id: int, user_id: int | None, order_id: int, data: dict) -> dict:
    """Record a delivery: each line a `receive` movement carrying the order's id, the lines' received
    quantities, the levels' stock and incoming, and the order's status, in one transaction.

    The order's row is locked first, so two receipts for one line take turns: the second sees what
    the first received, and neither can pass the ordered quantity.
    """
    with use_case():
        order = get_purchase_order(company_id, order_id, for_update=True)
        if not domain.takes_receipts(order.status):
            raise InvalidTransition(f"Purchase order {order_id} is {order.status}: only an ordered or partially "
                                    "received order takes receipts", {"status": [f"{order.status} takes no receipts"]})
        received = _received_lines(order, data["lines"])
        levels = levels_for(company_id, order.warehouse_id, [line.product_id for line, _ in received])
        refs = {"purchase_order_id": order.id, "user_id": user_id, "occurred_at": data.get("occurred_at") or utcnow(),
                "reference": data.get("reference") or order.reference}
        receipt = Receipt(company_id=company_id, purchase_order_id=order.id, occurred_at=refs["occurred_at"],
                          reference=data.get("reference"), user_id=user_id)
        db.session.add(receipt)
        db.session.flush()
        movements = []
        for index, (line, quantity) in enumerate(received):
            level = levels[line.product_id]
            level.stop_expecting(quantity)
            with about(f"lines.{index}"):  # on hand past its limit
                level.receive(quantity)
            line.received_quantity += quantity
            movements.append(ledger.append(level, "receive", quantity, **refs))
            db.session.add(ReceiptLine(receipt_id=receipt.id, company_id=company_id, line_id=line.id,
                                       product_id=line.product_id, quantity=quantity))
        order.status = "received" if all(not line.remaining for line in order.lines) else "partially_received"
        order.updated_at = utcnow()
        metrics.count_on_commit(metrics.STOCK_MOVEMENTS, "receive")
        db.session.flush()
        order = announced(company_id, order_id, "purchase_order.receipt_created", receipt=ReceiptSchema().dump(receipt))
        if order.status == "received":
            announced(company_id, order_id, "purchase_order.received")
    return {"receipt": receipt, "purchase_order": order, "movements": movements}


def list_receipts(company_id: int, order_id: int, page: int, per_page: int) -> dict:
    get_owned(PurchaseOrder, company_id, order_id)
    statement = scoped(Receipt, company_id).where(Receipt.purchase_order_id == order_id).order_by(Receipt.id)
    return paginate(statement.options(so.selectinload(Receipt.lines)), page, per_page)


def _received_lines(order: PurchaseOrder, items: list[dict]) -> list[tuple]:
    """(order line, quantity) for each item of the body; a line not of this order, or twice → 422; a
    quantity past what remains of its line → 409 over_receipt naming every such item."""
    lines = {line.id: line for line in order.lines}
    errors, seen = {}, set()
    for index, item in enumerate(items):
        if item["line_id"] not in lines:
            errors[f"lines.{index}.line_id"] = [f"line {item['line_id']} is not a line of purchase order {order.id}"]
        elif item["line_id"] in seen:
            errors[f"lines.{index}.line_id"] = [f"line {item['line_id']} appears twice"]
        seen.add(item["line_id"])
    if errors:
        raise ValidationFailed(errors=errors)
    over = {
        f"lines.{index}.quantity": [f"{lines[item['line_id']].remaining} of line {item['line_id']} remain to be received"]
        for index, item in enumerate(items) if item["quantity"] > lines[item["line_id"]].remaining
    }
    if over:
        raise OverReceipt("A receipt cannot receive more than was ordered", over)
    return [(lines[item["line_id"]], item["quantity"]) for item in items]
