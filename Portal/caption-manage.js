// The professor's caption tracks on the watch page: the automatic draft's state, the tracks (edit, make default,
// delete after a confirmation), and adding a track from an SRT or WebVTT file (any encoding; the API decodes it and
// answers line-numbered errors, shown here as a list). The API decides who may change captions; a 403 says so.

import { h, toast } from "./dom.js";
import { MACHINE_NOTE, captionCall, captionsPath, trackName } from "./captions.js";

const DRAFT_WORDS = {
  unavailable: () => "Automatic captions need the production engine (Amazon Transcribe); add captions from a file.",
  pending: () => "Automatic captions are queued.",
  running: () => "Automatic captions are being made; they appear below when ready.",
  ready: () => "Automatic captions are ready (" + MACHINE_NOTE + "): open them in the editor, correct and save them.",
  failed: (detail) => "Automatic captions failed" + (detail ? ": " + detail : ".") + " Add captions from a file.",
};

export function draftWords(draft) {
  return (DRAFT_WORDS[draft?.state] || DRAFT_WORDS.unavailable)(draft?.detail);
}

export function captionAdmin({ lecture, onChanged, onEdit }) {
  const list = h("ul", { class: "caption-tracks", id: "caption-tracks" });
  const message = h("p", { class: "small", id: "caption-message", role: "status" });
  const lines = h("ul", { class: "error small", id: "caption-errors", hidden: "" });

  const file = h("input", { type: "file", id: "caption-file", accept: ".srt,.vtt,text/vtt,application/x-subrip", required: "" });
  const language = h("input", { type: "text", id: "caption-language", required: "", placeholder: "en", autocomplete: "off",
    pattern: "[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*", "aria-describedby": "caption-language-hint" });
  const label = h("input", { type: "text", id: "caption-label", placeholder: "English", autocomplete: "off" });
  const kind = h("select", { id: "caption-kind" }, h("option", { value: "captions" }, "Captions (same language, with sounds)"),
    h("option", { value: "subtitles" }, "Subtitles (a translation)"));
  const makeDefault = h("input", { type: "checkbox", id: "caption-default" });
  const submit = h("button", { type: "submit", class: "primary", id: "caption-upload-button" }, "Add captions");
  const form = h("form", { id: "caption-upload", class: "caption-upload" },
    h("h3", {}, "Add captions from a file"),
    h("label", { for: "caption-file" }, "SRT or WebVTT file"), file,
    h("div", { class: "pair" },
      h("div", {}, h("label", { for: "caption-language" }, "Language code"), language,
        h("span", { class: "small muted", id: "caption-language-hint" }, "e.g. en, fr, de-CH")),
      h("div", {}, h("label", { for: "caption-label" }, "Name shown to students"), label)),
    h("label", { for: "caption-kind" }, "Kind"), kind,
    h("label", { class: "check", for: "caption-default" }, makeDefault, " Default track (shown to students who always want captions)"),
    h("p", { class: "actions" }, submit), lines);

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const chosen = file.files[0];
    if (!chosen) return;
    lines.hidden = true;
    submit.disabled = true;
    message.textContent = "Sending " + chosen.name + "…";
    const query = new URLSearchParams({ language: language.value.trim(), label: label.value.trim() || language.value.trim(),
      kind: kind.value, default: String(makeDefault.checked) });
    try {
      const track = await captionCall("POST", captionsPath(lecture.id) + "?" + query, chosen, "application/octet-stream");
      message.textContent = "Added " + trackName(track) + " (" + track.cueCount + " cues).";
      form.reset();
      onChanged();
    } catch (error) {
      message.textContent = chosen.name + " was not added: " + error.message +
        (error.encoding ? " (read as " + error.encoding + ")" : "");
      lines.replaceChildren(...error.lines.slice(0, 20).map((e) => h("li", {}, "Line " + e.line + ": " + e.message)));
      lines.hidden = !error.lines.length;
    } finally {
      submit.disabled = false;
    }
  });

  async function change(track, method, body, done) {
    try {
      await captionCall(method, captionsPath(lecture.id, track.id), body && JSON.stringify(body), body && "application/json");
      message.textContent = done;
      onChanged();
    } catch (error) {
      message.textContent = error.message;
    }
  }

  function setTracks(tracks) {
    list.replaceChildren(...tracks.map((track) => {
      const edit = h("button", { type: "button", "data-action": "edit", "aria-label": "Edit " + trackName(track) }, "Edit");
      edit.addEventListener("click", () => onEdit(track));
      const remove = h("button", { type: "button", class: "danger", "data-action": "delete", "aria-label": "Delete " + trackName(track) }, "Delete");
      remove.addEventListener("click", () => {
        if (window.confirm("Delete the captions " + trackName(track) + "? Students will no longer see them.")) {
          change(track, "DELETE", null, "Deleted " + trackName(track) + ".");
        }
      });
      const actions = [edit];
      if (!track.default) {
        const make = h("button", { type: "button", "data-action": "default", "aria-label": "Make " + trackName(track) + " the default" }, "Make default");
        make.addEventListener("click", () => change(track, "PATCH", { default: true }, trackName(track) + " is now the default."));
        actions.push(make);
      }
      actions.push(remove);
      return h("li", { "data-track-id": track.id, "data-language": track.language, "data-version": String(track.version) },
        h("span", { class: "track-name" }, h("strong", {}, track.label || track.language), " ",
          h("span", { class: "small muted" }, track.language + " · " + track.kind + " · " +
            (track.source === "machine" ? MACHINE_NOTE : "from the professor") + " · " + track.cueCount + " cues" +
            (track.updatedAt ? " · updated " + new Date(track.updatedAt).toLocaleString() : ""))),
        track.default ? h("span", { class: "badge" }, "Default") : null,
        h("span", { class: "actions" }, actions));
    }));
    if (!tracks.length) list.replaceChildren(h("li", { class: "muted" }, "No captions yet."));
  }

  const element = h("section", { class: "card caption-admin", id: "caption-admin", "aria-labelledby": "caption-admin-title" },
    h("h2", { id: "caption-admin-title" }, "Captions"),
    h("p", { class: "notice small", id: "caption-draft" }, draftWords(lecture.captionDraft)),
    list, message, form);
  return { element, setTracks, say: (words) => { message.textContent = words; toast(words); } };
}
