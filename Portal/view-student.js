// The student's course page: the ready lectures as tiles with poster and duration.

import { api, listLectures } from "./api.js";
import { formatDuration, h } from "./dom.js";
import { courseSwitcher, onLeave, show } from "./shell.js";

export function studentView(course) {
  const grid = h("ul", { class: "grid", id: "lectures" });
  show(courseSwitcher(course), grid);
  let stopped = false;
  onLeave(() => { stopped = true; });
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
