// UI language for the console pages: JSON catalogs under /static/i18n, applied to every element
// marked data-i18n (text), data-i18n-aria-label and data-i18n-title.

export const LOCALES = ["zh-CN", "zh-TW", "en", "pl"];
const COOKIE = "kefu_locale";
const version = document.body.dataset.assetVersion || "";
const cache = new Map();
let current = LOCALES.includes(document.body.dataset.locale) ? document.body.dataset.locale : "en";
let catalog = {};
let fallback = {};

async function fetchCatalog(locale) {
  if (!cache.has(locale)) {
    cache.set(
      locale,
      fetch(`/static/i18n/${locale}.json?v=${encodeURIComponent(version)}`).then((r) => {
        if (!r.ok) throw new Error(`catalog ${locale}: HTTP ${r.status}`);
        return r.json();
      }),
    );
  }
  return cache.get(locale);
}

/** Loads and applies `locale` (falls back to the page's language for an unknown one). */
export async function setLocale(locale) {
  const chosen = LOCALES.includes(locale) ? locale : current;
  const [loaded, english] = await Promise.all([fetchCatalog(chosen), fetchCatalog("en")]);
  catalog = loaded;
  fallback = english;
  current = chosen;
  document.documentElement.lang = chosen;
  document.cookie = `${COOKIE}=${chosen}; path=/; max-age=31536000; samesite=lax`;
  applyTranslations(document);
  document.dispatchEvent(new CustomEvent("kefu:locale", { detail: { locale: chosen } }));
  return chosen;
}

export function locale() {
  return current;
}

/** The string for `key`, with each {name} filled from `vars`. */
export function t(key, vars = {}) {
  const template = catalog[key] || fallback[key] || key;
  return template.replace(/\{(\w+)\}/g, (whole, name) =>
    Object.prototype.hasOwnProperty.call(vars, name) ? String(vars[name]) : whole,
  );
}

export function applyTranslations(root) {
  for (const node of root.querySelectorAll("[data-i18n]")) {
    node.textContent = t(node.dataset.i18n);
  }
  for (const [attr, name] of [
    ["data-i18n-aria-label", "aria-label"],
    ["data-i18n-title", "title"],
  ]) {
    for (const node of root.querySelectorAll(`[${attr}]`)) {
      node.setAttribute(name, t(node.getAttribute(attr)));
    }
  }
}

export function formatTime(iso) {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return "";
  const now = new Date();
  const sameDay = date.toDateString() === now.toDateString();
  const options = sameDay
    ? { hour: "2-digit", minute: "2-digit" }
    : { month: "short", day: "numeric", hour: "2-digit", minute: "2-digit" };
  return new Intl.DateTimeFormat(current, options).format(date);
}

/** "3 min", "2 h 5 min", "45 s": a compact waiting time in the current language. */
export function formatDuration(seconds) {
  const s = Math.max(0, Math.floor(seconds));
  if (s < 60) return t("time.seconds", { n: s });
  const minutes = Math.floor(s / 60);
  if (minutes < 60) return t("time.minutes", { n: minutes });
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return t("time.hours_minutes", { h: hours, m: minutes % 60 });
  return t("time.days", { n: Math.floor(hours / 24) });
}
