// The transcript beside the video: the cues of the selected caption track as lines, the current one marked
// (aria-current) and kept in view inside the panel (never by moving focus; no smooth scrolling under
// prefers-reduced-motion), a line's button seeks there, search marks matches (<mark>) with next/previous and a polite
// "3 of 12", and the track downloads as WebVTT, SRT or plain text built here from the parsed cues.

import { formatDuration, h } from "./dom.js";
import { cueIndexAt, plainText, toPlainText, toSRT, toWebVTT } from "./webvtt.js";

const reducedMotion = () => window.matchMedia("(prefers-reduced-motion: reduce)").matches;

export function fileStem(title) {
  return (title || "lecture").normalize("NFC").replace(/[^\p{L}\p{N}]+/gu, "-").replace(/^-+|-+$/g, "").slice(0, 80) || "lecture";
}

export function transcriptPanel({ title, video, seekTo }) {
  const heading = h("h2", { id: "transcript-title" }, "Transcript");
  const language = h("span", { class: "small muted", id: "transcript-language" });
  const search = h("input", { type: "search", id: "transcript-search", placeholder: "Search the lecture", autocomplete: "off" });
  const previous = h("button", { type: "button", id: "search-previous", "aria-label": "Previous match" }, h("span", { "aria-hidden": "true" }, "↑"));
  const next = h("button", { type: "button", id: "search-next", "aria-label": "Next match" }, h("span", { "aria-hidden": "true" }, "↓"));
  const status = h("span", { class: "small", id: "search-status", role: "status", "aria-live": "polite" });
  const list = h("ol", { class: "cues", id: "transcript-cues", "aria-labelledby": "transcript-title" });
  const empty = h("p", { class: "muted small", id: "transcript-empty" }, "No captions yet, so no transcript.");
  const downloads = h("p", { class: "downloads small", id: "transcript-downloads", hidden: "" }, "Download: ");
  const element = h("section", { class: "transcript", id: "transcript", "aria-labelledby": "transcript-title" },
    h("div", { class: "transcript-head" }, heading, language),
    h("div", { class: "search" }, h("label", { for: "transcript-search", class: "visually-hidden" }, "Search the lecture"),
      search, previous, next),
    status, empty, list, downloads);

  let cues = [], rows = [], current = -1, matches = [], at = -1, urls = [];

  function setTrack(doc, track) {
    cues = doc ? doc.cues : [];
    language.textContent = track ? "(" + (track.label || track.language) + ")" : "";
    empty.hidden = cues.length > 0;
    rows = cues.map((cue, index) => {
      const text = h("span", { class: "cue-text" }, plainText(cue.text).replace(/\n/g, " "));
      const button = h("button", { type: "button", class: "cue" },
        h("span", { class: "cue-time" }, formatDuration(cue.start)), text);
      button.addEventListener("click", () => seekTo(cue.start + 0.001));
      return h("li", { "data-index": String(index), "data-start": String(cue.start) }, button);
    });
    list.replaceChildren(...rows);
    current = -1;
    follow();
    runSearch(false);
    for (const url of urls) URL.revokeObjectURL(url);
    urls = [];
    downloads.replaceChildren("Download: ");
    downloads.hidden = !cues.length;
    if (!cues.length) return;
    const stem = fileStem(title) + (track?.language ? "." + track.language : "");
    for (const [label, extension, type, body] of [["WebVTT", "vtt", "text/vtt", toWebVTT(doc)], ["SRT", "srt", "application/x-subrip", toSRT(doc)],
      ["Text", "txt", "text/plain", toPlainText(doc)]]) {
      const url = URL.createObjectURL(new Blob([body], { type: type + ";charset=utf-8" }));
      urls.push(url);
      downloads.append(h("a", { href: url, download: stem + "." + extension, "data-format": extension,
        "aria-label": "Download the transcript as " + label }, label), " ");
    }
  }

  // Keeps the current cue marked and in view inside the list (scrollTop, so the page itself never jumps).
  function follow() {
    const index = cueIndexAt(cues, video.currentTime || 0);
    if (index === current) return;
    rows[current]?.removeAttribute("aria-current");
    current = index;
    const row = rows[current];
    if (!row) return;
    row.setAttribute("aria-current", "true");
    const top = row.offsetTop, bottom = top + row.offsetHeight;
    if (top < list.scrollTop || bottom > list.scrollTop + list.clientHeight) {
      list.scrollTo({ top: Math.max(0, top - list.clientHeight / 3), behavior: reducedMotion() ? "auto" : "smooth" });
    }
  }
  video.addEventListener("timeupdate", follow);
  video.addEventListener("seeked", follow);

  // MARK: Search
  let announceTimer;
  function runSearch(announce) {
    const query = search.value.trim().toLocaleLowerCase();
    matches = [];
    rows.forEach((row, index) => {
      const span = row.querySelector(".cue-text");
      const text = plainText(cues[index].text).replace(/\n/g, " ");
      if (!query) {
        span.textContent = text;
        return;
      }
      const lower = text.toLocaleLowerCase();
      const parts = [];
      let from = 0, found;
      while (query && (found = lower.indexOf(query, from)) >= 0) {
        parts.push(text.slice(from, found));
        const mark = h("mark", {}, text.slice(found, found + query.length));
        matches.push(mark);
        parts.push(mark);
        from = found + query.length;
      }
      parts.push(text.slice(from));
      span.replaceChildren(...parts);
    });
    at = matches.length ? 0 : -1;
    mark(announce);
  }
  function mark(announce) {
    matches.forEach((m, index) => m.classList.toggle("current", index === at));
    const words = !search.value.trim() ? "" : matches.length ? (at + 1) + " of " + matches.length : "No matches";
    const match = matches[at];
    if (match) {
      const row = match.closest("li");
      const top = row.offsetTop;
      if (top < list.scrollTop || top + row.offsetHeight > list.scrollTop + list.clientHeight) {
        list.scrollTo({ top: Math.max(0, top - list.clientHeight / 3), behavior: reducedMotion() ? "auto" : "smooth" });
      }
    }
    // One announcement per pause in typing, not one per keystroke.
    clearTimeout(announceTimer);
    if (announce === "now") status.textContent = words;
    else announceTimer = setTimeout(() => { status.textContent = words; }, announce ? 500 : 0);
    status.dataset.words = words;
  }
  const step = (delta) => {
    if (!matches.length) return;
    at = (at + delta + matches.length) % matches.length;
    mark("now");
  };
  search.addEventListener("input", () => runSearch(true));
  search.addEventListener("keydown", (event) => {
    if (event.key === "Enter") {
      event.preventDefault();
      step(event.shiftKey ? -1 : 1);
    }
  });
  previous.addEventListener("click", () => step(-1));
  next.addEventListener("click", () => step(1));

  return {
    element, setTrack,
    stop() {
      clearTimeout(announceTimer);
      for (const url of urls) URL.revokeObjectURL(url);
    },
  };
}
