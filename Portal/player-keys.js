// The watch page's keyboard shortcuts and their help dialog. Shortcuts never fire while typing (inputs, text areas,
// selects, the caption editor) or with Ctrl/Alt/Meta held, so they cannot eat an editor's keys or the browser's own.

import { h } from "./dom.js";

export const SHORTCUTS = [
  ["Space or k", "Play or pause"],
  ["j or ←", "Back 5 seconds"],
  ["l or →", "Forward 5 seconds"],
  ["Page Up / Page Down", "Forward / back 10 % (on the seek bar)"],
  ["Home / End", "Start / end (on the seek bar)"],
  ["c", "Captions on or off"],
  ["m", "Mute or unmute"],
  ["f", "Full screen"],
  ["?", "This list"],
];

const RANGE_KEYS = new Set(["ArrowLeft", "ArrowRight", "ArrowUp", "ArrowDown", "PageUp", "PageDown", "Home", "End"]);

function typing(target, key) {
  if (!(target instanceof Element)) return false;
  if (target.tagName === "INPUT" && target.type === "range") return RANGE_KEYS.has(key);
  if (target.isContentEditable || target.closest("dialog, .caption-editor")) return true;
  const tag = target.tagName;
  return tag === "TEXTAREA" || tag === "SELECT" || (tag === "INPUT" && target.type !== "range" && target.type !== "checkbox");
}

// A modal <dialog>: showModal makes the rest of the page inert (focus stays inside), Escape closes it, and focus
// goes back to whatever opened it.
export function helpDialog() {
  const close = h("button", { type: "button", id: "help-close" }, "Close");
  const dialog = h("dialog", { id: "help", class: "help", "aria-labelledby": "help-title" },
    h("h2", { id: "help-title" }, "Keyboard shortcuts"),
    h("table", {}, h("thead", {}, h("tr", {}, h("th", { scope: "col" }, "Key"), h("th", { scope: "col" }, "Does"))),
      h("tbody", {}, SHORTCUTS.map(([key, does]) => h("tr", {}, h("td", {}, h("kbd", {}, key)), h("td", {}, does))))),
    h("p", { class: "actions" }, close));
  let opener = null;
  close.addEventListener("click", () => dialog.close());
  // showModal makes the page inert, but Tab past the last control leaves for the browser's own UI: keep it inside.
  dialog.addEventListener("keydown", (event) => {
    if (event.key !== "Tab") return;
    const inside = [...dialog.querySelectorAll("button, [href], input, select, textarea, [tabindex]:not([tabindex='-1'])")];
    const index = inside.indexOf(document.activeElement);
    event.preventDefault();
    inside[(index + (event.shiftKey ? -1 : 1) + inside.length) % inside.length]?.focus();
  });
  dialog.addEventListener("close", () => { opener?.focus(); opener = null; });
  return {
    element: dialog,
    open(from) {
      if (dialog.open) return;
      opener = from || document.activeElement;
      dialog.showModal();
      close.focus();
    },
  };
}

// Installs the shortcuts for `controls` (a player); answers the function that removes them.
export function installShortcuts(controls, help) {
  function onKey(event) {
    if (event.defaultPrevented || event.ctrlKey || event.altKey || event.metaKey || typing(event.target, event.key)) return;
    const onButton = event.target instanceof Element && event.target.closest("button, a");
    const actions = {
      " ": () => controls.togglePlay(), k: () => controls.togglePlay(),
      j: () => controls.seekBy(-5), ArrowLeft: () => controls.seekBy(-5),
      l: () => controls.seekBy(5), ArrowRight: () => controls.seekBy(5),
      c: () => controls.toggleCaptions(), m: () => controls.toggleMute(), f: () => controls.toggleFullscreen(),
      "?": () => help.open(),
    };
    // Space on a button or link presses it; the shortcut would press it twice.
    if (event.key === " " && onButton) return;
    const action = actions[event.key];
    if (!action) return;
    event.preventDefault();
    action();
  }
  document.addEventListener("keydown", onKey);
  return () => document.removeEventListener("keydown", onKey);
}
