// The Lectern portal: sign-in with a pasted token, the professor's course page (upload, lecture list with live
// encoding state), the student's course page (ready lectures) and the watch page. Hash routes:
//   #/                     courses of the signed-in user
//   #/courses/<course>     a course's page
//   #/watch/<lectureId>    a lecture's watch page
// Each page is a view-*.js module; shell.js holds what they share.

import { decodeClaims, forgetToken, onUnauthorized, storedToken } from "./api.js";
import { toast } from "./dom.js";
import { leaveView, main, mayLeave, session } from "./shell.js";
import { coursesView } from "./view-courses.js";
import { professorView } from "./view-professor.js";
import { signInView } from "./view-signin.js";
import { studentView } from "./view-student.js";
import { watchView } from "./view-watch.js";

function signedInUser() {
  const token = storedToken();
  if (!token) return null;
  try {
    return decodeClaims(token);
  } catch {
    forgetToken();
    return null;
  }
}

function showHeader() {
  document.getElementById("who").hidden = !session.me;
  if (!session.me) return;
  document.getElementById("who-name").textContent = session.me.name;
  document.getElementById("who-role").textContent = session.me.role;
}

function signOut(reason) {
  forgetToken();
  session.me = null;
  showHeader();
  route();
  if (reason) toast(reason);
}

onUnauthorized(() => signOut("Your sign-in is no longer valid; paste a new token."));
// Signing out leaves the page as a navigation would: unsaved work (the caption editor's) is asked about first.
document.getElementById("sign-out").addEventListener("click", () => {
  if (mayLeave()) signOut("Signed out.");
});

// MARK: Routing

function route() {
  leaveView();
  session.me = signedInUser();
  showHeader();
  if (!session.me) {
    signInView(route);
    return;
  }
  // `#/watch/<id>?t=<seconds>` opens a lecture at a moment (a search result links there).
  const [path, query = ""] = location.hash.split("?");
  const [, section, value] = path.split("/");
  const param = value ? decodeURIComponent(value) : "";
  if (section === "courses" && param) {
    if (session.me.role === "professor") professorView(param);
    else studentView(param);
  } else if (section === "watch" && param) {
    const t = Number(new URLSearchParams(query).get("t"));
    watchView(param, null, { startAt: new URLSearchParams(query).has("t") && Number.isFinite(t) ? t : null });
  } else {
    coursesView();
  }
  main.focus({ preventScroll: true });
}

window.addEventListener("hashchange", route);
route();
