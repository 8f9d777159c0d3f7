// The student's course page: the lectures newest first, grouped by week ("Week of 2 November", an h3 each, so a
// screen reader can jump between weeks), each tile marked "New" since the student's previous visit and "Watched" or
// "32 min left" from the progress the server keeps for them (so the markers follow them between devices).
//
// A lecture's date, for a student, is its publishAt when it was scheduled, otherwise when it was recorded and uploaded
// (createdAt): what sorts and groups the page. "New" asks a different question — did it appear after the previous
// visit? — and a lecture appears when it is ready (finishedAt) and, if scheduled, its publishAt has passed: a lecture
// uploaded before the visit but ready after it is new.

import { courseSearch } from "./course-search.js";
import { api, listLectures } from "./api.js";
import { formatDuration, h } from "./dom.js";
import { courseSwitcher, onLeave, show } from "./shell.js";

export function lectureDate(lecture) {
  return new Date(lecture.publishAt || lecture.createdAt);
}

export function appearedAt(lecture) {
  const times = [lecture.finishedAt, lecture.publishAt, lecture.createdAt].filter(Boolean).map((t) => Date.parse(t));
  return new Date(Math.max(...times));
}

// Monday 00:00 local time of the date's week.
function weekStart(date) {
  const start = new Date(date.getFullYear(), date.getMonth(), date.getDate());
  start.setDate(start.getDate() - ((start.getDay() + 6) % 7));
  return start;
}

const weekFormat = new Intl.DateTimeFormat(undefined, { day: "numeric", month: "long" });
const dayFormat = new Intl.DateTimeFormat(undefined, { weekday: "short", day: "numeric", month: "short" });

// Newest week first, newest lecture first within it.
export function groupByWeek(lectures) {
  const sorted = [...lectures].sort((a, b) => lectureDate(b) - lectureDate(a));
  const weeks = [];
  for (const lecture of sorted) {
    const start = weekStart(lectureDate(lecture));
    const last = weeks[weeks.length - 1];
    if (last && last.start.getTime() === start.getTime()) last.lectures.push(lecture);
    else weeks.push({ start, lectures: [lecture] });
  }
  return weeks;
}

function minutesLeft(seconds) {
  const minutes = Math.max(1, Math.round(seconds / 60));
  return minutes + " min left";
}

// The marker under a tile's title: nothing before the student started it.
function watchMarker(progress) {
  if (!progress) return null;
  if (progress.completed) return h("span", { class: "watch-state watched" }, "Watched");
  if (!(progress.position > 1)) return null;
  const left = progress.duration - progress.position;
  const percent = Math.round((progress.position / progress.duration) * 100);
  return h("span", { class: "watch-state partly" },
    h("span", { class: "left" }, minutesLeft(left)),
    h("progress", { max: String(Math.round(progress.duration)), value: String(Math.round(progress.position)),
      "aria-label": percent + "% watched" }));
}

function tile(lecture, activity) {
  const previous = activity?.previousVisitAt ? new Date(activity.previousVisitAt) : null;
  const isNew = previous !== null && appearedAt(lecture) > previous;
  const progress = activity?.lectures?.[lecture.id];
  const poster = h("div", { class: "poster" },
    lecture.poster ? h("img", { src: lecture.poster, alt: "", loading: "lazy" }) : null);
  return h("li", { class: "tile", "data-id": lecture.id, "data-new": isNew ? "true" : null },
    h("a", { href: "#/watch/" + encodeURIComponent(lecture.id) },
      poster,
      h("span", { class: "duration" }, formatDuration(lecture.durationSeconds)),
      isNew ? h("span", { class: "badge new-badge" }, "New") : null,
      h("span", { class: "tile-title" }, lecture.title),
      h("span", { class: "tile-meta" },
        h("time", { datetime: lectureDate(lecture).toISOString() }, dayFormat.format(lectureDate(lecture))),
        watchMarker(progress),
        lecture.state !== "ready" && lecture.playable
          ? h("span", { class: "watch-state encoding" }, "Still encoding") : null)));
}

export function studentView(course) {
  const list = h("div", { id: "lectures", class: "weeks" }, h("p", { class: "loading", role: "status" }, "Loading the lectures…"));
  show(courseSwitcher(course), courseSearch(course), list);
  let stopped = false;
  onLeave(() => { stopped = true; });
  (async () => {
    // One visit per page load; the markers are a convenience, so a failed visit still shows the lectures.
    const visit = api("POST", "/v1/courses/" + encodeURIComponent(course) + "/visits").catch(() => null);
    try {
      // Ready lectures, and those that can be watched while they encode (issue #15).
      const lectures = (await listLectures(course)).filter((l) => l.state === "ready" || l.playable);
      const activity = await visit;
      if (stopped) return;
      if (!lectures.length) {
        list.replaceChildren(h("p", { class: "muted" }, "No lectures are ready yet."));
        return;
      }
      list.replaceChildren(...groupByWeek(lectures).map((week, index) => {
        const heading = "week-" + index;
        return h("section", { class: "week", "aria-labelledby": heading },
          h("h3", { id: heading }, "Week of " + weekFormat.format(week.start)),
          h("ul", { class: "grid" }, week.lectures.map((lecture) => tile(lecture, activity))));
      }));
    } catch (error) {
      list.replaceChildren(h("p", { class: "error" }, "The lectures could not be loaded: " + error.message));
    }
  })();
}
