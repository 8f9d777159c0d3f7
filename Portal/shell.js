// The frame every view shares: the <main> element, the signed-in user's claims, the current view's clean-up (its
// timers), the words for lecture states and the course heading. Views live in view-*.js, one file each, so work on
// one page does not touch the others.

import { courseSettingsButton } from "./course-settings.js";
import { courseName, courseViews } from "./courses.js";
import { h } from "./dom.js";

export const main = document.getElementById("main");

// The signed-in user's claims (read by the views, set by app.js's router), or null.
export const session = { me: null };

// Absent parts (null, undefined, false: a professor-only panel on a student's page) are left out: replaceChildren
// would write them as the text "undefined".
export function show(...children) {
  main.replaceChildren(...children.flat().filter((child) => child !== null && child !== undefined && child !== false));
}

let leave = () => {};

// A view registers what stops it (its timers, its listeners); the router calls it before the next view.
export function onLeave(stop) {
  leave = stop;
}

export function leaveView() {
  const stop = leave;
  leave = () => {};
  stop();
}

// What must be asked before the signed-in page is left without a navigation (signing out): the caption editor's
// unsaved changes. Each check answers whether leaving may go on (it asks the user itself).
const leaveChecks = new Set();

export function guardLeaving(check) {
  leaveChecks.add(check);
  return () => leaveChecks.delete(check);
}

export function mayLeave() {
  return [...leaveChecks].every((check) => check());
}

export const STATE_LABELS = {
  awaiting_upload: "Uploading", queued: "Queued", processing: "Encoding", ready: "Ready", failed: "Failed",
};

// The worker's stage names (LectureStore.claim, JobRunner's progress) in a professor's words; a stage not listed here
// reads as "Encoding" rather than showing the worker's word.
const STAGE_LABELS = {
  claimed: "Starting", downloading: "Starting", encoding: "Encoding", uploading: "Publishing", done: "Finishing",
};

// "Encoding 42 %", "Starting", "Publishing 95 %": what an encoding lecture's row says of its progress.
export function encodingWords(progress) {
  const label = STAGE_LABELS[progress?.stage] || "Encoding";
  const percent = Math.round(progress?.percent ?? 0);
  return percent > 0 ? label + " " + percent + " %" : label;
}

// The course heading: its name from the registry (filled in when it answers; the code until then and when it has
// none), the code beside it, a switcher for users of several courses and, for professors, the course settings.
export function courseSwitcher(course) {
  const title = h("span", { class: "course-name" }, course);
  const code = h("span", { class: "course-code muted small", hidden: true }, course);
  const heading = h("h1", { id: "course-heading" }, title, " ", code);
  courseName(session.me.user, course).then((name) => {
    if (name === course) return;
    title.textContent = name;
    code.hidden = false;
    document.title = name + " – Lectern";
  });
  const tools = h("div", { class: "heading-tools" });
  if (session.me.courses.length >= 2) {
    const select = h("select", { id: "course", "aria-label": "Course" },
      session.me.courses.map((c) => h("option", { value: c, selected: c === course }, c)));
    courseViews(session.me.user).then((views) => {
      for (const option of select.options) if (views.get(option.value)?.name) option.textContent = views.get(option.value).name;
    });
    select.addEventListener("change", () => { location.hash = "#/courses/" + encodeURIComponent(select.value); });
    tools.append(h("label", { class: "small" }, "Course ", select));
  }
  if (session.me.role === "professor") {
    tools.append(courseSettingsButton(session.me.user, course, (settings) => {
      title.textContent = settings.name;
      code.hidden = settings.name === course;
    }));
  }
  return h("div", { class: "heading" }, heading, tools);
}
