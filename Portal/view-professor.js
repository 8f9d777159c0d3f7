// The professor's course page: the upload form, unfinished uploads to resume, and the lecture list with live
// encoding state, retry and delete.

import { courseSearch } from "./course-search.js";
import { api, listLectures } from "./api.js";
import { formatBytes, h } from "./dom.js";
import { recordVisit, showSinceLastVisit } from "./notifications.js";
import { renderProfessorList } from "./professor-list.js";
import { courseSwitcher, main, onLeave, session, show } from "./shell.js";
import { activeUploads, startUpload } from "./upload-card.js";
import { forgetUpload, notMediaKind, savedKey, unfinishedUploads } from "./upload.js";

export function professorView(course) {
  const uploads = h("div", { id: "uploads" });
  // The list is rebuilt on every poll, so it is not a live region (a screen reader would read it all every 2 s);
  // `announcer` says only what changed ("“Week 3” is ready").
  const list = h("div", { id: "lectures" });
  const announcer = h("p", { id: "lecture-announcer", class: "visually-hidden", role: "status" });
  // "Since your last visit": filled once, when both the visit and the first list have answered (notifications.js).
  const sinceLastVisit = h("div", { id: "since-last-visit-slot" });
  const visit = recordVisit(course);
  let summarised = false;
  const refusal = h("p", { id: "upload-refused", class: "error", role: "alert" });
  const title = h("input", { id: "title", name: "title", type: "text", maxlength: "200", placeholder: "Defaults to the file name" });
  // The file input stays in the tab order (Enter or Space opens the picker); its label is what the eye sees, and
  // shows the focus ring when the input has it.
  const input = h("input", { id: "file", name: "file", type: "file", accept: "video/*", multiple: "", class: "visually-hidden" });
  const drop = h("div", { class: "drop", id: "drop" },
    h("p", { class: "drag-hint" }, "Drag lecture videos here, or"),
    input,
    h("label", { for: "file", class: "button primary", id: "choose" }, "Choose files…"));
  // One file or several: each is checked, then gets a card (several go up one after another, see upload-card.js).
  // The title field names a single file's lecture; with several, each card's title starts as its file name.
  const begin = async (files) => {
    files = [...files];
    input.value = "";
    if (!files.length) return;
    refusal.textContent = "";
    const typed = files.length === 1 ? title.value.trim() : "";
    title.value = "";
    const refused = [];
    for (const file of files) {
      // Refused here, before a lecture exists, when the file plainly is something else (the API checks again).
      const kind = await notMediaKind(file);
      if (kind) {
        refused.push("“" + file.name + "” looks like " + kind + ", not a video or audio recording.");
        continue;
      }
      // Picking a remembered file resumes it: its notice has done its job.
      for (const note of main.querySelectorAll("[data-pending-key]")) if (note.dataset.pendingKey === savedKey(file)) note.remove();
      startUpload(file, course, typed || file.name.replace(/\.[^.]+$/, ""), uploads, refresh);
    }
    if (refused.length) {
      refusal.textContent = refused.join(" ") + " Choose the lecture's recording (for example an MP4, MOV or WebM file).";
    }
  };
  input.addEventListener("change", () => begin(input.files));
  drop.addEventListener("dragover", (event) => { event.preventDefault(); drop.classList.add("over"); });
  drop.addEventListener("dragleave", () => drop.classList.remove("over"));
  drop.addEventListener("drop", (event) => {
    event.preventDefault();
    drop.classList.remove("over");
    begin(event.dataTransfer.files);
  });

  const pending = unfinishedUploads(course).filter((u) => !activeUploads.has(u.key));
  const resumeNotes = pending.map((saved) => {
    const done = saved.parts ? Object.keys(saved.parts).length : 0;
    const note = h("div", { class: "card notice", "data-pending": saved.lectureId, "data-pending-key": saved.key },
      h("p", {}, "Unfinished upload of ", h("strong", {}, saved.title || saved.filename), " (" + saved.filename + ", " + formatBytes(saved.size) + (saved.partCount ? ", " + done + " of " + saved.partCount + " parts sent" : "") + "). ",
        "Choose the same file again to send the rest."),
      h("button", { type: "button", class: "link", onclick: async () => {
        forgetUpload(saved.key);
        await api("DELETE", "/v1/lectures/" + encodeURIComponent(saved.lectureId)).catch(() => {});
        note.remove();
        refresh();
      } }, "Discard it"));
    return note;
  });

  show(courseSwitcher(course), sinceLastVisit,
    h("section", { class: "card", "aria-labelledby": "upload-heading" },
      h("h2", { id: "upload-heading" }, "Upload a lecture"),
      h("label", { for: "title" }, "Title"), title, drop, refusal, resumeNotes, uploads),
    h("section", { "aria-labelledby": "list-heading" }, h("h2", { id: "list-heading", tabindex: "-1" }, "Lectures"), list, announcer),
    // After the upload card and the list for professors: uploading is what they come for (above them it also moved
    // the upload cards under the toast in the browser test's "upload-several").
    courseSearch(course));
  for (const upload of activeUploads.values()) if (upload.course === course) uploads.append(upload.card);

  // A lecture waiting for its upload that no card on this page is sending is paused, whatever the list's label.
  function markPausedRows() {
    const sending = new Set([...activeUploads.values()].map((u) => u.lectureId).filter(Boolean));
    for (const row of list.querySelectorAll('li.lecture[data-state="awaiting_upload"]')) {
      if (!sending.has(row.dataset.id)) row.querySelector(".badge").textContent = "Paused — choose the file again to resume";
    }
  }

  // Lecture id → state at the last poll (":playable" added while it can be watched as it encodes, issue #15); the
  // first poll only learns them (nothing changed yet).
  let known = null;
  const stateKey = (lecture) => lecture.state + (lecture.state === "processing" && lecture.playable ? ":playable" : "");
  function announceChanges(lectures) {
    const words = [];
    for (const lecture of lectures) {
      const before = known?.get(lecture.id);
      if (!known || before === stateKey(lecture)) continue;
      if (lecture.state === "ready") words.push("“" + lecture.title + "” is ready.");
      else if (stateKey(lecture) === "processing:playable") words.push("“" + lecture.title + "” can be watched while it encodes.");
      else if (lecture.state === "failed") words.push("“" + lecture.title + "” failed: " + (lecture.failureReason || "no reason recorded."));
      else if (lecture.state === "processing" && before !== undefined && before !== "processing:playable") words.push("“" + lecture.title + "” is being encoded.");
    }
    known = new Map(lectures.map((l) => [l.id, stateKey(l)]));
    if (words.length) announcer.textContent = words.join(" ");
  }

  let timer = null;
  let stopped = false;
  async function refresh() {
    clearTimeout(timer);
    if (stopped) return;
    try {
      const lectures = await listLectures(course);
      renderProfessorList(list, lectures, refresh);
      markPausedRows();
      announceChanges(lectures);
      if (!summarised) {
        summarised = true;
        const activity = await visit;
        if (!stopped) {
          showSinceLastVisit(sinceLastVisit, { activity, lectures, user: session.me.user, course,
            announce: (words) => { announcer.textContent = words; }, focusAfterDismiss: main.querySelector("#list-heading") });
          sinceLastVisit.dataset.checked = "true"; // for tests: the summary was decided on (shown or not)
        }
      }
      const busy = lectures.some((l) => l.state === "queued" || l.state === "processing")
        || [...activeUploads.values()].some((u) => u.course === course);
      if (busy && !stopped) timer = setTimeout(refresh, 2000);
    } catch (error) {
      list.replaceChildren(h("p", { class: "error" }, "The lectures could not be loaded: " + error.message));
      if (!stopped) timer = setTimeout(refresh, 5000);
    }
  }
  refresh();
  onLeave(() => { stopped = true; clearTimeout(timer); });
}
