// WebVTT in the page: a parser for the API's sanitised caption files (cues plus the STYLE/REGION/NOTE blocks, kept so
// a saved edit loses nothing), and the writers the transcript's downloads and the caption editor need (WebVTT, SRT,
// plain text). Cue text stays as the file has it (`text`, may hold tags and entities); `plainText` is what a reader
// sees, and `cueTextFromPlain` is what an edited line becomes.

// "hh:mm:ss.ttt" or "mm:ss.ttt" → seconds, or NaN.
export function parseTimestamp(stamp) {
  const match = /^(?:(\d+):)?(\d{1,2}):(\d{2})[.,](\d{3})$/.exec(stamp.trim());
  if (!match) return NaN;
  return (Number(match[1] || 0) * 3600) + Number(match[2]) * 60 + Number(match[3]) + Number(match[4]) / 1000;
}

// Seconds → "hh:mm:ss.ttt" (WebVTT) or "hh:mm:ss,ttt" (SRT).
export function formatTimestamp(total, separator = ".") {
  const millis = Math.max(0, Math.round(total * 1000));
  const two = (n) => String(n).padStart(2, "0");
  const hours = Math.floor(millis / 3_600_000), minutes = Math.floor(millis / 60_000) % 60, seconds = Math.floor(millis / 1000) % 60;
  return two(hours) + ":" + two(minutes) + ":" + two(seconds) + separator + String(millis % 1000).padStart(3, "0");
}

// { blocks: ["STYLE\n…", …] (header blocks, verbatim), cues: [{ id, start, end, settings, text }] }, cues by start.
export function parseWebVTT(source) {
  const text = source.replace(/^\uFEFF/, "").replace(/\r\n?/g, "\n");
  const chunks = text.split(/\n{2,}/);
  const blocks = [], cues = [];
  if (!/^WEBVTT(?:[ \t].*)?$/.test(chunks[0]?.split("\n")[0] || "")) throw new Error("This is not a WebVTT file.");
  for (const chunk of chunks.slice(1)) {
    const lines = chunk.split("\n").filter((line, index, all) => index < all.length - 1 || line !== "");
    if (!lines.length) continue;
    if (/^(STYLE|REGION|NOTE)(?:\s|$)/.test(lines[0])) {
      if (!cues.length) blocks.push(lines.join("\n"));
      continue;
    }
    let timingLine = 0;
    if (!lines[0].includes("-->")) timingLine = 1;
    const timing = /^(\S+)\s+-->\s+(\S+)(.*)$/.exec(lines[timingLine] || "");
    if (!timing) continue;
    const start = parseTimestamp(timing[1]), end = parseTimestamp(timing[2]);
    if (!Number.isFinite(start) || !Number.isFinite(end)) continue;
    cues.push({ id: timingLine ? lines[0] : "", start, end, settings: timing[3].trim(), text: lines.slice(timingLine + 1).join("\n") });
  }
  cues.sort((a, b) => a.start - b.start);
  return { blocks, cues };
}

const ENTITIES = { amp: "&", lt: "<", gt: ">", nbsp: "\u00A0", lrm: "\u200E", rlm: "\u200F", quot: "\"", apos: "'" };

// What a reader sees: tags (<v Ada>, <i>, <c.loud>, timestamps) removed, entities decoded.
export function plainText(cueText) {
  return cueText.replace(/<[^>]*>/g, "")
    .replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (whole, name) => {
      if (name[0] === "#") {
        const code = name[1] === "x" || name[1] === "X" ? parseInt(name.slice(2), 16) : parseInt(name.slice(1), 10);
        return Number.isFinite(code) && code > 0 && code < 0x110000 ? String.fromCodePoint(code) : whole;
      }
      return ENTITIES[name.toLowerCase()] ?? whole;
    });
}

// An edited line as cue text: escaped so "<" and "&" stay text; no blank line (it would end the cue).
export function cueTextFromPlain(plain) {
  return plain.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;")
    .split(/\r?\n/).map((line) => line.trimEnd()).filter((line) => line !== "").join("\n");
}

export function toWebVTT({ blocks = [], cues }) {
  const parts = ["WEBVTT", ...blocks];
  for (const cue of cues) {
    const timing = formatTimestamp(cue.start) + " --> " + formatTimestamp(cue.end) + (cue.settings ? " " + cue.settings : "");
    const body = (cue.text || "").replace(/-->/g, "--&gt;").split("\n").filter((line) => line.trim() !== "").join("\n");
    parts.push((cue.id ? cue.id.replace(/-->/g, "") + "\n" : "") + timing + "\n" + (body || "\u00A0"));
  }
  return parts.join("\n\n") + "\n";
}

export function toSRT({ cues }) {
  return cues.map((cue, index) => (index + 1) + "\n" + formatTimestamp(cue.start, ",") + " --> " + formatTimestamp(cue.end, ",") +
    "\n" + plainText(cue.text)).join("\n\n") + "\n";
}

export function toPlainText({ cues }) {
  return cues.map((cue) => plainText(cue.text).replace(/\n/g, " ")).join("\n") + "\n";
}

// The cue showing at `time` (the last one that started, if several overlap), or -1.
export function cueIndexAt(cues, time) {
  let found = -1;
  for (let i = 0; i < cues.length && cues[i].start <= time; i++) if (time < cues[i].end) found = i;
  return found;
}
