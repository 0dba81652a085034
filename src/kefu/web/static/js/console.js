// The agent console: live conversation list, conversation view with the contact's history,
// reply / internal note / canned responses, assignment, resolve / reopen, tags, presence and
// language. Data comes from /api/v1 and live changes from /ws/agent (docs/protocol.md).
// Customer and agent text is only ever set through textContent.

import { AgentStream, ApiError, api } from "./api.js";
import { cardNode, handoffReasonText } from "./botview.js";
import { CannedMenu } from "./canned.js";
import { $, bindFieldHints, clear, debounce, el, safeLink, setFieldValue, throttle } from "./dom.js";
import { formatTime, setLocale, t } from "./i18n.js";
import { errorText, initShell, loadMe, showPresence, toast } from "./shell.js";

const VIEW_KEY = "kefu.console.view";
const VIEWS = ["mine", "unassigned", "all"];
const TYPING_SEND_EVERY_MS = 2500;
const TYPING_IDLE_MS = 4000;
const CONTACT_TYPING_TIMEOUT_MS = 8000;

const state = {
  me: null,
  agents: new Map(),
  inboxes: new Map(),
  canned: [],
  conversations: new Map(),
  filters: {
    view: VIEWS.includes(localStorage.getItem(VIEW_KEY)) ? localStorage.getItem(VIEW_KEY) : "all",
    inbox_id: "",
    state: "",
    tag: "",
  },
  selectedId: null,
  selected: null,
  messages: new Map(),
  contact: null,
  unread: new Set(),
  loadToken: 0,
  listToken: 0,
};
let stream = null;
let canned = null;

// ------------------------------------------------------------------ helpers

function contactName(contact) {
  return (contact && (contact.name || contact.email || contact.phone)) || t("contact.anonymous");
}

function inboxName(id) {
  const inbox = state.inboxes.get(id);
  return inbox ? inbox.name : "";
}

function stateBadge(value) {
  return el("span", { class: `badge state-${value}`, text: t(`state.${value}`) });
}

function previewText(message) {
  if (!message) return "";
  if (message.text) return message.text;
  return message.attachments && message.attachments.length ? t("message.attachment") : "";
}

function handoffLine(handoff) {
  let text = t("handoff.by_bot", { reason: handoffReasonText(handoff.reason) });
  if (handoff.intent) text += ` · ${t("handoff.intent", { intent: handoff.intent })}`;
  return text;
}

function priorityBadge(priority) {
  return el("span", {
    class: "badge priority-badge",
    text: t("conversation.priority", { n: priority }),
  });
}

function matchesFilters(conv) {
  const f = state.filters;
  if (f.view === "mine" && (!conv.assignee || conv.assignee.id !== state.me.id)) return false;
  if (f.view === "unassigned" && (conv.assignee || conv.state === "resolved")) return false;
  if (f.inbox_id && conv.inbox_id !== f.inbox_id) return false;
  if (f.state && conv.state !== f.state) return false;
  if (f.tag && !conv.tags.includes(f.tag)) return false;
  return true;
}

function updateTitle() {
  const count = state.unread.size;
  const base = `${t("console.title")} · Kefu`;
  document.title = count ? `(${count}) ${base}` : base;
}

// ------------------------------------------------------------------ conversation list

async function loadConversations() {
  const token = ++state.listToken;
  const params = new URLSearchParams({ view: state.filters.view });
  for (const key of ["inbox_id", "state", "tag"]) {
    if (state.filters[key]) params.set(key, state.filters[key]);
  }
  try {
    const rows = await api("GET", `/api/v1/conversations?${params}`);
    if (token !== state.listToken) return;
    state.conversations = new Map(rows.map((conv) => [conv.id, conv]));
    renderList();
  } catch (err) {
    toast(errorText(err));
  }
}

function renderList() {
  const list = $("#conversation-list");
  const rows = [...state.conversations.values()].sort((a, b) =>
    a.last_message_at < b.last_message_at ? 1 : a.last_message_at > b.last_message_at ? -1 : 0,
  );
  clear(list);
  for (const conv of rows) list.append(listItem(conv));
  $("#list-empty").hidden = rows.length > 0;
  updateTitle();
}

const renderListSoon = debounce(renderList, 50);

function listItem(conv) {
  const unread = state.unread.has(conv.id);
  const sub = [];
  if (conv.priority > 0) sub.push(priorityBadge(conv.priority));
  if (conv.handoff_reason) {
    sub.push(el("span", { class: "badge handoff-badge", text: handoffReasonText(conv.handoff_reason) }));
  }
  sub.push(el("span", { text: inboxName(conv.inbox_id) }));
  if (conv.assignee) sub.push(el("span", { text: `→ ${conv.assignee.name || ""}` }));
  for (const tag of conv.tags) sub.push(el("span", { class: "tag-chip", text: tag }));
  const button = el(
    "button",
    {
      class: `conv-item${unread ? " unread" : ""}`,
      attrs: {
        type: "button",
        "data-id": conv.id,
        "aria-current": conv.id === state.selectedId ? "true" : "false",
      },
      on: { click: () => selectConversation(conv.id, { focusComposer: true }) },
    },
    [
      el("span", { class: "conv-name" }, [
        unread
          ? el("span", { class: "unread-dot", attrs: { role: "img", "aria-label": t("list.unread") } })
          : null,
        el("span", { class: "conv-contact", text: contactName(conv.contact) }),
      ]),
      el("span", { class: "conv-time", text: formatTime(conv.last_message_at) }),
      el("span", { class: "conv-preview", text: previewText(conv.last_message) }),
      el("span", { class: "conv-meta" }, [stateBadge(conv.state)]),
      el("span", { class: "conv-sub" }, sub),
    ],
  );
  return el("li", {}, [button]);
}

function bindFilters() {
  for (const tab of document.querySelectorAll(".view-tab")) {
    tab.setAttribute("aria-pressed", tab.dataset.view === state.filters.view ? "true" : "false");
    tab.addEventListener("click", () => {
      state.filters.view = tab.dataset.view;
      localStorage.setItem(VIEW_KEY, state.filters.view);
      for (const other of document.querySelectorAll(".view-tab")) {
        other.setAttribute("aria-pressed", other === tab ? "true" : "false");
      }
      loadConversations();
    });
  }
  const inboxSelect = $("#filter-inbox");
  for (const inbox of state.inboxes.values()) {
    inboxSelect.append(el("option", { text: inbox.name, attrs: { value: inbox.id } }));
  }
  inboxSelect.addEventListener("change", () => {
    state.filters.inbox_id = inboxSelect.value;
    loadConversations();
  });
  $("#filter-state").addEventListener("change", (event) => {
    state.filters.state = event.target.value;
    loadConversations();
  });
  const tagInput = $("#filter-tag");
  tagInput.addEventListener(
    "input",
    debounce(() => {
      state.filters.tag = tagInput.value.trim();
      loadConversations();
    }, 300),
  );
}

// ------------------------------------------------------------------ one conversation

async function selectConversation(id, { focusComposer = false } = {}) {
  const switching = id !== state.selectedId;
  state.selectedId = id;
  state.unread.delete(id);
  window.history.replaceState(null, "", `#c=${encodeURIComponent(id)}`);
  renderList();
  const token = ++state.loadToken;
  if (switching) {
    state.messages = new Map();
    state.selected = null;
    state.contact = null;
    clear($("#transcript"));
    hideContactTyping();
    $("#composer-error").textContent = "";
    setFieldValue($("#composer-text"), "");
    canned.close();
  }
  $("#no-selection").hidden = true;
  $("#conversation-view").hidden = false;
  try {
    const [conv, messages] = await Promise.all([
      api("GET", `/api/v1/conversations/${encodeURIComponent(id)}`),
      api("GET", `/api/v1/conversations/${encodeURIComponent(id)}/messages`),
    ]);
    if (token !== state.loadToken) return;
    state.selected = conv;
    renderHeader(conv);
    for (const message of messages) addMessage(message);
    scrollTranscriptToEnd();
    if (focusComposer) $("#composer-text").focus();
    loadContact(conv.contact.id, token);
  } catch (err) {
    if (token !== state.loadToken) return;
    toast(errorText(err));
    if (err instanceof ApiError && err.status === 404) closeConversation();
  }
}

function closeConversation() {
  state.selectedId = null;
  state.selected = null;
  state.loadToken += 1;
  window.history.replaceState(null, "", window.location.pathname);
  $("#conversation-view").hidden = true;
  $("#no-selection").hidden = false;
  $("#contact-panel").hidden = true;
  renderList();
}

function renderHeader(conv) {
  $("#conv-title").textContent = contactName(conv.contact);
  const badge = $("#conv-state");
  badge.className = `badge state-${conv.state}`;
  badge.textContent = t(`state.${conv.state}`);
  $("#conv-inbox").textContent = inboxName(conv.inbox_id);
  const priority = $("#conv-priority");
  priority.hidden = !(conv.priority > 0);
  priority.textContent = conv.priority > 0 ? t("conversation.priority", { n: conv.priority }) : "";
  const handoff = $("#conv-handoff");
  handoff.hidden = !conv.handoff_reason;
  handoff.textContent = conv.handoff_reason
    ? handoffLine({ reason: conv.handoff_reason, intent: conv.intent })
    : "";
  const intent = $("#conv-intent");
  intent.hidden = Boolean(conv.handoff_reason) || !conv.intent;
  intent.textContent = conv.intent ? t("handoff.intent", { intent: conv.intent }) : "";
  renderAssignee(conv);
  const resolved = conv.state === "resolved";
  $("#resolve").hidden = resolved;
  $("#reopen").hidden = !resolved;
  $("#assign-me").hidden = Boolean(conv.assignee && conv.assignee.id === state.me.id);
  const tags = $("#tags");
  clear(tags);
  for (const name of conv.tags) {
    tags.append(
      el("li", { class: "tag-chip" }, [
        el("span", { text: name }),
        el("button", {
          class: "tag-remove",
          text: "×",
          attrs: { type: "button", "aria-label": t("tags.remove", { tag: name }) },
          on: { click: () => removeTag(name) },
        }),
      ]),
    );
  }
}

function renderAssignee(conv) {
  const select = $("#assignee");
  clear(select);
  select.append(el("option", { text: t("conversation.unassigned"), attrs: { value: "" } }));
  for (const agent of state.agents.values()) {
    const label = `${agent.name} · ${t(`presence.${agent.presence}`)}`;
    select.append(el("option", { text: label, attrs: { value: agent.id } }));
  }
  select.value = conv.assignee ? conv.assignee.id : "";
}

/** A link only for an absolute http(s) URL; anything else stays text. */
function messageNode(message) {
  let kind = message.direction === "in" ? "in" : "out";
  if (message.sender_kind === "system") kind = "system";
  if (message.sender_kind === "bot") kind = "bot";
  if (message.private) kind = "note";
  const content = message.content && typeof message.content === "object" ? message.content : {};
  const systemNote = message.private && message.sender_kind === "system";
  const who =
    message.sender_kind === "bot"
      ? message.sender_name
      : message.sender_name || t(`sender.${message.sender_kind}`);
  const meta = el("div", { class: "msg-meta" }, [
    message.private
      ? el("span", {
          class: "note-label",
          text: systemNote ? t("message.system_note") : t("message.note"),
        })
      : null,
    message.sender_kind === "bot" ? el("span", { class: "bot-label", text: t("sender.bot") }) : null,
    who ? el("span", { class: "msg-sender", text: who }) : null,
    el("time", { text: formatTime(message.created_at), attrs: { datetime: message.created_at } }),
  ]);
  const children = [meta];
  const handoff = content.handoff && typeof content.handoff === "object" ? content.handoff : null;
  if (handoff) {
    children.push(
      el("p", { class: "msg-handoff" }, [
        el("span", { text: handoffLine(handoff) }),
        handoff.priority > 0 ? priorityBadge(handoff.priority) : null,
      ]),
    );
  }
  if (message.text) children.push(el("p", { class: "msg-text", text: message.text }));
  if (content.card && typeof content.card === "object") children.push(cardNode(content.card));
  const quick = Array.isArray(content.quick_replies) ? content.quick_replies : [];
  if (quick.length) {
    children.push(
      el(
        "ul",
        { class: "chips", attrs: { "aria-label": t("message.quick_replies") } },
        quick.map((q) => el("li", { class: "chip", text: q.title })),
      ),
    );
  }
  if (message.attachments && message.attachments.length) {
    children.push(
      el(
        "div",
        { class: "msg-attachments" },
        message.attachments.map((a) => safeLink(a.url, a.name)),
      ),
    );
  }
  const classes = `msg msg-${kind}${systemNote ? " msg-system-note" : ""}`;
  return el(
    "li",
    { class: classes, attrs: { "data-seq": message.seq, "data-kind": kind, "data-sender": message.sender_kind } },
    children,
  );
}

/** Adds a message to the open transcript once, in seq order, whichever way it arrived. */
function addMessage(message) {
  if (state.messages.has(message.seq)) return;
  state.messages.set(message.seq, message);
  const list = $("#transcript");
  const nearEnd = list.scrollHeight - list.scrollTop - list.clientHeight < 80;
  let before = null;
  for (let node = list.lastElementChild; node; node = node.previousElementSibling) {
    if (Number(node.dataset.seq) > message.seq) before = node;
    else break;
  }
  list.insertBefore(messageNode(message), before);
  if (nearEnd || message.sender_id === state.me.id) scrollTranscriptToEnd();
}

function rerenderTranscript() {
  const list = $("#transcript");
  clear(list);
  const ordered = [...state.messages.values()].sort((a, b) => a.seq - b.seq);
  for (const message of ordered) list.append(messageNode(message));
  scrollTranscriptToEnd();
}

function scrollTranscriptToEnd() {
  const list = $("#transcript");
  list.scrollTop = list.scrollHeight;
}

async function loadContact(contactId, token) {
  try {
    const contact = await api("GET", `/api/v1/contacts/${encodeURIComponent(contactId)}`);
    if (token !== state.loadToken) return;
    state.contact = contact;
    renderContact();
  } catch (err) {
    if (token === state.loadToken) $("#contact-panel").hidden = true;
  }
}

function renderContact() {
  const contact = state.contact;
  if (!contact) return;
  $("#contact-panel").hidden = false;
  $("#contact-name").textContent = contact.name || "—";
  $("#contact-email").textContent = contact.email || "—";
  $("#contact-phone").textContent = contact.phone || "—";
  const list = $("#contact-history");
  clear(list);
  for (const conv of contact.conversations) {
    const current = conv.id === state.selectedId;
    list.append(
      el("li", {}, [
        el(
          "button",
          {
            class: "history-item",
            attrs: { type: "button", "aria-current": current ? "true" : "false", "data-id": conv.id },
            on: { click: () => selectConversation(conv.id) },
          },
          [
            el("span", { class: "history-top" }, [
              el("span", { text: `${inboxName(conv.inbox_id)} · ${formatTime(conv.created_at)}` }),
              stateBadge(conv.state),
            ]),
            el("span", { class: "history-preview", text: previewText(conv.last_message) || "—" }),
          ],
        ),
      ]),
    );
  }
}

const refreshContactSoon = debounce(() => {
  if (state.contact && state.selectedId) loadContact(state.contact.id, state.loadToken);
}, 400);

// ------------------------------------------------------------------ actions

async function conversationAction(path, body) {
  const id = state.selectedId;
  if (!id) return;
  try {
    const conv = await api("POST", `/api/v1/conversations/${encodeURIComponent(id)}/${path}`, body);
    upsertConversation(conv);
  } catch (err) {
    toast(errorText(err));
    if (state.selected) renderHeader(state.selected);
  }
}

async function removeTag(name) {
  const id = state.selectedId;
  try {
    const conv = await api(
      "DELETE",
      `/api/v1/conversations/${encodeURIComponent(id)}/tags/${encodeURIComponent(name)}`,
    );
    upsertConversation(conv);
  } catch (err) {
    toast(errorText(err));
  }
}

function bindConversationActions() {
  $("#assignee").addEventListener("change", (event) =>
    conversationAction("assign", { agent_id: event.target.value || null }),
  );
  $("#assign-me").addEventListener("click", () =>
    conversationAction("assign", { agent_id: state.me.id }),
  );
  $("#resolve").addEventListener("click", () => conversationAction("resolve"));
  $("#reopen").addEventListener("click", () => conversationAction("reopen"));
  $("#tag-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const input = $("#tag-input");
    const name = input.value.trim();
    if (!name) return;
    await conversationAction("tags", { name });
    setFieldValue(input, "");
  });
}

// ------------------------------------------------------------------ composer

let typingFor = null;
let typingIdleTimer = null;
const sendTypingOn = throttle((conversationId) => {
  if (stream.send({ type: "typing", conversation_id: conversationId, on: true })) {
    typingFor = conversationId;
  }
}, TYPING_SEND_EVERY_MS);

function agentIsTyping() {
  if ($("#composer").dataset.mode !== "reply" || !state.selectedId) return;
  sendTypingOn(state.selectedId);
  clearTimeout(typingIdleTimer);
  typingIdleTimer = setTimeout(stopTyping, TYPING_IDLE_MS);
}

function stopTyping() {
  clearTimeout(typingIdleTimer);
  if (typingFor) {
    stream.send({ type: "typing", conversation_id: typingFor, on: false });
    typingFor = null;
  }
}

function setMode(mode) {
  const composer = $("#composer");
  composer.dataset.mode = mode;
  const textarea = $("#composer-text");
  const key = mode === "note" ? "composer.note_prompt" : "composer.reply_prompt";
  $("#composer-hint").textContent = t(key);
  textarea.setAttribute("aria-label", t(key));
  $("#send").textContent = t(mode === "note" ? "composer.add_note" : "composer.send");
  if (mode === "note") stopTyping();
}

/** The compliance gate's findings, explained in the agent's language, as plain text nodes. */
function showCompliance(err, onConfirm) {
  const box = $("#composer-error");
  box.textContent = "";
  const head = document.createElement("strong");
  head.textContent = t(err.code === "compliance_blocked" ? "compliance.blocked" : "compliance.warning");
  box.append(head);
  const list = document.createElement("ul");
  list.className = "compliance-findings";
  for (const finding of (err.details && err.details.findings) || []) {
    const item = document.createElement("li");
    item.textContent = finding.explanation;
    list.append(item);
  }
  box.append(list);
  if (onConfirm) {
    const confirm = document.createElement("button");
    confirm.type = "button";
    confirm.className = "button";
    confirm.id = "compliance-confirm";
    confirm.textContent = t("compliance.send_anyway");
    confirm.addEventListener("click", onConfirm, { once: true });
    box.append(confirm);
  }
}

async function sendComposer(confirmWarnings = false) {
  const id = state.selectedId;
  const textarea = $("#composer-text");
  const text = textarea.value.trim();
  if (!id || !text) return;
  const isNote = $("#composer").dataset.mode === "note";
  const button = $("#send");
  button.disabled = true;
  $("#composer-error").textContent = "";
  try {
    const message = await api("POST", `/api/v1/conversations/${encodeURIComponent(id)}/messages`, {
      text,
      private: isNote,
      confirm_warnings: confirmWarnings,
    });
    if (textarea.value.trim() === text) setFieldValue(textarea, "");
    stopTyping();
    if (state.selectedId === id) addMessage(message);
  } catch (err) {
    if (err.code === "compliance_warning") {
      showCompliance(err, () => sendComposer(true));
    } else if (err.code === "compliance_blocked") {
      showCompliance(err, null);
    } else {
      $("#composer-error").textContent = errorText(err);
    }
  } finally {
    button.disabled = false;
    textarea.focus();
  }
}

async function useCanned(item) {
  const textarea = $("#composer-text");
  try {
    const rendered = await api(
      "POST",
      `/api/v1/canned-responses/${encodeURIComponent(item.id)}/render`,
      { conversation_id: state.selectedId },
    );
    setFieldValue(textarea, rendered.text);
  } catch (err) {
    toast(errorText(err));
  }
  textarea.focus();
  textarea.setSelectionRange(textarea.value.length, textarea.value.length);
}

function bindComposer() {
  const textarea = $("#composer-text");
  canned = new CannedMenu({
    textarea,
    menu: $("#canned-menu"),
    button: $("#canned-button"),
    items: () => state.canned,
    onPick: useCanned,
    emptyText: () => t("canned.empty"),
  });
  for (const radio of document.querySelectorAll('input[name="mode"]')) {
    radio.addEventListener("change", () => setMode(radio.value));
  }
  textarea.addEventListener("keydown", (event) => {
    if (event.isComposing || event.keyCode === 229) return; // IME (pinyin, zhuyin) at work
    if (canned.handleKey(event)) {
      event.preventDefault();
      return;
    }
    if (event.key === "Enter" && !event.shiftKey) {
      event.preventDefault();
      sendComposer();
    }
  });
  textarea.addEventListener("input", () => {
    canned.onInput();
    if (textarea.value) agentIsTyping();
  });
  textarea.addEventListener("blur", () => setTimeout(() => canned.bySlash && canned.close(), 150));
  $("#composer").addEventListener("submit", (event) => {
    event.preventDefault();
    sendComposer();
  });
}

// ------------------------------------------------------------------ live events

let contactTypingTimer = null;
function showContactTyping() {
  $("#typing").hidden = false;
  clearTimeout(contactTypingTimer);
  contactTypingTimer = setTimeout(hideContactTyping, CONTACT_TYPING_TIMEOUT_MS);
}
function hideContactTyping() {
  clearTimeout(contactTypingTimer);
  $("#typing").hidden = true;
}

function upsertConversation(conv) {
  if (matchesFilters(conv)) state.conversations.set(conv.id, conv);
  else state.conversations.delete(conv.id);
  if (conv.id === state.selectedId) {
    state.selected = conv;
    renderHeader(conv);
  }
  if (state.contact && conv.contact.id === state.contact.id) refreshContactSoon();
  renderListSoon();
}

function onMessageCreated(conversationId, message) {
  const conv = state.conversations.get(conversationId);
  if (conv && !message.private) {
    conv.last_message = message;
    conv.last_message_at = message.created_at;
  }
  if (conversationId === state.selectedId) {
    addMessage(message);
    if (message.direction === "in") hideContactTyping();
  } else if (message.direction === "in") {
    state.unread.add(conversationId);
  }
  renderListSoon();
}

function onEvent(event) {
  switch (event.type) {
    case "message.created":
      onMessageCreated(event.conversation_id, event.message);
      break;
    case "conversation.created":
      if (event.conversation.id !== state.selectedId) state.unread.add(event.conversation.id);
      upsertConversation(event.conversation);
      break;
    case "conversation.updated":
      upsertConversation(event.conversation);
      break;
    case "agent.presence": {
      const agent = state.agents.get(event.agent_id);
      if (agent) agent.presence = event.presence;
      if (event.agent_id === state.me.id) {
        state.me.presence = event.presence;
        showPresence(event.presence);
      }
      if (state.selected) renderAssignee(state.selected);
      break;
    }
    case "typing":
      if (event.conversation_id === state.selectedId && event.who === "contact") {
        if (event.on) showContactTyping();
        else hideContactTyping();
      }
      break;
    default:
      break;
  }
}

async function onSync() {
  await loadConversations();
  const wanted = state.selectedId || initialSelection();
  if (wanted) selectConversation(wanted);
}

function initialSelection() {
  const match = /^#c=(.+)$/.exec(window.location.hash);
  return match ? decodeURIComponent(match[1]) : null;
}

// ------------------------------------------------------------------ start

async function main() {
  const me = await loadMe();
  if (!me) return;
  state.me = me;
  await setLocale(me.locale);
  const setStatus = initShell(me);
  const [agents, inboxes, cannedRows] = await Promise.all([
    api("GET", "/api/v1/agents"),
    api("GET", "/api/v1/inboxes"),
    api("GET", "/api/v1/canned-responses"),
  ]);
  state.agents = new Map(agents.map((a) => [a.id, a]));
  state.inboxes = new Map(inboxes.map((i) => [i.id, i]));
  state.canned = cannedRows;
  bindFieldHints();
  bindFilters();
  bindConversationActions();
  bindComposer();
  setMode("reply");
  document.addEventListener("kefu:locale", () => {
    renderList();
    setMode($("#composer").dataset.mode);
    if (state.selected) renderHeader(state.selected);
    rerenderTranscript();
    renderContact();
  });
  document.addEventListener("keydown", (event) => {
    if (event.key === "Escape" && canned.isOpen()) canned.close();
  });
  stream = new AgentStream({ onEvent, onSync, onStatus: setStatus });
  stream.start();
  $("#console").setAttribute("aria-busy", "false");
}

main().catch((err) => toast(errorText(err)));
