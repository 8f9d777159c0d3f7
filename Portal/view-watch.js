// The watch page: a ready lecture's player, or where a lecture that is not ready stands.

import { api } from "./api.js";
import { h } from "./dom.js";
import { player } from "./player.js";
import { show, STATE_LABELS } from "./shell.js";

export async function watchView(id) {
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
  show(back, h("h1", {}, lecture.title), lecture.description ? h("p", { class: "description" }, lecture.description) : null, player(lecture));
}
