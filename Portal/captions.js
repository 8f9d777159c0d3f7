// Caption tracks of a lecture: the API's tracks (GET /v1/lectures/{id}/captions), their WebVTT parsed once per track
// version, the viewer's remembered choice and "Always show captions" preference (localStorage, per user), and the
// professor's calls that send a caption file as the raw request body (SRT or WebVTT in any encoding: the API decodes).

import { APIError, api, storedToken } from "./api.js";
import { parseWebVTT } from "./webvtt.js";

const CHOICE_KEY = (user) => "lectern.captions.choice." + user;      // a language, or "off"
const ALWAYS_KEY = (user) => "lectern.captions.always." + user;      // "1" when captions should be on by default
export const MACHINE_NOTE = "automatic captions — may contain errors";

export function trackName(track) {
  return (track.label || track.language) + (track.source === "machine" ? " (" + MACHINE_NOTE + ")" : "");
}

export const captionPrefs = {
  choice: (user) => localStorage.getItem(CHOICE_KEY(user)),
  setChoice: (user, language) => localStorage.setItem(CHOICE_KEY(user), language),
  always: (user) => localStorage.getItem(ALWAYS_KEY(user)) === "1",
  setAlways: (user, on) => (on ? localStorage.setItem(ALWAYS_KEY(user), "1") : localStorage.removeItem(ALWAYS_KEY(user))),
};

// The track to show when the page opens: the remembered language; with "Always show captions", the default track
// when nothing (or "off") is remembered; otherwise none.
export function initialTrack(tracks, user) {
  const choice = captionPrefs.choice(user);
  const remembered = choice && choice !== "off" && tracks.find((t) => t.language === choice);
  if (remembered) return remembered;
  if (captionPrefs.always(user)) return tracks.find((t) => t.default) || tracks[0] || null;
  return null;
}

// The lecture's tracks: the lecture view's `playback.captions` (absent from an API without captions: none), or after
// a change the captions route.
export async function loadTracks(lecture, { fresh = false } = {}) {
  if (!fresh) return Array.isArray(lecture.playback?.captions) ? lecture.playback.captions : [];
  try {
    const answer = await api("GET", "/v1/lectures/" + encodeURIComponent(lecture.id) + "/captions");
    return answer?.tracks || [];
  } catch (error) {
    if (error.status === 404) return [];
    throw error;
  }
}

const parsed = new Map();  // "trackId@version" → Promise of the parsed file

export function trackCues(track) {
  const key = track.id + "@" + track.version;
  if (!parsed.has(key)) {
    const loading = fetch(track.vtt, { cache: "no-store" }).then(async (response) => {
      if (!response.ok) throw new Error("The captions could not be loaded (HTTP " + response.status + ").");
      return parseWebVTT(await response.text());
    });
    loading.catch(() => parsed.delete(key));
    parsed.set(key, loading);
  }
  return parsed.get(key);
}

// A caption call with a raw body. Errors carry the API's line errors (422) as `error.lines` and its `encoding`.
export async function captionCall(method, path, body, contentType) {
  const headers = { Authorization: "Bearer " + storedToken() };
  if (contentType) headers["Content-Type"] = contentType;
  let response;
  try {
    response = await fetch(path, { method, headers, body, cache: "no-store" });
  } catch {
    throw new APIError(0, "Network error", "The server cannot be reached. Check the connection and try again.");
  }
  if (response.status === 204) return null;
  const payload = await response.json().catch(() => null);
  if (!response.ok) {
    const problem = payload || {};
    const detail = response.status === 403 ? "Only the lecture's professor or course staff can change its captions."
      : problem.detail || problem.title || "HTTP " + response.status;
    const error = new APIError(response.status, problem.title, detail);
    error.lines = Array.isArray(problem.errors) ? problem.errors : [];
    error.encoding = problem.encoding;
    throw error;
  }
  return payload;
}

export const captionsPath = (lectureId, trackId) =>
  "/v1/lectures/" + encodeURIComponent(lectureId) + "/captions" + (trackId ? "/" + encodeURIComponent(trackId) : "");
