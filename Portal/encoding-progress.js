// Watching a lecture while it encodes (issue #15). A long lecture is encoded in parts; once its sound and the first
// parts are done the API says `playable` and serves growing HLS playlists (EVENT type, no end yet: the browser's
// player reloads them about once a target duration and finds the new parts itself). This module says how far the
// lecture can be watched, keeps the seek bar within it, and hands over to the finished (VOD) stream when it is ready.

import { api } from "./api.js";
import { formatDuration, h } from "./dom.js";

// How often the watch page asks how far the encode has got: the parts are minutes long, so a slower poll loses little,
// and a screen reader hears a change at most this often.
export const POLL_MS = 10_000;

// "Still encoding — you can watch up to 24:00".
export function playableWords(playable) {
  return "Still encoding — you can watch up to " + formatDuration(playable.playableThrough);
}

// "7 of 20 parts, playable up to 24:00" (or only the parts before anything can be watched); null for a lecture
// encoded in one piece.
export function partsWords(lecture) {
  const done = lecture.playable?.partsDone ?? lecture.progress?.partsDone;
  const total = lecture.playable?.partsTotal ?? lecture.progress?.partsTotal;
  if (!Number.isFinite(done) || !Number.isFinite(total)) return null;
  const parts = done + " of " + total + " parts";
  return lecture.playable ? parts + ", playable up to " + formatDuration(lecture.playable.playableThrough) : parts;
}

// For the watch page of a playable lecture: a polite status line that updates as parts finish, a seek limit on the
// player, and `onReady(lecture)` once the lecture is ready (the page then plays the finished stream from the same
// position). Answers { element, stop }.
export function watchWhileEncoding(lecture, controls, { onReady }) {
  const status = h("p", { id: "encoding-status", class: "notice", role: "status", "aria-live": "polite" });
  let words = null, timer = null, stopped = false;

  function apply(current) {
    if (!current.playable) return;
    controls.setSeekLimit(current.playable.playableThrough);
    // Written only when the words change, so a screen reader is told once per finished part, not once per poll.
    const next = playableWords(current.playable);
    if (next !== words) {
      words = next;
      status.textContent = next;
    }
  }

  async function poll() {
    if (stopped) return;
    try {
      const current = await api("GET", "/v1/lectures/" + encodeURIComponent(lecture.id));
      if (stopped) return;
      if (current.state === "ready") {
        stopped = true;
        onReady(current);
        return;
      }
      apply(current);
    } catch {
      // A failed poll changes nothing on the page; the next one tries again.
    }
    if (!stopped) timer = setTimeout(poll, POLL_MS);
  }

  apply(lecture);
  timer = setTimeout(poll, POLL_MS);
  return {
    element: status,
    stop: () => { stopped = true; clearTimeout(timer); },
  };
}

// The hand-over to the finished stream: where the student was and whether it was playing, for `resumeAt`.
export function position(controls) {
  return { at: controls.video.currentTime || 0, playing: !controls.video.paused };
}

// Puts the new player where the growing one was (once it knows its length), and plays on if it was playing.
export function resumeAt(controls, { at, playing }) {
  const go = () => {
    controls.seekTo(at);
    if (playing) controls.video.play().catch(() => {});
  };
  if (controls.video.readyState >= 1) go();
  else controls.video.addEventListener("loadedmetadata", go, { once: true });
}
