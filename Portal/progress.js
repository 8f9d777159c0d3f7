// Watch progress kept on the server (PUT /v1/lectures/:id/progress), so "Watched" / "32 min left" and the resume
// position follow the student to another device. Reports every 15 s while playing, on pause, at the end, and when
// the page is hidden or left (keepalive, so the last report outlives the page).
//
// Staff previewing a lecture report too: it is their own activity (never shown to students), and not reporting for
// one role would be a rule to keep in step with the API for no gain.

import { api, storedToken } from "./api.js";

const REPORT_EVERY_MS = 15_000;
const RESUME_TAIL_SECONDS = 10;

function progressPath(lectureId) {
  return "/v1/lectures/" + encodeURIComponent(lectureId) + "/progress";
}

// The student's server-side position in the lecture, or null (nothing recorded, watched to the end, or the call
// failed: resuming is a convenience and never holds the page back).
export async function serverPosition(lecture) {
  try {
    const activity = await api("GET", "/v1/courses/" + encodeURIComponent(lecture.course) + "/activity");
    const entry = activity?.lectures?.[lecture.id];
    if (!entry || !(entry.position > 1) || entry.position > entry.duration - RESUME_TAIL_SECONDS) return null;
    return entry.position;
  } catch {
    return null;
  }
}

// Hands the server's position to the player's own resume (player.js reads "lectern.resume.<user>.<lecture>" when it
// is built): the server's wins because it is the one another device wrote; on this device it is at most one report
// (15 s) behind the local one.
export function preferServerResume(user, lectureId, position) {
  if (position !== null) localStorage.setItem("lectern.resume." + user + "." + lectureId, position.toFixed(1));
}

// Starts reporting; returns a stop function (for onLeave) that sends a last report.
export function trackProgress(video, lectureId) {
  let lastSent = -1, timer = null, stopped = false;

  function body() {
    const duration = video.duration;
    if (!Number.isFinite(duration) || duration <= 0) return null;
    return { position: Math.min(Math.max(video.currentTime, 0), duration), duration };
  }

  function report({ leaving = false } = {}) {
    const payload = body();
    if (!payload || Math.abs(payload.position - lastSent) < 0.5) return;
    // Signing out forgets the token before the page's clean-up runs: nothing to report as, and nobody to report for.
    if (!storedToken()) return;
    lastSent = payload.position;
    if (leaving) {
      // api() cannot outlive the page; fetch with keepalive can (same JSON, same bearer token).
      fetch(progressPath(lectureId), {
        method: "PUT", keepalive: true, cache: "no-store",
        headers: { Authorization: "Bearer " + storedToken(), "Content-Type": "application/json" },
        body: JSON.stringify(payload),
      }).catch(() => {});
      return;
    }
    api("PUT", progressPath(lectureId), payload).catch(() => { lastSent = -1; });
  }

  const onPlay = () => {
    clearInterval(timer);
    timer = setInterval(() => { if (!video.paused) report(); }, REPORT_EVERY_MS);
  };
  const onPause = () => { clearInterval(timer); report(); };
  const onEnded = () => { clearInterval(timer); report(); };
  const onHidden = () => { if (document.visibilityState === "hidden") report({ leaving: true }); };
  const onPageHide = () => report({ leaving: true });

  video.addEventListener("play", onPlay);
  video.addEventListener("pause", onPause);
  video.addEventListener("ended", onEnded);
  document.addEventListener("visibilitychange", onHidden);
  window.addEventListener("pagehide", onPageHide);
  if (!video.paused) onPlay();

  return function stop() {
    if (stopped) return;
    stopped = true;
    clearInterval(timer);
    report({ leaving: true });
    video.removeEventListener("play", onPlay);
    video.removeEventListener("pause", onPause);
    video.removeEventListener("ended", onEnded);
    document.removeEventListener("visibilitychange", onHidden);
    window.removeEventListener("pagehide", onPageHide);
  };
}
