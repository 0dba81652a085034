/*
 * Kefu web-chat widget. Add it to any page with one tag:
 *
 *   <script src="https://KEFU_HOST/widget.js" data-inbox="INBOX_TOKEN" async></script>
 *
 * Optional attributes: data-locale (zh-CN, zh-TW, en, pl; default from the browser),
 * data-color (#rrggbb accent), and for a shop's signed-in customers data-user-id,
 * data-user-name, data-user-email and data-user-hash (hex HMAC-SHA256 of the user id with the
 * inbox's identity secret, computed on the shop's server).
 *
 * The UI lives in a Shadow DOM so the page's CSS cannot reach it. Message text is only ever set
 * with textContent: nothing a customer or an agent writes is parsed as HTML.
 * Protocol: docs/protocol.md ("Widget websocket").
 */
(() => {
  "use strict";

  const script =
    document.currentScript ||
    Array.from(document.querySelectorAll("script[data-inbox]")).find((s) =>
      /\/widget\.js(?:[?#]|$)/.test(s.src),
    );
  if (!script) return;
  const inboxToken = (script.getAttribute("data-inbox") || "").trim();
  if (!inboxToken) {
    console.error('Kefu widget: add data-inbox="<inbox token>" to the script tag.');
    return;
  }
  const loaded = (window.__kefuWidgets = window.__kefuWidgets || {});
  if (loaded[inboxToken]) return; // the tag is on the page twice
  loaded[inboxToken] = true;

  const ORIGIN = new URL(script.src, window.location.href).origin;
  const SOCKET_URL = `${ORIGIN.replace(/^http/, "ws")}/ws/widget?inbox=${encodeURIComponent(inboxToken)}`;
  const MAX_FRAME_TEXT_BYTES = 60 * 1024; // the server refuses websocket frames over 64 KiB
  const TYPING_SEND_EVERY_MS = 3000;
  const TYPING_IDLE_MS = 4000;
  const AGENT_TYPING_TIMEOUT_MS = 7000;
  const PING_EVERY_MS = 25000;
  const SILENCE_LIMIT_MS = 65000;
  const BACKOFF_BASE_MS = 1000;
  const BACKOFF_MAX_MS = 30000;

  // ------------------------------------------------------------------ language

  const STRINGS = {
    en: {
      open: "Open chat",
      close: "Close chat",
      title: "Chat with us",
      hint: "Type a message…",
      send: "Send",
      sending: "Sending…",
      failed: "Not sent",
      typing: "Agent is typing…",
      queue: "You are number {n} in the queue.",
      queueWait: "You are number {n} in the queue — about {m} min.",
      connecting: "Connecting…",
      reconnecting: "Connection lost — reconnecting…",
      unavailable: "Chat is not available right now.",
      messages: "Messages",
      you: "You",
      agent: "Agent",
      bot: "Assistant",
      unread: "{n} unread",
      prechat: "Before we start, please tell us who you are.",
      prechat_optional: "Tell us who you are (optional).",
      name: "Name",
      email: "Email",
      phone: "Phone",
      required: "required",
      optional: "optional",
      start: "Start chat",
      skip: "Skip",
      fill_form: "Please fill in the form above to start the chat.",
      invalid_email: "Please enter a valid email address.",
      invalid_phone: "Please enter a valid phone number.",
      missing: "Please fill in: {field}.",
      too_long: "Your message is too long. Please shorten it.",
      rate_limited: "You are sending messages too fast. Please wait a moment.",
      invalid: "This message could not be sent.",
      generic: "Something went wrong. Please try again.",
      powered: "Powered by Kefu",
      card_order: "Order", card_status: "Status", card_carrier: "Carrier", card_tracking: "Tracking", card_eta: "Expected", card_total: "Total", card_view: "View product",
    },
    pl: {
      open: "Otwórz czat",
      close: "Zamknij czat",
      title: "Napisz do nas",
      hint: "Napisz wiadomość…",
      send: "Wyślij",
      sending: "Wysyłanie…",
      failed: "Nie wysłano",
      typing: "Konsultant pisze…",
      queue: "Jesteś {n}. w kolejce.",
      queueWait: "Jesteś {n}. w kolejce — około {m} min.",
      connecting: "Łączenie…",
      reconnecting: "Utracono połączenie — łączę ponownie…",
      unavailable: "Czat jest teraz niedostępny.",
      messages: "Wiadomości",
      you: "Ty",
      agent: "Konsultant",
      bot: "Asystent",
      unread: "Nieprzeczytane: {n}",
      prechat: "Zanim zaczniemy, przedstaw się, proszę.",
      prechat_optional: "Przedstaw się (opcjonalnie).",
      name: "Imię",
      email: "E-mail",
      phone: "Telefon",
      required: "wymagane",
      optional: "opcjonalne",
      start: "Rozpocznij czat",
      skip: "Pomiń",
      fill_form: "Wypełnij formularz powyżej, aby rozpocząć czat.",
      invalid_email: "Podaj poprawny adres e-mail.",
      invalid_phone: "Podaj poprawny numer telefonu.",
      missing: "Uzupełnij: {field}.",
      too_long: "Wiadomość jest za długa. Skróć ją, proszę.",
      rate_limited: "Wysyłasz wiadomości zbyt szybko. Odczekaj chwilę.",
      invalid: "Nie udało się wysłać tej wiadomości.",
      generic: "Coś poszło nie tak. Spróbuj ponownie.",
      powered: "Obsługiwane przez Kefu",
      card_order: "Zamówienie", card_status: "Status", card_carrier: "Przewoźnik", card_tracking: "Numer przesyłki", card_eta: "Przewidywana dostawa", card_total: "Razem", card_view: "Zobacz produkt",
    },
    "zh-CN": {
      open: "打开聊天",
      close: "关闭聊天",
      title: "在线客服",
      hint: "输入消息…",
      send: "发送",
      sending: "发送中…",
      failed: "未发送",
      typing: "客服正在输入…",
      queue: "您前面还有 {before} 位，当前排在第 {n} 位。",
      queueWait: "您排在第 {n} 位，预计等待约 {m} 分钟。",
      connecting: "正在连接…",
      reconnecting: "连接已断开，正在重新连接…",
      unavailable: "聊天服务暂不可用。",
      messages: "消息",
      you: "我",
      agent: "客服",
      bot: "智能助手",
      unread: "{n} 条未读",
      prechat: "开始之前，请留下您的联系方式。",
      prechat_optional: "留下您的联系方式（选填）。",
      name: "姓名",
      email: "邮箱",
      phone: "手机号",
      required: "必填",
      optional: "选填",
      start: "开始聊天",
      skip: "跳过",
      fill_form: "请先填写上方表单再开始聊天。",
      invalid_email: "请输入有效的邮箱地址。",
      invalid_phone: "请输入有效的电话号码。",
      missing: "请填写：{field}。",
      too_long: "消息太长，请精简后再发送。",
      rate_limited: "发送太频繁，请稍候再试。",
      invalid: "此消息无法发送。",
      generic: "出错了，请重试。",
      powered: "由 Kefu 提供支持",
      card_order: "订单", card_status: "状态", card_carrier: "快递公司", card_tracking: "运单号", card_eta: "预计送达", card_total: "合计", card_view: "查看商品",
    },
    "zh-TW": {
      open: "開啟聊天",
      close: "關閉聊天",
      title: "線上客服",
      hint: "輸入訊息…",
      send: "傳送",
      sending: "傳送中…",
      failed: "未傳送",
      typing: "客服正在輸入…",
      queue: "您前面還有 {before} 位，目前排在第 {n} 位。",
      queueWait: "您排在第 {n} 位，預計等候約 {m} 分鐘。",
      connecting: "正在連線…",
      reconnecting: "連線中斷，正在重新連線…",
      unavailable: "聊天服務暫不可用。",
      messages: "訊息",
      you: "我",
      agent: "客服",
      bot: "智慧助理",
      unread: "{n} 則未讀",
      prechat: "開始之前，請留下您的聯絡方式。",
      prechat_optional: "留下您的聯絡方式（選填）。",
      name: "姓名",
      email: "電子郵件",
      phone: "手機號碼",
      required: "必填",
      optional: "選填",
      start: "開始聊天",
      skip: "略過",
      fill_form: "請先填寫上方表單再開始聊天。",
      invalid_email: "請輸入有效的電子郵件地址。",
      invalid_phone: "請輸入有效的電話號碼。",
      missing: "請填寫：{field}。",
      too_long: "訊息太長，請精簡後再傳送。",
      rate_limited: "傳送太頻繁，請稍候再試。",
      invalid: "此訊息無法傳送。",
      generic: "發生錯誤，請重試。",
      powered: "由 Kefu 提供技術支援",
      card_order: "訂單", card_status: "狀態", card_carrier: "物流業者", card_tracking: "貨運單號", card_eta: "預計送達", card_total: "總計", card_view: "查看商品",
    },
  };

  function pickLocale(wanted) {
    const candidates = [wanted, ...(navigator.languages || []), navigator.language];
    for (const raw of candidates) {
      if (!raw) continue;
      const tag = String(raw).toLowerCase();
      if (tag.startsWith("zh")) {
        return /-(tw|hk|mo|hant)\b/.test(tag) ? "zh-TW" : "zh-CN";
      }
      if (tag.startsWith("pl")) return "pl";
      if (tag.startsWith("en")) return "en";
    }
    return "en";
  }

  const LOCALE = pickLocale(script.getAttribute("data-locale"));
  const S = STRINGS[LOCALE];
  const say = (key, vars) =>
    S[key].replace(/\{(\w+)\}/g, (whole, name) => (vars && name in vars ? String(vars[name]) : whole));

  // ------------------------------------------------------------------ identity and storage

  function readIdentity() {
    const userId = script.getAttribute("data-user-id");
    const hash = script.getAttribute("data-user-hash");
    if (!userId || !hash) return null;
    const identity = { user_id: userId, hash };
    const name = script.getAttribute("data-user-name");
    const email = script.getAttribute("data-user-email");
    if (name) identity.name = name;
    if (email) identity.email = email;
    return identity;
  }

  const IDENTITY = readIdentity();
  const STORE_KEY = `kefu:v1:${inboxToken}${IDENTITY ? `:user:${IDENTITY.user_id}` : ""}`;
  const OPEN_KEY = `kefu:open:${inboxToken}`;

  // localStorage can be missing or refuse writes (privacy modes): fall back to memory.
  const memory = {};
  const store = {
    load() {
      try {
        return JSON.parse(window.localStorage.getItem(STORE_KEY) || "{}") || {};
      } catch {
        return memory[STORE_KEY] || {};
      }
    },
    save(data) {
      memory[STORE_KEY] = data;
      try {
        window.localStorage.setItem(STORE_KEY, JSON.stringify(data));
      } catch {
        // Kept in memory for this page only.
      }
    },
  };
  const saved = store.load();
  const persisted = {
    token: typeof saved.token === "string" ? saved.token : null,
    readSeq: Number.isInteger(saved.readSeq) ? saved.readSeq : 0,
    prechatDone: saved.prechatDone === true,
  };
  const persist = () => store.save(persisted);

  function wasOpen() {
    try {
      return window.sessionStorage.getItem(OPEN_KEY) === "1";
    } catch {
      return false;
    }
  }
  function rememberOpen(open) {
    try {
      window.sessionStorage.setItem(OPEN_KEY, open ? "1" : "0");
    } catch {
      // Not remembered across reloads: harmless.
    }
  }

  function newClientId() {
    const c = window.crypto;
    if (c && typeof c.randomUUID === "function") return c.randomUUID();
    const bytes = new Uint8Array(16);
    if (c && typeof c.getRandomValues === "function") c.getRandomValues(bytes);
    else for (let i = 0; i < 16; i += 1) bytes[i] = Math.floor(Math.random() * 256);
    bytes[6] = (bytes[6] & 0x0f) | 0x40; // RFC 4122 version 4
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    const hex = Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
  }

  const utf8Length = (text) =>
    typeof TextEncoder === "function" ? new TextEncoder().encode(text).length : text.length * 3;

  // ------------------------------------------------------------------ DOM

  function h(tag, props, children) {
    const node = document.createElement(tag);
    if (props) {
      for (const [key, value] of Object.entries(props)) {
        if (value === null || value === undefined || value === false) continue;
        if (key === "text") node.textContent = String(value);
        else if (key === "class") node.className = value;
        else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
        else node.setAttribute(key, value === true ? "" : String(value));
      }
    }
    for (const child of children || []) if (child) node.append(child);
    return node;
  }

  function icon(pathData, size) {
    const ns = "http://www.w3.org/2000/svg";
    const svg = document.createElementNS(ns, "svg");
    svg.setAttribute("viewBox", "0 0 24 24");
    svg.setAttribute("width", String(size));
    svg.setAttribute("height", String(size));
    svg.setAttribute("aria-hidden", "true");
    svg.setAttribute("focusable", "false");
    const path = document.createElementNS(ns, "path");
    path.setAttribute("d", pathData);
    path.setAttribute("fill", "currentColor");
    svg.append(path);
    return svg;
  }

  const ICON_CHAT =
    "M4 4h16a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H9l-5 4v-4H4a2 2 0 0 1-2-2V6a2 2 0 0 1 2-2zm3 6.5a1.5 1.5 0 1 0 0 .01zm5 0a1.5 1.5 0 1 0 0 .01zm5 0a1.5 1.5 0 1 0 0 .01z";
  const ICON_CLOSE =
    "M6.4 5 12 10.6 17.6 5 19 6.4 13.4 12l5.6 5.6-1.4 1.4-5.6-5.6L6.4 19 5 17.6 10.6 12 5 6.4z";
  const ICON_SEND = "M3 20.5V14l9-2-9-2V3.5L22 12z";

  const accent = /^#[0-9a-f]{3}(?:[0-9a-f]{3})?$/i.test(script.getAttribute("data-color") || "")
    ? script.getAttribute("data-color")
    : "#0f766e";

  const CSS = `
:host { all: initial; }
* { box-sizing: border-box; }
[hidden] { display: none !important; }
.root { position: fixed; right: 20px; bottom: 20px; z-index: 2147483000; font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, "PingFang SC", "Hiragino Sans GB", "Microsoft YaHei", "Noto Sans CJK SC", sans-serif; font-size: 14px; line-height: 1.45; color: #17202a; -webkit-font-smoothing: antialiased; }
.root:lang(zh-TW) { font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, "PingFang TC", "Microsoft JhengHei", "Noto Sans CJK TC", sans-serif; }
button, textarea, input { font: inherit; color: inherit; margin: 0; letter-spacing: normal; text-transform: none; }
:focus-visible { outline: 2px solid #2563eb; outline-offset: 2px; }
.launcher { position: relative; width: 58px; height: 58px; border-radius: 50%; border: 0; background: var(--accent); color: #fff; cursor: pointer; display: grid; place-items: center; box-shadow: 0 6px 20px rgba(0,0,0,.22); padding: 0; transition: transform .15s ease; }
.launcher:hover { transform: scale(1.05); }
.badge { position: absolute; top: -3px; right: -3px; min-width: 21px; height: 21px; padding: 0 6px; border-radius: 11px; background: #d92d20; color: #fff; font-size: 12px; font-weight: 700; display: grid; place-items: center; border: 2px solid #fff; }
.panel { position: fixed; right: 20px; bottom: 92px; width: 370px; height: min(600px, calc(100vh - 120px)); background: #fff; border-radius: 14px; box-shadow: 0 12px 40px rgba(0,0,0,.24); display: flex; flex-direction: column; overflow: hidden; }
.head { background: var(--accent); color: #fff; padding: 14px 12px 14px 16px; display: flex; align-items: center; gap: 8px; }
.head-text { flex: 1; min-width: 0; }
.title { font-weight: 700; font-size: 16px; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
.status { font-size: 12px; opacity: .9; min-height: 1em; }
.close { border: 0; background: transparent; color: #fff; width: 36px; height: 36px; border-radius: 8px; cursor: pointer; display: grid; place-items: center; padding: 0; }
.close:hover { background: rgba(255,255,255,.16); }
.messages { list-style: none; margin: 0; padding: 14px 12px; overflow-y: auto; flex: 1; display: flex; flex-direction: column; gap: 8px; background: #f6f7f9; }
.msg { display: flex; flex-direction: column; max-width: 82%; gap: 2px; }
.msg.mine { align-self: flex-end; align-items: flex-end; }
.msg.theirs { align-self: flex-start; align-items: flex-start; }
.msg.system { align-self: center; max-width: 92%; }
.who { font-size: 11px; color: #5b6b7b; padding: 0 4px; }
.text { padding: 8px 12px; border-radius: 14px; white-space: pre-wrap; overflow-wrap: anywhere; word-break: break-word; }
.mine .text { background: var(--accent); color: #fff; border-bottom-right-radius: 4px; }
.theirs .text { background: #fff; border: 1px solid #e3e7ec; border-bottom-left-radius: 4px; }
.system .text { background: transparent; color: #5b6b7b; font-size: 12px; text-align: center; }
.msg[data-state="pending"] .text { opacity: .65; }
.msg[data-state="failed"] .text { background: #fdecea; color: #8a1c12; border: 1px solid #f5b5ad; }
.meta { font-size: 11px; color: #7b8794; padding: 0 4px; }
.msg[data-state="failed"] .meta { color: #b42318; }
.files { display: flex; flex-direction: column; gap: 2px; font-size: 13px; }
.files a { color: inherit; }
.quick { display: flex; flex-wrap: wrap; gap: 6px; padding: 2px 0; }
.quick button { font: inherit; font-size: 13px; border: 1px solid var(--accent); color: var(--accent); background: #fff; border-radius: 999px; padding: 5px 12px; cursor: pointer; max-width: 100%; overflow-wrap: anywhere; }
.quick button:hover, .quick button:focus-visible { background: var(--accent); color: #fff; }
.quick[data-used] { display: none; }
.card { background: #fff; border: 1px solid #e3e7ec; border-radius: 10px; padding: 8px 12px; font-size: 13px; display: grid; grid-template-columns: auto 1fr; gap: 2px 10px; }
.card dt { color: #5b6b7b; }
.card dd { margin: 0; overflow-wrap: anywhere; }
.card a { grid-column: 1 / -1; color: var(--accent); }
.typing { font-size: 12px; color: #5b6b7b; padding: 4px 14px; font-style: italic; background: #f6f7f9; }
.queue { font-size: 12px; color: #34495e; padding: 6px 14px; background: #eef4fb; border-top: 1px solid #dde6f0; }
.error { margin: 0; padding: 6px 14px; font-size: 13px; color: #b42318; background: #fdecea; border-top: 1px solid #f5b5ad; }
.prechat { padding: 12px 14px; border-top: 1px solid #e3e7ec; display: grid; gap: 8px; background: #fff; }
.prechat p { margin: 0; font-size: 13px; color: #344054; }
.prechat label { display: grid; gap: 2px; font-size: 12px; color: #5b6b7b; }
.prechat input { border: 1px solid #c5ced8; border-radius: 8px; padding: 7px 10px; background: #fff; font-size: 14px; }
.prechat .row { display: flex; gap: 8px; justify-content: flex-end; }
.btn { border: 1px solid #c5ced8; background: #fff; border-radius: 8px; padding: 6px 12px; cursor: pointer; }
.btn.primary { background: var(--accent); color: #fff; border-color: var(--accent); font-weight: 600; }
.compose { display: flex; align-items: flex-end; gap: 8px; padding: 10px 12px; border-top: 1px solid #e3e7ec; background: #fff; }
.field { position: relative; flex: 1; display: flex; }
.hint { position: absolute; left: 11px; right: 11px; top: 9px; color: #8a96a3; pointer-events: none; white-space: nowrap; overflow: hidden; text-overflow: ellipsis; font-size: 15px; line-height: 1.4; }
.compose textarea { flex: 1; width: 100%; resize: none; border: 1px solid #c5ced8; border-radius: 10px; padding: 8px 10px; min-height: 40px; max-height: 120px; background: #fff; font-size: 15px; line-height: 1.4; }
.compose textarea:disabled { background: #f2f4f7; }
.send { width: 40px; height: 40px; border-radius: 50%; border: 0; background: var(--accent); color: #fff; cursor: pointer; display: grid; place-items: center; flex: none; padding: 0; }
.send:disabled { opacity: .45; cursor: default; }
.foot { text-align: center; font-size: 11px; color: #98a2b3; padding: 0 0 6px; background: #fff; }
.vh { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
@media (max-width: 480px) {
  .root { right: 14px; bottom: 14px; }
  .panel { inset: 0; width: 100%; height: 100%; height: 100dvh; border-radius: 0; }
  .root.open .launcher { display: none; }
  .compose textarea, .hint { font-size: 16px; }
}
@media (prefers-reduced-motion: reduce) { .launcher { transition: none; } }
`;

  // ------------------------------------------------------------------ the widget

  class Widget {
    constructor() {
      this.socket = null;
      this.attempt = 0;
      this.retryTimer = null;
      this.pingTimer = null;
      this.lastFrameAt = 0;
      this.stopped = false;
      this.connected = false;
      this.everConnected = false;
      this.conversationId = null;
      this.inbox = null;
      this.contact = { name: null, email: null, phone: null };
      this.bySeq = new Map();
      this.lastSeq = 0;
      this.pending = new Map(); // client_id -> {text, node}
      this.unread = 0;
      this.open = false;
      this.typingSentAt = 0;
      this.typingIdleTimer = null;
      this.typingOn = false;
      this.agentTypingTimer = null;
      this.prechatWaiting = false;
      this.build();
    }

    // -------------------------------------------------------------- UI

    build() {
      const host = document.createElement("kefu-chat");
      host.style.setProperty("all", "initial");
      const shadow = host.attachShadow({ mode: "open" });
      // A constructed stylesheet is not an inline <style>, so a shop whose Content-Security-Policy
      // forbids inline styles still gets a styled widget; older browsers get the <style> element.
      let adopted = false;
      try {
        const sheet = new CSSStyleSheet();
        sheet.replaceSync(CSS);
        shadow.adoptedStyleSheets = [sheet];
        adopted = true;
      } catch {
        adopted = false;
      }
      if (!adopted) {
        const style = document.createElement("style");
        style.textContent = CSS;
        shadow.append(style);
      }

      this.badge = h("span", { class: "badge", "aria-hidden": "true", hidden: true });
      this.launcher = h(
        "button",
        {
          type: "button",
          class: "launcher",
          "aria-label": S.open,
          "aria-expanded": "false",
          "aria-controls": "kefu-panel",
          onclick: () => this.toggle(),
        },
        [icon(ICON_CHAT, 28), this.badge],
      );
      this.titleNode = h("div", { class: "title", id: "kefu-title", text: S.title });
      this.statusNode = h("div", { class: "status", role: "status", text: "" });
      const closeButton = h(
        "button",
        { type: "button", class: "close", "aria-label": S.close, onclick: () => this.setOpen(false) },
        [icon(ICON_CLOSE, 20)],
      );
      this.list = h("ol", {
        class: "messages",
        role: "log",
        "aria-live": "polite",
        "aria-label": S.messages,
        tabindex: "0",
      });
      this.greetingNode = h("li", { class: "msg theirs greeting", hidden: true }, [
        h("span", { class: "text" }),
      ]);
      this.list.append(this.greetingNode);
      this.typingNode = h("div", { class: "typing", "aria-live": "polite", hidden: true, text: S.typing });
      this.queueNode = h("div", { class: "queue", "aria-live": "polite", hidden: true });
      this.errorNode = h("p", { class: "error", role: "alert", hidden: true });
      this.prechatForm = h("form", { class: "prechat", hidden: true, novalidate: true });
      this.prechatForm.addEventListener("submit", (event) => {
        event.preventDefault();
        this.submitPrechat();
      });
      this.input = h("textarea", { rows: "1", "aria-label": S.hint, enterkeyhint: "send" });
      // The in-field hint is an element of its own, shown while the box is empty.
      this.hintNode = h("span", { class: "hint", "aria-hidden": "true", text: S.hint });
      this.input.addEventListener("keydown", (event) => this.onKeyDown(event));
      this.input.addEventListener("input", () => this.onInput());
      this.input.addEventListener("blur", () => this.stopTyping());
      this.sendButton = h("button", { type: "submit", class: "send", "aria-label": S.send }, [
        icon(ICON_SEND, 20),
      ]);
      const compose = h("form", { class: "compose" }, [
        h("div", { class: "field" }, [this.input, this.hintNode]),
        this.sendButton,
      ]);
      compose.addEventListener("submit", (event) => {
        event.preventDefault();
        this.sendFromInput();
      });
      this.panel = h(
        "section",
        {
          class: "panel",
          id: "kefu-panel",
          role: "dialog",
          "aria-labelledby": "kefu-title",
          hidden: true,
        },
        [
          h("header", { class: "head" }, [
            h("div", { class: "head-text" }, [this.titleNode, this.statusNode]),
            closeButton,
          ]),
          this.list,
          this.typingNode,
          this.queueNode,
          this.prechatForm,
          this.errorNode,
          compose,
          h("div", { class: "foot", text: S.powered }),
        ],
      );
      this.panel.addEventListener("keydown", (event) => {
        if (event.key === "Escape") {
          event.stopPropagation();
          this.setOpen(false);
        }
      });
      this.root = h("div", { class: "root", lang: LOCALE, "data-connection": "idle" }, [
        this.panel,
        this.launcher,
      ]);
      this.root.style.setProperty("--accent", accent);
      shadow.append(this.root);
      (document.body || document.documentElement).append(host);
      this.host = host;
    }

    toggle() {
      this.setOpen(!this.open);
    }

    setOpen(open, { focus = true } = {}) {
      this.open = open;
      this.panel.hidden = !open;
      this.root.classList.toggle("open", open);
      this.launcher.setAttribute("aria-expanded", open ? "true" : "false");
      this.launcher.setAttribute("aria-label", open ? S.close : this.launcherLabel());
      rememberOpen(open);
      if (open) {
        if (!this.socket) this.connect();
        this.markRead();
        this.scrollToEnd();
        const firstField = this.prechatForm.hidden ? null : this.prechatForm.querySelector("input");
        if (focus) (firstField || this.input).focus();
      } else {
        this.stopTyping();
        if (focus) this.launcher.focus();
      }
    }

    launcherLabel() {
      return this.unread ? `${S.open} (${say("unread", { n: this.unread })})` : S.open;
    }

    /** Shows the connection state; `state` is also exposed as data-connection on the root. */
    setStatus(text, state) {
      this.statusNode.textContent = text;
      this.root.dataset.connection = state;
    }

    showError(text) {
      this.errorNode.textContent = text || "";
      this.errorNode.hidden = !text;
    }

    scrollToEnd() {
      this.list.scrollTop = this.list.scrollHeight;
    }

    // -------------------------------------------------------------- unread

    markRead() {
      if (this.lastSeq > persisted.readSeq) {
        persisted.readSeq = this.lastSeq;
        persist();
      }
      this.setUnread(0);
    }

    setUnread(count) {
      this.unread = count;
      this.badge.hidden = count === 0;
      this.badge.textContent = count > 99 ? "99+" : String(count);
      if (!this.open) this.launcher.setAttribute("aria-label", this.launcherLabel());
    }

    // -------------------------------------------------------------- messages

    senderLabel(message) {
      if (message.direction === "in") return S.you;
      if (message.sender_kind === "bot") return message.sender_name || S.bot;
      return message.sender_name || S.agent;
    }

    messageNode(message, state) {
      const mine = message.direction === "in";
      const kind = message.sender_kind === "system" ? "system" : mine ? "mine" : "theirs";
      const node = h("li", { class: `msg ${kind}`, "data-state": state });
      if (kind === "theirs") node.append(h("span", { class: "who", text: this.senderLabel(message) }));
      if (kind === "mine") node.append(h("span", { class: "vh", text: `${S.you}:` }));
      if (message.text) node.append(h("span", { class: "text", text: message.text }));
      const files = (message.attachments || []).map((file) => this.fileLink(file)).filter(Boolean);
      if (files.length) node.append(h("span", { class: "files" }, files));
      const content = message.content || {};
      if (content.card && typeof content.card === "object") node.append(this.cardNode(content.card));
      if (Array.isArray(content.quick_replies) && content.quick_replies.length) {
        node.append(this.quickRepliesNode(content.quick_replies));
      }
      node.append(h("span", { class: "meta", text: this.metaText(message, state) }));
      return node;
    }

    /** An order or product card: labelled plain-text fields, a link only for http(s). */
    cardNode(card) {
      const rows = [];
      const add = (label, value) => {
        if (value === undefined || value === null || value === "") return;
        rows.push(h("dt", { text: label }), h("dd", { text: String(value) }));
      };
      if (card.kind === "order") {
        add(S.card_order, card.number);
        add(S.card_status, card.status);
        add(S.card_carrier, card.carrier);
        add(S.card_tracking, card.tracking);
        add(S.card_eta, card.eta);
        add(S.card_total, card.total);
      } else {
        rows.push(h("dt", { text: String(card.title || "") }), h("dd", { text: String(card.price || "") }));
        const link = card.url ? this.fileLink({ url: card.url, name: S.card_view }) : null;
        if (link) rows.push(link);
      }
      return h("dl", { class: "card" }, rows);
    }

    /** Quick-reply buttons: pressing one sends its title with its payload, once. */
    quickRepliesNode(replies) {
      const box = h("div", { class: "quick", role: "group" });
      for (const reply of replies.slice(0, 6)) {
        if (!reply || typeof reply.title !== "string") continue;
        const button = h("button", { type: "button", text: reply.title });
        button.addEventListener("click", () => {
          box.dataset.used = "1";
          this.sendText(reply.title, typeof reply.payload === "string" ? reply.payload : null);
        });
        box.append(button);
      }
      return box;
    }

    fileLink(file) {
      let url = null;
      try {
        url = new URL(file.url);
      } catch {
        url = null;
      }
      const label = file.name || (url ? url.pathname.split("/").pop() : "");
      if (!url || (url.protocol !== "https:" && url.protocol !== "http:")) {
        return h("span", { text: label });
      }
      return h("a", { href: url.href, target: "_blank", rel: "noopener noreferrer nofollow", text: label });
    }

    metaText(message, state) {
      if (state === "pending") return S.sending;
      if (state === "failed") return S.failed;
      if (!message.created_at) return "";
      const when = new Date(message.created_at);
      if (Number.isNaN(when.getTime())) return "";
      return new Intl.DateTimeFormat(LOCALE, { hour: "2-digit", minute: "2-digit" }).format(when);
    }

    /** Places a node by seq; nodes without a seq (still sending) stay at the end. */
    insertBySeq(node, seq) {
      node.dataset.seq = String(seq);
      let before = null;
      for (let other = this.list.lastElementChild; other; other = other.previousElementSibling) {
        if (other === this.greetingNode) break;
        const otherSeq = other.dataset.seq;
        if (otherSeq === undefined || Number(otherSeq) > seq) before = other;
        else break;
      }
      this.list.insertBefore(node, before);
    }

    /** Shows a stored message exactly once, whether it came in a welcome, an ack or live. */
    receive(message, { live }) {
      if (typeof message.seq !== "number" || this.bySeq.has(message.seq)) return;
      if (message.sender_kind === "agent") this.showQueue(null); // a person has answered
      const pending = message.client_id ? this.pending.get(message.client_id) : null;
      let node;
      if (pending) {
        this.pending.delete(message.client_id);
        node = this.messageNode(message, "sent");
        pending.node.replaceWith(node);
      } else {
        node = this.messageNode(message, "sent");
      }
      this.insertBySeq(node, message.seq);
      this.bySeq.set(message.seq, node);
      this.lastSeq = Math.max(this.lastSeq, message.seq);
      if (message.direction === "out") {
        this.hideAgentTyping();
        if (this.open && document.visibilityState !== "hidden") this.markRead();
        else if (message.seq > persisted.readSeq) this.setUnread(this.unread + 1);
      }
      if (live || this.open) this.scrollToEnd();
    }

    sendFromInput() {
      const text = this.input.value.replace(/\s+$/, "");
      if (!text.trim()) return;
      if (this.prechatBlocking()) {
        this.showError(S.fill_form);
        return;
      }
      this.input.value = "";
      this.autosize();
      this.stopTyping();
      this.sendText(text, null);
    }

    sendText(text, payload) {
      this.showError("");
      if (!this.prechatForm.hidden) this.skipPrechat();
      const clientId = newClientId();
      const node = this.messageNode({ direction: "in", sender_kind: "contact", text }, "pending");
      this.list.append(node);
      this.scrollToEnd();
      if (utf8Length(text) > MAX_FRAME_TEXT_BYTES) {
        this.fail(node, "payload_too_large");
        return;
      }
      this.pending.set(clientId, { text, node, payload });
      this.transmit(clientId);
      if (!this.socket) this.connect();
    }

    transmit(clientId) {
      const item = this.pending.get(clientId);
      if (item && this.connected) {
        const frame = { type: "message", client_id: clientId, text: item.text };
        if (item.payload) frame.payload = item.payload;
        this.send(frame);
      }
    }

    fail(node, code) {
      node.dataset.state = "failed";
      const meta = node.querySelector(".meta");
      if (meta) meta.textContent = S.failed;
      this.showError(this.errorText(code));
    }

    errorText(code) {
      if (code === "payload_too_large") return S.too_long;
      if (code === "rate_limited") return S.rate_limited;
      if (code === "invalid_input" || code === "invalid_json") return S.invalid;
      return S.generic;
    }

    // -------------------------------------------------------------- typing

    onKeyDown(event) {
      if (event.isComposing || event.keyCode === 229) return; // IME (pinyin, zhuyin) at work
      if (event.key === "Enter" && !event.shiftKey) {
        event.preventDefault();
        this.sendFromInput();
      }
    }

    onInput() {
      this.autosize();
      if (!this.input.value) {
        this.stopTyping();
        return;
      }
      const now = Date.now();
      if (!this.typingOn || now - this.typingSentAt > TYPING_SEND_EVERY_MS) {
        if (this.send({ type: "typing", on: true })) {
          this.typingOn = true;
          this.typingSentAt = now;
        }
      }
      clearTimeout(this.typingIdleTimer);
      this.typingIdleTimer = setTimeout(() => this.stopTyping(), TYPING_IDLE_MS);
    }

    stopTyping() {
      clearTimeout(this.typingIdleTimer);
      if (this.typingOn) {
        this.send({ type: "typing", on: false });
        this.typingOn = false;
      }
    }

    autosize() {
      this.hintNode.hidden = this.input.value !== "";
      this.input.style.height = "auto";
      this.input.style.height = `${Math.min(this.input.scrollHeight + 2, 120)}px`;
    }

    /** The customer's place in the queue and the expected wait, until an agent answers. */
    showQueue(place) {
      if (!place || typeof place.position !== "number") {
        this.queueNode.hidden = true;
        return;
      }
      const wait = place.estimated_wait_seconds;
      const template = typeof wait === "number" ? S.queueWait : S.queue;
      this.queueNode.textContent = template
        .replace("{n}", String(place.position))
        .replace("{before}", String(Math.max(place.position - 1, 0)))
        .replace("{m}", String(Math.max(1, Math.ceil((wait || 0) / 60))));
      this.queueNode.hidden = false;
    }

    showAgentTyping(on) {
      this.typingNode.hidden = !on;
      clearTimeout(this.agentTypingTimer);
      if (on) this.agentTypingTimer = setTimeout(() => this.hideAgentTyping(), AGENT_TYPING_TIMEOUT_MS);
    }

    hideAgentTyping() {
      this.showAgentTyping(false);
    }

    // -------------------------------------------------------------- pre-chat form

    prechatFields() {
      return ((this.inbox && this.inbox.prechat_fields) || []).filter((field) =>
        ["name", "email", "phone"].includes(field.name),
      );
    }

    prechatBlocking() {
      return this.prechatFields().some((field) => field.required && !this.contact[field.name]);
    }

    updatePrechat() {
      const fields = this.prechatFields();
      const blocking = this.prechatBlocking();
      const missing = fields.filter((field) => !this.contact[field.name]);
      const offer = blocking || (missing.length > 0 && !persisted.prechatDone && this.bySeq.size === 0);
      if (!offer) {
        this.prechatForm.hidden = true;
        this.input.disabled = false;
        this.sendButton.disabled = false;
        return;
      }
      this.renderPrechat(missing.length ? missing : fields, blocking);
      this.prechatForm.hidden = false;
      this.input.disabled = blocking;
      this.sendButton.disabled = blocking;
    }

    renderPrechat(fields, blocking) {
      const form = this.prechatForm;
      while (form.firstChild) form.removeChild(form.firstChild);
      form.append(h("p", { text: blocking ? S.prechat : S.prechat_optional }));
      const types = { name: ["text", "name"], email: ["email", "email"], phone: ["tel", "tel"] };
      for (const field of fields) {
        const [type, autocomplete] = types[field.name];
        const input = h("input", {
          name: field.name,
          type,
          autocomplete,
          maxlength: field.name === "email" ? "320" : field.name === "phone" ? "40" : "200",
          required: field.required,
          "aria-required": field.required ? "true" : "false",
        });
        form.append(
          h("label", {}, [
            h("span", {
              text: `${S[field.name]} (${field.required ? S.required : S.optional})`,
            }),
            input,
          ]),
        );
      }
      form.append(
        h("div", { class: "row" }, [
          blocking
            ? null
            : h("button", { type: "button", class: "btn", text: S.skip, onclick: () => this.skipPrechat() }),
          h("button", { type: "submit", class: "btn primary", text: S.start }),
        ]),
      );
    }

    skipPrechat() {
      persisted.prechatDone = true;
      persist();
      this.prechatForm.hidden = true;
      this.input.focus();
    }

    submitPrechat() {
      const frame = { type: "prechat" };
      for (const input of this.prechatForm.querySelectorAll("input")) {
        const value = input.value.trim();
        const field = input.name;
        const required = input.required;
        if (!value) {
          if (required) {
            this.showError(say("missing", { field: S[field] }));
            input.focus();
            return;
          }
          continue;
        }
        if (field === "email" && !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(value)) {
          this.showError(S.invalid_email);
          input.focus();
          return;
        }
        if (field === "phone" && !/^\+?[\d\s().-]{5,40}$/.test(value)) {
          this.showError(S.invalid_phone);
          input.focus();
          return;
        }
        frame[field] = value;
      }
      this.showError("");
      this.prechatWaiting = true;
      if (!this.send(frame)) {
        this.prechatWaiting = false;
        this.showError(S.reconnecting);
        if (!this.socket) this.connect();
      }
    }

    onContact(frame) {
      this.contact = { name: frame.name || null, email: frame.email || null, phone: frame.phone || null };
      if (this.prechatWaiting) {
        this.prechatWaiting = false;
        persisted.prechatDone = true;
        persist();
      }
      this.updatePrechat();
      if (this.open && this.prechatForm.hidden) this.input.focus();
    }

    // -------------------------------------------------------------- connection

    send(frame) {
      if (this.socket && this.socket.readyState === WebSocket.OPEN) {
        this.socket.send(JSON.stringify(frame));
        return true;
      }
      return false;
    }

    connect() {
      if (this.stopped || this.socket) return;
      clearTimeout(this.retryTimer);
      this.setStatus(this.everConnected ? S.reconnecting : S.connecting, "connecting");
      let socket;
      try {
        socket = new WebSocket(SOCKET_URL);
      } catch {
        this.scheduleRetry();
        return;
      }
      this.socket = socket;
      socket.addEventListener("open", () => {
        this.lastFrameAt = Date.now();
        socket.send(
          JSON.stringify({
            type: "hello",
            visitor_token: persisted.token,
            // Only what this page has shown: a fresh page load asks for the whole history.
            last_seq: this.lastSeq > 0 ? this.lastSeq : null,
            locale: LOCALE,
            identity: IDENTITY,
          }),
        );
      });
      socket.addEventListener("message", (event) => {
        this.lastFrameAt = Date.now();
        let frame;
        try {
          frame = JSON.parse(event.data);
        } catch {
          return;
        }
        if (frame && typeof frame.type === "string") this.onFrame(frame);
      });
      socket.addEventListener("close", (event) => this.onClose(socket, event));
    }

    onClose(socket, event) {
      if (this.socket !== socket) return;
      this.socket = null;
      this.connected = false;
      this.typingOn = false;
      clearInterval(this.pingTimer);
      this.hideAgentTyping();
      if (event.code === 4401 || event.code === 4400) {
        // Refused for good (unknown inbox, bad identity hash, protocol error): do not hammer.
        this.stopped = true;
        this.setStatus(S.unavailable, "refused");
        this.showError(S.unavailable);
        this.input.disabled = true;
        this.sendButton.disabled = true;
        return;
      }
      this.setStatus(S.reconnecting, "offline");
      this.scheduleRetry();
    }

    scheduleRetry() {
      // Exponential backoff with jitter: many widgets reconnecting after a server restart
      // spread out instead of arriving together.
      const ceiling = Math.min(BACKOFF_MAX_MS, BACKOFF_BASE_MS * 2 ** this.attempt);
      const delay = ceiling / 2 + Math.random() * (ceiling / 2);
      this.attempt += 1;
      clearTimeout(this.retryTimer);
      this.retryTimer = setTimeout(() => this.connect(), delay);
    }

    reconnectSoon() {
      if (this.stopped || this.socket || !this.everConnected) return;
      this.attempt = 0;
      this.connect();
    }

    onFrame(frame) {
      switch (frame.type) {
        case "welcome":
          this.onWelcome(frame);
          break;
        case "ack":
          if (frame.message) this.receive(frame.message, { live: true });
          break;
        case "message":
          if (frame.message) this.receive(frame.message, { live: true });
          break;
        case "typing":
          if (frame.who === "agent") this.showAgentTyping(Boolean(frame.on));
          break;
        case "queue":
          this.showQueue(frame);
          break;
        case "contact":
          this.onContact(frame);
          break;
        case "error":
          this.onError(frame);
          break;
        default:
          break;
      }
    }

    onWelcome(frame) {
      if (
        this.conversationId &&
        frame.conversation_id &&
        frame.conversation_id !== this.conversationId
      ) {
        // A different conversation than the one on screen (the visitor changed): start over.
        this.resetTranscript();
        this.conversationId = frame.conversation_id;
        this.socket.close();
        return;
      }
      this.conversationId = frame.conversation_id || this.conversationId;
      this.connected = true;
      this.everConnected = true;
      this.attempt = 0;
      persisted.token = frame.visitor_token || persisted.token;
      persist();
      this.inbox = frame.inbox || this.inbox;
      if (frame.contact) this.contact = frame.contact;
      if (this.inbox) {
        this.titleNode.textContent = this.inbox.name || S.title;
        const greeting = this.inbox.greeting || "";
        this.greetingNode.hidden = !greeting;
        this.greetingNode.querySelector(".text").textContent = greeting;
      }
      for (const message of frame.messages || []) this.receive(message, { live: false });
      this.showQueue(frame.queue || null);
      this.setStatus("", "online");
      this.showError("");
      this.updatePrechat();
      // Anything typed while offline goes now, under its original client id: the server acks
      // a repeated id with the stored message instead of storing it twice.
      for (const clientId of this.pending.keys()) this.transmit(clientId);
      clearInterval(this.pingTimer);
      this.pingTimer = setInterval(() => this.heartbeat(), PING_EVERY_MS);
      if (this.open) this.scrollToEnd();
    }

    heartbeat() {
      if (Date.now() - this.lastFrameAt > SILENCE_LIMIT_MS && this.socket) {
        this.socket.close(); // silent too long: a dead link; the close handler reconnects
        return;
      }
      this.send({ type: "ping" });
    }

    resetTranscript() {
      for (const node of this.bySeq.values()) node.remove();
      this.bySeq.clear();
      this.lastSeq = 0;
      persisted.readSeq = 0;
      persist();
      this.setUnread(0);
    }

    onError(frame) {
      const item = frame.client_id ? this.pending.get(frame.client_id) : null;
      if (item) {
        this.pending.delete(frame.client_id);
        this.fail(item.node, frame.code);
        return;
      }
      if (this.prechatWaiting) {
        this.prechatWaiting = false;
        this.showError(this.errorText(frame.code));
        return;
      }
      this.showError(this.errorText(frame.code));
    }

    start() {
      window.addEventListener("online", () => this.reconnectSoon());
      document.addEventListener("visibilitychange", () => {
        if (document.visibilityState === "visible") {
          this.reconnectSoon();
          if (this.open) this.markRead();
        }
      });
      // A returning visitor reconnects at once (history, unread replies); a new one only when
      // they open the chat, so idle page views hold no connection.
      if (persisted.token || wasOpen()) this.connect();
      // Reopened after a reload or a new page of the shop, without stealing the page's focus.
      if (wasOpen()) this.setOpen(true, { focus: false });
    }
  }

  function boot() {
    new Widget().start();
  }

  if (document.body) boot();
  else document.addEventListener("DOMContentLoaded", boot, { once: true });
})();
