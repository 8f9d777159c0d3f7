// Slide chapters on the watch page (issue #16): marks on the seek bar where each slide starts (decorative: the list is
// the accessible way to them) and a "Chapters" list under the player, one button per slide with its thumbnail, time and
// title ("Slide N" when OCR found no text), the current one marked with aria-current as the video plays. A lecture
// whose encode found no slides (`playback.slides` absent or empty) gets neither.

import { formatDuration, h } from "./dom.js";

export function chapterTitle(slide, index) {
  return (slide.title || "").trim() || "Slide " + (index + 1);
}

// The index of the chapter playing at `time`: the last one started at or before it (-1 before the first).
export function chapterAt(slides, time) {
  let found = -1;
  slides.forEach((slide, index) => { if (slide.start <= time + 0.05) found = index; });
  return found;
}

export function chapterMarks(slides, duration) {
  if (!slides?.length || !(duration > 0)) return null;
  // Positioned through the CSSOM: the portal's CSP (style-src 'self') refuses style attributes.
  const ticks = slides.slice(1).map((slide) => {
    const tick = h("span");
    tick.style.left = Math.min(100, (slide.start / duration) * 100) + "%";
    return tick;
  });
  return h("div", { class: "chapter-marks", id: "chapter-marks", "aria-hidden": "true" }, ...ticks);
}

export function chapterList({ slides, video, seekTo }) {
  if (!slides?.length) return null;
  const heading = h("h2", { id: "chapters-title" }, "Chapters");
  const rows = slides.map((slide, index) => {
    const button = h("button", { type: "button", class: "chapter" },
      slide.thumbnail ? h("img", { src: slide.thumbnail, alt: "", width: "96", height: "54", loading: "lazy" }) : null,
      h("span", { class: "cue-time" }, formatDuration(slide.start)),
      h("span", { class: "chapter-title" }, chapterTitle(slide, index)));
    button.addEventListener("click", () => {
      seekTo(slide.start + 0.001);
      video.play().catch(() => {});
    });
    return h("li", {}, button);
  });
  const element = h("section", { class: "chapters", id: "chapters", "aria-labelledby": "chapters-title" },
    heading, h("ol", { class: "chapter-list", id: "chapter-list", "aria-labelledby": "chapters-title" }, ...rows));
  let current = -1;
  function follow() {
    const index = chapterAt(slides, video.currentTime || 0);
    if (index === current) return;
    rows[current]?.removeAttribute("aria-current");
    current = index;
    rows[current]?.setAttribute("aria-current", "true");
  }
  video.addEventListener("timeupdate", follow);
  video.addEventListener("seeked", follow);
  follow();
  return {
    element,
    stop: () => { video.removeEventListener("timeupdate", follow); video.removeEventListener("seeked", follow); },
  };
}
