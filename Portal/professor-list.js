// The professor's lecture list: a row per lecture with its poster, duration, upload date, state (live encoding
// percent and time left, the failure reason), visibility, Watch, Edit, Retry and a two-press Delete. Rebuilt on every
// poll of the course page.

import { api } from "./api.js";
import { formatBytes, formatDuration, h, toast } from "./dom.js";
import { editLecture } from "./lecture-edit.js";
import { encodingWords, STATE_LABELS } from "./shell.js";
import { partsWords } from "./encoding-progress.js";

// Lecture id → the timer that disarms its Delete button.
const armedDeletes = new Map();

// Lecture id → the server's previous estimate of seconds left: shown only once two successive ones agree.
const lastEstimates = new Map();

const VISIBILITY_LABELS = { draft: "Draft", published: "Published", scheduled: "Scheduled" };

// "about 3 min left" when the last two estimates agree within a third (the worker's percent moves in steps); nothing
// while the estimate is settling.
function timeLeft(lecture) {
  const seconds = lecture.progress?.secondsLeft;
  const previous = lastEstimates.get(lecture.id);
  lastEstimates.set(lecture.id, seconds);
  if (!Number.isFinite(seconds) || !Number.isFinite(previous)) return null;
  if (Math.abs(seconds - previous) > Math.max(previous, seconds) / 3 + 5) return null;
  return seconds < 60 ? "less than a minute left" : "about " + Math.round(seconds / 60) + " min left";
}

function posterThumb(lecture) {
  const box = h("div", { class: "row-poster" });
  if (lecture.poster) {
    const image = h("img", { src: lecture.poster, alt: "", width: "96", height: "54", loading: "lazy" });
    // An encode without a poster (no video stream) answers 404: the placeholder stays.
    image.addEventListener("error", () => image.remove());
    box.append(image);
  }
  return box;
}

function uploadedDate(lecture) {
  const date = new Date(lecture.createdAt);
  return h("time", { datetime: lecture.createdAt, title: date.toLocaleString() }, date.toLocaleDateString(undefined, { dateStyle: "medium" }));
}

function visibilityBadge(lecture) {
  const label = VISIBILITY_LABELS[lecture.visibility] || lecture.visibility || "Published";
  const badge = h("span", { class: "badge visibility-" + (lecture.visibility || "published") }, label);
  if (lecture.visibility === "scheduled" && lecture.publishAt) {
    badge.append(" · ", h("time", { datetime: lecture.publishAt }, new Date(lecture.publishAt).toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short" })));
  }
  return badge;
}

export function renderProfessorList(list, lectures, refresh) {
  if (!lectures.length) {
    list.replaceChildren(h("p", { class: "muted" }, "No lectures yet."));
    return;
  }
  const rows = lectures.map((lecture) => {
    const state = h("span", { class: "badge state-" + lecture.state }, STATE_LABELS[lecture.state] || lecture.state);
    const detail = h("div", { class: "detail" });
    if (lecture.state === "processing") {
      const percent = Math.round(lecture.progress?.percent ?? 0);
      const left = timeLeft(lecture);
      // A split encode (issue #15): "7 of 20 parts, playable up to 24:00".
      const parts = partsWords(lecture);
      // Element.append writes null as the text "null": only what is there goes in.
      detail.append(h("progress", { max: "100", value: String(percent), "aria-label": "Encoding progress" }),
        h("span", { class: "stage" }, " " + encodingWords(lecture.progress)),
        ...(left ? [h("span", { class: "eta" }, " · " + left)] : []),
        ...(parts ? [h("span", { class: "parts" }, " · " + parts)] : []));
    } else if (lecture.state === "failed") {
      detail.append(h("span", { class: "error" }, lecture.failureReason || "No reason recorded."));
    }
    const actions = h("div", { class: "actions" });
    if (lecture.state === "ready" || lecture.playable) {
      actions.append(h("a", { class: "button", "data-action": "watch", href: "#/watch/" + encodeURIComponent(lecture.id) }, "Watch"));
    }
    if (lecture.state === "failed" && lecture.retryable !== false) {
      actions.append(h("button", { type: "button", "data-action": "retry", onclick: async (event) => {
        event.target.disabled = true;
        try {
          await api("POST", "/v1/lectures/" + encodeURIComponent(lecture.id) + "/retry");
          toast("“" + lecture.title + "” is queued again.");
        } catch (error) {
          toast("Retry failed: " + error.message);
        }
        refresh();
      } }, "Retry"));
    }
    const edit = h("button", { type: "button", "data-action": "edit", "aria-label": "Edit “" + lecture.title + "”" }, "Edit");
    edit.addEventListener("click", () => editLecture(lecture, edit, () => refresh()));
    actions.append(edit);
    const armed = armedDeletes.has(lecture.id);
    const remove = h("button", { type: "button", class: "danger", "data-action": "delete" }, armed ? "Really delete?" : "Delete");
    remove.addEventListener("click", async () => {
      // Two presses, no modal dialog: the first arms the button for a few seconds (kept across the list's
      // re-renders while it polls).
      if (!armedDeletes.has(lecture.id)) {
        remove.textContent = "Really delete?";
        armedDeletes.set(lecture.id, setTimeout(() => {
          armedDeletes.delete(lecture.id);
          for (const button of document.querySelectorAll('li.lecture[data-id="' + CSS.escape(lecture.id) + '"] button.danger')) button.textContent = "Delete";
        }, 5000));
        return;
      }
      clearTimeout(armedDeletes.get(lecture.id));
      armedDeletes.delete(lecture.id);
      remove.disabled = true;
      try {
        await api("DELETE", "/v1/lectures/" + encodeURIComponent(lecture.id));
        toast("“" + lecture.title + "” deleted.");
      } catch (error) {
        toast("Delete failed: " + error.message);
      }
      refresh();
    });
    actions.append(remove);
    const facts = h("span", { class: "muted small facts" }, "Uploaded ", uploadedDate(lecture),
      lecture.durationSeconds ? h("span", { class: "row-duration" }, " · " + formatDuration(lecture.durationSeconds)) : null,
      " · " + lecture.filename + " · " + formatBytes(lecture.size));
    return h("li", { class: "lecture", "data-id": lecture.id, "data-state": lecture.state, "data-visibility": lecture.visibility || "published" },
      posterThumb(lecture),
      h("div", { class: "title" }, h("strong", {}, lecture.title), facts),
      h("div", { class: "badges" }, state, visibilityBadge(lecture)), detail, actions);
  });
  // The list is rebuilt every poll: a keyboard user's focus must stay on the same button.
  const focused = document.activeElement?.closest?.("li.lecture [data-action]") ? document.activeElement : null;
  const keep = focused && { id: focused.closest("li.lecture").dataset.id, action: focused.dataset.action };
  list.replaceChildren(h("ul", { class: "lecture-list" }, rows));
  if (keep) list.querySelector('li.lecture[data-id="' + CSS.escape(keep.id) + '"] [data-action="' + keep.action + '"]')?.focus();
}
