// The top bar shared by the console and the supervisor page: who is signed in, presence,
// language, the live-connection pill, sign-out and error toasts.

import { api, ApiError } from "./api.js";
import { $ } from "./dom.js";
import { setLocale, t } from "./i18n.js";

const ERROR_KEYS = {
  network: "error.network",
  unauthorized: "error.unauthorized",
  forbidden: "error.forbidden",
  not_found: "error.not_found",
  conflict: "error.conflict",
  payload_too_large: "error.too_long",
  rate_limited: "error.rate_limited",
  invalid_input: "error.invalid_input",
  invalid_json: "error.invalid_input",
};

/** A message for the agent, in their language, for any failure. */
export function errorText(err) {
  const code = err instanceof ApiError ? err.code : "generic";
  return t(ERROR_KEYS[code] || "error.generic");
}

let toastTimer = null;
export function toast(text) {
  const node = $("#toast");
  if (!node) return;
  node.textContent = text;
  node.hidden = false;
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => {
    node.hidden = true;
  }, 6000);
}

export function showPresence(presence) {
  $("#presence").value = presence;
  $("#presence-dot").dataset.presence = presence;
}

/** Fills the bar for `me` and wires its controls; returns a status callback for the stream. */
export function initShell(me) {
  $("#workspace-name").textContent = me.workspace?.name || "";
  $("#me-name").textContent = me.name;
  const supervises = ["admin", "supervisor"].includes(me.role);
  $("#nav-supervisor").hidden = !supervises;
  const knowledgeLink = $("#nav-knowledge");
  if (knowledgeLink) knowledgeLink.hidden = !supervises;
  showPresence(me.presence);
  $("#locale").value = me.locale;

  $("#presence").addEventListener("change", async (event) => {
    const wanted = event.target.value;
    try {
      const updated = await api("PATCH", "/api/v1/me", { presence: wanted });
      showPresence(updated.presence);
    } catch (err) {
      showPresence(me.presence);
      toast(errorText(err));
    }
  });
  $("#locale").addEventListener("change", async (event) => {
    const wanted = event.target.value;
    // The UI switches at once; the choice is saved to the agent's profile meanwhile.
    await setLocale(wanted);
    try {
      const updated = await api("PATCH", "/api/v1/me", { locale: wanted });
      me.locale = updated.locale;
    } catch (err) {
      toast(errorText(err));
    }
  });
  $("#logout").addEventListener("click", async () => {
    try {
      await api("POST", "/api/v1/auth/logout", undefined, { redirectOn401: false });
    } catch {
      // Signed out already or offline: the login page is the right place either way.
    }
    window.location.assign("/console/login");
  });

  const pill = $("#connection");
  return (status) => {
    pill.dataset.state = status;
    const key = `connection.${status}`;
    pill.dataset.i18n = key;
    pill.textContent = t(key);
  };
}

/** The signed-in agent, or null after sending the browser to the login page. */
export async function loadMe() {
  try {
    return await api("GET", "/api/v1/me");
  } catch (err) {
    if (err instanceof ApiError && err.status === 401) return null;
    throw err;
  }
}
