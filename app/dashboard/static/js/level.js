// A level: its figures, 90 days of sales on a chart, its recent ledger rows, and a movement form.
import { all, api, get, integerOrText, newKey } from "./api.js";
import { dateTime, dash, field, h, message, num, render, select, showErrors, table } from "./dom.js";
import { can, navigate, noticeForNext } from "./main.js";

const DAYS = 90;
const TYPES = ["receive", "sale", "return", "remove", "adjust", "count", "transfer"];

export async function levelScreen(main, levelId, notice) {
  const level = await get(`/api/inventory/${levelId}`);
  const [product, warehouses, sales, ledger] = await Promise.all([
    get(`/api/products/${level.product_id}`),
    all("/api/warehouses"),
    get(`/api/inventory/${levelId}/sales`, { days: DAYS }),
    get("/api/inventory/movements", { product_id: level.product_id, warehouse_id: level.warehouse_id, limit: 20 }),
  ]);
  const warehouse = warehouses.find((w) => w.id === level.warehouse_id);
  const units = sales.series.reduce((sum, day) => sum + day.units, 0);
  const average = units / sales.days;

  const chart = h("div", { id: "sales-chart", class: "chart", role: "img", "aria-label": `Units sold per day over the last ${sales.days} days` });
  render(main,
    h("p", {}, h("a", { href: "#/alerts" }, "← Low stock")),
    h("h1", {}, h("span", { class: "name", id: "level-title" }, product.name), " ", h("span", { class: "sku" }, product.sku), " at ", warehouse ? warehouse.name : `warehouse ${level.warehouse_id}`),
    notice ? message("ok", notice) : null,
    h("dl", { class: "figures", id: "level-figures" },
      figure("On hand", level.on_hand, "on_hand"),
      figure("Reserved", level.reserved, "reserved"),
      figure("Available", level.available, "available"),
      figure("Incoming", level.incoming, "incoming"),
      figure("Threshold", level.threshold, "threshold")),
    h("section", { class: "card" },
      h("h2", {}, `Sales, last ${sales.days} days`),
      chart,
      h("p", { id: "sales-summary" }, `${num(units)} sold · average ${average.toFixed(2)} per day · projected stock-out: `,
        h("strong", { id: "stockout-date" }, projectedStockOut(level.available, average)))),
    can("staff") ? movementForm(level, warehouses) : null,
    h("section", { class: "card" }, h("h2", {}, "Recent movements"), ledgerTable(ledger.items)));
  drawChart(chart, sales.series, average);
}

function figure(label, value, key) {
  return h("div", { dataset: { figure: key } }, h("dt", {}, label), h("dd", {}, num(value)));
}

// Today plus available ÷ the window's average daily sales; shown with the chart, it is the chart's reading.
function projectedStockOut(available, average) {
  if (available <= 0) return "out of stock now";
  if (average <= 0) return "no sales in the window";
  const days = Math.floor(available / average);
  if (days > 3650) return "more than 10 years away";
  const day = new Date();
  day.setUTCDate(day.getUTCDate() + days);
  return day.toISOString().slice(0, 10);
}

function drawChart(el, series, average) {
  if (!window.uPlot) return render(el, message("error", "The chart library did not load."));
  const xs = series.map((day) => Date.parse(`${day.day}T00:00:00Z`) / 1000);
  const width = Math.max(280, el.clientWidth || 600);
  const bars = window.uPlot.paths.bars({ size: [0.8, 12] });
  const plot = new window.uPlot({
    width, height: 220,
    scales: { x: { time: true } },
    series: [
      {},
      { label: "Units sold", stroke: "#2f6fde", fill: "rgba(47,111,222,0.35)", paths: bars, points: { show: false } },
      { label: "Average", stroke: "#d9822b", width: 2, dash: [6, 4], points: { show: false } },
    ],
  }, [xs, series.map((day) => day.units), series.map(() => Number(average.toFixed(2)))], el);
  new ResizeObserver(() => plot.setSize({ width: Math.max(280, el.clientWidth), height: 220 })).observe(el);
}

function ledgerTable(rows) {
  if (!rows.length) return message("ok", "No movements yet.");
  return table([
    ["When", (r) => dateTime(r.occurred_at)],
    ["Type", (r) => r.type],
    ["Change", (r) => (r.quantity_change > 0 ? `+${r.quantity_change}` : String(r.quantity_change)), "n"],
    ["On hand after", (r) => num(r.on_hand_after), "n"],
    ["Reason", (r) => r.reason || dash],
    ["Reference", (r) => r.reference || dash],
  ], rows, (r) => ({ dataset: { movementId: r.id } }));
}

function movementForm(level, warehouses) {
  const others = warehouses.filter((w) => w.id !== level.warehouse_id).map((w) => [w.id, w.name]);
  const form = h("form", { id: "movement-form", class: "card", onsubmit: submit, novalidate: true },
    h("h2", {}, "Record a movement"),
    h("div", { class: "grid" },
      field("Type", h("select", { name: "type" }, TYPES.map((t) => h("option", { value: t }, t)))),
      field("Quantity", h("input", { name: "quantity", inputmode: "numeric", autocomplete: "off" })),
      h("span", { class: "field only-transfer" }, select("to_warehouse_id", "To warehouse", others, "", "Choose…"),
        h("span", { class: "field-error", dataset: { errorFor: "to_warehouse_id" } })),
      field("Expected on hand (optional)", h("input", { name: "expected_on_hand", inputmode: "numeric", class: "only-count" })),
      field("Reason", h("input", { name: "reason", maxlength: 255 })),
      field("Reference", h("input", { name: "reference", maxlength: 255 }))),
    h("div", { class: "form-message" }),
    h("button", { type: "submit" }, "Record"));
  const key = newKey();
  const typeChanged = () => { form.dataset.type = form.elements.type.value; };
  form.elements.type.addEventListener("change", typeChanged);
  typeChanged();

  async function submit(event) {
    event.preventDefault();
    const values = Object.fromEntries(new FormData(form));
    // The API checks every value; the form sends what was typed, integers as numbers.
    const body = { type: values.type, product_id: level.product_id, warehouse_id: level.warehouse_id, quantity: integerOrText(values.quantity) };
    if (values.type === "transfer") body.to_warehouse_id = values.to_warehouse_id ? Number(values.to_warehouse_id) : null;
    if (values.type === "count" && values.expected_on_hand.trim() !== "") body.expected_on_hand = integerOrText(values.expected_on_hand);
    for (const name of ["reason", "reference"]) if (values[name].trim() !== "") body[name] = values[name];
    const button = form.querySelector("button[type=submit]");
    button.disabled = true;
    try {
      await api("POST", "/api/inventory/movements", body, { idempotencyKey: key });
      noticeForNext(`Recorded: ${values.type} of ${values.quantity}.`);
      navigate(`#/levels/${level.id}`);
    } catch (error) {
      // 409 insufficient_stock names `available`: show it by the quantity.
      if (error.errors?.available && !error.errors.quantity) error.errors.quantity = error.errors.available, delete error.errors.available;
      showErrors(form, error);
      button.disabled = false;
    }
  }
  return form;
}
