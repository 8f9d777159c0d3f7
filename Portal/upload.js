// Uploads one lecture file straight to S3 through the API's presigned URLs: a single PUT for small files,
// otherwise S3 multipart with PARALLEL_PARTS parts in flight. Finished parts are remembered in localStorage
// under the file's name, size and date, so after a page reload picking the same file again sends only the
// parts S3 does not hold yet (the API asks S3 which ones it has).

import { api, APIError } from "./api.js";

export const PARALLEL_PARTS = 4;
const URL_BATCH = 20;
const ATTEMPTS = 4;
const SAVED_PREFIX = "lectern.upload.";

export function savedKey(file) {
  return SAVED_PREFIX + file.name + ":" + file.size + ":" + file.lastModified;
}

function readSaved(key) {
  try {
    return JSON.parse(localStorage.getItem(key) || "null");
  } catch {
    return null;
  }
}

// Unfinished uploads of `course` this browser remembers, newest first.
export function unfinishedUploads(course) {
  const found = [];
  for (let i = 0; i < localStorage.length; i++) {
    const key = localStorage.key(i);
    if (!key || !key.startsWith(SAVED_PREFIX)) continue;
    const saved = readSaved(key);
    if (saved && saved.course === course) found.push({ key, ...saved });
  }
  return found.sort((a, b) => (b.createdAt || 0) - (a.createdAt || 0));
}

export function forgetUpload(key) {
  localStorage.removeItem(key);
}

const VIDEO_TYPES = {
  mp4: "video/mp4", m4v: "video/mp4", mov: "video/quicktime", webm: "video/webm", mkv: "video/x-matroska",
  avi: "video/x-msvideo", mpg: "video/mpeg", mpeg: "video/mpeg", ts: "video/mp2t", ogv: "video/ogg",
};

// Browsers leave `file.type` empty for some containers; the extension is the next best guess. Anything that is
// not a video goes to the API as it is, which refuses it with a readable reason.
export function contentType(file) {
  if (file.type) return file.type;
  const ext = (file.name.split(".").pop() || "").toLowerCase();
  return VIDEO_TYPES[ext] || "application/octet-stream";
}

// What a file's first bytes say it plainly is, when that is not a recording: a name for the message, or null for
// anything that may be media (the API reads the uploaded file's start again and has the last word).
const NOT_MEDIA = [
  { name: "a PDF document", magic: [0x25, 0x50, 0x44, 0x46, 0x2d] },
  { name: "a PNG image", magic: [0x89, 0x50, 0x4e, 0x47] },
  { name: "a JPEG image", magic: [0xff, 0xd8, 0xff] },
  { name: "a GIF image", magic: [0x47, 0x49, 0x46, 0x38] },
  { name: "a ZIP archive or Office document", magic: [0x50, 0x4b, 0x03, 0x04] },
];
export const SNIFF_BYTES = 64 * 1024;

export async function notMediaKind(file) {
  const head = new Uint8Array(await file.slice(0, SNIFF_BYTES).arrayBuffer());
  if (head.length === 0) return "an empty file";
  for (const { name, magic } of NOT_MEDIA) {
    if (magic.every((byte, i) => head[i] === byte)) return name;
  }
  const riff = String.fromCharCode(...head.slice(0, 4)) === "RIFF" && String.fromCharCode(...head.slice(8, 12)) === "WEBP";
  if (riff) return "a WebP image";
  // Text: valid UTF-8 without control characters other than tab and line breaks (a recording has both within 64 KiB;
  // a cut multi-byte character at the end of the slice is allowed).
  try {
    const text = new TextDecoder("utf-8", { fatal: true }).decode(head.length === SNIFF_BYTES ? head.slice(0, -4) : head);
    if (!/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/.test(text)) return "a text document";
  } catch {
    // not text
  }
  return null;
}

class TransferError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

// One upload. `listener` gets { state(name, detail), progress(snapshot), done(lectureId) }.
export class Upload {
  constructor(file, { course, title }, listener) {
    this.file = file;
    this.course = course;
    this.title = title;
    this.listener = listener;
    this.key = savedKey(file);
    this.lectureId = null;
    this.single = null; // { url, headers } for a single PUT
    this.partSize = 0;
    this.partCount = 0;
    this.finished = new Map(); // part number → ETag
    this.urls = new Map(); // part number → presigned URL
    this.inFlight = new Map(); // part number → bytes sent so far
    this.requests = new Set();
    this.queue = [];
    this.paused = false;
    this.state = "idle";
    this.resumedParts = 0;
    this.sentThisSession = 0;
    this.samples = [];
    this.shownBytes = 0; // the bar's value: never lower than what it showed before
  }

  setState(state, detail) {
    this.state = state;
    this.listener.state(state, detail);
  }

  // Creates the lecture, or picks up the remembered one, then sends what is missing and completes.
  async start() {
    this.setState("preparing");
    try {
      if (!(await this.resumeSaved())) await this.create();
      if (this.state === "cancelled") {
        // Cancelled while the lecture was being created: it goes too.
        await api("DELETE", "/v1/lectures/" + encodeURIComponent(this.lectureId)).catch(() => {});
        forgetUpload(this.key);
        return;
      }
      await this.run();
    } catch (error) {
      this.fail(error);
    }
  }

  async resumeSaved() {
    const saved = readSaved(this.key);
    if (!saved || saved.course !== this.course) return false;
    let status;
    try {
      status = await api("GET", "/v1/lectures/" + encodeURIComponent(saved.lectureId) + "/upload");
    } catch (error) {
      if (error instanceof APIError && (error.status === 404 || error.status === 409)) {
        forgetUpload(this.key); // the lecture is gone or its upload is over: start afresh
        return false;
      }
      throw error;
    }
    if (status.state !== "awaiting_upload") {
      forgetUpload(this.key);
      return false;
    }
    this.lectureId = saved.lectureId;
    // The server's title (what the professor typed, or changed since), not the name of the file chosen again.
    const lecture = await api("GET", "/v1/lectures/" + encodeURIComponent(saved.lectureId)).catch(() => null);
    this.title = lecture?.title || saved.title || this.title;
    this.contentType = saved.contentType || contentType(this.file);
    if (status.method === "multipart") {
      this.partSize = status.partSize;
      this.partCount = status.partCount;
      // What S3 holds is the truth (a part may have arrived after the page last saved).
      for (const part of status.uploadedParts || []) this.finished.set(part.partNumber, part.eTag);
      this.resumedParts = this.finished.size;
    } else {
      this.single = { url: status.url, headers: { "Content-Type": saved.contentType || contentType(this.file) } };
    }
    this.save();
    this.setState("resumed", { already: this.resumedParts, of: this.partCount });
    return true;
  }

  async create() {
    const type = contentType(this.file);
    const created = await api("POST", "/v1/lectures", {
      title: this.title, course: this.course, filename: this.file.name, size: this.file.size, contentType: type,
    });
    this.lectureId = created.lecture.id;
    const plan = created.upload;
    if (plan.method === "multipart") {
      this.partSize = plan.partSize;
      this.partCount = plan.partCount;
      for (const part of plan.parts || []) this.urls.set(part.partNumber, part.url);
    } else {
      this.single = { url: plan.url, headers: plan.headers || { "Content-Type": type } };
    }
    this.contentType = type;
    this.save();
    this.listener.created?.(this.lectureId);
  }

  save() {
    if (!this.lectureId || this.single) {
      // A single PUT cannot resume half way; remembering the lecture still lets a reload reuse it.
      if (this.lectureId) {
        localStorage.setItem(this.key, JSON.stringify({
          lectureId: this.lectureId, course: this.course, title: this.title, filename: this.file.name,
          size: this.file.size, contentType: this.contentType, method: "single", createdAt: Date.now(),
        }));
      }
      return;
    }
    localStorage.setItem(this.key, JSON.stringify({
      lectureId: this.lectureId, course: this.course, title: this.title, filename: this.file.name, size: this.file.size,
      contentType: this.contentType, method: "multipart", partSize: this.partSize, partCount: this.partCount,
      parts: Object.fromEntries(this.finished), createdAt: Date.now(),
    }));
  }

  async run() {
    this.paused = false;
    this.samples = [];
    this.setState("uploading");
    this.report();
    if (this.single) {
      if (!this.finished.has(1)) await this.putSingle();
    } else {
      await this.putParts();
    }
    if (this.paused) {
      // Pausing waited for the parts in flight: what they carried is kept.
      if (this.state === "pausing") this.setState("paused");
      this.report();
      return;
    }
    this.setState("completing");
    const body = this.single ? undefined : {
      parts: [...this.finished.entries()].sort((a, b) => a[0] - b[0]).map(([partNumber, eTag]) => ({ partNumber, eTag })),
    };
    try {
      await api("POST", "/v1/lectures/" + encodeURIComponent(this.lectureId) + "/upload/complete", body);
    } catch (error) {
      if (error instanceof APIError && error.type?.endsWith("/not-media")) {
        // The API read the file's start and refused it: the lecture has failed for good, nothing to resume.
        forgetUpload(this.key);
        error.retryable = false;
      }
      throw error;
    }
    forgetUpload(this.key);
    this.setState("done");
    this.listener.done(this.lectureId);
  }

  async putSingle() {
    const etag = await this.send(this.single.url, this.file, 0, this.single.headers);
    this.finished.set(1, etag);
    this.inFlight.delete(0);
  }

  async putParts() {
    this.queue = [];
    for (let n = 1; n <= this.partCount; n++) if (!this.finished.has(n)) this.queue.push(n);
    const workers = [];
    for (let i = 0; i < Math.min(PARALLEL_PARTS, this.queue.length); i++) workers.push(this.partWorker());
    this.failure = null;
    await Promise.allSettled(workers);
    if (this.failure) throw this.failure;
    if (!this.paused && this.finished.size !== this.partCount) {
      throw new Error("only " + this.finished.size + " of " + this.partCount + " parts arrived");
    }
  }

  async partWorker() {
    while (!this.paused && this.queue.length > 0) {
      const n = this.queue.shift();
      try {
        await this.sendPart(n);
      } catch (error) {
        this.queue.unshift(n);
        if (!this.paused) {
          // One part gave up: stop the others, keep what finished, and let the user resume.
          this.failure = error;
          this.paused = true;
          this.abortRequests();
        }
        throw error;
      }
    }
  }

  async sendPart(n) {
    const start = (n - 1) * this.partSize;
    const blob = this.file.slice(start, Math.min(start + this.partSize, this.file.size));
    let lastError;
    for (let attempt = 1; attempt <= ATTEMPTS; attempt++) {
      if (this.paused) throw new TransferError(0, "paused");
      const url = await this.partURL(n);
      try {
        const etag = await this.send(url, blob, n, {});
        this.finished.set(n, etag);
        this.inFlight.delete(n);
        this.sentThisSession += blob.size;
        this.save();
        this.report();
        return;
      } catch (error) {
        lastError = error;
        this.inFlight.delete(n);
        if (this.paused) throw error;
        if (error.status === 403) this.urls.delete(n); // expired URL: ask for a fresh one
        await sleep(500 * 2 ** (attempt - 1));
      }
    }
    throw lastError;
  }

  // The part's URL, fetching it with the next missing ones in one batch (one batch at a time).
  async partURL(n) {
    while (!this.urls.has(n)) {
      if (!this.urlBatch) {
        const wanted = [n, ...this.queue.filter((m) => !this.urls.has(m))].slice(0, URL_BATCH);
        this.urlBatch = api("POST", "/v1/lectures/" + encodeURIComponent(this.lectureId) + "/upload/parts", { partNumbers: wanted })
          .then((result) => { for (const part of result.parts) this.urls.set(part.partNumber, part.url); })
          .finally(() => { this.urlBatch = null; });
      }
      await this.urlBatch;
    }
    return this.urls.get(n);
  }

  // PUTs `body` with XMLHttpRequest (fetch reports no upload progress) and answers S3's ETag.
  send(url, body, slot, headers) {
    return new Promise((resolve, reject) => {
      const xhr = new XMLHttpRequest();
      this.requests.add(xhr);
      xhr.open("PUT", url);
      for (const [name, value] of Object.entries(headers)) xhr.setRequestHeader(name, value);
      xhr.upload.onprogress = (event) => {
        this.inFlight.set(slot, event.loaded);
        this.report();
      };
      xhr.onload = () => {
        this.requests.delete(xhr);
        if (xhr.status >= 200 && xhr.status < 300) {
          const etag = xhr.getResponseHeader("ETag");
          if (etag || this.single) resolve(etag);
          else reject(new TransferError(0, "S3 accepted the part but did not show its ETag (the bucket's CORS rule must expose ETag)"));
        } else {
          reject(new TransferError(xhr.status, "S3 refused the upload (HTTP " + xhr.status + ")"));
        }
      };
      xhr.onerror = () => {
        this.requests.delete(xhr);
        reject(new TransferError(0, "the connection to storage failed"));
      };
      xhr.onabort = () => {
        this.requests.delete(xhr);
        reject(new TransferError(0, "paused"));
      };
      xhr.send(body);
    });
  }

  abortRequests() {
    for (const xhr of [...this.requests]) xhr.abort();
    this.inFlight.clear();
  }

  // Starts no new part and lets the ones in flight finish: aborting them threw away up to
  // PARALLEL_PARTS × part size of bytes already sent (32 MiB at 8 MiB parts). "paused" follows once they are in.
  pause() {
    if (this.state !== "uploading") return;
    this.paused = true;
    this.setState("pausing");
    this.report();
  }

  async resume() {
    if (this.state !== "paused" && this.state !== "failed") return;
    if (this.refused) return;
    try {
      await this.run();
    } catch (error) {
      this.fail(error);
    }
  }

  // Gives the lecture up: aborts the S3 upload and deletes the lecture.
  async cancel() {
    this.paused = true;
    this.abortRequests();
    forgetUpload(this.key);
    if (this.lectureId) await api("DELETE", "/v1/lectures/" + encodeURIComponent(this.lectureId)).catch(() => {});
    this.setState("cancelled");
  }

  fail(error) {
    this.paused = true;
    this.abortRequests();
    if (error.retryable === false) this.refused = error;
    this.setState("failed", { message: error.message || String(error), retryable: error.retryable !== false });
  }

  bytesSent() {
    let bytes = 0;
    if (this.single) {
      bytes = this.finished.size ? this.file.size : 0;
    } else {
      for (const n of this.finished.keys()) bytes += Math.min(this.partSize, this.file.size - (n - 1) * this.partSize);
    }
    for (const loaded of this.inFlight.values()) bytes += loaded;
    // A part that failed half way and starts again would move the bar back: it holds until the bytes catch up.
    this.shownBytes = Math.max(this.shownBytes, Math.min(bytes, this.file.size));
    return this.shownBytes;
  }

  // Bytes, speed over the last five seconds, and time left.
  report() {
    const now = performance.now();
    let session = this.sentThisSession;
    for (const loaded of this.inFlight.values()) session += loaded;
    this.samples.push({ t: now, bytes: session });
    while (this.samples.length > 2 && now - this.samples[0].t > 5000) this.samples.shift();
    const first = this.samples[0];
    const seconds = (now - first.t) / 1000;
    const speed = seconds > 0.2 ? Math.max(0, (session - first.bytes) / seconds) : 0;
    const sent = this.bytesSent();
    this.listener.progress({
      sent, total: this.file.size, speed,
      secondsLeft: speed > 0 ? (this.file.size - sent) / speed : null,
      partsDone: this.finished.size, partCount: this.single ? 1 : this.partCount,
    });
  }
}
