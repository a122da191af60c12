// Webhooks (admins): the subscriptions, each one's deliveries, and a test ping.
import { api, get } from "./api.js";
import { dash, dateTime, h, message, num, render, table } from "./dom.js";
import { navigate, noticeForNext } from "./main.js";

export async function webhooksScreen(main, notice) {
  const subscriptions = await get("/api/webhooks", { per_page: 200 });
  render(main,
    h("h1", {}, "Webhooks"),
    notice ? message("ok", notice) : null,
    subscriptions.items.length
      ? table([
        ["URL", (s) => h("a", { href: `#/webhooks/${s.id}` }, s.url)],
        ["Events", (s) => s.events.join(", ")],
        ["Active", (s) => (s.is_active ? "yes" : `no${s.disabled_reason ? ` (${s.disabled_reason})` : ""}`)],
        ["Description", (s) => s.description || dash],
      ], subscriptions.items, (s) => ({ dataset: { webhookId: s.id } }))
      : message("ok", "No subscriptions. Create them with POST /api/webhooks (see API docs)."));
}

export async function webhookScreen(main, id, notice) {
  const [subscription, deliveries] = await Promise.all([
    get(`/api/webhooks/${id}`),
    get(`/api/webhooks/${id}/deliveries`, { limit: 50 }),
  ]);
  const outcome = h("div", { id: "ping-outcome" });
  render(main,
    h("p", {}, h("a", { href: "#/webhooks" }, "← Webhooks")),
    h("h1", {}, "Webhook ", h("span", { class: "url" }, subscription.url)),
    notice ? message("ok", notice) : null,
    h("p", {}, `Events: ${subscription.events.join(", ")} · ${subscription.is_active ? "active" : "disabled"}`),
    h("button", { type: "button", id: "send-ping", onclick: ping }, "Send a test ping"), outcome,
    h("section", { class: "card" }, h("h2", {}, "Deliveries"),
      deliveries.items.length
        ? table([
          ["Event", (d) => `${d.event_type} (${d.event_id})`],
          ["Status", (d) => h("span", { class: `status ${d.status}` }, d.status)],
          ["Attempts", (d) => num(d.attempts), "n"],
          ["Last answer", (d) => (d.last_status_code ?? d.last_error ?? dash)],
          ["Last attempt", (d) => dateTime(d.last_attempt_at)],
          ["Next attempt", (d) => dateTime(d.next_attempt_at)],
        ], deliveries.items, (d) => ({ dataset: { deliveryId: d.id } }))
        : message("ok", "No deliveries yet.")));

  async function ping(event) {
    event.target.disabled = true;
    try {
      await api("POST", `/api/webhooks/${id}/test`);
      noticeForNext("Test ping queued.");
      navigate(`#/webhooks/${id}`);
    } catch (error) {
      render(outcome, message("error", error.message));
      event.target.disabled = false;
    }
  }
}
