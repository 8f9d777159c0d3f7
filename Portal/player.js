// The watch page's player: HLS where the browser plays it natively (the API's master playlist: <video> cannot send
// headers, so its link carries the playback grant the API minted for this lecture, never the user's token), the MP4
// otherwise; a seek bar that previews storyboard thumbnails on hover and while seeking with the keyboard.

import { h, formatDuration } from "./dom.js";

export const HLS_TYPE = "application/vnd.apple.mpegurl";

// Which source this browser should play, and why.
export function chooseSource(video, playback) {
  if (playback.hls && video.canPlayType(HLS_TYPE) !== "") {
    return { kind: "hls", url: playback.hls };
  }
  if (playback.mp4) return { kind: "mp4", url: playback.mp4 };
  return null;
}

// WebVTT timestamps: "hh:mm:ss.ttt" or "mm:ss.ttt".
function seconds(stamp) {
  const parts = stamp.trim().split(":").map(Number);
  return parts.reduce((total, part) => total * 60 + part, 0);
}

// Storyboard cues: [{ start, end, image, x, y, w, h }], from "start --> end" lines followed by "image#xywh=x,y,w,h".
export function parseStoryboard(text) {
  const cues = [];
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const timing = lines[i].match(/^\s*([\d:.]+)\s+-->\s+([\d:.]+)/);
    if (!timing) continue;
    const target = (lines[i + 1] || "").trim();
    const hash = target.lastIndexOf("#xywh=");
    if (hash < 0) continue;
    const [x, y, w, hgt] = target.slice(hash + 6).split(",").map(Number);
    if ([x, y, w, hgt].some((n) => !Number.isFinite(n))) continue;
    cues.push({ start: seconds(timing[1]), end: seconds(timing[2]), image: target.slice(0, hash), x, y, w, h: hgt });
  }
  return cues;
}

async function loadStoryboard(path) {
  // The link carries its playback grant; the user's token stays in this page.
  const response = await fetch(path, { cache: "no-store" });
  if (!response.ok) return [];
  return parseStoryboard(await response.text());
}

// Builds the player for a ready lecture's playback links; answers the element.
export function player(lecture) {
  const playback = lecture.playback;
  const video = h("video", { id: "player", controls: "", playsinline: "", preload: "metadata" });
  if (playback.poster) video.poster = playback.poster;
  // The playlists come from the API and the segments from the bucket: Chromium's HLS player only mixes origins for
  // CORS fetches (the bucket's CORS rule admits the portal's origin for GET).
  video.crossOrigin = "anonymous";
  const source = chooseSource(video, playback);
  const note = h("p", { class: "muted", id: "source-kind" });
  if (source) {
    video.src = source.url;
    note.textContent = source.kind === "hls" ? "Streaming (HLS, quality adapts to your connection)." : "Playing the MP4.";
    video.dataset.source = source.kind;
  } else {
    note.textContent = "This lecture has nothing this browser can play.";
  }
  video.addEventListener("error", () => {
    // HLS refused after all: fall back to the MP4 once.
    if (video.dataset.source === "hls" && playback.mp4) {
      video.dataset.source = "mp4";
      video.src = playback.mp4;
      note.textContent = "Playing the MP4.";
    }
  });

  const duration = playback.durationSeconds || lecture.durationSeconds || 0;
  const seek = h("input", { type: "range", id: "seek", min: "0", max: String(duration || 1), step: "0.1", value: "0",
    "aria-label": "Seek" });
  const clock = h("span", { class: "clock", id: "clock" }, "0:00 / " + formatDuration(duration));
  const thumb = h("div", { class: "thumb", id: "thumb", hidden: "" });
  const thumbImage = h("div", { class: "thumb-image" });
  const thumbTime = h("span", { class: "thumb-time" });
  thumb.append(thumbImage, thumbTime);
  let cues = [];
  if (playback.storyboard?.cues) loadStoryboard(playback.storyboard.cues).then((loaded) => { cues = loaded; });

  let dragging = false;
  video.addEventListener("loadedmetadata", () => {
    if (Number.isFinite(video.duration) && video.duration > 0) seek.max = String(video.duration);
  });
  video.addEventListener("timeupdate", () => {
    if (!dragging) seek.value = String(video.currentTime);
    clock.textContent = formatDuration(video.currentTime) + " / " + formatDuration(Number(seek.max));
  });
  seek.addEventListener("input", () => {
    video.currentTime = Number(seek.value);
    showThumb(Number(seek.value), (Number(seek.value) / Number(seek.max)) * seek.clientWidth);
  });
  seek.addEventListener("pointerdown", () => { dragging = true; });
  seek.addEventListener("pointerup", () => { dragging = false; });
  seek.addEventListener("pointermove", (event) => {
    const rect = seek.getBoundingClientRect();
    const fraction = Math.min(1, Math.max(0, (event.clientX - rect.left) / rect.width));
    showThumb(fraction * Number(seek.max), event.clientX - rect.left);
  });
  seek.addEventListener("pointerleave", () => { thumb.hidden = true; });
  seek.addEventListener("blur", () => { thumb.hidden = true; });

  function showThumb(time, offset) {
    const cue = cues.find((c) => time >= c.start && time < c.end) || (cues.length && time >= cues[cues.length - 1].start ? cues[cues.length - 1] : null);
    if (!cue) {
      thumb.hidden = true;
      return;
    }
    thumbImage.style.width = cue.w + "px";
    thumbImage.style.height = cue.h + "px";
    thumbImage.style.backgroundImage = 'url("' + cue.image.replace(/"/g, "%22") + '")';
    thumbImage.style.backgroundPosition = -cue.x + "px " + -cue.y + "px";
    thumbTime.textContent = formatDuration(time);
    const half = cue.w / 2;
    thumb.style.left = Math.min(Math.max(offset - half, 0), Math.max(0, seek.clientWidth - cue.w)) + "px";
    thumb.hidden = false;
    thumb.dataset.cueStart = String(cue.start);
  }

  const links = h("p", { class: "actions" });
  if (playback.mp4) links.append(h("a", { class: "button", id: "download", href: playback.mp4, download: (lecture.filename || "lecture") }, "Download MP4"));

  return h("section", { class: "watch" },
    h("div", { class: "screen" }, video),
    h("div", { class: "scrubber" }, thumb, seek, clock),
    note, ...(playback.notices || []).map((notice) => h("p", { class: "notice" }, notice)), links);
}
