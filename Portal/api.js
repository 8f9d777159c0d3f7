// The API client: the bearer token kept in this browser, its claims, and JSON calls that turn
// RFC 9457 problems into errors with readable messages.

const TOKEN_KEY = "lectern.token";

export function storedToken() {
  return localStorage.getItem(TOKEN_KEY);
}

export function saveToken(token) {
  localStorage.setItem(TOKEN_KEY, token);
}

export function forgetToken() {
  localStorage.removeItem(TOKEN_KEY);
}

function base64URLDecode(text) {
  const padded = text.replace(/-/g, "+").replace(/_/g, "/") + "===".slice((text.length + 3) % 4);
  const bytes = Uint8Array.from(atob(padded), (c) => c.charCodeAt(0));
  return new TextDecoder().decode(bytes);
}

// The token's claims, read without checking the signature: the API checks it on every call; the page only
// needs the name, role and courses to lay itself out. Throws with a reason for anything that is not a JWT.
export function decodeClaims(token) {
  const parts = token.trim().split(".");
  if (parts.length !== 3) throw new Error("That is not a sign-in token. Copy the whole token you were given and paste it again.");
  let claims;
  try {
    claims = JSON.parse(base64URLDecode(parts[1]));
  } catch {
    throw new Error("That sign-in token is damaged. Copy the whole token you were given and paste it again.");
  }
  if (typeof claims.sub !== "string" || typeof claims.role !== "string") {
    throw new Error("That sign-in token does not say who you are. Ask for a new one.");
  }
  if (typeof claims.exp === "number" && claims.exp * 1000 <= Date.now()) {
    throw new Error("That sign-in token expired on " + new Date(claims.exp * 1000).toLocaleString() + ". Ask for a new one.");
  }
  return {
    user: claims.sub,
    name: claims.name || claims.sub,
    role: claims.role,
    courses: Array.isArray(claims.courses) ? claims.courses.filter((c) => typeof c === "string") : [],
    expires: typeof claims.exp === "number" ? new Date(claims.exp * 1000) : null,
  };
}

export class APIError extends Error {
  constructor(status, title, detail, type) {
    super(detail || title || "HTTP " + status);
    this.status = status;
    this.title = title;
    this.type = type; // the problem's type URI, e.g. …/problems/not-media
  }
}

// Calls the API with the stored token. `onUnauthorized` runs for a 401 (expired or revoked token).
let unauthorizedHandler = () => {};
export function onUnauthorized(handler) {
  unauthorizedHandler = handler;
}

export async function api(method, path, body) {
  const headers = { Authorization: "Bearer " + storedToken() };
  const init = { method, headers, cache: "no-store" };
  if (body !== undefined) {
    headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  let response;
  try {
    response = await fetch(path, init);
  } catch {
    throw new APIError(0, "Network error", "The server cannot be reached. Check the connection and try again.");
  }
  if (response.status === 204) return null;
  const type = response.headers.get("Content-Type") || "";
  const payload = type.includes("json") ? await response.json().catch(() => null) : await response.text();
  if (!response.ok) {
    if (response.status === 401) unauthorizedHandler();
    const problem = payload && typeof payload === "object" ? payload : {};
    throw new APIError(response.status, problem.title, problem.detail || (typeof payload === "string" ? payload : ""), problem.type);
  }
  return payload;
}

// A course's lectures, every page.
export async function listLectures(course) {
  let lectures = [];
  let cursor = null;
  for (let page = 0; page < 20; page++) {
    const query = "?limit=100" + (cursor ? "&cursor=" + encodeURIComponent(cursor) : "");
    const result = await api("GET", "/v1/courses/" + encodeURIComponent(course) + "/lectures" + query);
    lectures = lectures.concat(result.lectures);
    cursor = result.nextCursor;
    if (!cursor) break;
  }
  return lectures;
}
