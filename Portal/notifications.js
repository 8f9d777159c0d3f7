// "Since your last visit" on the professor's course page: which lectures became ready or failed since the previous
// visit (the server keeps visits per user and course: POST /v1/courses/{course}/visits, one call per page load). Shown
// once, as a snapshot of the page load: while the page stays open the lecture list's own announcer says what changes,
// so this summary never updates (a second voice would say everything twice). Dismissed, it stays away until the next
// visit (a page load 30 min or more after the last one, see UserActivityStore.visitGap).

import { api } from "./api.js";
import { h } from "./dom.js";

const DISMISSED_PREFIX = "lectern.sinceLastVisit.";

// Records this page load as a visit; answers the activity (null when the call failed: the page works without it).
export function recordVisit(course) {
  return api("POST", "/v1/courses/" + encodeURIComponent(course) + "/visits").catch(() => null);
}

// The lectures that finished (ready or failed) after `since`, oldest first.
export function finishedSince(lectures, since) {
  const after = Date.parse(since);
  if (!Number.isFinite(after)) return [];
  return lectures
    .filter((l) => (l.state === "ready" || l.state === "failed") && l.finishedAt && Date.parse(l.finishedAt) > after)
    .sort((a, b) => Date.parse(a.finishedAt) - Date.parse(b.finishedAt));
}

function count(n, word) {
  return n + " " + word + (n === 1 ? "" : "s");
}

// "2 lectures ready, 1 failed"
function summaryWords(ready, failed) {
  const parts = [];
  if (ready.length) parts.push(count(ready.length, "lecture") + " ready");
  if (failed.length) parts.push((ready.length ? failed.length : count(failed.length, "lecture")) + " failed");
  return parts.join(", ");
}

// Fills `slot` with the summary for `activity` and the course's `lectures`, says its one line through `announce`,
// and answers whether anything was shown. `focusAfterDismiss` receives focus when the summary is dismissed.
export function showSinceLastVisit(slot, { activity, lectures, user, course, announce, focusAfterDismiss }) {
  const since = activity?.previousVisitAt;
  if (!since) return false;
  const key = DISMISSED_PREFIX + user + "." + course;
  if (localStorage.getItem(key) === since) return false;
  const finished = finishedSince(lectures, since);
  if (!finished.length) return false;
  const ready = finished.filter((l) => l.state === "ready");
  const failed = finished.filter((l) => l.state === "failed");
  const words = summaryWords(ready, failed);
  const when = new Date(since);

  const items = finished.map((lecture) => {
    if (lecture.state === "ready") {
      return h("li", { "data-id": lecture.id, "data-state": "ready" },
        h("a", { href: "#/watch/" + encodeURIComponent(lecture.id) }, lecture.title), " is ready.");
    }
    // A failed lecture has no page of its own: the link-styled button takes the keyboard to its row (Retry, Delete).
    const show = h("button", { type: "button", class: "link" }, lecture.title);
    show.addEventListener("click", () => {
      const row = document.querySelector('li.lecture[data-id="' + CSS.escape(lecture.id) + '"]');
      row?.scrollIntoView({ block: "center" });
      row?.querySelector("[data-action]")?.focus();
    });
    return h("li", { "data-id": lecture.id, "data-state": "failed" }, show, " failed: " + (lecture.failureReason || "no reason recorded."));
  });
  const dismiss = h("button", { type: "button", id: "since-last-visit-dismiss", "aria-label": "Dismiss the summary of your last visit" }, "Dismiss");
  const section = h("section", { class: "card notice since-last-visit", id: "since-last-visit", "aria-labelledby": "since-last-visit-heading" },
    h("div", { class: "since-head" },
      h("h2", { id: "since-last-visit-heading" }, "Since your last visit"), dismiss),
    h("p", { id: "since-last-visit-summary" }, words + " (since ",
      h("time", { datetime: since }, when.toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short" })), ")."),
    h("ul", { class: "since-list" }, items));
  dismiss.addEventListener("click", () => {
    localStorage.setItem(key, since);
    section.remove();
    focusAfterDismiss?.focus();
  });
  slot.replaceChildren(section);
  announce("Since your last visit: " + words + ".");
  return true;
}
