// The console sign-in page: email + password to /api/v1/auth/login (sets the session cookie),
// errors in the chosen language, then on to the page the agent wanted, in the agent's language.

import { api, ApiError } from "./api.js";
import { $ } from "./dom.js";
import { setLocale, t } from "./i18n.js";

const ERRORS = {
  401: "login.error_credentials",
  422: "login.error_invalid",
  400: "login.error_invalid",
  429: "error.rate_limited",
};

function nextPage() {
  const wanted = new URLSearchParams(window.location.search).get("next") || "";
  // Only paths of this console: never an absolute or protocol-relative URL (open redirect).
  return /^\/console(?:[/?#]|$)/.test(wanted) ? wanted : "/console";
}

async function signIn(event) {
  event.preventDefault();
  const error = $("#login-error");
  const email = $("#email").value.trim();
  const password = $("#password").value;
  error.textContent = "";
  if (!email || !password) {
    error.textContent = t("login.error_missing");
    (email ? $("#password") : $("#email")).focus();
    return;
  }
  const button = $("#login-submit");
  button.disabled = true;
  try {
    const result = await api(
      "POST",
      "/api/v1/auth/login",
      { email, password },
      { redirectOn401: false },
    );
    await setLocale(result.agent.locale);
    window.location.assign(nextPage());
  } catch (err) {
    const status = err instanceof ApiError ? err.status : 0;
    error.textContent = t(ERRORS[status] || (status === 0 ? "error.network" : "error.generic"));
    $("#password").select();
    button.disabled = false;
  }
}

async function main() {
  await setLocale(document.body.dataset.locale);
  $("#login-form").addEventListener("submit", signIn);
  $("#locale").addEventListener("change", (event) => setLocale(event.target.value));
  // Already signed in (a valid cookie): straight to the console.
  try {
    await api("GET", "/api/v1/me", undefined, { redirectOn401: false });
    window.location.assign(nextPage());
  } catch {
    // Not signed in: stay here.
  }
}

main();
