// Search across a course (issue #16): a labelled search box on the course page (students and professors), answered by
// GET /v1/courses/{course}/search. Results are grouped by lecture, each moment with its time, a "Slide" or "Captions"
// badge and its snippet with the matched words marked — built as DOM nodes from the API's parts, never as HTML —,
// "More results" for the next page, and a polite count ("12 moments in 3 lectures"). A moment links to
// #/watch/<id>?t=<seconds>, which opens the lecture there.

import { api } from "./api.js";
import { formatDuration, h } from "./dom.js";

export function momentLink(lectureId, start) {
  return "#/watch/" + encodeURIComponent(lectureId) + "?t=" + Math.max(0, Math.floor(start));
}

export function countWords(moments, lectures) {
  if (!moments) return "Nothing in this course matches. Try another word, or fewer words.";
  return moments + (moments === 1 ? " moment" : " moments") + " in " + lectures + (lectures === 1 ? " lecture" : " lectures");
}

function snippet(parts) {
  return h("span", { class: "snippet" }, ...(parts || []).map((part) => (part.match ? h("mark", {}, part.text) : part.text)));
}

function lectureResult(result) {
  const heading = "result-" + result.lectureId;
  return h("li", { class: "search-result" },
    h("h3", { id: heading }, result.title),
    h("ul", { class: "moments", "aria-labelledby": heading }, ...result.moments.map((moment) =>
      h("li", {}, h("a", { href: momentLink(result.lectureId, moment.start), class: "moment" },
        h("span", { class: "cue-time" }, formatDuration(moment.start)),
        h("span", { class: "badge " + (moment.kind === "slide" ? "slide" : "caption") }, moment.kind === "slide" ? "Slide" : "Captions"),
        snippet(moment.snippet))))));
}

export function courseSearch(course) {
  const input = h("input", { type: "search", id: "course-search-input", name: "q", autocomplete: "off", maxlength: "200",
    placeholder: "A word from a slide or from what was said" });
  const submit = h("button", { type: "submit" }, "Search");
  const form = h("form", { class: "course-search", role: "search", "aria-label": "Search this course" },
    h("label", { for: "course-search-input" }, "Search this course's lectures"), h("div", { class: "row" }, input, submit));
  const status = h("p", { id: "course-search-status", class: "small", role: "status", "aria-live": "polite" });
  const list = h("ol", { id: "course-search-results", class: "search-results", "aria-label": "Search results" });
  const more = h("button", { type: "button", id: "course-search-more", hidden: "" }, "More results");
  const element = h("section", { class: "search-panel", id: "course-search" }, form, status, list, more);
  let query = "", cursor = null, moments = 0, lectures = 0, ticket = 0;

  async function load(first) {
    const mine = ++ticket;
    const path = "/v1/courses/" + encodeURIComponent(course) + "/search?q=" + encodeURIComponent(query)
      + (first || !cursor ? "" : "&cursor=" + encodeURIComponent(cursor));
    submit.disabled = more.disabled = true;
    try {
      const page = await api("GET", path);
      if (mine !== ticket) return;
      if (first) { list.replaceChildren(); moments = 0; lectures = 0; }
      for (const result of page.results) {
        list.append(lectureResult(result));
        moments += result.moments.length;
        lectures += 1;
      }
      cursor = page.nextCursor || null;
      more.hidden = !cursor;
      status.textContent = moments ? countWords(moments, lectures) + (cursor ? ", more below." : ".") : countWords(0, 0);
    } catch (error) {
      if (mine !== ticket) return;
      status.textContent = error.status === 400
        ? "That search could not be read: " + error.message
        : "Search is not available right now (" + error.message + "). Try again in a moment.";
    } finally {
      if (mine === ticket) submit.disabled = more.disabled = false;
    }
  }
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    query = input.value.trim();
    cursor = null;
    if (!query) {
      list.replaceChildren();
      more.hidden = true;
      status.textContent = "Type a word to search for.";
      return;
    }
    status.textContent = "Searching…";
    load(true);
  });
  more.addEventListener("click", () => load(false));
  return element;
}
