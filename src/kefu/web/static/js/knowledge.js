// The knowledge-base page (/console/knowledge): what the bot knows and how it would answer.
// Status and inboxes, script-pack import, intents per language with an editor, FAQ pairs, a
// test box, version history with rollback, the learning loop's suggestions and CSAT.
// Everything from the API (answers, examples, summaries) is set through textContent only.

import { AgentStream, ApiError, api } from "./api.js";
import { cardNode, handoffReasonText } from "./botview.js";
import { $, bindFieldHints, clear, debounce, el } from "./dom.js";
import { LOCALES, formatTime, setLocale, t } from "./i18n.js";
import { errorText, initShell, loadMe, showPresence, toast } from "./shell.js";

const INTENT_NAME = /^[a-z][a-z0-9_]{1,47}$/;
const STATUS_POLL_MS = 2500;
const RETEST_MS = 2500;
const RETEST_TRIES = 12; // about 30 s of rebuilding

const state = {
  me: null,
  admin: false,
  status: null, // GET /api/v1/bot
  knowledge: null, // GET /api/v1/bot/knowledge?language=…, null before any import
  language: null,
  agents: new Map(),
  editing: null, // {mode: "edit"|"new", intent}
  editingFaq: null, // null: closed, "": new, else the FAQ's id
  lastTest: null,
  retest: { timer: null, tries: 0 },
};

// ------------------------------------------------------------------ helpers

/** The agent's error message in their language, plus the server's own words when it gave any. */
function failure(err) {
  const base = errorText(err);
  if (err instanceof ApiError && err.message && err.code !== "network" && err.message !== err.code) {
    return `${base} (${err.message})`;
  }
  return base;
}

function languageName(code) {
  switch (code) {
    case "zh-CN":
      return t("language.zh-CN");
    case "zh-TW":
      return t("language.zh-TW");
    case "en":
      return t("language.en");
    case "pl":
      return t("language.pl");
    default:
      return code || "";
  }
}

function industryName(code) {
  switch (code) {
    case "ecommerce":
      return t("industry.ecommerce");
    case "education":
      return t("industry.education");
    case "catering":
      return t("industry.catering");
    case "tourism":
      return t("industry.tourism");
    default:
      return code || "–";
  }
}

function className(name) {
  const faq = state.knowledge && state.knowledge.faqs.find((f) => f.id === name);
  return faq ? faq.question : name;
}

function percent(score) {
  return `${Math.round(Number(score || 0) * 100)}%`;
}

function lines(text) {
  return text
    .split("\n")
    .map((line) => line.trim())
    .filter(Boolean);
}

function busy(button, on) {
  if (button) button.disabled = on;
}

// ------------------------------------------------------------------ loading

async function loadStatus() {
  state.status = await api("GET", "/api/v1/bot");
  renderStatus();
  scheduleStatusPoll();
}

let statusTimer = null;
/** While a model builds (or none serves yet), the status line follows it. */
function scheduleStatusPoll() {
  clearTimeout(statusTimer);
  const s = state.status;
  if (!s || s.version === null) return;
  if (s.model.building || s.model.version === null) {
    statusTimer = setTimeout(() => {
      loadStatus().catch(() => scheduleStatusPoll());
    }, STATUS_POLL_MS);
  }
}

async function loadKnowledge() {
  const wanted = state.language;
  const query = wanted ? `?language=${encodeURIComponent(wanted)}` : "";
  try {
    state.knowledge = await api("GET", `/api/v1/bot/knowledge${query}`);
  } catch (err) {
    if (err instanceof ApiError && err.status === 404 && err.code === "not_found") {
      state.knowledge = null;
      state.language = null;
      return;
    }
    throw err;
  }
  const k = state.knowledge;
  if (!k.languages.includes(k.language) && k.languages.length) {
    // The language we showed is gone (rolled back past its import): show the default one.
    state.language = k.default_language;
    state.knowledge = await api(
      "GET",
      `/api/v1/bot/knowledge?language=${encodeURIComponent(state.language)}`,
    );
  } else {
    state.language = k.language;
  }
}

async function loadVersions() {
  renderVersions(await api("GET", "/api/v1/bot/versions"));
}

async function loadSuggestions() {
  renderSuggestions(await api("GET", "/api/v1/bot/suggestions"));
}

async function loadCsat() {
  renderCsat(await api("GET", "/api/v1/bot/csat"));
}

/** Everything again (after an import, an edit, a rollback). */
async function refreshAll() {
  try {
    await Promise.all([loadStatus(), loadKnowledge()]);
    renderKnowledge();
    await Promise.all([loadVersions(), loadSuggestions(), loadCsat()]);
  } catch (err) {
    toast(failure(err));
  }
}

// ------------------------------------------------------------------ status, inboxes, import

function renderStatus() {
  const s = state.status;
  if (!s) return;
  $("#kb-industry").textContent = industryName(s.industry);
  $("#kb-languages").textContent = s.languages.length
    ? s.languages.map(languageName).join(", ")
    : "–";
  $("#kb-version").textContent = s.version === null ? "–" : t("kb.version_n", { n: s.version });
  const model = $("#kb-model");
  clear(model);
  let modelState = "none";
  if (s.model.building) {
    modelState = "building";
    model.append(el("span", { text: t("kb.model_building") }));
  } else if (s.model.version !== null) {
    modelState = "ready";
    model.append(el("span", { text: t("kb.model_ready", { n: s.model.version }) }));
    if (s.model.last_built_at) {
      model.append(el("span", { class: "muted small", text: ` · ${formatTime(s.model.last_built_at)}` }));
    }
  } else {
    model.append(el("span", { text: s.version === null ? "–" : t("kb.model_none") }));
  }
  if (s.model.last_error) {
    modelState = s.model.building ? modelState : "error";
    model.append(
      el("span", { class: "kb-model-error", text: t("kb.model_error", { error: s.model.last_error }) }),
    );
  }
  model.dataset.state = modelState;
  renderInboxes();
}

function renderInboxes() {
  const list = $("#kb-inboxes");
  clear(list);
  for (const inbox of state.status.inboxes) {
    const box = el("input", {
      attrs: {
        type: "checkbox",
        "data-inbox": inbox.id,
        checked: inbox.bot_enabled,
        disabled: !state.admin,
      },
    });
    box.addEventListener("change", () => setInboxBot(inbox, box));
    list.append(
      el("li", {}, [
        el("label", { class: "kb-toggle" }, [
          box,
          el("span", { class: "kb-inbox-name", text: inbox.name }),
          el("span", { class: "muted small", text: ` (${inbox.channel})` }),
          el("span", {
            class: `badge ${inbox.bot_enabled ? "state-bot" : ""}`,
            text: inbox.bot_enabled ? t("kb.bot_on") : t("kb.bot_off"),
          }),
        ]),
      ]),
    );
  }
}

async function setInboxBot(inbox, box) {
  const wanted = box.checked;
  box.disabled = true;
  try {
    const updated = await api("PUT", `/api/v1/bot/inboxes/${encodeURIComponent(inbox.id)}`, {
      bot_enabled: wanted,
    });
    inbox.bot_enabled = updated.bot_enabled;
  } catch (err) {
    toast(failure(err));
  }
  renderInboxes();
}

async function importPack(event) {
  event.preventDefault();
  const button = $("#import-submit");
  busy(button, true);
  try {
    const result = await api("POST", "/api/v1/bot/import", {
      industry: $("#import-industry").value,
      language: $("#import-language").value,
    });
    state.language = $("#import-language").value;
    toast(t("kb.imported", { n: result.version }));
    closeEditor();
    await refreshAll();
  } catch (err) {
    toast(failure(err));
  } finally {
    busy(button, !state.admin);
  }
}

// ------------------------------------------------------------------ intents

function renderKnowledge() {
  const k = state.knowledge;
  $("#kb-empty").hidden = k !== null;
  $("#kb-empty-ask-admin").hidden = state.admin;
  $("#kb-main").hidden = k === null;
  if (k === null) {
    closeEditor();
    return;
  }
  const select = $("#kb-language");
  clear(select);
  for (const code of k.languages) {
    select.append(el("option", { text: languageName(code), attrs: { value: code, lang: code } }));
  }
  select.value = state.language;
  const test = $("#test-language");
  const keep = test.value;
  clear(test);
  test.append(el("option", { text: t("kb.test_auto"), attrs: { value: "" } }));
  for (const code of k.languages) {
    test.append(el("option", { text: languageName(code), attrs: { value: code, lang: code } }));
  }
  test.value = k.languages.includes(keep) ? keep : "";
  renderIntents();
  renderFaqs();
  if (state.editing && state.editing.mode === "edit") {
    // Still there after a reload? Keep it open with the stored content; else close it.
    const fresh = k.intents.find((i) => i.name === state.editing.intent.name);
    if (fresh) state.editing.intent = fresh;
    else closeEditor();
  }
}

function renderIntents() {
  const k = state.knowledge;
  const list = $("#intent-list");
  clear(list);
  const needle = $("#intent-filter").value.trim().toLocaleLowerCase();
  const shown = k.intents.filter((intent) => {
    if (!needle) return true;
    const haystack = [intent.name, intent.description || "", intent.answer, ...intent.examples]
      .join("\n")
      .toLocaleLowerCase();
    return haystack.includes(needle);
  });
  for (const intent of shown) {
    const current = state.editing && state.editing.intent && state.editing.intent.name === intent.name;
    list.append(
      el("li", {}, [
        el(
          "button",
          {
            class: "kb-item",
            attrs: { type: "button", "data-intent": intent.name, "aria-current": current ? "true" : "false" },
            on: { click: () => openIntent(intent) },
          },
          [
            el("span", { class: "kb-item-top" }, [
              el("code", { class: "kb-intent-name", text: intent.name }),
              intent.handoff
                ? el("span", { class: "badge handoff-badge", text: t("kb.hands_off") })
                : null,
              el("span", {
                class: "muted small",
                text: t("kb.examples_n", { n: intent.examples.length }),
              }),
            ]),
            el("span", { class: "kb-item-text", text: intent.description || "" }),
          ],
        ),
      ]),
    );
  }
  $("#intent-empty").hidden = shown.length > 0;
  $("#intent-count").textContent = t("kb.intents_shown", { shown: shown.length, total: k.intents.length });
}

function openIntent(intent) {
  state.editing = { mode: "edit", intent };
  fillEditor({
    title: t("kb.edit_intent", { name: intent.name }),
    name: intent.name,
    description: intent.description || "",
    examples: intent.examples,
    answer: intent.answer,
  });
  const extra = [];
  if (intent.handoff) extra.push(t("kb.intent_handoff", { reason: handoffReasonText(intent.handoff) }));
  if (intent.quick_replies && intent.quick_replies.length) {
    extra.push(t("kb.intent_quick_replies", { list: intent.quick_replies.map((q) => q.title).join(", ") }));
  }
  if (intent.slots && intent.slots.length) {
    extra.push(t("kb.intent_slots", { list: intent.slots.map((s) => s.name || "").join(", ") }));
  }
  $("#intent-extra").textContent = extra.join(" · ");
  $("#intent-extra").hidden = extra.length === 0;
  renderIntents();
  $("#intent-answer").focus();
}

function openNewIntent(examples = []) {
  state.editing = { mode: "new", intent: null };
  fillEditor({ title: t("kb.new_intent_title"), name: "", description: "", examples, answer: "" });
  $("#intent-extra").hidden = true;
  renderIntents();
  $("#intent-name").focus();
}

function fillEditor({ title, name, description, examples, answer }) {
  const isNew = state.editing.mode === "new";
  $("#intent-editor-panel").hidden = false;
  $("#intent-editor-title").textContent = title;
  const nameInput = $("#intent-name");
  nameInput.value = name;
  nameInput.readOnly = !isNew;
  $("#intent-name-hint").hidden = !isNew;
  $("#intent-description").value = description;
  $("#intent-examples").value = examples.join("\n");
  $("#intent-answer").value = answer;
  $("#intent-delete").hidden = isNew;
  resetDelete($("#intent-delete"));
  $("#intent-error").textContent = "";
  $("#intent-editor-panel").scrollIntoView({ block: "nearest" });
}

function closeEditor() {
  state.editing = null;
  $("#intent-editor-panel").hidden = true;
  if (state.knowledge) renderIntents();
}

async function saveIntent(event) {
  event.preventDefault();
  if (!state.editing) return;
  const error = $("#intent-error");
  error.textContent = "";
  const name = $("#intent-name").value.trim();
  const examples = lines($("#intent-examples").value);
  const answer = $("#intent-answer").value.trim();
  const description = $("#intent-description").value.trim();
  if (!INTENT_NAME.test(name)) {
    error.textContent = t("kb.error_intent_name");
    return;
  }
  if (state.editing.mode === "new" && state.knowledge.intents.some((i) => i.name === name)) {
    error.textContent = t("kb.error_intent_exists");
    return;
  }
  if (!examples.length) {
    error.textContent = t("kb.error_examples");
    return;
  }
  if (!answer) {
    error.textContent = t("kb.error_answer");
    return;
  }
  const body = { examples, answer };
  if (description) body.description = description;
  const button = $("#intent-save");
  busy(button, true);
  try {
    const result = await api(
      "PUT",
      `/api/v1/bot/knowledge/${encodeURIComponent(state.language)}/intents/${encodeURIComponent(name)}`,
      body,
    );
    toast(t("kb.saved", { n: result.version }));
    state.editing = { mode: "edit", intent: { name } };
    await refreshAll();
    const saved = state.knowledge && state.knowledge.intents.find((i) => i.name === name);
    if (saved) openIntent(saved);
  } catch (err) {
    error.textContent = failure(err);
  } finally {
    busy(button, false);
  }
}

/** Destructive buttons ask once more in place (no dialog): the second click does it. */
function confirmFirst(button, action) {
  if (button.dataset.confirm !== "yes") {
    button.dataset.confirm = "yes";
    button.textContent = t("kb.confirm_delete");
    return;
  }
  resetDelete(button);
  action();
}

function resetDelete(button) {
  button.dataset.confirm = "";
  button.textContent = t("kb.delete");
}

async function deleteIntent() {
  const editing = state.editing;
  if (!editing || editing.mode !== "edit") return;
  const name = editing.intent.name;
  try {
    const result = await api(
      "DELETE",
      `/api/v1/bot/knowledge/${encodeURIComponent(state.language)}/intents/${encodeURIComponent(name)}`,
    );
    toast(t("kb.deleted", { n: result.version }));
    closeEditor();
    await refreshAll();
  } catch (err) {
    toast(failure(err));
  }
}

// ------------------------------------------------------------------ FAQs

function renderFaqs() {
  const list = $("#faq-list");
  clear(list);
  const faqs = state.knowledge.faqs;
  for (const faq of faqs) {
    const remove = el("button", {
      class: "button small danger",
      text: t("kb.delete"),
      attrs: { type: "button", "data-action": "delete" },
    });
    remove.addEventListener("click", () => confirmFirst(remove, () => deleteFaq(faq)));
    list.append(
      el("li", { class: "kb-faq", attrs: { "data-faq": faq.id } }, [
        el("p", { class: "kb-faq-question", text: faq.question }),
        el("p", { class: "kb-faq-answer", text: faq.answer }),
        faq.similar.length
          ? el("p", { class: "muted small", text: t("kb.similar_list", { list: faq.similar.join(" · ") }) })
          : null,
        el("div", { class: "kb-form-actions" }, [
          el("button", {
            class: "button small",
            text: t("kb.edit"),
            attrs: { type: "button", "data-action": "edit" },
            on: { click: () => openFaq(faq) },
          }),
          remove,
        ]),
      ]),
    );
  }
  $("#faq-empty").hidden = faqs.length > 0;
}

function openFaq(faq) {
  state.editingFaq = faq ? faq.id : "";
  $("#faq-form").hidden = false;
  $("#faq-question").value = faq ? faq.question : "";
  $("#faq-answer").value = faq ? faq.answer : "";
  $("#faq-similar").value = faq ? faq.similar.join("\n") : "";
  $("#faq-error").textContent = "";
  $("#faq-question").focus();
}

function closeFaq() {
  state.editingFaq = null;
  $("#faq-form").hidden = true;
}

async function saveFaq(event) {
  event.preventDefault();
  const error = $("#faq-error");
  error.textContent = "";
  const body = {
    question: $("#faq-question").value.trim(),
    answer: $("#faq-answer").value.trim(),
    similar: lines($("#faq-similar").value),
  };
  if (!body.question || !body.answer) {
    error.textContent = t("kb.error_faq");
    return;
  }
  const button = $("#faq-save");
  busy(button, true);
  try {
    const id = state.editingFaq;
    const result = id
      ? await api("PUT", `/api/v1/bot/faqs/${encodeURIComponent(id)}`, body)
      : await api("POST", "/api/v1/bot/faqs", body);
    toast(t("kb.saved", { n: result.version }));
    closeFaq();
    await refreshAll();
  } catch (err) {
    error.textContent = failure(err);
  } finally {
    busy(button, false);
  }
}

async function deleteFaq(faq) {
  try {
    const result = await api("DELETE", `/api/v1/bot/faqs/${encodeURIComponent(faq.id)}`);
    toast(t("kb.deleted", { n: result.version }));
    if (state.editingFaq === faq.id) closeFaq();
    await refreshAll();
  } catch (err) {
    toast(failure(err));
  }
}

// ------------------------------------------------------------------ test box

function stopRetest() {
  clearTimeout(state.retest.timer);
  state.retest.timer = null;
}

async function runTest({ again = false } = {}) {
  const text = $("#test-text").value.trim();
  if (!text) return;
  stopRetest();
  if (!again) state.retest.tries = 0;
  const body = { text };
  const language = $("#test-language").value;
  if (language) body.language = language;
  const result = $("#test-result");
  result.dataset.state = "asking";
  $("#test-submit").disabled = true;
  try {
    const answer = await api("POST", "/api/v1/bot/test", body);
    state.lastTest = answer;
    renderTest(answer);
    if (!answer.model_fresh && state.retest.tries < RETEST_TRIES) {
      // The model is rebuilding with the latest changes: ask again shortly, on its own.
      state.retest.tries += 1;
      state.retest.timer = setTimeout(() => runTest({ again: true }), RETEST_MS);
    }
  } catch (err) {
    result.dataset.state = "error";
    toast(failure(err));
  } finally {
    $("#test-submit").disabled = false;
  }
}

function renderTest(answer) {
  if (!answer) return;
  const result = $("#test-result");
  result.hidden = false;
  result.dataset.state = "done";
  result.dataset.fresh = answer.model_fresh ? "true" : "false";
  const messages = $("#test-messages");
  clear(messages);
  for (const message of answer.messages) {
    const content = message.content || {};
    const quick = Array.isArray(content.quick_replies) ? content.quick_replies : [];
    messages.append(
      el("li", { class: "kb-bot-message" }, [
        el("span", { class: "bot-label", text: t("sender.bot") }),
        el("p", { class: "msg-text", text: message.text }),
        content.card ? cardNode(content.card) : null,
        quick.length
          ? el(
              "ul",
              { class: "chips", attrs: { "aria-label": t("kb.quick_replies") } },
              quick.map((q) => el("li", { class: "chip", text: q.title })),
            )
          : null,
      ]),
    );
  }
  if (!answer.messages.length) {
    messages.append(el("li", { class: "muted", text: t("kb.test_no_messages") }));
  }
  let recognised;
  if (answer.out_of_scope || !answer.intent) {
    recognised = t("kb.test_out_of_scope", { confidence: percent(answer.confidence) });
  } else {
    const vars = { intent: className(answer.intent), confidence: percent(answer.confidence) };
    recognised = answer.kind === "faq" ? t("kb.test_faq", vars) : t("kb.test_intent", vars);
  }
  $("#test-intent").textContent = `${recognised} · ${languageName(answer.language)}`;
  const top = $("#test-top");
  clear(top);
  for (const candidate of (answer.top || []).slice(0, 3)) {
    top.append(
      el("li", {}, [
        el("code", { text: className(candidate.name) }),
        el("span", { class: "muted", text: ` ${percent(candidate.score)}` }),
      ]),
    );
  }
  const handoff = $("#test-handoff");
  handoff.hidden = !answer.handoff;
  handoff.textContent = answer.handoff
    ? t("kb.test_handoff", { reason: handoffReasonText(answer.handoff.reason) })
    : "";
  $("#test-stale").hidden = answer.model_fresh;
}

/** An order or product card as plain text; a product link only for an absolute http(s) URL. */
// ------------------------------------------------------------------ versions

function renderVersions(rows) {
  const list = $("#version-list");
  clear(list);
  for (const row of rows) {
    const who = row.created_by ? state.agents.get(row.created_by)?.name || "" : "";
    const item = el("li", { class: `kb-version${row.current ? " current" : ""}`, attrs: { "data-version": row.version } }, [
      el("span", { class: "kb-version-top" }, [
        el("strong", { text: t("kb.version_n", { n: row.version }) }),
        row.current ? el("span", { class: "badge state-assigned", text: t("kb.current") }) : null,
        el("span", { class: "muted small", text: [formatTime(row.created_at), who].filter(Boolean).join(" · ") }),
      ]),
      el("span", { class: "kb-version-summary", text: row.summary }),
    ]);
    if (!row.current) {
      const button = el("button", {
        class: "button small",
        text: t("kb.rollback"),
        attrs: { type: "button", "data-action": "rollback" },
      });
      button.addEventListener("click", () => rollback(row.version, button));
      item.append(button);
    }
    list.append(item);
  }
  if (!rows.length) list.append(el("li", { class: "empty", text: t("kb.no_versions") }));
}

async function rollback(version, button) {
  busy(button, true);
  try {
    const result = await api("POST", `/api/v1/bot/versions/${encodeURIComponent(version)}/rollback`);
    toast(t("kb.rolled_back", { from: version, n: result.version }));
    await refreshAll();
    if (state.lastTest && $("#test-text").value.trim()) runTest();
  } catch (err) {
    toast(failure(err));
    busy(button, false);
  }
}

// ------------------------------------------------------------------ learning loop

function renderSuggestions(rows) {
  const list = $("#suggestion-list");
  clear(list);
  for (const s of rows) {
    const action =
      s.kind === "add_examples"
        ? el("button", {
            class: "button small",
            text: t("kb.add_examples_to", { intent: s.intent }),
            attrs: { type: "button", "data-action": "add-examples" },
          })
        : el("button", {
            class: "button small",
            text: t("kb.create_intent"),
            attrs: { type: "button", "data-action": "new-intent" },
          });
    action.addEventListener("click", () =>
      s.kind === "add_examples" ? addExamples(s, action) : openNewIntent(s.examples),
    );
    list.append(
      el("li", { class: "kb-suggestion", attrs: { "data-kind": s.kind } }, [
        el("span", { class: "kb-item-top" }, [
          el("strong", { text: s.label }),
          el("span", { class: "muted small", text: t("kb.asked_n", { n: s.size }) }),
          s.languages && s.languages.length
            ? el("span", { class: "muted small", text: s.languages.map(languageName).join(", ") })
            : null,
        ]),
        el(
          "ul",
          { class: "kb-examples" },
          s.examples.slice(0, 8).map((text) => el("li", { text })),
        ),
        el("div", { class: "kb-form-actions" }, [action]),
      ]),
    );
  }
  $("#suggestion-empty").hidden = rows.length > 0;
}

/** Adds a suggestion's phrasings to its intent, in a language of the suggestion if possible. */
async function addExamples(suggestion, button) {
  const k = state.knowledge;
  if (!k) return;
  const candidates = (suggestion.languages || []).filter((code) => k.languages.includes(code));
  const language = candidates.includes(state.language) || !candidates.length ? state.language : candidates[0];
  busy(button, true);
  try {
    const pack =
      language === state.language
        ? k
        : await api("GET", `/api/v1/bot/knowledge?language=${encodeURIComponent(language)}`);
    const intent = pack.intents.find((i) => i.name === suggestion.intent);
    if (!intent) {
      toast(t("kb.error_intent_missing", { intent: suggestion.intent, language: languageName(language) }));
      busy(button, false);
      return;
    }
    const examples = [...intent.examples];
    const seen = new Set(examples.map((e) => e.toLocaleLowerCase()));
    for (const text of suggestion.examples) {
      if (!seen.has(text.toLocaleLowerCase())) {
        seen.add(text.toLocaleLowerCase());
        examples.push(text);
      }
    }
    const result = await api(
      "PUT",
      `/api/v1/bot/knowledge/${encodeURIComponent(language)}/intents/${encodeURIComponent(intent.name)}`,
      { examples, answer: intent.answer },
    );
    toast(t("kb.saved", { n: result.version }));
    await refreshAll();
  } catch (err) {
    toast(failure(err));
    busy(button, false);
  }
}

// ------------------------------------------------------------------ CSAT

function renderCsat(csat) {
  $("#csat-summary").textContent = csat.count
    ? t("kb.csat_summary", { average: Number(csat.average).toFixed(2), count: csat.count })
    : t("kb.csat_none");
  const list = $("#csat-distribution");
  clear(list);
  const most = Math.max(1, ...Object.values(csat.distribution || {}));
  for (const score of ["5", "4", "3", "2", "1"]) {
    const n = (csat.distribution || {})[score] || 0;
    const bar = el("span", { class: "kb-bar" });
    bar.style.width = `${Math.round((n / most) * 100)}%`;
    list.append(
      el("li", { attrs: { "data-score": score } }, [
        el("span", { class: "kb-bar-label", text: t("kb.csat_score", { score }) }),
        el("span", { class: "kb-bar-track" }, [bar]),
        el("span", { class: "kb-bar-count", text: String(n) }),
      ]),
    );
  }
}

// ------------------------------------------------------------------ start

function bind() {
  $("#import-form").addEventListener("submit", importPack);
  $("#kb-language").addEventListener("change", async (event) => {
    state.language = event.target.value;
    closeEditor();
    try {
      await loadKnowledge();
      renderKnowledge();
    } catch (err) {
      toast(failure(err));
    }
  });
  $("#intent-filter").addEventListener("input", debounce(() => state.knowledge && renderIntents(), 120));
  $("#intent-new").addEventListener("click", () => openNewIntent());
  $("#intent-editor").addEventListener("submit", saveIntent);
  $("#intent-cancel").addEventListener("click", closeEditor);
  const remove = $("#intent-delete");
  remove.addEventListener("click", () => confirmFirst(remove, deleteIntent));
  remove.addEventListener("blur", () => resetDelete(remove));
  $("#faq-new").addEventListener("click", () => openFaq(null));
  $("#faq-form").addEventListener("submit", saveFaq);
  $("#faq-cancel").addEventListener("click", closeFaq);
  $("#test-form").addEventListener("submit", (event) => {
    event.preventDefault();
    runTest();
  });
  document.addEventListener("kefu:locale", () => {
    renderStatus();
    if (state.knowledge) renderKnowledge();
    if (state.editing) {
      $("#intent-editor-title").textContent =
        state.editing.mode === "new"
          ? t("kb.new_intent_title")
          : t("kb.edit_intent", { name: state.editing.intent.name });
    }
    renderTest(state.lastTest);
    Promise.all([loadVersions(), loadSuggestions(), loadCsat()]).catch(() => {});
  });
}

async function main() {
  const me = await loadMe();
  if (!me) return;
  state.me = me;
  await setLocale(me.locale);
  const setStatus = initShell(me);
  const stream = new AgentStream({
    onEvent: (event) => {
      if (event.type === "agent.presence" && event.agent_id === me.id) showPresence(event.presence);
    },
    onSync: () => {},
    onStatus: setStatus,
  });
  stream.start();
  if (!["admin", "supervisor"].includes(me.role)) {
    $("#knowledge-denied").hidden = false;
    $("#knowledge").setAttribute("aria-busy", "false");
    return;
  }
  state.admin = me.role === "admin";
  $("#kb-admin-only").hidden = state.admin;
  for (const node of document.querySelectorAll("#import-form select, #import-form button")) {
    node.disabled = !state.admin;
  }
  if (LOCALES.includes(me.locale)) $("#import-language").value = me.locale;
  bindFieldHints();
  bind();
  try {
    const agents = await api("GET", "/api/v1/agents");
    state.agents = new Map(agents.map((a) => [a.id, a]));
  } catch {
    // Only used to name who made each version.
  }
  await refreshAll();
  $("#knowledge-content").hidden = false;
  $("#knowledge").setAttribute("aria-busy", "false");
}

main().catch((err) => toast(failure(err)));
