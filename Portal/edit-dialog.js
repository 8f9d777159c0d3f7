// A modal <dialog> holding one form, for the lecture edit and the course settings: showModal() keeps focus inside and
// Escape closes it; on close focus goes back to the button that opened it. Lives outside <main>'s lists, so the
// lecture list's re-render every poll cannot take it away mid-edit.

import { h } from "./dom.js";

let counter = 0;

// `fields`: the form's controls; `save(form)` answers a promise (rejected with an Error whose message is shown in the
// dialog's alert). Answers the <dialog>, already open.
export function openFormDialog({ title, fields, saveLabel = "Save", save, opener, id }) {
  document.getElementById(id)?.remove();
  const headingId = "dialog-heading-" + (++counter);
  const error = h("p", { class: "error", role: "alert" });
  const submit = h("button", { type: "submit", class: "primary" }, saveLabel);
  const cancel = h("button", { type: "button", "data-action": "cancel" }, "Cancel");
  const form = h("form", { method: "dialog", novalidate: true }, fields, error, h("div", { class: "actions" }, submit, cancel));
  const dialog = h("dialog", { class: "edit-dialog", id, "aria-labelledby": headingId },
    h("h2", { id: headingId }, title), form);
  cancel.addEventListener("click", () => dialog.close());
  dialog.addEventListener("close", () => {
    dialog.remove();
    if (opener?.isConnected) opener.focus();
    else document.querySelector('[data-opened-dialog="' + id + '"]')?.focus();
  });
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    error.textContent = "";
    submit.disabled = true;
    try {
      await save(form);
      dialog.close();
    } catch (failure) {
      error.textContent = failure.message;
      form.querySelector("[aria-invalid=true]")?.focus();
    } finally {
      submit.disabled = false;
    }
  });
  document.body.append(dialog);
  dialog.showModal();
  return dialog;
}

// A labelled control: the label's `for` names the control's id.
export function field(label, control, hint) {
  const hintId = hint ? control.id + "-hint" : null;
  if (hintId) control.setAttribute("aria-describedby", hintId);
  return h("div", { class: "field" }, h("label", { for: control.id }, label), control,
    hint ? h("p", { id: hintId, class: "muted small" }, hint) : null);
}

// Marks the control a 422 problem names (its detail says "field 'title' …") as invalid, so focus and screen readers
// land on it.
export function markInvalid(form, error, names) {
  for (const control of form.querySelectorAll("[aria-invalid]")) control.removeAttribute("aria-invalid");
  const named = /field '([A-Za-z]+)'/.exec(error.message || "")?.[1];
  const control = named && names[named] && form.querySelector("#" + names[named]);
  if (control) control.setAttribute("aria-invalid", "true");
}
