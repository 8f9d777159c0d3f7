// The sign-in page: a pasted token (a university deployment sends users through its identity provider instead).

import { decodeClaims, saveToken } from "./api.js";
import { h } from "./dom.js";
import { show } from "./shell.js";

// `signedIn()` runs once the token is stored.
export function signInView(signedIn) {
  const error = h("p", { class: "error", id: "sign-in-error", role: "alert" });
  const field = h("textarea", { id: "token", name: "token", rows: "4", required: "", spellcheck: "false", autocomplete: "off" });
  const form = h("form", { class: "card narrow", id: "sign-in" },
    h("h1", {}, "Sign in"),
    h("label", { for: "token" }, "Access token"),
    field,
    error,
    h("button", { type: "submit", class: "primary" }, "Sign in"),
    h("p", { class: "muted small" },
      "Locally, `make run` prints tokens for a demo professor and student. A university deployment sends you through ",
      "its identity provider instead, and this page never sees a password."));
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    try {
      decodeClaims(field.value); // throws with a reason for anything that is not a token
      saveToken(field.value.trim());
      signedIn();
    } catch (problem) {
      error.textContent = problem.message;
      field.focus();
    }
  });
  show(form);
  field.focus();
}
