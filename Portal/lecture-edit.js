// Editing a lecture after its upload: title, description, visibility (draft, published, scheduled) and the publish
// time, in a dialog (PATCH /v1/lectures/{id}). Editing never re-encodes.

import { api } from "./api.js";
import { h, toast } from "./dom.js";
import { field, markInvalid, openFormDialog } from "./edit-dialog.js";

// "2026-12-04T18:30" in the browser's time zone, as <input type=datetime-local> takes it.
function localInputValue(date) {
  const two = (n) => String(n).padStart(2, "0");
  return date.getFullYear() + "-" + two(date.getMonth() + 1) + "-" + two(date.getDate()) + "T" + two(date.getHours()) + ":" + two(date.getMinutes());
}

export function editLecture(lecture, opener, saved) {
  const title = h("input", { id: "edit-title", type: "text", maxlength: "200", required: true, value: lecture.title });
  const description = h("textarea", { id: "edit-description", rows: "4", maxlength: "5000", class: "prose" });
  description.value = lecture.description || "";
  const choice = (value, label) => h("label", { class: "choice" },
    h("input", { type: "radio", name: "visibility", value, checked: lecture.visibility === value }), " " + label);
  const when = h("input", { id: "edit-publish-at", type: "datetime-local",
    value: lecture.publishAt ? localInputValue(new Date(lecture.publishAt)) : "" });
  const whenField = field("Publish at", when, "Students see the lecture from this time on (your time zone).");
  const visibility = h("fieldset", { id: "edit-visibility", class: "choices" }, h("legend", {}, "Who can see it"),
    choice("draft", "Draft: course staff only"), choice("published", "Published: students too, once ready"),
    choice("scheduled", "Scheduled: students from a time you choose"));
  const sync = () => {
    const scheduled = visibility.querySelector("input:checked")?.value === "scheduled";
    whenField.hidden = !scheduled;
    when.required = scheduled;
  };
  visibility.addEventListener("change", sync);
  sync();
  openFormDialog({
    id: "lecture-edit-dialog", title: "Edit “" + lecture.title + "”", opener,
    fields: [field("Title", title), field("Description", description, "Shown to students under the title."), visibility, whenField],
    save: async (form) => {
      const change = { title: title.value, description: description.value };
      const chosen = visibility.querySelector("input:checked")?.value;
      if (chosen) change.visibility = chosen;
      if (chosen === "scheduled") {
        if (!when.value) {
          when.setAttribute("aria-invalid", "true");
          throw new Error("Choose when students may see the lecture.");
        }
        change.publishAt = new Date(when.value).toISOString();
      }
      try {
        const updated = await api("PATCH", "/v1/lectures/" + encodeURIComponent(lecture.id), change);
        toast("“" + updated.title + "” saved.");
        saved(updated);
      } catch (error) {
        markInvalid(form, error, { title: "edit-title", description: "edit-description", publishAt: "edit-publish-at" });
        throw error;
      }
    },
  });
}
