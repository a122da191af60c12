// Low stock: the alerts as GET /api/companies/{id}/alerts/low-stock ranks them, its filters and pages.
import { all, get } from "./api.js";
import { date, dash, h, message, num, render, select, table } from "./dom.js";
import { companyId } from "./main.js";

const PER_PAGE = 50;
const FILTERS = ["warehouse_id", "product_type_id", "supplier_id", "needs_reorder"];

function queryOf(hash) {
  return new URLSearchParams(hash.split("?")[1] || "");
}

export async function alertsScreen(main, notice) {
  const query = queryOf(location.hash);
  const page = Math.max(1, Number(query.get("page")) || 1);
  const filters = Object.fromEntries(FILTERS.map((name) => [name, query.get(name) || ""]));

  const form = h("form", { id: "alert-filters", class: "filters", onsubmit: apply },
    h("span", { class: "slot", dataset: { slot: "warehouse_id" } }),
    h("span", { class: "slot", dataset: { slot: "product_type_id" } }),
    h("span", { class: "slot", dataset: { slot: "supplier_id" } }),
    h("label", { class: "check" }, h("input", { type: "checkbox", name: "needs_reorder", checked: filters.needs_reorder === "true" }), "Needs reorder"),
    h("button", { type: "submit" }, "Apply"));
  const summary = h("p", { id: "alert-counts", class: "counts" }, "Loading alerts…");
  const results = h("div", { id: "alerts" });
  render(main, h("h1", {}, "Low stock"), notice ? message("ok", notice) : null, form, summary, results);

  // The alerts first; the filters' choices fill in as they arrive.
  fillChoices(form, filters);
  const data = await get(`/api/companies/${companyId()}/alerts/low-stock`, { ...filters, page, per_page: PER_PAGE });
  const pages = Math.max(1, Math.ceil(data.total_alerts / PER_PAGE));
  render(summary,
    h("strong", { id: "total-alerts" }, num(data.total_alerts)), " alerts · ",
    h("strong", { id: "total-stockouts" }, num(data.total_stockouts)), " out of stock · ",
    `sales over the last ${data.days} days`);
  render(results,
    data.alerts.length ? alertTable(data.alerts) : message("ok", data.total_alerts ? "No alerts on this page." : "Nothing is running low."),
    pager(page, pages, query));

  function apply(event) {
    event.preventDefault();
    const params = new URLSearchParams();
    for (const name of FILTERS) {
      const input = form.elements[name];
      // A list whose choices have not arrived yet keeps the filter it had.
      const value = !input ? filters[name] : input.type === "checkbox" ? (input.checked ? "true" : "") : input.value;
      if (value) params.set(name, value);
    }
    location.hash = `#/alerts${params.toString() ? `?${params}` : ""}`;
  }
}

async function fillChoices(form, filters) {
  const lists = [
    ["warehouse_id", "Warehouse", "/api/warehouses"],
    ["product_type_id", "Product type", "/api/product-types"],
    ["supplier_id", "Supplier", "/api/suppliers"],
  ];
  await Promise.all(lists.map(async ([name, label, path]) => {
    const items = await all(path).catch(() => []);
    const slot = form.querySelector(`[data-slot="${name}"]`);
    if (slot) render(slot, select(name, label, items.map((item) => [item.id, item.name]), filters[name]));
  }));
}

function alertTable(alerts) {
  return table([
    ["Product", (a) => h("a", { href: `#/levels/${a.level_id}` }, h("span", { class: "name" }, a.product_name), h("span", { class: "sku" }, a.sku))],
    ["Warehouse", (a) => a.warehouse_name],
    ["Available", (a) => num(a.current_stock), "n"],
    ["Threshold", (a) => num(a.threshold), "n"],
    ["Days left", (a) => num(a.days_until_stockout), "n"],
    ["Sold / day", (a) => a.avg_daily_sales, "n"],
    ["Incoming", (a) => num(a.incoming), "n"],
    ["Expected", (a) => date(a.next_expected_at)],
    ["Suggested order", (a) => num(a.suggested_reorder_quantity), "n"],
    ["Supplier", (a) => (a.supplier ? a.supplier.name : dash)],
  ], alerts, (a) => ({ class: a.current_stock <= 0 ? "out" : null, dataset: { levelId: a.level_id } }));
}

function pager(page, pages, query) {
  const link = (target, text) => {
    const params = new URLSearchParams(query);
    params.set("page", target);
    return h("a", { href: `#/alerts?${params}`, rel: target < page ? "prev" : "next" }, text);
  };
  return h("nav", { class: "pager", "aria-label": "Pages" },
    page > 1 ? link(page - 1, "← Previous") : null,
    h("span", {}, `Page ${page} of ${pages}`),
    page < pages ? link(page + 1, "Next →") : null);
}
