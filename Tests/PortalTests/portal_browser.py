"""Drives the Lectern portal in headless Chromium, as a professor and a student would.

Run by PortalBrowserTests.swift, which starts the stack (moto, lectern-api serving the portal, one lectern-worker)
and passes a JSON configuration file. Runs the scenarios of the `scenarios_*.py` modules below in order (later ones
may use what earlier ones left, e.g. the ready lecture in results["lectureId"]); `PORTAL_SCENARIOS=a,b` runs only
those. Writes a JSON result per scenario to the configuration's `results` path and screenshots beside it; every check
is made here in the browser, and the Swift test asserts the results (and checks the lectures table on its own).
Finally: axe-core's verdict over every state the scenarios audited, and the console's.
"""

import importlib
import json
import os

import re

from browser_common import (axe_verdict, config, console, drain_logs, expected_console_errors, js, make_driver, probe_axe,
                            results)

# In the order they run.
MODULES = ["scenarios_upload", "scenarios_watch", "scenarios_captions", "scenarios_uploads_more", "scenarios_lifecycle",
           "scenarios_students", "scenarios_professor", "scenarios_sound", "scenarios_growing",
           "scenarios_chapters", "scenarios_search"]


PROBE = "lectern-console-probe"


def probe_console(driver):
    """Logs one error on purpose, so the console check is known to see errors (then ignores that one)."""
    js(driver, "console.error(arguments[0])", PROBE)
    drain_logs(driver)


def expected_error(pattern, message):
    """A console error a scenario caused on purpose: some scenarios list exact text, others regular expressions."""
    if pattern in message:
        return True
    try:
        return re.search(pattern, message) is not None
    except re.error:
        return False


def console_clean():
    if not any(PROBE in e.get("message", "") and e.get("level") == "SEVERE" for e in console):
        results["console"] = {"ok": False, "detail": "the console log is not being read (the probe error is missing)"}
        return
    severe = [e for e in console if e.get("level") == "SEVERE" and PROBE not in e.get("message", "")
              and not any(expected_error(pattern, e.get("message", "")) for pattern in expected_console_errors)]
    if severe:
        results["console"] = {"ok": False, "detail": "SEVERE console entries: %s" % json.dumps(severe)[:2000]}
    else:
        results["console"] = {"ok": True, "detail": "%d console entries besides the probe, none SEVERE" % (len(console) - 1)}


def main():
    wanted = [name for name in os.environ.get("PORTAL_SCENARIOS", "").split(",") if name]
    driver = make_driver()
    try:
        for module in MODULES:
            for name, run in importlib.import_module(module).SCENARIOS:
                if not wanted or name in wanted:
                    run(driver)
        probe_axe(driver)
        axe_verdict()
        probe_console(driver)
        console_clean()
    finally:
        driver.quit()
        json.dump(results, open(config["results"], "w"), indent=2)


main()
