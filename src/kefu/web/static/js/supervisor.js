// The supervisor page: every live conversation (state, inbox, assignee, waiting time, last
// message) and every agent (presence, connection, open conversations), kept live by /ws/agent.

import { AgentStream, api } from "./api.js";
import { $, clear, debounce, el } from "./dom.js";
import { formatDuration, formatTime, setLocale, t } from "./i18n.js";
import { errorText, initShell, loadMe, toast } from "./shell.js";

const LONG_WAIT_SECONDS = 120;

const state = {
  conversations: new Map(),
  agents: new Map(),
  inboxes: new Map(),
};

/**
 * Seconds the customer has been waiting: since their last message when it is still unanswered,
 * else since the conversation joined the queue while it is queued; null when nobody waits.
 */
function waitingSeconds(conv, now) {
  const last = conv.last_message;
  if (last && last.direction === "in" && conv.state !== "resolved") {
    return (now - Date.parse(last.created_at)) / 1000;
  }
  if (conv.state === "queued" && conv.queued_at) return (now - Date.parse(conv.queued_at)) / 1000;
  return null;
}

function contactName(contact) {
  return (contact && (contact.name || contact.email || contact.phone)) || t("contact.anonymous");
}

async function loadOverview() {
  try {
    const overview = await api("GET", "/api/v1/supervisor/overview");
    state.conversations = new Map(overview.conversations.map((c) => [c.id, c]));
    state.agents = new Map(overview.agents.map((a) => [a.id, a]));
    render();
  } catch (err) {
    if (err.status === 403) {
      $("#supervisor-denied").hidden = false;
      return;
    }
    toast(errorText(err));
  }
}

const refreshSoon = debounce(loadOverview, 700);

function render() {
  renderConversations();
  renderAgents();
  renderStats();
}

function sortedConversations() {
  const now = Date.now();
  return [...state.conversations.values()].sort((a, b) => {
    const wa = waitingSeconds(a, now) ?? -1;
    const wb = waitingSeconds(b, now) ?? -1;
    return wb - wa || (a.last_message_at < b.last_message_at ? 1 : -1);
  });
}

function renderConversations() {
  const body = $("#live-body");
  clear(body);
  const now = Date.now();
  const rows = sortedConversations();
  for (const conv of rows) {
    const waiting = waitingSeconds(conv, now);
    body.append(
      el("tr", { attrs: { "data-id": conv.id } }, [
        el("td", {}, [
          el("a", {
            text: contactName(conv.contact),
            attrs: { href: `/console#c=${encodeURIComponent(conv.id)}` },
          }),
        ]),
        el("td", {}, [el("span", { class: `badge state-${conv.state}`, text: t(`state.${conv.state}`) })]),
        el("td", { text: state.inboxes.get(conv.inbox_id)?.name || "" }),
        el("td", { text: conv.assignee ? conv.assignee.name : t("conversation.unassigned") }),
        el("td", {
          class: `waiting${waiting !== null && waiting > LONG_WAIT_SECONDS ? " waiting-long" : ""}`,
          text: waiting === null ? "—" : formatDuration(waiting),
          attrs: { "data-waiting": waiting === null ? "" : Math.floor(waiting) },
        }),
        el("td", { class: "preview" }, [
          el("span", { text: conv.last_message ? conv.last_message.text : "" }),
          conv.last_message
            ? el("span", { class: "muted small", text: ` · ${formatTime(conv.last_message.created_at)}` })
            : null,
        ]),
      ]),
    );
  }
  $("#live-empty").hidden = rows.length > 0;
}

/** Updates only the waiting-time cells, so focus and selection in the tables stay put. */
function tickWaiting() {
  const now = Date.now();
  for (const row of $("#live-body").children) {
    const conv = state.conversations.get(row.dataset.id);
    const cell = row.querySelector(".waiting");
    if (!conv || !cell) continue;
    const waiting = waitingSeconds(conv, now);
    cell.textContent = waiting === null ? "—" : formatDuration(waiting);
    cell.classList.toggle("waiting-long", waiting !== null && waiting > LONG_WAIT_SECONDS);
  }
  renderStats();
}

function renderAgents() {
  const body = $("#agents-body");
  clear(body);
  const rows = [...state.agents.values()].sort((a, b) => a.name.localeCompare(b.name));
  for (const agent of rows) {
    body.append(
      el("tr", { attrs: { "data-id": agent.id } }, [
        el("td", {}, [el("strong", { text: agent.name }), el("div", { class: "muted small", text: agent.email })]),
        el("td", { text: t(`role.${agent.role}`) }),
        el("td", {}, [
          el("span", { class: "presence-dot", attrs: { "data-presence": agent.presence, "aria-hidden": "true" } }),
          el("span", { text: ` ${t(`presence.${agent.presence}`)}` }),
        ]),
        el("td", { text: agent.connected ? t("supervisor.connected_yes") : t("supervisor.connected_no") }),
        el("td", { class: "open-count", text: String(agent.open_conversations) }),
      ]),
    );
  }
}

function renderStats() {
  const now = Date.now();
  let queued = 0;
  let assigned = 0;
  let longest = null;
  for (const conv of state.conversations.values()) {
    if (conv.state === "queued") queued += 1;
    if (conv.state === "assigned") assigned += 1;
    const waiting = waitingSeconds(conv, now);
    if (waiting !== null && (longest === null || waiting > longest)) longest = waiting;
  }
  $("#stat-queued").textContent = String(queued);
  $("#stat-assigned").textContent = String(assigned);
  $("#stat-online").textContent = String(
    [...state.agents.values()].filter((a) => a.presence === "online").length,
  );
  $("#stat-longest").textContent = longest === null ? "—" : formatDuration(longest);
}

function onEvent(event) {
  switch (event.type) {
    case "conversation.created":
    case "conversation.updated": {
      const conv = event.conversation;
      if (conv.state === "resolved") state.conversations.delete(conv.id);
      else state.conversations.set(conv.id, conv);
      render();
      refreshSoon(); // open-conversation counts per agent
      break;
    }
    case "message.created": {
      const conv = state.conversations.get(event.conversation_id);
      if (conv && !event.message.private) {
        conv.last_message = event.message;
        conv.last_message_at = event.message.created_at;
        render();
      }
      break;
    }
    case "agent.presence": {
      const agent = state.agents.get(event.agent_id);
      if (agent) agent.presence = event.presence;
      render();
      refreshSoon(); // who is connected
      break;
    }
    default:
      break;
  }
}

async function main() {
  const me = await loadMe();
  if (!me) return;
  await setLocale(me.locale);
  const setStatus = initShell(me);
  if (!["admin", "supervisor"].includes(me.role)) {
    $("#supervisor-denied").hidden = false;
    $("#supervisor").setAttribute("aria-busy", "false");
    return;
  }
  const inboxes = await api("GET", "/api/v1/inboxes");
  state.inboxes = new Map(inboxes.map((i) => [i.id, i]));
  document.addEventListener("kefu:locale", render);
  const stream = new AgentStream({ onEvent, onSync: loadOverview, onStatus: setStatus });
  stream.start();
  // Waiting times move on their own: redraw them every second.
  setInterval(tickWaiting, 1000);
  $("#supervisor").setAttribute("aria-busy", "false");
}

main().catch((err) => toast(errorText(err)));
