// The signed-in user's courses, by name (one course: straight to it).

import { courseViews } from "./courses.js";
import { h } from "./dom.js";
import { session, show } from "./shell.js";

export function coursesView() {
  if (session.me.courses.length === 1) {
    location.replace("#/courses/" + encodeURIComponent(session.me.courses[0]));
    return;
  }
  const links = session.me.courses.map((course) => {
    const name = h("span", { class: "course-name" }, course);
    const code = h("span", { class: "course-code small", hidden: true }, course);
    return { course, name, code, item: h("li", {}, h("a", { class: "button", href: "#/courses/" + encodeURIComponent(course) }, name, code)) };
  });
  show(h("h1", {}, "Your courses"),
    links.length ? h("ul", { class: "courses" }, links.map((l) => l.item)) : h("p", { class: "muted" }, "Your token lists no courses."));
  courseViews(session.me.user).then((views) => {
    for (const link of links) {
      const name = views.get(link.course)?.name;
      if (!name || name === link.course) continue;
      link.name.textContent = name;
      link.code.hidden = false;
    }
  });
}
