// The console's link to the server: JSON over HTTP (session cookie) and the /ws/agent stream
// with resume by last event id (docs/protocol.md).

export class ApiError extends Error {
  constructor(status, code, message, details = null) {
    super(message || code);
    this.status = status;
    this.code = code;
    this.details = details;
  }
}

/** Sends a JSON request; resolves with the parsed body, rejects with ApiError. */
export async function api(method, path, body = undefined, { redirectOn401 = true } = {}) {
  const init = { method, credentials: "same-origin", headers: { Accept: "application/json" } };
  if (body !== undefined) {
    init.headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  let response;
  try {
    response = await fetch(path, init);
  } catch (err) {
    throw new ApiError(0, "network", String(err));
  }
  if (response.status === 204) return null;
  let data = null;
  try {
    data = await response.json();
  } catch {
    data = null;
  }
  if (!response.ok) {
    const error = (data && data.error) || {};
    if (response.status === 401 && redirectOn401) toLogin();
    throw new ApiError(
      response.status,
      error.code || "http_error",
      error.message || "",
      error.details || null,
    );
  }
  return data;
}

export function toLogin() {
  const next = window.location.pathname + window.location.search;
  window.location.assign(`/console/login?next=${encodeURIComponent(next)}`);
}

/**
 * The agent event stream. Keeps the last event id; after a drop it reconnects with exponential
 * backoff and jitter and asks for what it missed. Callbacks:
 *   onEvent(event, id)   one event body, in order, never twice
 *   onSync(kind)         "welcome" (fresh start) or "resync" (replay impossible): reload lists
 *   onStatus(status)     "connecting" | "online" | "offline"
 */
export class AgentStream {
  constructor({ onEvent, onSync, onStatus }) {
    this.onEvent = onEvent;
    this.onSync = onSync;
    this.onStatus = onStatus || (() => {});
    this.lastEventId = null;
    this.attempt = 0;
    this.socket = null;
    this.closed = false;
    this.pingTimer = null;
    this.retryTimer = null;
  }

  start() {
    this.closed = false;
    this.connect();
    window.addEventListener("online", () => this.reconnectNow());
  }

  stop() {
    this.closed = true;
    clearTimeout(this.retryTimer);
    clearInterval(this.pingTimer);
    if (this.socket) this.socket.close();
  }

  reconnectNow() {
    if (this.closed || (this.socket && this.socket.readyState <= WebSocket.OPEN)) return;
    clearTimeout(this.retryTimer);
    this.connect();
  }

  send(frame) {
    if (this.socket && this.socket.readyState === WebSocket.OPEN) {
      this.socket.send(JSON.stringify(frame));
      return true;
    }
    return false;
  }

  connect() {
    this.onStatus("connecting");
    const scheme = window.location.protocol === "https:" ? "wss" : "ws";
    const socket = new WebSocket(`${scheme}://${window.location.host}/ws/agent`);
    this.socket = socket;
    socket.addEventListener("open", () => {
      socket.send(JSON.stringify({ type: "hello", last_event_id: this.lastEventId }));
    });
    socket.addEventListener("message", (message) => this.receive(message.data));
    socket.addEventListener("close", (event) => {
      clearInterval(this.pingTimer);
      if (this.socket !== socket) return;
      this.socket = null;
      this.onStatus("offline");
      if (event.code === 4401) {
        toLogin();
        return;
      }
      if (!this.closed) this.scheduleRetry();
    });
  }

  scheduleRetry() {
    const ceiling = Math.min(30000, 1000 * 2 ** this.attempt);
    const delay = ceiling / 2 + Math.random() * (ceiling / 2);
    this.attempt += 1;
    this.retryTimer = setTimeout(() => this.connect(), delay);
  }

  receive(raw) {
    let frame;
    try {
      frame = JSON.parse(raw);
    } catch {
      return;
    }
    switch (frame.type) {
      case "welcome":
      case "resync":
        this.opened(frame);
        this.onSync(frame.type);
        break;
      case "resumed":
        this.opened(frame);
        break;
      case "event":
        if (this.lastEventId !== null && frame.id <= this.lastEventId) return;
        this.lastEventId = frame.id;
        this.onEvent(frame.event, frame.id);
        break;
      default:
        break;
    }
  }

  opened(frame) {
    this.attempt = 0;
    if (typeof frame.event_id === "number") {
      this.lastEventId = Math.max(this.lastEventId ?? frame.event_id, frame.event_id);
      if (frame.type !== "resumed") this.lastEventId = frame.event_id;
    }
    this.onStatus("online");
    clearInterval(this.pingTimer);
    this.pingTimer = setInterval(() => this.send({ type: "ping" }), 25000);
  }
}
