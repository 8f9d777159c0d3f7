// The watch page's player: HLS where the browser plays it natively (the API's master playlist: <video> cannot send
// headers, so its link carries the playback grant the API minted for this lecture, never the user's token), the MP4
// otherwise; one set of custom controls (no native `controls`, which drew a second seek bar over ours): play, the
// storyboard seek bar, time, mute and volume, captions, speed, keyboard help, full screen and the download.
// Captions are <track> elements from the API's tracks; on native HLS the playlist's own subtitle renditions are kept
// disabled so no language is listed or shown twice.

import { chapterMarks } from "./chapters.js";
import { h, formatDuration, toast } from "./dom.js";
import { captionPrefs, initialTrack, trackName } from "./captions.js";

export const HLS_TYPE = "application/vnd.apple.mpegurl";
export const SPEEDS = [0.5, 0.75, 1, 1.25, 1.5, 1.75, 2];
const SPEED_KEY = "lectern.speed";
const SEEK_STEP = 5;
// A position within this many seconds of the end is not worth resuming at: the lecture was watched.
const RESUME_TAIL_SECONDS = 10;

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

// "2 minutes 5 seconds" — what a screen reader says for a position.
export function spokenDuration(total) {
  const whole = Math.max(0, Math.round(total || 0));
  const hours = Math.floor(whole / 3600), minutes = Math.floor(whole / 60) % 60, secs = whole % 60;
  const unit = (n, word) => n + " " + word + (n === 1 ? "" : "s");
  const parts = [];
  if (hours) parts.push(unit(hours, "hour"));
  if (minutes) parts.push(unit(minutes, "minute"));
  if (secs || !parts.length) parts.push(unit(secs, "second"));
  return parts.join(" ");
}

// Control icons as inline SVG (emoji glyphs are missing from many systems' fonts and drew empty boxes).
const ICONS = {
  play: "M8 5v14l11-7z",
  pause: "M6 5h4v14H6zM14 5h4v14h-4z",
  volume: "M3 9v6h4l5 5V4L7 9H3zm13.5 3A4.5 4.5 0 0 0 14 8v8a4.5 4.5 0 0 0 2.5-4z",
  muted: "M3 9v6h4l5 5V4L7 9H3zm12.6-.6 1.4-1.4 2.5 2.5 2.5-2.5 1.4 1.4-2.5 2.6 2.5 2.5-1.4 1.4-2.5-2.5-2.5 2.5-1.4-1.4 2.5-2.5z",
  fullscreen: "M4 4h6v2H6v4H4zm10 0h6v6h-2V6h-4zM4 14h2v4h4v2H4zm14 0h2v6h-6v-2h4z",
  keyboard: "M2 6h20v12H2zm2 2v2h2V8zm4 0v2h2V8zm4 0v2h2V8zm4 0v2h2V8zM4 12v2h2v-2zm4 0v2h8v-2zm10 0v2h2v-2z",
};
const SVG = "http://www.w3.org/2000/svg";
function icon(name) {
  const svg = document.createElementNS(SVG, "svg");
  svg.setAttribute("viewBox", "0 0 24 24");
  svg.setAttribute("aria-hidden", "true");
  svg.setAttribute("focusable", "false");
  svg.setAttribute("class", "icon");
  const path = document.createElementNS(SVG, "path");
  path.setAttribute("d", ICONS[name]);
  path.setAttribute("fill-rule", "evenodd");
  svg.append(path);
  return svg;
}
const setIcon = (button, name) => button.firstChild.firstChild.setAttribute("d", ICONS[name]);

const resumeKey = (user, lectureId) => "lectern.resume." + user + "." + lectureId;

// Builds the player for a ready lecture; answers { element, video, controls, selectTrack, setTracks, toggleCaptions,
// togglePlay, seekBy, toggleFullscreen, toggleMute, stop }.
export function player(lecture, { user, tracks = [], onTrackChange = () => {}, onHelp = () => {} } = {}) {
  const playback = lecture.playback;
  const video = h("video", { id: "player", playsinline: "", preload: "metadata" });
  if (playback.poster) video.poster = playback.poster;
  // The playlists come from the API and the segments from the bucket: Chromium's HLS player only mixes origins for
  // CORS fetches (the bucket's CORS rule admits the portal's origin for GET). Caption files come from there too.
  video.crossOrigin = "anonymous";
  const source = chooseSource(video, playback);
  const note = h("p", { class: "muted small", id: "source-kind" });
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

  let duration = playback.durationSeconds || lecture.durationSeconds || 0;
  const position = () => video.currentTime || 0;

  // MARK: Seek bar (a range input whose keys move 5 s, PageUp/PageDown 10 %, Home/End; the browser's own step was 0.1 s)
  const seek = h("input", { type: "range", id: "seek", min: "0", max: String(duration || 1), step: "any", value: "0",
    "aria-label": "Seek" });
  const clock = h("span", { class: "clock", id: "clock" }, "0:00 / " + formatDuration(duration));
  const thumb = h("div", { class: "thumb", id: "thumb", hidden: "" });
  const thumbImage = h("div", { class: "thumb-image" });
  const thumbTime = h("span", { class: "thumb-time" });
  thumb.append(thumbImage, thumbTime);
  let storyboard = [];
  if (playback.storyboard?.cues) loadStoryboard(playback.storyboard.cues).then((loaded) => { storyboard = loaded; });

  // While the lecture still encodes (encoding-progress.js): how far it can be watched; the bar shows it and seeking
  // stops there.
  let seekLimit = Infinity;
  const playableFill = h("span");
  const playableBar = h("div", { class: "playable-bar", id: "playable-bar", "aria-hidden": "true", hidden: "" }, playableFill);
  function setSeekLimit(limit) {
    seekLimit = Number.isFinite(limit) ? limit : Infinity;
    const share = Number.isFinite(seekLimit) && duration ? Math.min(100, (seekLimit / duration) * 100) : 100;
    playableFill.style.width = share + "%";
    playableBar.hidden = !Number.isFinite(seekLimit);
    describe();
  }

  function describe() {
    seek.setAttribute("aria-valuetext", spokenDuration(Number(seek.value)) + " of " + spokenDuration(duration)
      + (Number.isFinite(seekLimit) ? ", playable up to " + spokenDuration(seekLimit) : ""));
    clock.textContent = formatDuration(Number(seek.value)) + " / " + formatDuration(duration);
  }
  function seekTo(time) {
    const target = Math.min(Math.max(0, time), duration ? duration - 0.1 : time, seekLimit);
    video.currentTime = target;
    seek.value = String(target);
    describe();
  }
  const seekBy = (delta) => seekTo(position() + delta);

  let dragging = false;
  video.addEventListener("loadedmetadata", () => {
    if (Number.isFinite(video.duration) && video.duration > 0) {
      duration = video.duration;
      seek.max = String(duration);
      describe();
    }
  });
  video.addEventListener("timeupdate", () => {
    if (!dragging) seek.value = String(position());
    describe();
  });
  seek.addEventListener("input", () => {
    if (Number(seek.value) > seekLimit) seek.value = String(seekLimit);
    video.currentTime = Number(seek.value);
    describe();
    showThumb(Number(seek.value), (Number(seek.value) / Number(seek.max)) * seek.clientWidth);
  });
  seek.addEventListener("keydown", (event) => {
    const steps = { ArrowLeft: -SEEK_STEP, ArrowDown: -SEEK_STEP, ArrowRight: SEEK_STEP, ArrowUp: SEEK_STEP, j: -SEEK_STEP,
      l: SEEK_STEP, PageUp: duration / 10, PageDown: -duration / 10 };
    if (event.altKey || event.ctrlKey || event.metaKey) return;
    let target;
    if (event.key in steps) target = position() + steps[event.key];
    else if (event.key === "Home") target = 0;
    // Just short of the end: Chromium's native HLS player, asked for exactly the duration, went back to 0.
    else if (event.key === "End") target = Math.max(0, duration - 0.1);
    else return;
    event.preventDefault();
    event.stopPropagation();
    seekTo(target);
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
  describe();

  function showThumb(time, offset) {
    const cue = storyboard.find((c) => time >= c.start && time < c.end) ||
      (storyboard.length && time >= storyboard[storyboard.length - 1].start ? storyboard[storyboard.length - 1] : null);
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

  // MARK: Play, mute, volume
  const playButton = h("button", { type: "button", id: "play", "aria-label": "Play", title: "Play (k)" }, icon("play"));
  const syncPlay = () => {
    playButton.setAttribute("aria-label", video.paused ? "Play" : "Pause");
    playButton.title = (video.paused ? "Play" : "Pause") + " (k)";
    setIcon(playButton, video.paused ? "play" : "pause");
  };
  video.addEventListener("play", syncPlay);
  video.addEventListener("pause", syncPlay);
  const togglePlay = () => (video.paused ? video.play().catch(() => {}) : video.pause());
  playButton.addEventListener("click", togglePlay);
  video.addEventListener("click", togglePlay);

  const muteButton = h("button", { type: "button", id: "mute", "aria-pressed": "false", "aria-label": "Mute", title: "Mute (m)" },
    icon("volume"));
  const volume = h("input", { type: "range", id: "volume", min: "0", max: "1", step: "0.05", value: "1", "aria-label": "Volume" });
  const toggleMute = () => { video.muted = !video.muted; };
  muteButton.addEventListener("click", toggleMute);
  volume.addEventListener("input", () => {
    video.volume = Number(volume.value);
    if (video.volume > 0 && video.muted) video.muted = false;
  });
  video.addEventListener("volumechange", () => {
    muteButton.setAttribute("aria-pressed", String(video.muted));
    setIcon(muteButton, video.muted || video.volume === 0 ? "muted" : "volume");
    volume.setAttribute("aria-valuetext", video.muted ? "muted" : Math.round(video.volume * 100) + "%");
  });

  // MARK: Speed (remembered for every lecture on this device)
  const speed = h("select", { id: "speed", "aria-label": "Playback speed" },
    SPEEDS.map((s) => h("option", { value: String(s) }, s + "×")));
  const savedSpeed = Number(localStorage.getItem(SPEED_KEY));
  speed.value = String(SPEEDS.includes(savedSpeed) ? savedSpeed : 1);
  const applySpeed = () => { video.playbackRate = Number(speed.value); video.defaultPlaybackRate = Number(speed.value); };
  applySpeed();
  video.addEventListener("loadedmetadata", applySpeed);
  speed.addEventListener("change", () => {
    applySpeed();
    localStorage.setItem(SPEED_KEY, speed.value);
  });

  // MARK: Captions
  const captionSelect = h("select", { id: "captions", "aria-label": "Captions" });
  const always = h("input", { type: "checkbox", id: "always-captions" });
  always.checked = captionPrefs.always(user);
  always.addEventListener("change", () => {
    captionPrefs.setAlways(user, always.checked);
    if (always.checked && !current) selectTrack(tracks.find((t) => t.default) || tracks[0] || null, { remember: false });
  });
  let trackElements = new Map();  // track id → <track>
  let current = null, lastShown = null;

  // Native HLS turns the playlist's subtitle renditions into text tracks of its own: kept disabled (ours are listed).
  const ours = (textTrack) => [...trackElements.values()].some((element) => element.track === textTrack);
  function applyModes() {
    for (const textTrack of video.textTracks) {
      const element = [...trackElements.entries()].find(([, e]) => e.track === textTrack);
      textTrack.mode = element && current && element[0] === current.id ? "showing" : (ours(textTrack) ? "hidden" : "disabled");
    }
  }
  video.textTracks.addEventListener("addtrack", applyModes);

  function setTracks(list, keep = current) {
    tracks = list;
    for (const element of trackElements.values()) element.remove();
    trackElements = new Map();
    for (const track of tracks) {
      const element = h("track", { kind: track.kind === "subtitles" ? "subtitles" : "captions", src: track.vtt,
        srclang: track.language, label: trackName(track), "data-track-id": track.id });
      trackElements.set(track.id, element);
      video.append(element);
    }
    captionSelect.replaceChildren(h("option", { value: "" }, tracks.length ? "Captions off" : "No captions"),
      ...tracks.map((t) => h("option", { value: t.id }, trackName(t))));
    captionSelect.disabled = !tracks.length;
    const again = keep && tracks.find((t) => t.id === keep.id || t.language === keep.language);
    selectTrack(again || initialTrack(tracks, user), { remember: false });
  }

  function selectTrack(track, { remember = true } = {}) {
    current = track || null;
    if (current) lastShown = current;
    captionSelect.value = current ? current.id : "";
    if (remember) captionPrefs.setChoice(user, current ? current.language : "off");
    applyModes();
    onTrackChange(current, lastShown);
  }
  captionSelect.addEventListener("change", () => selectTrack(tracks.find((t) => t.id === captionSelect.value) || null));
  function toggleCaptions() {
    if (!tracks.length) {
      toast("This lecture has no captions yet.");
      return;
    }
    selectTrack(current ? null : lastShown || tracks.find((t) => t.default) || tracks[0]);
    toast(current ? "Captions: " + trackName(current) : "Captions off");
  }

  // MARK: Full screen (the wrapper, so the controls stay), help, download
  const frame = h("div", { class: "player-frame" });
  const fullButton = h("button", { type: "button", id: "fullscreen", "aria-label": "Full screen", title: "Full screen (f)" },
    icon("fullscreen"));
  const toggleFullscreen = () => {
    if (document.fullscreenElement) document.exitFullscreen().catch(() => {});
    else frame.requestFullscreen?.().catch(() => toast("Full screen is not available here."));
  };
  fullButton.addEventListener("click", toggleFullscreen);
  const helpButton = h("button", { type: "button", id: "keys-help", "aria-haspopup": "dialog", title: "Keyboard shortcuts (?)" },
    icon("keyboard"), h("span", { class: "visually-hidden" }, "Keyboard shortcuts"));
  helpButton.addEventListener("click", () => onHelp(helpButton));
  const download = playback.mp4
    ? h("a", { class: "button", id: "download", href: playback.mp4, download: (lecture.filename || "lecture") }, "Download MP4")
    : null;

  // MARK: Resume where this user left off on this device
  const resumeAt = Number(localStorage.getItem(resumeKey(user, lecture.id)));
  const resumeNote = h("p", { class: "small resume", id: "resume-note", hidden: "" });
  if (resumeAt > 1) {
    const resume = () => {
      if (!(resumeAt < (Number.isFinite(video.duration) ? video.duration : duration) - RESUME_TAIL_SECONDS)) return;
      seekTo(resumeAt);
      const restart = h("button", { type: "button", class: "link", id: "start-over" }, "Start from the beginning");
      restart.addEventListener("click", () => { seekTo(0); resumeNote.hidden = true; });
      resumeNote.replaceChildren("Resumed at " + formatDuration(resumeAt) + ", where you left off. ", restart);
      resumeNote.hidden = false;
    };
    if (video.readyState >= 1) resume();
    else video.addEventListener("loadedmetadata", resume, { once: true });
  }
  let lastSaved = 0;
  const savePosition = () => {
    const at = position();
    // At the very start or in the last seconds there is nothing to resume: the position is forgotten.
    if (at > 1 && at < (duration || Infinity) - RESUME_TAIL_SECONDS) localStorage.setItem(resumeKey(user, lecture.id), at.toFixed(1));
    else localStorage.removeItem(resumeKey(user, lecture.id));
  };
  video.addEventListener("timeupdate", () => {
    if (Math.abs(position() - lastSaved) >= 2) { lastSaved = position(); savePosition(); }
  });
  video.addEventListener("pause", savePosition);
  video.addEventListener("seeked", savePosition);
  video.addEventListener("ended", () => localStorage.removeItem(resumeKey(user, lecture.id)));
  window.addEventListener("pagehide", savePosition);

  const alwaysLabel = h("label", { class: "check small", for: "always-captions" }, always, " Always show captions");
  const controls = h("div", { class: "controls", role: "group", "aria-label": "Player controls" },
    playButton, muteButton, volume, clock,
    h("span", { class: "spacer" }),
    captionSelect, alwaysLabel, speed, helpButton, fullButton, download);
  // Slide chapters' ticks (chapters.js) sit over the seek bar.
  const marks = chapterMarks(playback.slides?.items, duration);
  frame.append(h("div", { class: "screen" }, video), h("div", { class: "scrubber" }, thumb, seek, marks, playableBar), controls);
  setTracks(tracks, null);

  return {
    element: h("section", { class: "watch", "aria-label": "Video player" }, frame, resumeNote, note,
      ...(playback.notices || []).map((notice) => h("p", { class: "notice" }, notice))),
    video, seekTo, seekBy, setSeekLimit, togglePlay, toggleMute, toggleFullscreen, toggleCaptions, selectTrack, setTracks,
    currentTrack: () => current,
    stop: () => { savePosition(); window.removeEventListener("pagehide", savePosition); video.pause(); },
  };
}
