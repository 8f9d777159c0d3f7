// The Lectern portal: sign-in with a pasted token, the professor's course page (upload, lecture list with live
// encoding state), the student's course page (ready lectures) and the watch page. Hash routes:
//   #/                     courses of the signed-in user
//   #/courses/<course>     a course's page
//   #/watch/<lectureId>    a lecture's watch page

import { api, decodeClaims, forgetToken, listLectures, onUnauthorized, saveToken, storedToken } from "./api.js";
import { formatBytes, formatDuration, h, toast } from "./dom.js";
import { player } from "./player.js";
import { forgetUpload, savedKey, unfinishedUploads, Upload } from "./upload.js";

const main = document.getElementById("main");
let me = null; // the signed-in user's claims
let leaveView = () => {}; // stops the current view's timers

function signedInUser() {
  const token = storedToken();
  if (!token) return null;
  try {
    return decodeClaims(token);
  } catch {
    forgetToken();
    return null;
  }
}

function show(...children) {
  main.replaceChildren(...children);
}

function showHeader() {
  document.getElementById("who").hidden = !me;
  if (!me) return;
  document.getElementById("who-name").textContent = me.name;
  document.getElementById("who-role").textContent = me.role;
}

function signOut(reason) {
  forgetToken();
  me = null;
  showHeader();
  route();
  if (reason) toast(reason);
}

onUnauthorized(() => signOut("Your sign-in is no longer valid; paste a new token."));
document.getElementById("sign-out").addEventListener("click", () => signOut("Signed out."));

// MARK: Sign-in

function signInView() {
  const error = h("p", { class: "error", id: "sign-in-error", role: "alert" });
  const field = h("textarea", { id: "token", name: "token", rows: "4", required: "", spellcheck: "false", autocomplete: "off" });
  const form = h("form", { class: "card narrow", id: "sign-in" },
    h("h1", {}, "Sign in"),
    h("label", { for: "token" }, "Access token"),
    field,
    error,
    h("button", { type: "submit", class: "primary" }, "Sign in"),
    h("p", { class: "muted small" },
      "Locally, `make run` prints tokens for a demo professor and student. A university deployment sends you through ",
      "its identity provider instead, and this page never sees a password."));
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    try {
      me = decodeClaims(field.value);
      saveToken(field.value.trim());
      showHeader();
      route();
    } catch (problem) {
      error.textContent = problem.message;
      field.focus();
    }
  });
  show(form);
  field.focus();
}

// MARK: Courses

function coursesView() {
  if (me.courses.length === 1) {
    location.replace("#/courses/" + encodeURIComponent(me.courses[0]));
    return;
  }
  const list = h("ul", { class: "courses" },
    me.courses.map((course) => h("li", {}, h("a", { class: "button", href: "#/courses/" + encodeURIComponent(course) }, course))));
  show(h("h1", {}, "Your courses"),
    me.courses.length ? list : h("p", { class: "muted" }, "Your token lists no courses."));
}

function courseSwitcher(course) {
  if (me.courses.length < 2) return h("h1", {}, course);
  const select = h("select", { id: "course", "aria-label": "Course" },
    me.courses.map((c) => h("option", { value: c, selected: c === course }, c)));
  select.addEventListener("change", () => { location.hash = "#/courses/" + encodeURIComponent(select.value); });
  return h("div", { class: "heading" }, h("h1", {}, course), h("label", { class: "small" }, "Course ", select));
}

// MARK: Professor

const STATE_LABELS = {
  awaiting_upload: "Uploading", queued: "Queued", processing: "Encoding", ready: "Ready", failed: "Failed",
};

function professorView(course) {
  const uploads = h("div", { id: "uploads" });
  const list = h("div", { id: "lectures", "aria-live": "polite" });
  const title = h("input", { id: "title", name: "title", type: "text", maxlength: "200", placeholder: "Defaults to the file name" });
  // The file input stays in the tab order (Enter or Space opens the picker); its label is what the eye sees, and
  // shows the focus ring when the input has it.
  const input = h("input", { id: "file", name: "file", type: "file", accept: "video/*", class: "visually-hidden" });
  const drop = h("div", { class: "drop", id: "drop" },
    h("p", {}, "Drag a lecture video here, or"),
    input,
    h("label", { for: "file", class: "button primary", id: "choose" }, "Choose a file…"));
  const begin = (file) => {
    if (!file) return;
    // Picking a remembered file resumes it: its notice has done its job.
    for (const note of main.querySelectorAll("[data-pending-key]")) if (note.dataset.pendingKey === savedKey(file)) note.remove();
    startUpload(file, course, title.value.trim() || file.name.replace(/\.[^.]+$/, ""), uploads, refresh);
    title.value = "";
    input.value = "";
  };
  input.addEventListener("change", () => begin(input.files[0]));
  drop.addEventListener("dragover", (event) => { event.preventDefault(); drop.classList.add("over"); });
  drop.addEventListener("dragleave", () => drop.classList.remove("over"));
  drop.addEventListener("drop", (event) => {
    event.preventDefault();
    drop.classList.remove("over");
    begin(event.dataTransfer.files[0]);
  });

  const pending = unfinishedUploads(course).filter((u) => !activeUploads.has(u.key));
  const resumeNotes = pending.map((saved) => {
    const done = saved.parts ? Object.keys(saved.parts).length : 0;
    const note = h("div", { class: "card notice", "data-pending": saved.lectureId, "data-pending-key": saved.key },
      h("p", {}, "Unfinished upload of ", h("strong", {}, saved.filename), " (" + formatBytes(saved.size) + (saved.partCount ? ", " + done + " of " + saved.partCount + " parts sent" : "") + "). ",
        "Choose the same file again to send the rest."),
      h("button", { type: "button", class: "link", onclick: async () => {
        forgetUpload(saved.key);
        await api("DELETE", "/v1/lectures/" + encodeURIComponent(saved.lectureId)).catch(() => {});
        note.remove();
        refresh();
      } }, "Discard it"));
    return note;
  });

  show(courseSwitcher(course),
    h("section", { class: "card", "aria-labelledby": "upload-heading" },
      h("h2", { id: "upload-heading" }, "Upload a lecture"),
      h("label", { for: "title" }, "Title"), title, drop, resumeNotes, uploads),
    h("section", { "aria-labelledby": "list-heading" }, h("h2", { id: "list-heading" }, "Lectures"), list));
  for (const upload of activeUploads.values()) if (upload.course === course) uploads.append(upload.card);

  let timer = null;
  let stopped = false;
  async function refresh() {
    clearTimeout(timer);
    if (stopped) return;
    try {
      const lectures = await listLectures(course);
      renderProfessorList(list, lectures, refresh);
      const busy = lectures.some((l) => l.state === "queued" || l.state === "processing")
        || [...activeUploads.values()].some((u) => u.course === course);
      if (busy && !stopped) timer = setTimeout(refresh, 2000);
    } catch (error) {
      list.replaceChildren(h("p", { class: "error" }, "The lectures could not be loaded: " + error.message));
      if (!stopped) timer = setTimeout(refresh, 5000);
    }
  }
  refresh();
  leaveView = () => { stopped = true; clearTimeout(timer); };
}

// Lecture id → the timer that disarms its Delete button.
const armedDeletes = new Map();

function renderProfessorList(list, lectures, refresh) {
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
    if (lecture.state === "failed") {
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

// Uploads in progress survive view changes within the page (not reloads: those resume from localStorage).
const activeUploads = new Map();

function startUpload(file, course, title, container, refresh) {
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

// MARK: Student

function studentView(course) {
  const grid = h("ul", { class: "grid", id: "lectures" });
  show(courseSwitcher(course), grid);
  let stopped = false;
  leaveView = () => { stopped = true; };
  (async () => {
    try {
      const lectures = (await listLectures(course)).filter((l) => l.state === "ready");
      if (stopped) return;
      if (!lectures.length) {
        grid.replaceWith(h("p", { class: "muted" }, "No lectures are ready yet."));
        return;
      }
      for (const lecture of lectures) {
        const poster = h("div", { class: "poster" });
        const length = h("span", { class: "duration" }, formatDuration(lecture.durationSeconds));
        grid.append(h("li", { class: "tile", "data-id": lecture.id },
          h("a", { href: "#/watch/" + encodeURIComponent(lecture.id) }, poster, length, h("span", { class: "tile-title" }, lecture.title))));
        // Posters are presigned per lecture: one details call each, filled in as they answer.
        api("GET", "/v1/lectures/" + encodeURIComponent(lecture.id)).then((full) => {
          if (full.playback?.poster) poster.append(h("img", { src: full.playback.poster, alt: "", loading: "lazy" }));
          if (full.durationSeconds) length.textContent = formatDuration(full.durationSeconds);
        }).catch(() => {});
      }
    } catch (error) {
      grid.replaceWith(h("p", { class: "error" }, "The lectures could not be loaded: " + error.message));
    }
  })();
}

// MARK: Watch

async function watchView(id) {
  show(h("p", { class: "muted" }, "Loading the lecture…"));
  let lecture;
  try {
    lecture = await api("GET", "/v1/lectures/" + encodeURIComponent(id));
  } catch (error) {
    show(h("p", { class: "error" }, "This lecture cannot be shown: " + error.message));
    return;
  }
  const back = h("a", { href: "#/courses/" + encodeURIComponent(lecture.course), class: "small" }, "← " + lecture.course);
  if (lecture.state !== "ready" || !lecture.playback) {
    show(back, h("h1", {}, lecture.title), h("p", { class: "muted" }, "This lecture is " + (STATE_LABELS[lecture.state] || lecture.state).toLowerCase() + "; come back when it is ready."));
    return;
  }
  show(back, h("h1", {}, lecture.title), player(lecture));
}

// MARK: Routing

function route() {
  leaveView();
  leaveView = () => {};
  me = signedInUser();
  showHeader();
  if (!me) {
    signInView();
    return;
  }
  const [, section, value] = location.hash.split("/");
  const param = value ? decodeURIComponent(value) : "";
  if (section === "courses" && param) {
    if (me.role === "professor") professorView(param);
    else studentView(param);
  } else if (section === "watch" && param) {
    watchView(param);
  } else {
    coursesView();
  }
  main.focus({ preventScroll: true });
}

window.addEventListener("hashchange", route);
route();
