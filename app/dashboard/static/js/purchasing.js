// Replenishment (what to order, from whom), draft purchase orders made from it, and a purchase
// order's life: place, receive (in part), close or cancel.
import { all, api, get, integerOrText, newKey } from "./api.js";
import { date, dash, dateTime, flatten, h, message, money, num, render, select, showErrors, table } from "./dom.js";
import { can, companyId, navigate, noticeForNext } from "./main.js";

const PER_PAGE = 50;
const STATUSES = ["draft", "ordered", "partially_received", "received", "closed", "cancelled"];

export async function replenishmentScreen(main, notice) {
  const status = new URLSearchParams(location.hash.split("?")[1] || "").get("status") || "";
  const [suggestions, orders, names] = await Promise.all([
    get(`/api/companies/${companyId()}/replenishment`),
    newestOrders(status),
    lookups(),
  ]);
  const key = newKey();
  const outcome = h("div", { id: "draft-outcome" });
  const create = can("manager") && suggestions.suppliers.length
    ? h("button", { type: "button", id: "create-drafts", onclick: createDrafts }, "Create draft purchase orders")
    : null;
  render(main,
    h("h1", {}, "Replenishment"),
    notice ? message("ok", notice) : null,
    h("section", { class: "card", id: "suggestions" },
      h("h2", {}, "Suggested orders"),
      h("p", { class: "muted" }, `Sales over ${suggestions.days} days, cover for ${suggestions.cover_days} days.`),
      suggestions.suppliers.length ? suggestions.suppliers.map(group) : message("ok", "Nothing needs ordering."),
      create, outcome),
    h("section", { class: "card", id: "purchase-orders" },
      h("h2", {}, "Purchase orders"),
      h("form", { class: "filters", onchange: (e) => { location.hash = `#/replenishment${e.target.value ? `?status=${e.target.value}` : ""}`; } },
        select("status", "Status", STATUSES.map((s) => [s, s.replace("_", " ")]), status)),
      orders.items.length ? orderTable(orders.items, names) : message("ok", "No purchase orders."),
      orders.total > orders.items.length ? h("p", { class: "muted" }, `The newest ${orders.items.length} of ${orders.total}.`) : null));

  async function createDrafts(event) {
    event.target.disabled = true;
    try {
      const result = await api("POST", `/api/companies/${companyId()}/replenishment/purchase-orders`, {}, { idempotencyKey: key });
      const skipped = result.skipped.length ? ` ${result.skipped.length} line(s) skipped (no supplier or no unit cost).` : "";
      noticeForNext(`${result.purchase_orders.length} draft purchase order(s) created.${skipped}`);
      navigate("#/replenishment");
    } catch (error) {
      render(outcome, message("error", error.message));
      event.target.disabled = false;
    }
  }
}

// The API lists purchase orders oldest first: the newest are on its last page.
async function newestOrders(status) {
  const { total } = await get("/api/purchase-orders", { status, per_page: 1 });
  const orders = await get("/api/purchase-orders", { status, per_page: PER_PAGE, page: Math.max(1, Math.ceil(total / PER_PAGE)) });
  return { ...orders, items: orders.items.reverse() };
}

async function lookups() {
  const [suppliers, warehouses] = await Promise.all([all("/api/suppliers"), all("/api/warehouses")]);
  return {
    supplier: (id) => suppliers.find((s) => s.id === id)?.name ?? `supplier ${id}`,
    warehouse: (id) => warehouses.find((w) => w.id === id)?.name ?? `warehouse ${id}`,
  };
}

function group({ supplier, lines, total }) {
  return h("div", { class: "group" },
    h("h3", {}, supplier ? supplier.name : "No supplier", supplier?.contact_email ? h("span", { class: "muted" }, ` · ${supplier.contact_email}`) : null),
    table([
      ["Product", (l) => [h("span", { class: "name" }, l.product_name), h("span", { class: "sku" }, l.sku)]],
      ["Warehouse", (l) => l.warehouse_name],
      ["Available", (l) => num(l.current_stock), "n"],
      ["Incoming", (l) => num(l.incoming), "n"],
      ["Threshold", (l) => num(l.threshold), "n"],
      ["Lead time (days)", (l) => num(l.lead_time_days), "n"],
      ["Quantity", (l) => num(l.quantity), "n"],
      ["Unit cost", (l) => money(l.unit_cost), "n"],
      ["Line total", (l) => money(l.line_total), "n"],
    ], lines),
    h("p", { class: "total" }, `Total: ${money(total)}`));
}

function orderTable(orders, names) {
  return table([
    ["PO", (po) => h("a", { href: `#/purchase-orders/${po.id}` }, `PO ${po.id}`)],
    ["Status", (po) => h("span", { class: `status ${po.status}` }, po.status.replace("_", " "))],
    ["Supplier", (po) => names.supplier(po.supplier_id)],
    ["Warehouse", (po) => names.warehouse(po.warehouse_id)],
    ["Lines", (po) => num(po.lines.length), "n"],
    ["Total", (po) => money(po.total), "n"],
    ["Expected", (po) => date(po.expected_at)],
  ], orders, (po) => ({ dataset: { purchaseOrderId: po.id } }));
}

export async function purchaseOrderScreen(main, id, notice) {
  const [po, names] = await Promise.all([get(`/api/purchase-orders/${id}`), lookups()]);
  const open = po.status === "ordered" || po.status === "partially_received";
  const key = newKey();
  const outcome = h("div", { class: "form-message", id: "po-outcome" });
  const actions = h("div", { class: "actions" },
    po.status === "draft" && can("manager") ? button("place-order", "Place order", () => setStatus("ordered")) : null,
    open && can("manager") ? button("close-order", "Close (stop waiting for the rest)", () => setStatus("closed")) : null,
    (po.status === "draft" || (po.status === "ordered" && po.lines.every((l) => l.received_quantity === 0))) && can("manager")
      ? button("cancel-order", "Cancel", () => setStatus("cancelled"), "secondary") : null);
  render(main,
    h("p", {}, h("a", { href: "#/replenishment" }, "← Replenishment")),
    h("h1", {}, `Purchase order ${po.id} `, h("span", { class: `status ${po.status}`, id: "po-status" }, po.status.replace("_", " "))),
    notice ? message("ok", notice) : null,
    h("dl", { class: "facts" },
      h("dt", {}, "Supplier"), h("dd", {}, names.supplier(po.supplier_id)),
      h("dt", {}, "Deliver to"), h("dd", {}, names.warehouse(po.warehouse_id)),
      h("dt", {}, "Ordered"), h("dd", {}, dateTime(po.ordered_at)),
      h("dt", {}, "Expected"), h("dd", {}, date(po.expected_at)),
      h("dt", {}, "Reference"), h("dd", {}, po.reference || dash),
      h("dt", {}, "Total"), h("dd", {}, money(po.total))),
    open && can("staff") ? receiveForm(po, key) : h("section", { class: "card" }, h("h2", {}, "Lines"), linesTable(po.lines)),
    actions, outcome);

  async function setStatus(status) {
    try {
      await api("PATCH", `/api/purchase-orders/${po.id}/status`, { status }, { idempotencyKey: key });
      noticeForNext(`Purchase order ${po.id}: ${status}.`);
      navigate(`#/purchase-orders/${po.id}`);
    } catch (error) {
      render(outcome, message("error", error.message));
    }
  }
}

function button(id, text, onclick, kind) {
  return h("button", { type: "button", id, class: kind, onclick: (e) => { e.target.disabled = true; onclick().finally(() => { e.target.disabled = false; }); } }, text);
}

function linesTable(lines, quantityCell) {
  return table([
    ["Product", (l) => l.sku],
    ["Ordered", (l) => num(l.quantity), "n"],
    ["Received", (l) => num(l.received_quantity), "n"],
    ["Unit cost", (l) => money(l.unit_cost), "n"],
    ["Line total", (l) => money(l.line_total), "n"],
    ...(quantityCell ? [["Receive now", quantityCell]] : []),
  ], lines, (l) => ({ dataset: { lineId: l.id } }));
}

function receiveForm(po, key) {
  const form = h("form", { id: "receive-form", class: "card", onsubmit: submit, novalidate: true },
    h("h2", {}, "Lines — receive what arrived"),
    linesTable(po.lines, (l, i = po.lines.indexOf(l)) => [
      h("input", { name: `lines.${i}.quantity`, inputmode: "numeric", value: String(l.quantity - l.received_quantity), "aria-label": `Receive ${l.sku}`, size: 6 }),
      h("span", { class: "field-error", dataset: { errorFor: `lines.${i}.quantity` } })]),
    h("div", { class: "form-message" }),
    h("button", { type: "submit", id: "receive" }, "Receive"));

  async function submit(event) {
    event.preventDefault();
    const sent = po.lines
      .map((l, i) => ({ i, line_id: l.id, text: form.elements[`lines.${i}.quantity`].value.trim() }))
      .filter((l) => l.text !== "" && l.text !== "0");
    const lines = sent.map((l) => ({ line_id: l.line_id, quantity: integerOrText(l.text) }));
    try {
      await api("POST", `/api/purchase-orders/${po.id}/receipts`, { lines }, { idempotencyKey: key });
      noticeForNext("Receipt recorded.");
      navigate(`#/purchase-orders/${po.id}`);
    } catch (error) {
      // The API names lines by their place in what was sent; the form by their place in the PO.
      error.errors = Object.fromEntries(flatten(error.errors).map(([name, text]) =>
        [name.replace(/^lines\.(\d+)/, (whole, j) => (sent[j] ? `lines.${sent[j].i}` : whole)), text]));
      showErrors(form, error);
    }
  }
  return form;
}
