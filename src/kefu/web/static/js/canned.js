// Canned responses in the composer: type "/" and a short code, or open the menu with the button.
// Arrow keys move, Enter or Tab picks, Escape closes. Picking renders the response on the server
// (variables such as {{contact.name}} filled in) and puts the text into the composer.

import { clear, el } from "./dom.js";

export class CannedMenu {
  constructor({ textarea, menu, button, items, onPick, emptyText }) {
    this.textarea = textarea;
    this.menu = menu;
    this.button = button;
    this.items = items;
    this.onPick = onPick;
    this.emptyText = emptyText;
    this.shown = [];
    this.active = 0;
    this.bySlash = false;
    button.addEventListener("click", () => {
      if (this.isOpen()) this.close();
      else this.open("", false);
    });
    menu.addEventListener("mousedown", (event) => event.preventDefault());
  }

  isOpen() {
    return !this.menu.hidden;
  }

  setItems(items) {
    this.items = items;
  }

  /** Follows the composer text: "/sho" opens the menu filtered to codes starting "sho". */
  onInput() {
    const match = /^\/([\w-]*)$/.exec(this.textarea.value);
    if (match) this.open(match[1], true);
    else if (this.bySlash) this.close();
  }

  open(prefix, bySlash) {
    const wanted = prefix.toLowerCase();
    this.shown = this.items().filter((item) => item.short_code.toLowerCase().startsWith(wanted));
    this.bySlash = bySlash;
    this.active = 0;
    this.render();
    this.menu.hidden = false;
    this.button.setAttribute("aria-expanded", "true");
    this.textarea.setAttribute("aria-expanded", "true");
    if (!bySlash) this.textarea.focus();
  }

  close() {
    this.menu.hidden = true;
    this.bySlash = false;
    this.button.setAttribute("aria-expanded", "false");
    this.textarea.setAttribute("aria-expanded", "false");
    this.textarea.removeAttribute("aria-activedescendant");
  }

  render() {
    clear(this.menu);
    if (this.shown.length === 0) {
      this.menu.append(el("li", { class: "canned-item muted", text: this.emptyText() }));
      return;
    }
    this.shown.forEach((item, index) => {
      const option = el(
        "li",
        {
          class: "canned-item",
          attrs: {
            role: "option",
            id: `canned-${item.id}`,
            "aria-selected": index === this.active ? "true" : "false",
            "data-code": item.short_code,
          },
          on: { click: () => this.pick(index) },
        },
        [
          el("span", { class: "canned-code", text: `/${item.short_code}` }),
          el("span", { class: "canned-text", text: item.text }),
        ],
      );
      this.menu.append(option);
    });
    const current = this.shown[this.active];
    if (current) this.textarea.setAttribute("aria-activedescendant", `canned-${current.id}`);
  }

  /** Handles a key of the composer while the menu is open; true when it was used. */
  handleKey(event) {
    if (!this.isOpen()) return false;
    if (event.key === "Escape") {
      this.close();
      return true;
    }
    if (this.shown.length === 0) return false;
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      const step = event.key === "ArrowDown" ? 1 : -1;
      this.active = (this.active + step + this.shown.length) % this.shown.length;
      this.render();
      const node = this.menu.children[this.active];
      if (node) node.scrollIntoView({ block: "nearest" });
      return true;
    }
    if ((event.key === "Enter" && !event.shiftKey) || event.key === "Tab") {
      this.pick(this.active);
      return true;
    }
    return false;
  }

  pick(index) {
    const item = this.shown[index];
    this.close();
    if (item) this.onPick(item);
  }
}
