// The professor's caption editor: a track's cues as rows synchronised with the video (the row at the playing time is
// marked), play from a cue, edit its text and times (Alt+←/→ nudges the start 0.1 s, Alt+Shift+←/→ the end), split at
// the playing time, merge with the next, add a cue at the playing time, undo (Ctrl+Z or the button; each text field's
// edits since it gained focus are one step), and save as a new version (PUT of the serialised WebVTT; the API makes
// it a `professor` track). Leaving with unsaved changes asks first (beforeunload and hash navigation).

import { h, toast } from "./dom.js";
import { captionCall, captionsPath, trackName } from "./captions.js";
import { guardLeaving } from "./shell.js";
import { cueIndexAt, cueTextFromPlain, formatTimestamp, parseTimestamp, plainText, toWebVTT } from "./webvtt.js";

const NUDGE = 0.1;
const NEW_CUE_SECONDS = 2;
const LEAVE_QUESTION = "The captions have unsaved changes. Leave and lose them?";

// The open editor's guard, asked on every hash navigation. Registered when this module loads, which is before app.js
// registers its router (app.js imports the views first), so a refused navigation stops before the router sees it.
let guardNavigation = null;
window.addEventListener("hashchange", (event) => {
  if (guardNavigation && !guardNavigation(event)) event.stopImmediatePropagation();
});

export function captionEditor({ lecture, track, doc, video, seekTo, onSaved, onClose }) {
  let cues = doc.cues.map((cue) => ({ ...cue }));
  const blocks = doc.blocks.slice();
  const undoStack = [];
  let dirty = false, selected = 0, playing = -1;

  const status = h("p", { class: "small", id: "editor-status", role: "status" });
  const errors = h("ul", { class: "error small", id: "editor-errors", hidden: "" });
  const list = h("ol", { class: "edit-cues", id: "editor-cues", "aria-label": "Cues" });
  const button = (id, label, action, attributes = {}) => {
    const b = h("button", { type: "button", id, ...attributes }, label);
    b.addEventListener("click", action);
    return b;
  };
  const undoButton = button("editor-undo", "Undo", undo, { disabled: true, "aria-keyshortcuts": "Control+Z" });
  const saveButton = button("editor-save", "Save as new version", save, { class: "primary", disabled: true });
  const element = h("section", { class: "caption-editor", id: "caption-editor", "aria-labelledby": "editor-title" },
    h("h2", { id: "editor-title" }, "Editing captions: " + trackName(track)),
    h("p", { class: "small muted" }, "Alt+← / Alt+→ moves a cue's start by 0.1 s, Alt+Shift+← / → its end. Ctrl+Z undoes."),
    h("div", { class: "actions editor-tools" },
      button("editor-add", "Add cue at current time", addCue), button("editor-split", "Split at current time", split),
      button("editor-merge", "Merge with next", merge), undoButton, saveButton, button("editor-close", "Close editor", close)),
    status, errors, list);

  function snapshot() {
    undoStack.push(cues.map((cue) => ({ ...cue })));
    undoButton.disabled = false;
    markDirty();
  }
  function markDirty() {
    dirty = true;
    saveButton.disabled = false;
    status.textContent = "Unsaved changes.";
  }
  function undo() {
    const previous = undoStack.pop();
    if (!previous) return;
    cues = previous;
    undoButton.disabled = !undoStack.length;
    render(selected);
    status.textContent = undoStack.length ? "Undone." : "Undone; back to the saved version.";
    if (!undoStack.length) { dirty = false; saveButton.disabled = true; }
  }

  // MARK: Rows
  function render(focusIndex) {
    list.replaceChildren(...cues.map(row));
    playing = -1;
    follow();
    if (focusIndex !== undefined) {
      selected = Math.min(Math.max(0, focusIndex), cues.length - 1);
      list.children[selected]?.querySelector("textarea")?.focus();
    }
  }
  function row(cue, index) {
    const n = index + 1;
    const start = h("input", { type: "text", class: "cue-start", value: formatTimestamp(cue.start), "aria-label": "Start of cue " + n, inputmode: "decimal" });
    const end = h("input", { type: "text", class: "cue-end", value: formatTimestamp(cue.end), "aria-label": "End of cue " + n, inputmode: "decimal" });
    const text = h("textarea", { rows: "2", class: "cue-text", "aria-label": "Text of cue " + n });
    text.value = plainText(cue.text);
    let fresh = true;
    text.addEventListener("focus", () => { fresh = true; });
    text.addEventListener("input", () => {
      if (fresh) { snapshot(); fresh = false; }
      cues[index].text = cueTextFromPlain(text.value);
    });
    for (const [field, key] of [[start, "start"], [end, "end"]]) {
      field.addEventListener("change", () => {
        const value = parseTimestamp(field.value);
        if (!setTime(index, key, value)) field.value = formatTimestamp(cues[index][key]);
      });
    }
    const play = h("button", { type: "button", class: "cue-play", "aria-label": "Play from cue " + n }, "▶ Play");
    play.addEventListener("click", () => { seekTo(cues[index].start + 0.001); video.play().catch(() => {}); });
    const li = h("li", { "data-index": String(index) },
      h("div", { class: "edit-times" }, start, h("span", { "aria-hidden": "true" }, "→"), end, play), text);
    li.addEventListener("focusin", () => { selected = index; });
    return li;
  }
  // Moves a cue's start or end; refuses (with a reason) times that are not before/after the other end.
  function setTime(index, key, value) {
    const cue = cues[index];
    const other = key === "start" ? cue.end : cue.start;
    if (!Number.isFinite(value) || value < 0 || (key === "start" ? value >= other : value <= other)) {
      toast(key === "start" ? "A cue's start must be before its end (use hh:mm:ss.ttt)." : "A cue's end must be after its start (use hh:mm:ss.ttt).");
      return false;
    }
    snapshot();
    cue[key] = Math.round(value * 1000) / 1000;
    const li = list.children[index];
    li.querySelector(key === "start" ? ".cue-start" : ".cue-end").value = formatTimestamp(cue[key]);
    if (key === "start") {
      cues.sort((a, b) => a.start - b.start);
      const moved = cues.indexOf(cue);
      if (moved !== index) render(moved);
    }
    return true;
  }

  // MARK: Structure
  const at = () => video.currentTime || 0;
  function addCue() {
    const time = Math.round(at() * 1000) / 1000;
    const following = cues.find((c) => c.start > time);
    const end = Math.min(time + NEW_CUE_SECONDS, following ? following.start : Infinity, video.duration || Infinity);
    if (!(end > time)) {
      toast("There is no room for a cue here: move the video a little.");
      return;
    }
    snapshot();
    cues.push({ id: "", start: time, end, settings: "", text: "" });
    cues.sort((a, b) => a.start - b.start);
    render(cues.findIndex((c) => c.start === time && c.text === ""));
    status.textContent = "Cue added at " + formatTimestamp(time) + ". Type its text.";
  }
  function split() {
    const time = at();
    const index = cueIndexAt(cues, time);
    const cue = cues[index];
    if (!cue || time - cue.start < 0.1 || cue.end - time < 0.1) {
      toast("Play or seek to a moment inside a cue (not at its very start or end) to split it there.");
      return;
    }
    snapshot();
    const words = plainText(cue.text).split(/\s+/).filter(Boolean);
    const half = Math.ceil(words.length / 2);
    const second = { ...cue, id: "", start: Math.round(time * 1000) / 1000, text: cueTextFromPlain(words.slice(half).join(" ")) };
    cue.end = second.start;
    cue.text = cueTextFromPlain(words.slice(0, half).join(" "));
    cues.splice(index + 1, 0, second);
    render(index + 1);
    status.textContent = "Cue " + (index + 1) + " split at " + formatTimestamp(second.start) + ".";
  }
  function merge() {
    const index = selected;
    const cue = cues[index], next = cues[index + 1];
    if (!cue || !next) {
      toast("Select a cue that has a next one to merge with.");
      return;
    }
    snapshot();
    cue.end = Math.max(cue.end, next.end);
    cue.text = [cue.text, next.text].filter(Boolean).join("\n");
    cues.splice(index + 1, 1);
    render(index);
    status.textContent = "Cues " + (index + 1) + " and " + (index + 2) + " merged.";
  }

  // MARK: Keys, sync with the video
  element.addEventListener("keydown", (event) => {
    if ((event.ctrlKey || event.metaKey) && !event.shiftKey && event.key.toLowerCase() === "z") {
      event.preventDefault();
      undo();
      return;
    }
    if (event.altKey && (event.key === "ArrowLeft" || event.key === "ArrowRight")) {
      const li = event.target instanceof Element && event.target.closest(".edit-cues > li");
      if (!li) return;
      event.preventDefault();
      const index = Number(li.dataset.index), key = event.shiftKey ? "end" : "start";
      setTime(index, key, cues[index][key] + (event.key === "ArrowLeft" ? -NUDGE : NUDGE));
      if (document.activeElement === document.body) list.children[index]?.querySelector("textarea")?.focus();
    }
  });
  function follow() {
    const index = cueIndexAt(cues, at());
    if (index === playing) return;
    list.children[playing]?.removeAttribute("aria-current");
    playing = index;
    list.children[playing]?.setAttribute("aria-current", "true");
  }
  video.addEventListener("timeupdate", follow);
  video.addEventListener("seeked", follow);

  // MARK: Save, leave
  async function save() {
    saveButton.disabled = true;
    errors.hidden = true;
    status.textContent = "Saving…";
    try {
      const saved = await captionCall("PUT", captionsPath(lecture.id, track.id), toWebVTT({ blocks, cues }), "text/vtt; charset=utf-8");
      dirty = false;
      undoStack.length = 0;
      undoButton.disabled = true;
      status.textContent = "Saved as a new version (" + saved.cueCount + " cues); students see it now.";
      onSaved(saved);
    } catch (error) {
      saveButton.disabled = false;
      status.textContent = "Not saved: " + error.message;
      errors.replaceChildren(...(error.lines || []).map((e) => h("li", {}, "Line " + e.line + ": " + e.message)));
      errors.hidden = !(error.lines || []).length;
    }
  }
  function close() {
    if (dirty && !window.confirm(LEAVE_QUESTION)) return;
    stop();
    onClose();
  }
  function beforeUnload(event) {
    if (!dirty) return;
    event.preventDefault();
    event.returnValue = LEAVE_QUESTION;
  }
  // Answers whether the navigation may go on; a refused one puts the address back.
  function hashChange(event) {
    if (!dirty) return true;
    if (window.confirm(LEAVE_QUESTION)) { dirty = false; return true; }
    window.history.replaceState(null, "", event.oldURL);
    return false;
  }
  window.addEventListener("beforeunload", beforeUnload);
  guardNavigation = hashChange;
  // Signing out leaves the page without a navigation: the same question (shell.js asks every guard first).
  const stopGuardingSignOut = guardLeaving(() => {
    if (!dirty) return true;
    if (window.confirm(LEAVE_QUESTION)) { dirty = false; return true; }
    return false;
  });
  function stop() {
    stopGuardingSignOut();
    window.removeEventListener("beforeunload", beforeUnload);
    if (guardNavigation === hashChange) guardNavigation = null;
    video.removeEventListener("timeupdate", follow);
    video.removeEventListener("seeked", follow);
  }

  render();
  return { element, stop, isDirty: () => dirty };
}
