// An upload's card on the professor's page: the progress bar, speed and time left, pause/resume and cancel, driven
// by an `Upload` (upload.js). Uploads in progress survive view changes within the page (not reloads: those resume
// from localStorage).

import { formatBytes, formatDuration, h, toast } from "./dom.js";
import { Upload } from "./upload.js";

export const activeUploads = new Map();

// States in which leaving the page stops bytes on their way.
const SENDING = new Set(["preparing", "resumed", "uploading", "pausing", "completing"]);

export function uploadInProgress() {
  return [...activeUploads.values()].some((upload) => SENDING.has(upload.state));
}

// Leaving (reload, closing the tab, another site) mid-upload asks first; the browser words the question itself.
window.addEventListener("beforeunload", (event) => {
  if (!uploadInProgress()) return;
  event.preventDefault();
  event.returnValue = "";
});

export function startUpload(file, course, title, container, refresh) {
  const bar = h("progress", { max: String(file.size), value: "0", id: "upload-bar", "aria-label": "Upload progress" });
  const percent = h("span", { class: "percent", id: "upload-percent" }, "0 %");
  const figures = h("p", { class: "muted small", id: "upload-figures" });
  const status = h("p", { class: "status", id: "upload-status", role: "status" }, "Preparing…");
  const pause = h("button", { type: "button", id: "upload-pause" }, "Pause");
  const cancel = h("button", { type: "button", class: "danger", id: "upload-cancel" }, "Cancel");
  const card = h("div", { class: "card upload", "data-file": file.name },
    h("p", {}, h("strong", { class: "upload-title" }, title), " ", h("span", { class: "muted small" }, file.name + " · " + formatBytes(file.size))),
    h("div", { class: "progress-row" }, bar, percent), figures, status, h("div", { class: "actions" }, pause, cancel));
  container.append(card);

  const upload = new Upload(file, { course, title }, {
    created: () => refresh(),
    state(state, detail) {
      card.dataset.state = state;
      const refused = state === "failed" && detail?.retryable === false;
      pause.disabled = refused || !["uploading", "paused", "failed"].includes(state);
      pause.hidden = refused;
      pause.textContent = state === "uploading" || state === "pausing" ? "Pause" : "Resume";
      cancel.disabled = ["done", "cancelled", "completing"].includes(state);
      switch (state) {
        case "resumed":
          card.querySelector(".upload-title").textContent = upload.title;
          status.textContent = detail.of
            ? "Resuming: " + detail.already + " of " + detail.of + " parts were already uploaded."
            : "Resuming the upload.";
          card.dataset.resumedParts = String(detail.already);
          break;
        case "uploading": if (!card.dataset.resumedParts) status.textContent = "Uploading…"; break;
        case "pausing": status.textContent = "Pausing: finishing the parts already on their way…"; break;
        case "paused": status.textContent = "Paused. Everything sent so far is kept."; break;
        case "completing": status.textContent = "Assembling the file…"; break;
        case "done":
          status.textContent = "Uploaded. The lecture is queued for encoding.";
          bar.value = file.size;
          percent.textContent = "100 %";
          activeUploads.delete(upload.key);
          setTimeout(() => card.remove(), 4000);
          refresh();
          break;
        case "failed":
          if (detail.retryable) {
            status.textContent = "The upload stopped: " + detail.message + ". Press Resume to try again.";
          } else {
            status.textContent = detail.message;
            cancel.textContent = "Remove";
            activeUploads.delete(upload.key);
            refresh();
          }
          break;
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
  // Two presses, as Delete in the list: the first asks (for a few seconds), the second cancels and says so.
  let armed = null;
  cancel.addEventListener("click", async () => {
    if (upload.state === "failed" && upload.refused) {
      card.remove();
      return;
    }
    if (!armed) {
      cancel.textContent = "Really cancel?";
      armed = setTimeout(() => { armed = null; cancel.textContent = "Cancel"; }, 5000);
      return;
    }
    clearTimeout(armed);
    armed = null;
    cancel.disabled = true;
    await upload.cancel();
    toast("The upload of “" + title + "” was cancelled and its lecture removed.");
  });
  upload.start();
}
