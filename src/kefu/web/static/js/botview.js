// How the console pages show what the bot did: hand-off reasons in the viewer's language, and
// the order or product cards it sent, as text (links only for http(s)).

import { el, safeLink } from "./dom.js";
import { t } from "./i18n.js";

/** Why the bot handed the conversation over, in the viewer's language. */
export function handoffReasonText(reason) {
  switch (reason) {
    case "asked_for_human":
      return t("handoff.asked_for_human");
    case "not_understood":
      return t("handoff.not_understood");
    case "complaint":
      return t("handoff.complaint");
    case "vip":
      return t("handoff.vip");
    case "rule":
      return t("handoff.rule");
    case "offline_ticket":
      return t("handoff.offline_ticket");
    default:
      return reason || "";
  }
}

/** A link only for an absolute http(s) URL; null otherwise. */
export function webLink(url, label) {
  if (typeof url === "string" && /^https?:\/\//i.test(url)) return safeLink(url, label);
  return null;
}

/** An order or product card the bot sent, as text. */
export function cardNode(card) {
  const rows = [];
  const row = (label, value) => {
    if (value !== undefined && value !== null && value !== "") {
      rows.push(el("div", {}, [el("dt", { text: label }), el("dd", { text: String(value) })]));
    }
  };
  let title;
  if (card.kind === "order") {
    title = t("card.order", { number: card.number || "" });
    row(t("card.status"), card.status);
    row(t("card.carrier"), card.carrier);
    row(t("card.tracking"), card.tracking);
    row(t("card.eta"), card.eta);
    row(t("card.total"), card.total);
  } else {
    title = card.title || "";
    row(t("card.price"), card.price);
  }
  return el("div", { class: "msg-card", attrs: { "data-card": card.kind || "" } }, [
    el("strong", { text: title }),
    rows.length ? el("dl", {}, rows) : null,
    webLink(card.url, t("card.open")),
  ]);
}
