// Building the page: every value is set as text (textContent, attribute values), never as HTML,
// so a product named `<img src=x onerror=alert(1)>` shows as those characters.

export function h(tag, props = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith("on")) el.addEventListener(key.slice(2), value);
    else if (key === "class") el.className = value;
    else if (key === "dataset") Object.assign(el.dataset, value);
    else if (key === "value") el.value = value;
    else el.setAttribute(key, value === true ? "" : String(value));
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const child of children.flat(Infinity)) {
    if (child === undefined || child === null || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

export function render(target, ...children) {
  target.replaceChildren();
  append(target, children);
  return target;
}

export const dash = "—";

export function date(iso) {
  return iso ? String(iso).slice(0, 10) : dash;
}

export function dateTime(iso) {
  return iso ? String(iso).replace("T", " ").replace(/\.\d+/, "").replace("Z", " UTC") : dash;
}

export function num(value) {
  return value === null || value === undefined ? dash : Number(value).toLocaleString("en");
}

export function money(value) {
  return value === null || value === undefined ? dash : String(value);
}

export function table(columns, rows, rowProps = () => ({})) {
  return h("div", { class: "table-wrap" },
    h("table", {},
      h("thead", {}, h("tr", {}, columns.map(([title, , cls]) => h("th", { class: cls, scope: "col" }, title)))),
      h("tbody", {}, rows.map((row) => h("tr", rowProps(row), columns.map(([, cell, cls]) => h("td", { class: cls }, cell(row))))))));
}

export function message(kind, text) {
  return h("p", { class: `message ${kind}`, role: kind === "error" ? "alert" : "status" }, text);
}

// A <select> of options [[value, label]] with a first empty choice.
export function select(name, label, options, current, empty = "All") {
  return h("label", {}, label,
    h("select", { name },
      h("option", { value: "" }, empty),
      options.map(([value, text]) => h("option", { value: String(value), selected: String(value) === String(current ?? "") }, text))));
}

// A form field and the place its error is shown, under the name the API gives it in `errors`.
export function field(label, input) {
  return h("label", { class: "field" }, label, input, h("span", { class: "field-error", dataset: { errorFor: input.name } }));
}

// {"lines": {"0": {"quantity": [..]}}} → [["lines.0.quantity", [..]]], the names the forms use.
export function flatten(errors, prefix = "") {
  return Object.entries(errors).flatMap(([key, value]) =>
    value && typeof value === "object" && !Array.isArray(value) ? flatten(value, `${prefix}${key}.`) : [[prefix + key, value]]);
}

// Shows the API's `errors` next to the form's fields; what no field shows goes to the form's message.
export function showErrors(form, error) {
  form.querySelectorAll(".field-error").forEach((el) => { el.textContent = ""; });
  const rest = [];
  for (const [name, messages] of flatten(error.errors || {})) {
    const slot = form.querySelector(`[data-error-for="${CSS.escape(name)}"]`);
    const text = [].concat(messages).join(" ");
    if (slot) slot.textContent = text;
    else rest.push(`${name}: ${text}`);
  }
  const box = form.querySelector(".form-message");
  if (box) box.replaceChildren(message("error", [error.message, ...rest].join(" — ")));
}
