// The course settings a professor may change (name, the visibility new lectures start with): a button beside the
// course heading that opens a form in a dialog (PATCH /v1/courses/{course}).

import { courseViews, saveCourse } from "./courses.js";
import { h, toast } from "./dom.js";
import { field, markInvalid, openFormDialog } from "./edit-dialog.js";

export function courseSettingsButton(user, course, applied) {
  const button = h("button", { type: "button", id: "course-settings", "data-opened-dialog": "course-settings-dialog" }, "Course settings");
  button.addEventListener("click", async () => {
    const current = (await courseViews(user)).get(course) || { id: course, name: course, defaultVisibility: "published" };
    const name = h("input", { id: "course-name", type: "text", maxlength: "120", required: true, value: current.name });
    const visibility = h("select", { id: "course-default-visibility" },
      h("option", { value: "published", selected: current.defaultVisibility === "published" }, "Published: students see them once ready"),
      h("option", { value: "draft", selected: current.defaultVisibility === "draft" }, "Draft: only course staff see them until published"));
    openFormDialog({
      id: "course-settings-dialog", title: "Course settings for " + course, opener: button,
      fields: [field("Course name", name, "Shown to students on the course page."),
        field("New lectures start as", visibility)],
      save: async (form) => {
        try {
          const saved = await saveCourse(user, course, { name: name.value, defaultVisibility: visibility.value });
          applied(saved);
          toast("Course settings saved.");
        } catch (error) {
          markInvalid(form, error, { name: "course-name", defaultVisibility: "course-default-visibility" });
          throw error;
        }
      },
    });
  });
  return button;
}
