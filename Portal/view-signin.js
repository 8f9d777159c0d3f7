// The sign-in page: a pasted token (a university deployment sends users through its identity provider instead).

import { decodeClaims, saveToken } from "./api.js";
import { h } from "./dom.js";
import { show } from "./shell.js";

const LOCAL_HOSTS = new Set(["localhost", "127.0.0.1", "[::1]"]);

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
      "Paste the sign-in token your university gave you. This page never asks for your password."),
    // Developer hint, only on a machine's own address (a local `make run`); never on a university's host name.
    LOCAL_HOSTS.has(location.hostname)
      ? h("p", { class: "muted small", id: "local-hint" }, "Running locally: `make run` prints tokens for a demo professor and student.")
      : null);
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
