// The frame every view shares: the <main> element, the signed-in user's claims, the current view's clean-up (its
// timers), the words for lecture states and the course heading. Views live in view-*.js, one file each, so work on
// one page does not touch the others.

import { h } from "./dom.js";

export const main = document.getElementById("main");

// The signed-in user's claims (read by the views, set by app.js's router), or null.
export const session = { me: null };

export function show(...children) {
  main.replaceChildren(...children);
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

export const STATE_LABELS = {
  awaiting_upload: "Uploading", queued: "Queued", processing: "Encoding", ready: "Ready", failed: "Failed",
};

export function courseSwitcher(course) {
  if (session.me.courses.length < 2) return h("h1", {}, course);
  const select = h("select", { id: "course", "aria-label": "Course" },
    session.me.courses.map((c) => h("option", { value: c, selected: c === course }, c)));
  select.addEventListener("change", () => { location.hash = "#/courses/" + encodeURIComponent(select.value); });
  return h("div", { class: "heading" }, h("h1", {}, course), h("label", { class: "small" }, "Course ", select));
}
