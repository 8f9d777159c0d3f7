// An upload's card on the professor's page: the progress bar, speed and time left, pause/resume and cancel, driven
// by an `Upload` (upload.js). Uploads in progress survive view changes within the page (not reloads: those resume
// from localStorage).

import { formatBytes, formatDuration, h, toast } from "./dom.js";
import { guardLeaving } from "./shell.js";
import { Upload } from "./upload.js";

export const activeUploads = new Map();

// States in which leaving the page stops bytes on their way.
const SENDING = new Set(["preparing", "resumed", "uploading", "pausing", "completing"]);

export function uploadInProgress() {
  return [...activeUploads.values()].some((upload) => SENDING.has(upload.state) || upload.state === "waiting");
}

// Leaving (reload, closing the tab, another site) mid-upload asks first; the browser words the question itself.
window.addEventListener("beforeunload", (event) => {
  if (!uploadInProgress()) return;
  event.preventDefault();
  event.returnValue = "";
});

// Signing out mid-upload asks too (it leaves without unloading: the upload would go on with no one signed in, and its
// last call would fail); confirmed, the uploads pause, keeping what was sent for a later resume.
guardLeaving(() => {
  if (!uploadInProgress()) return true;
  if (!window.confirm("An upload is still going. Signing out pauses it; choose the same file again after signing in to send the rest. Sign out?")) return false;
  for (const upload of activeUploads.values()) if (upload.state === "uploading") upload.pause();
  return true;
});

// Files chosen together go up one after another: each upload already keeps PARALLEL_PARTS (4) requests in flight,
// which fill the connection, and Chromium opens at most 6 connections per host over HTTP/1.1; a second file at the
// same time would only split that bandwidth and make the first lecture wait longer for its encode.
export const MAX_UPLOADING_FILES = 1;
const waiting = []; // { upload, begin } in the order chosen
let queuedCount = 0;

function uploadingCount() {
  return [...activeUploads.values()].filter((upload) => SENDING.has(upload.state)).length;
}

function startWaiting() {
  while (waiting.length && uploadingCount() < MAX_UPLOADING_FILES) waiting.shift().begin();
}

// Adds a file's card; it starts at once when no other file is uploading, otherwise it waits with its title editable.
export function startUpload(file, course, title, container, refresh) {
  // The first card keeps the ids the page has always had; cards chosen with it are told apart by their file name.
  const ids = container.querySelector(".upload") === null;
  const id = (name) => (ids ? { id: name } : {});
  const bar = h("progress", { max: String(file.size), value: "0", class: "upload-bar", ...id("upload-bar"), "aria-label": "Upload progress of " + file.name });
  const percent = h("span", { class: "percent", ...id("upload-percent") }, "0 %");
  const figures = h("p", { class: "muted small upload-figures", ...id("upload-figures") });
  const status = h("p", { class: "status upload-status", ...id("upload-status"), role: "status" }, "Preparing…");
  const pause = h("button", { type: "button", class: "upload-pause", ...id("upload-pause") }, "Pause");
  const cancel = h("button", { type: "button", class: "danger upload-cancel", ...id("upload-cancel") }, "Cancel");
  const heading = h("strong", { class: "upload-title" }, title);
  const fileLine = h("span", { class: "muted small" }, file.name + " · " + formatBytes(file.size));
  const card = h("div", { class: "card upload", "data-file": file.name },
    h("p", {}, heading, " ", fileLine),
    h("div", { class: "progress-row" }, bar, percent), figures, status, h("div", { class: "actions" }, pause, cancel));
  container.append(card);

  const upload = new Upload(file, { course, title }, {
    created: () => refresh(),
    state(state, detail) {
      card.dataset.state = state;
      if (["paused", "done", "failed", "cancelled"].includes(state)) setTimeout(startWaiting);
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
    if ((upload.state === "failed" && upload.refused) || upload.state === "waiting") {
      // Nothing was created yet (or the lecture has failed for good and stays in the list).
      const place = waiting.findIndex((w) => w.upload === upload);
      if (place >= 0) waiting.splice(place, 1);
      activeUploads.delete(upload.key);
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
    toast("The upload of “" + upload.title + "” was cancelled and its lecture removed.");
  });
  if (uploadingCount() < MAX_UPLOADING_FILES && !waiting.length) {
    upload.start();
    return;
  }
  // Waiting: the title stays editable until the upload starts (then it is the lecture's title).
  const fieldID = "queued-title-" + ++queuedCount;
  const field = h("input", { type: "text", id: fieldID, class: "queued-title", maxlength: "200", value: title });
  heading.replaceWith(h("span", { class: "queued-title-row" }, h("label", { for: fieldID }, "Title for " + file.name), field));
  upload.state = "waiting";
  card.dataset.state = "waiting";
  status.textContent = "Waiting: starts when the upload before it is done.";
  pause.disabled = true;
  waiting.push({
    upload,
    begin() {
      upload.title = field.value.trim() || title;
      heading.textContent = upload.title;
      card.querySelector(".queued-title-row").replaceWith(heading);
      upload.start();
    },
  });
}
