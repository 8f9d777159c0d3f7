// The sign-in page: a pasted token (a university deployment sends users through its identity provider instead).

import { decodeClaims, saveToken } from "./api.js";
import { h } from "./dom.js";
import { show } from "./shell.js";

// `signedIn()` runs once the token is stored.
export function signInView(signedIn) {
  const error = h("p", { class: "error", id: "sign-in-error", role: "alert" });
  // Developer hint, only when the API says it runs against local storage (`make run`, moto); never in production.
  const hint = h("p", { class: "muted small", id: "local-hint", hidden: "" },
    "Local development: `make run` prints tokens for a demo professor and student.");
  fetch("/v1/portal/settings", { cache: "no-store" })
    .then((response) => (response.ok ? response.json() : null))
    .then((settings) => { if (settings?.localDevelopment) hint.hidden = false; })
    .catch(() => {});
  const field = h("textarea", { id: "token", name: "token", rows: "4", required: "", spellcheck: "false", autocomplete: "off" });
  const form = h("form", { class: "card narrow", id: "sign-in" },
    h("h1", {}, "Sign in"),
    h("label", { for: "token" }, "Access token"),
    field,
    error,
    h("button", { type: "submit", class: "primary" }, "Sign in"),
    h("p", { class: "muted small" },
      "Paste the sign-in token your university gave you. This page never asks for your password."),
    hint);
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
