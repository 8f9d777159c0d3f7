// The course settings a professor may change (name, the visibility new lectures start with, the language automatic
// captions are drafted in): a button beside the course heading that opens a form in a dialog (PATCH /v1/courses/{course}).

import { courseViews, saveCourse } from "./courses.js";
import { h, toast } from "./dom.js";
import { field, markInvalid, openFormDialog } from "./edit-dialog.js";

// Languages Amazon Transcribe transcribes (its LanguageCode values) that our universities teach in; the worker passes
// the course's choice to Transcribe as is. "Recognise it" leaves the choice to Transcribe's language identification
// among the deployment's languages (LECTERN_CAPTIONS_LANGUAGES).
const CAPTION_LANGUAGES = [
  ["en-US", "English (United States)"], ["en-GB", "English (United Kingdom)"], ["en-AU", "English (Australia)"],
  ["de-DE", "German"], ["fr-FR", "French"], ["fr-CA", "French (Canada)"], ["es-ES", "Spanish (Spain)"],
  ["es-US", "Spanish (United States)"], ["it-IT", "Italian"], ["nl-NL", "Dutch"], ["pt-PT", "Portuguese (Portugal)"],
  ["pt-BR", "Portuguese (Brazil)"], ["pl-PL", "Polish"], ["sv-SE", "Swedish"], ["da-DK", "Danish"],
  ["zh-CN", "Chinese (Mandarin, simplified)"], ["ja-JP", "Japanese"], ["ko-KR", "Korean"], ["ar-SA", "Arabic"], ["hi-IN", "Hindi"],
];

function captionLanguageSelect(current) {
  const known = CAPTION_LANGUAGES.some(([code]) => code === current);
  return h("select", { id: "course-caption-language" },
    h("option", { value: "", selected: !current }, "Recognise it from the recording"),
    // A tag set through the API that is not in the list stays as it is unless the professor picks another.
    current && !known ? h("option", { value: current, selected: true }, current) : null,
    CAPTION_LANGUAGES.map(([code, name]) => h("option", { value: code, selected: code === current }, name)));
}

export function courseSettingsButton(user, course, applied) {
  const button = h("button", { type: "button", id: "course-settings", "data-opened-dialog": "course-settings-dialog" }, "Course settings");
  button.addEventListener("click", async () => {
    const current = (await courseViews(user)).get(course) || { id: course, name: course, defaultVisibility: "published" };
    const name = h("input", { id: "course-name", type: "text", maxlength: "120", required: true, value: current.name });
    const visibility = h("select", { id: "course-default-visibility" },
      h("option", { value: "published", selected: current.defaultVisibility === "published" }, "Published: students see them once ready"),
      h("option", { value: "draft", selected: current.defaultVisibility === "draft" }, "Draft: only course staff see them until published"));
    const language = captionLanguageSelect(current.captionLanguage);
    openFormDialog({
      id: "course-settings-dialog", title: "Course settings for " + course, opener: button,
      fields: [field("Course name", name, "Shown to students on the course page."),
        field("New lectures start as", visibility),
        field("Language of the lectures", language, "Automatic captions are drafted in this language.")],
      save: async (form) => {
        try {
          const saved = await saveCourse(user, course, { name: name.value, defaultVisibility: visibility.value,
            captionLanguage: language.value || null });
          applied(saved);
          toast("Course settings saved.");
        } catch (error) {
          markInvalid(form, error, { name: "course-name", defaultVisibility: "course-default-visibility", captionLanguage: "course-caption-language" });
          throw error;
        }
      },
    });
  });
  return button;
}
