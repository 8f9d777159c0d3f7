// The professor's lecture list: a row per lecture with its state (live encoding percent, the failure reason), Watch,
// Retry and a two-press Delete. Rebuilt on every poll of the course page.

import { api } from "./api.js";
import { formatBytes, formatDuration, h, toast } from "./dom.js";
import { STATE_LABELS } from "./shell.js";

// Lecture id → the timer that disarms its Delete button.
const armedDeletes = new Map();

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
      detail.append(h("progress", { max: "100", value: String(percent), "aria-label": "Encoding progress" }),
        " " + percent + " %" + (lecture.progress?.stage ? " · " + lecture.progress.stage : ""));
    } else if (lecture.state === "failed") {
      detail.append(h("span", { class: "error" }, lecture.failureReason || "No reason recorded."));
    } else if (lecture.state === "ready" && lecture.durationSeconds) {
      detail.append(formatDuration(lecture.durationSeconds));
    }
    const actions = h("div", { class: "actions" });
    if (lecture.state === "ready") {
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
    return h("li", { class: "lecture", "data-id": lecture.id, "data-state": lecture.state },
      h("div", { class: "title" }, h("strong", {}, lecture.title), h("span", { class: "muted small" }, lecture.filename + " · " + formatBytes(lecture.size))),
      state, detail, actions);
  });
  // The list is rebuilt every poll: a keyboard user's focus must stay on the same button.
  const focused = document.activeElement?.closest?.("li.lecture [data-action]") ? document.activeElement : null;
  const keep = focused && { id: focused.closest("li.lecture").dataset.id, action: focused.dataset.action };
  list.replaceChildren(h("ul", { class: "lecture-list" }, rows));
  if (keep) list.querySelector('li.lecture[data-id="' + CSS.escape(keep.id) + '"] [data-action="' + keep.action + '"]')?.focus();
}
