// The course registry as the portal sees it: the signed-in user's courses with their names (GET /v1/courses, read
// once per sign-in), a course's settings, and the professors' changes to them.

import { api } from "./api.js";

let cached = null; // { user, promise } for the signed-in user's courses

// Course code → its view ({id, name, defaultVisibility, captionLanguage}) for every course the token lists.
export function courseViews(user) {
  if (!cached || cached.user !== user) {
    const promise = api("GET", "/v1/courses")
      .then((answer) => new Map(answer.courses.map((course) => [course.id, course])))
      .catch(() => new Map()); // names are a nicety: a page still works with the codes
    cached = { user, promise };
  }
  return cached.promise;
}

// The course's name, or its code when the registry has none (or cannot be reached).
export async function courseName(user, course) {
  return (await courseViews(user)).get(course)?.name || course;
}

// After a professor's change: the new view replaces the cached one.
export async function saveCourse(user, course, change) {
  const updated = await api("PATCH", "/v1/courses/" + encodeURIComponent(course), change);
  (await courseViews(user)).set(course, updated);
  return updated;
}

export function forgetCourses() {
  cached = null;
}
