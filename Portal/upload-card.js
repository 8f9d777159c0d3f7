// An upload's card on the professor's page: the progress bar, speed and time left, pause/resume and cancel, driven
// by an `Upload` (upload.js). Uploads in progress survive view changes within the page (not reloads: those resume
// from localStorage).

import { formatBytes, formatDuration, h } from "./dom.js";
import { Upload } from "./upload.js";

export const activeUploads = new Map();

export function startUpload(file, course, title, container, refresh) {
  const bar = h("progress", { max: String(file.size), value: "0", id: "upload-bar", "aria-label": "Upload progress" });
  const percent = h("span", { class: "percent", id: "upload-percent" }, "0 %");
  const figures = h("p", { class: "muted small", id: "upload-figures" });
  const status = h("p", { class: "status", id: "upload-status", role: "status" }, "Preparing…");
  const pause = h("button", { type: "button", id: "upload-pause" }, "Pause");
  const cancel = h("button", { type: "button", class: "danger", id: "upload-cancel" }, "Cancel");
  const card = h("div", { class: "card upload", "data-file": file.name },
    h("p", {}, h("strong", {}, title), " ", h("span", { class: "muted small" }, file.name + " · " + formatBytes(file.size))),
    h("div", { class: "progress-row" }, bar, percent), figures, status, h("div", { class: "actions" }, pause, cancel));
  container.append(card);

  const upload = new Upload(file, { course, title }, {
    created: () => refresh(),
    state(state, detail) {
      card.dataset.state = state;
      pause.disabled = !["uploading", "paused", "failed"].includes(state);
      pause.textContent = state === "uploading" ? "Pause" : "Resume";
      cancel.disabled = ["done", "cancelled", "completing"].includes(state);
      switch (state) {
        case "resumed":
          status.textContent = detail.of
            ? "Resuming: " + detail.already + " of " + detail.of + " parts were already uploaded."
            : "Resuming the upload.";
          card.dataset.resumedParts = String(detail.already);
          break;
        case "uploading": if (!card.dataset.resumedParts) status.textContent = "Uploading…"; break;
        case "paused": status.textContent = "Paused. Finished parts are kept."; break;
        case "completing": status.textContent = "Assembling the file…"; break;
        case "done":
          status.textContent = "Uploaded. The lecture is queued for encoding.";
          bar.value = file.size;
          percent.textContent = "100 %";
          activeUploads.delete(upload.key);
          setTimeout(() => card.remove(), 4000);
          refresh();
          break;
        case "failed": status.textContent = "The upload stopped: " + detail + ". Press Resume to try again."; break;
        case "cancelled":
          activeUploads.delete(upload.key);
          card.remove();
          refresh();
          break;
      }
    },
    progress(p) {
      bar.value = p.sent;
      percent.textContent = Math.floor((p.sent / p.total) * 100) + " %";
      const parts = p.partCount > 1 ? " · part " + p.partsDone + " of " + p.partCount : "";
      figures.textContent = formatBytes(p.sent) + " of " + formatBytes(p.total)
        + " · " + (p.speed > 0 ? formatBytes(p.speed) + "/s" : "–")
        + " · " + (p.secondsLeft !== null ? formatDuration(p.secondsLeft) + " left" : "time left –") + parts;
    },
    done() {},
  });
  upload.card = card;
  activeUploads.set(upload.key, upload);
  pause.addEventListener("click", () => (upload.state === "uploading" ? upload.pause() : upload.resume()));
  cancel.addEventListener("click", () => upload.cancel());
  upload.start();
}
