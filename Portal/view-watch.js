// The watch page: the player with its captions, the transcript beside it (the caption editor in its place while a
// professor edits), the lecture's details below, and for professors the caption tracks; or where a lecture that is
// not ready stands.

import { chapterList } from "./chapters.js";
import { api } from "./api.js";
import { h } from "./dom.js";
import { captionAdmin } from "./caption-manage.js";
import { courseName } from "./courses.js";
import { position, resumeAt, watchWhileEncoding } from "./encoding-progress.js";
import { captionEditor } from "./caption-editor.js";
import { loadTracks, trackCues } from "./captions.js";
import { player } from "./player.js";
import { preferServerResume, serverPosition, trackProgress } from "./progress.js";
import { helpDialog, installShortcuts } from "./player-keys.js";
import { encodingWords, leaveView, onLeave, session, show, STATE_LABELS } from "./shell.js";
import { transcriptPanel } from "./transcript.js";

// Where a link that leads nowhere sends people: their course when they have one, else their list of courses.
function wayBack() {
  const courses = session.me?.courses || [];
  if (courses.length === 1) {
    const link = h("a", { href: "#/courses/" + encodeURIComponent(courses[0]), id: "not-found-back" }, "Go to the course page of " + courses[0]);
    courseName(session.me.user, courses[0]).then((name) => { link.textContent = "Go to the course page of " + name; });
    return link;
  }
  return h("a", { href: "#/", id: "not-found-back" }, "Go to your courses");
}

// A lecture that does not exist, was deleted, is a draft or not yet published (to a student: the API answers all of
// these with the same 404, so the page cannot and must not tell them apart), or an id that is no lecture id at all.
// The page says so in words and offers the way back; focus goes to its heading, so a screen reader starts there.
function notAvailable() {
  const heading = h("h1", { id: "not-found-heading", tabindex: "-1" }, "This lecture isn't available");
  show(h("section", { class: "card not-found", id: "watch-not-found", "aria-labelledby": "not-found-heading" },
    heading,
    h("p", {}, "It may have been removed or not published yet. If someone sent you this link, check it with them."),
    h("p", {}, wayBack())));
  focusLater(heading);
}

// The router focuses <main> right after it starts a view; a heading shown before that returns takes focus after it.
function focusLater(element) {
  queueMicrotask(() => element.focus());
}

// Any other failure to load (the network, the server): said in words, with a way to try again.
function couldNotLoad(id, error) {
  const heading = h("h1", { id: "not-found-heading", tabindex: "-1" }, "The lecture could not be loaded");
  show(h("section", { class: "card not-found", "aria-labelledby": "not-found-heading" },
    heading, h("p", { class: "error" }, error.message),
    h("p", {}, h("button", { type: "button", onclick: () => watchView(id) }, "Try again"), " ", wayBack())));
  focusLater(heading);
}

// Only course staff reach a lecture that is not ready (students get a 404): where it stands, in their words.
function notReadyWords(lecture) {
  switch (lecture.state) {
    case "failed": return "This lecture could not be prepared: " + (lecture.failureReason || "no reason recorded.") + " Its row on the course page offers what can be done.";
    case "processing": return "This lecture is being prepared (" + encodingWords(lecture.progress) + "). Come back when it is ready.";
    case "queued": return "This lecture is waiting to be prepared. Come back when it is ready.";
    case "awaiting_upload": return "This lecture's recording has not finished uploading.";
    default: return "This lecture is " + (STATE_LABELS[lecture.state] || lecture.state).toLowerCase() + "; come back when it is ready.";
  }
}

// Lecture ids are made by the API (ObjectKeys.newLectureID): anything else is not worth a request.
const LECTURE_ID = /^lec_[a-z0-9]{1,64}$/;

// `handOver`: the position of the growing stream this page played before the lecture became ready (issue #15).
// `startAt`: seconds from a link to a moment (`#/watch/<id>?t=<seconds>`, e.g. a search result); it wins over resuming.
export async function watchView(id, handOver = null, { startAt = null } = {}) {
  if (!LECTURE_ID.test(id)) {
    notAvailable();
    return;
  }
  show(h("p", { class: "muted" }, "Loading the lecture…"));
  let lecture;
  try {
    lecture = await api("GET", "/v1/lectures/" + encodeURIComponent(id));
  } catch (error) {
    if (error.status === 404 || error.status === 400) notAvailable();
    else couldNotLoad(id, error);
    return;
  }
  const back = h("a", { href: "#/courses/" + encodeURIComponent(lecture.course), class: "small" }, "← " + lecture.course);
  // A lecture still encoding plays as far as it is encoded (`playable`); otherwise only a ready one plays.
  if ((lecture.state !== "ready" && !lecture.playable) || !lecture.playback) {
    show(back, h("h1", {}, lecture.title), h("p", { id: "watch-not-ready", class: lecture.state === "failed" ? "error" : "muted" }, notReadyWords(lecture)));
    return;
  }

  let tracks = [], trackProblem = null;
  const resumeFromServer = serverPosition(lecture);
  try {
    tracks = await loadTracks(lecture);
  } catch (error) {
    trackProblem = "The captions could not be loaded: " + error.message;
  }
  preferServerResume(session.me.user, lecture.id, await resumeFromServer);

  const help = helpDialog();
  let transcript = null, editor = null, shown = 0;
  // The transcript follows the track on screen, or with captions off the last one shown (or the default).
  async function onTrackChange(current, lastShown) {
    if (!transcript) return;
    const track = current || lastShown || tracks.find((t) => t.default) || tracks[0];
    const ticket = ++shown;
    if (!track) {
      transcript.setTrack(null, null);
      return;
    }
    try {
      const doc = await trackCues(track);
      if (ticket === shown) transcript.setTrack(doc, track);
    } catch (error) {
      if (ticket === shown) transcript.setTrack(null, null);
    }
  }
  const controls = player(lecture, { user: session.me.user, onTrackChange: (c, l) => onTrackChange(c, l), onHelp: (from) => help.open(from) });
  const encoding = lecture.playable && lecture.state !== "ready"
    ? watchWhileEncoding(lecture, controls, { onReady: () => { const at = position(controls); leaveView(); watchView(id, at); } })
    : null;
  if (handOver) resumeAt(controls, handOver);
  else if (Number.isFinite(startAt) && startAt >= 0) {
    resumeAt(controls, { at: startAt, playing: false });
    controls.video.addEventListener("loadedmetadata", () => {
      const note = document.getElementById("resume-note");
      if (note) note.hidden = true;
    }, { once: true });
  }
  const chapters = chapterList({ slides: lecture.playback.slides?.items, video: controls.video, seekTo: controls.seekTo });
  transcript = transcriptPanel({ title: lecture.title, video: controls.video, seekTo: controls.seekTo });
  const side = h("aside", { class: "side", "aria-label": "Transcript and captions" }, transcript.element);
  controls.setTracks(tracks);

  // The title and description under the player (the page's heading), as a video site has them.
  const details = h("section", { class: "details", id: "details", "aria-labelledby": "lecture-title" },
    h("h1", { id: "lecture-title" }, lecture.title),
    lecture.description ? h("p", { class: "description" }, lecture.description) : null,
    trackProblem ? h("p", { class: "error" }, trackProblem) : null);

  let admin = null;
  async function refreshTracks() {
    try {
      tracks = await loadTracks(lecture, { fresh: true });
    } catch (error) {
      admin?.say("The captions could not be reloaded: " + error.message);
      return;
    }
    controls.setTracks(tracks);
    admin?.setTracks(tracks);
  }
  function closeEditor() {
    editor?.stop();
    editor = null;
    side.replaceChildren(transcript.element);
  }
  async function openEditor(track) {
    if (editor?.isDirty() && !window.confirm("The captions have unsaved changes. Leave and lose them?")) return;
    editor?.stop();
    let doc;
    try {
      doc = await trackCues(track);
    } catch (error) {
      admin.say(error.message);
      return;
    }
    editor = captionEditor({ lecture, track, doc, video: controls.video, seekTo: controls.seekTo,
      onSaved: refreshTracks, onClose: closeEditor });
    side.replaceChildren(editor.element);
    // The professor sees the track being edited on the video (not remembered as their own choice).
    if (controls.currentTrack()?.id !== track.id) controls.selectTrack(tracks.find((t) => t.id === track.id) || track, { remember: false });
    editor.element.querySelector("textarea, button")?.focus();
  }
  if (session.me.role === "professor") {
    admin = captionAdmin({ lecture, onChanged: refreshTracks, onEdit: openEditor });
    admin.setTracks(tracks);
  }

  show(back,
    h("div", { class: "watch-layout" }, h("div", { class: "watch-main" }, controls.element, encoding?.element, chapters?.element, details), side),
    admin?.element, help.element);
  const stopShortcuts = installShortcuts(controls, help);
  const stopProgress = trackProgress(controls.video, lecture.id);
  onLeave(() => {
    encoding?.stop();
    chapters?.stop();
    stopProgress();
    stopShortcuts();
    controls.stop();
    transcript.stop();
    editor?.stop();
  });
}
