// The signed-in user's courses (one course: straight to it).

import { h } from "./dom.js";
import { session, show } from "./shell.js";

export function coursesView() {
  if (session.me.courses.length === 1) {
    location.replace("#/courses/" + encodeURIComponent(session.me.courses[0]));
    return;
  }
  const list = h("ul", { class: "courses" },
    session.me.courses.map((course) => h("li", {}, h("a", { class: "button", href: "#/courses/" + encodeURIComponent(course) }, course))));
  show(h("h1", {}, "Your courses"),
    session.me.courses.length ? list : h("p", { class: "muted" }, "Your token lists no courses."));
}
