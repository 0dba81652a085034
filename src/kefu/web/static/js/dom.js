// Small DOM builders for the console pages. Every piece of text goes in through textContent:
// nothing from customers, agents or the API is ever parsed as HTML.

/**
 * el("li", {class: "item", text: name, attrs: {"data-id": id}, on: {click: fn}}, [children])
 */
export function el(tag, options = {}, children = []) {
  const node = document.createElement(tag);
  if (options.class) node.className = options.class;
  if (options.text !== undefined && options.text !== null) node.textContent = String(options.text);
  for (const [name, value] of Object.entries(options.attrs || {})) {
    if (value === false || value === null || value === undefined) continue;
    node.setAttribute(name, value === true ? "" : String(value));
  }
  for (const [event, handler] of Object.entries(options.on || {})) {
    node.addEventListener(event, handler);
  }
  for (const child of children) {
    if (child !== null && child !== undefined && child !== false) node.append(child);
  }
  return node;
}

export function $(selector, root = document) {
  return root.querySelector(selector);
}

export function clear(node) {
  while (node.firstChild) node.removeChild(node.firstChild);
}

/** A safe link: only http(s) URLs become clickable. */
export function safeLink(url, label) {
  let parsed = null;
  try {
    parsed = new URL(url, window.location.href);
  } catch {
    parsed = null;
  }
  if (!parsed || (parsed.protocol !== "https:" && parsed.protocol !== "http:")) {
    return el("span", { text: label || url });
  }
  return el("a", {
    text: label || parsed.href,
    attrs: { href: parsed.href, target: "_blank", rel: "noopener noreferrer nofollow" },
  });
}

/** Calls fn at most once per `ms` (leading edge), dropping the calls in between. */
export function throttle(fn, ms) {
  let last = 0;
  return (...args) => {
    const now = Date.now();
    if (now - last >= ms) {
      last = now;
      fn(...args);
    }
  };
}

export function debounce(fn, ms) {
  let timer = null;
  return (...args) => {
    clearTimeout(timer);
    timer = setTimeout(() => fn(...args), ms);
  };
}

/**
 * In-field hints: a `.field-hint` beside an input or textarea inside a `.field-hint-wrap` shows
 * while the field is empty (the field's aria-label carries the same words for screen readers).
 */
export function bindFieldHints(root = document) {
  for (const wrap of root.querySelectorAll(".field-hint-wrap")) {
    const field = wrap.querySelector("input, textarea");
    const hint = wrap.querySelector(".field-hint");
    if (!field || !hint) continue;
    const sync = () => {
      hint.hidden = field.value !== "";
    };
    field.addEventListener("input", sync);
    field.addEventListener("kefu:value", sync);
    sync();
  }
}

/** Sets a field's text from code (no input event fires for that) and updates its hint. */
export function setFieldValue(field, value) {
  field.value = value;
  field.dispatchEvent(new Event("kefu:value"));
}
