// The dashboard's shell: who is signed in, the navigation, and a router from the URL's hash
// (#/alerts, #/levels/7, …) to the screens.
import { ApiError, currentSession, signIn, signOut, whenSignedOut } from "./api.js";
import { alertsScreen } from "./alerts.js";
import { h, message, render } from "./dom.js";
import { levelScreen } from "./level.js";
import { purchaseOrderScreen, replenishmentScreen } from "./purchasing.js";
import { webhookScreen, webhooksScreen } from "./webhooks.js";

const ROLES = ["viewer", "staff", "manager", "admin"];
const main = document.getElementById("main");
const state = { session: null, notice: null };

// Whether the signed-in user has at least this role (the API decides; this only hides buttons).
export function can(role) {
  return Boolean(state.session) && ROLES.indexOf(state.session.user.role) >= ROLES.indexOf(role);
}

export function companyId() {
  return state.session.company.id;
}

export function navigate(hash) {
  if (location.hash === hash) route();
  else location.hash = hash;
}

const routes = [
  [/^#\/alerts$/, alertsScreen],
  [/^#\/levels\/(\d+)$/, levelScreen],
  [/^#\/replenishment$/, replenishmentScreen],
  [/^#\/purchase-orders\/(\d+)$/, purchaseOrderScreen],
  [/^#\/webhooks$/, webhooksScreen],
  [/^#\/webhooks\/(\d+)$/, webhookScreen],
];

function showSignIn(notice) {
  state.session = null;
  renderChrome();
  const form = h("form", { id: "sign-in", class: "card narrow", onsubmit: submit },
    h("h1", {}, "Sign in"),
    notice ? message("error", notice) : null,
    h("label", { class: "field" }, "Email", h("input", { name: "email", type: "email", autocomplete: "username", required: true })),
    h("label", { class: "field" }, "Password", h("input", { name: "password", type: "password", autocomplete: "current-password", required: true })),
    h("div", { class: "form-message" }),
    h("button", { type: "submit" }, "Sign in"));
  render(main, form);
  form.elements.email.focus();

  async function submit(event) {
    event.preventDefault();
    const button = form.querySelector("button");
    button.disabled = true;
    try {
      state.session = await signIn(form.elements.email.value, form.elements.password.value);
      if (!location.hash || location.hash === "#/signin") location.hash = "#/alerts";
      else route();
    } catch (error) {
      const text = error instanceof ApiError && error.status === 401 ? "Wrong email or password." : error.message;
      form.querySelector(".form-message").replaceChildren(message("error", text));
      button.disabled = false;
    }
  }
}

function renderChrome() {
  const nav = document.getElementById("nav");
  const who = document.getElementById("who");
  if (!state.session) {
    nav.replaceChildren();
    who.replaceChildren();
    return;
  }
  const current = location.hash.split("?")[0].split("/")[1] || "alerts";
  const link = (hash, text) => h("a", { href: hash, "aria-current": hash.slice(2) === current ? "page" : null }, text);
  render(nav,
    link("#/alerts", "Low stock"),
    link("#/replenishment", "Replenishment"),
    can("admin") ? link("#/webhooks", "Webhooks") : null,
    h("a", { href: "/docs" }, "API docs"));
  const { user, company } = state.session;
  render(who,
    h("span", {}, `${user.name || user.email} · ${user.role} · ${company.name}`),
    h("button", { type: "button", class: "link", id: "sign-out", onclick: leave }, "Sign out"));
}

async function leave() {
  try {
    await signOut();
  } finally {
    // Screens drawn while signed in are gone from the history: going back finds the sign-in form.
    location.replace("#/signin");
    showSignIn();
  }
}

async function route() {
  if (!state.session) {
    try {
      state.session = await currentSession();
    } catch (error) {
      if (error instanceof ApiError && error.status === 401) return showSignIn();
      return render(main, message("error", `The API does not answer: ${error.message}`));
    }
  }
  const hash = location.hash || "#/alerts";
  const match = routes.map(([pattern, screen]) => [hash.split("?")[0].match(pattern), screen]).find(([m]) => m);
  if (!match) return navigate("#/alerts");
  renderChrome();
  const [groups, screen] = match;
  const notice = state.notice;
  state.notice = null;
  // Each screen draws into a view of its own: one still loading when another is opened (or the
  // session ends) finishes into a view no longer on the page.
  const view = render(main, h("div"));
  try {
    await screen(view.firstChild, ...groups.slice(1).map(Number), notice);
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) return;
    render(view.firstChild, message("error", error.message));
  }
  main.focus({ preventScroll: true });
}

// A message for the next screen drawn (e.g. "Purchase order placed").
export function noticeForNext(text) {
  state.notice = text;
}

whenSignedOut((error) => showSignIn(`Your session has ended (${error.message}). Sign in again.`));
window.addEventListener("hashchange", route);
route();
