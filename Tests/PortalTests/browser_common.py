"""What every portal scenario shares: the configuration the Swift test wrote, the results, the browser's console and
network logs, waiting and checking, screenshots, signing in, and `audit`, which runs axe-core on the page.

Scenarios live in `scenarios_*.py`, one module per area of the portal; `portal_browser.py` runs them in order.
"""

import importlib.util
import os

import json
import re
import sys
import time
import traceback

from selenium import webdriver
from selenium.common.exceptions import StaleElementReferenceException, TimeoutException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

config = json.load(open(sys.argv[1])) if len(sys.argv) > 1 else {}
artifacts = config["artifacts"]
results = {}
console = []  # every browser console entry seen, across pages and reloads
# Substrings of SEVERE console entries a scenario causes on purpose (e.g. a 422 for a broken file it uploads to see
# the page explain it); the console check ignores those and no others.
expected_console_errors = []
network = []  # CDP Network events, in order
# Console errors a scenario causes on purpose (regular expressions; Chrome logs every 4xx answer as SEVERE): the
# console verdict ignores entries that match one.
expected_console_errors = []


class Failed(Exception):
    pass


def check(condition, message):
    if not condition:
        raise Failed(message)


def make_driver():
    options = webdriver.ChromeOptions()
    options.binary_location = config["chromium"]
    for argument in ["--headless=new", "--no-sandbox", "--autoplay-policy=no-user-gesture-required",
                     "--disable-dev-shm-usage", "--window-size=1280,900", "--mute-audio"]:
        options.add_argument(argument)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
    return webdriver.Chrome(service=Service(config["chromedriver"]), options=options)


def drain_logs(driver):
    """Moves the browser's console and network logs into `console` and `network` (reading empties them)."""
    for entry in driver.get_log("browser"):
        console.append(entry)
    for entry in driver.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        if message["method"].startswith("Network."):
            network.append(message)


def wait(driver, seconds, condition, what):
    try:
        # The lecture list re-renders every 2 s while anything encodes: elements found a moment ago may be gone.
        return WebDriverWait(driver, seconds, poll_frequency=0.2,
                             ignored_exceptions=[StaleElementReferenceException]).until(lambda d: condition(d))
    except TimeoutException:
        raise Failed("timed out after %d s waiting for %s" % (seconds, what))


def shot(driver, name):
    path = "%s/%s.png" % (artifacts, name)
    driver.save_screenshot(path)
    return path


def js(driver, script, *args):
    return driver.execute_script(script, *args)


def sign_in(driver, token):
    driver.get(config["portal"])
    field = wait(driver, 15, lambda d: d.find_element(By.ID, "token"), "the sign-in form")
    field.send_keys(token)
    driver.find_element(By.CSS_SELECTOR, "#sign-in button[type=submit]").click()
    wait(driver, 10, lambda d: d.find_element(By.ID, "who").is_displayed(), "the signed-in header")


def sign_out(driver):
    driver.find_element(By.ID, "sign-out").click()
    wait(driver, 10, lambda d: d.find_elements(By.ID, "token"), "the sign-in form after signing out")


def lectures(driver):
    """The professor's lecture list as {title: {id, state}}, read in one go (the list re-renders while polling)."""
    rows = js(driver, """return [...document.querySelectorAll('li.lecture')].map(li => ({
        id: li.dataset.id, state: li.dataset.state, title: li.querySelector('.title strong').textContent }));""")
    return {row["title"]: row for row in rows}


def part_puts(events):
    """Part numbers of multipart PUTs sent (`sent`) and answered 200 (`finished`) in `events`."""
    ids = {}
    sent, finished = set(), set()
    for event in events:
        params = event["params"]
        if event["method"] == "Network.requestWillBeSent":
            request = params["request"]
            found = re.search(r"[?&]partNumber=(\d+)", request["url"])
            if request["method"] == "PUT" and found:
                ids[params["requestId"]] = int(found.group(1))
                sent.add(int(found.group(1)))
        elif event["method"] == "Network.responseReceived" and params["requestId"] in ids:
            if params["response"]["status"] == 200:
                finished.add(ids[params["requestId"]])
    return sent, finished


def part_put_counts(events):
    """How many multipart PUTs of each part number were sent in `events` ({part number: count})."""
    counts = {}
    for event in events:
        if event["method"] == "Network.requestWillBeSent":
            request = event["params"]["request"]
            found = re.search(r"[?&]partNumber=(\d+)", request["url"])
            # A redirect re-uses the request id with a redirectResponse: count the request once.
            if request["method"] == "PUT" and found and "redirectResponse" not in event["params"]:
                counts[int(found.group(1))] = counts.get(int(found.group(1)), 0) + 1
    return counts


def accept_leave_prompt(driver):
    """Accepts Chrome's "Leave site?" question if the page asked it (it does while an upload runs)."""
    try:
        driver.switch_to.alert.accept()
    except Exception:  # no prompt: the page was idle, or the driver already accepted it
        pass


# MARK: contrast (WCAG 2.1)

def relative_luminance(rgb):
    """WCAG 2.1 relative luminance of an sRGB colour given as (r, g, b) in 0…255."""
    def channel(value):
        c = value / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4
    r, g, b = (channel(v) for v in rgb[:3])
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast_ratio(first, second):
    """WCAG 2.1 contrast ratio of two colours, 1…21."""
    lighter, darker = sorted((relative_luminance(first), relative_luminance(second)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def parse_css_color(text):
    """`rgb(…)`/`rgba(…)` as getComputedStyle gives it → (r, g, b, alpha)."""
    numbers = [float(n) for n in re.findall(r"[\d.]+", text)]
    return tuple(numbers[:3]) + ((numbers[3] if len(numbers) > 3 else 1.0),)


# The colour behind an element: the first ancestor (or itself) with an opaque background.
_BACKGROUND_JS = """
let node = arguments[0];
while (node && node.nodeType === 1) {
  const color = getComputedStyle(node).backgroundColor;
  const alpha = color.startsWith('rgba') ? parseFloat(color.split(',')[3]) : 1;
  if (alpha > 0.5) return color;
  node = node.parentElement;
}
return 'rgb(255, 255, 255)';"""


def background_behind(driver, element, parent=True):
    """The opaque background colour behind `element` (from its parent up when `parent`: an outline is drawn outside)."""
    return parse_css_color(js(driver, _BACKGROUND_JS, js(driver, "return arguments[0].parentElement", element) if parent else element))


def focus_ring_contrast(driver, element):
    """The focused `element`'s outline colour against the background behind it: (ratio, outline, background)."""
    style = js(driver, "const s = getComputedStyle(arguments[0]); return [s.outlineStyle, s.outlineWidth, s.outlineColor]", element)
    check(style[0] != "none" and float(style[1].rstrip("px") or 0) >= 2, "a visible focus outline on %s: %r"
          % (element.get_attribute("id") or element.tag_name, style))
    outline, background = parse_css_color(style[2]), background_behind(driver, element)
    return contrast_ratio(outline, background), style[2], background


def scenario(name):
    def decorate(body):
        def run(*args):
            started = time.time()
            try:
                detail = body(*args) or "ok"
                results[name] = {"ok": True, "detail": detail}
            except Exception as error:  # every failure becomes this scenario's result, with a screenshot
                for driver in args:
                    try:
                        shot(driver, name + "-failure")
                    except Exception:
                        pass
                message = str(error) if isinstance(error, Failed) else traceback.format_exc()
                results[name] = {"ok": False, "detail": message}
            results[name]["seconds"] = round(time.time() - started, 1)
        return run
    return decorate


# MARK: axe-core

# WCAG 2.1 A and AA rules only; a violation of impact serious or critical fails the run.
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
AXE_FAILING_IMPACTS = {"serious", "critical"}
_axe_source = None


def axe_source():
    """axe-core 4.x as shipped inside the axe-playwright-python wheel (installed without its playwright dependency by
    scripts/install-deps.sh; the package is never imported, only its axe.min.js is read)."""
    global _axe_source
    if _axe_source is None:
        spec = importlib.util.find_spec("axe_playwright_python")
        if spec is None or not spec.submodule_search_locations:
            raise Failed("axe-playwright-python is not installed: run `make test` (scripts/install-deps.sh installs it)")
        path = os.path.join(list(spec.submodule_search_locations)[0], "axe.min.js")
        _axe_source = open(path, encoding="utf-8").read()
    return _axe_source


def audit(driver, state):
    """Runs axe-core on the page as it is now and records its WCAG 2.1 A/AA violations under `state` in
    results["axe"]; answers the serious and critical ones. The `axe` result (set by `axe_verdict`) fails on any."""
    if not js(driver, "return typeof window.axe === 'object'"):
        js(driver, axe_source())
    report = driver.execute_async_script("""
        const done = arguments[arguments.length - 1];
        axe.run(document, { runOnly: { type: 'tag', values: arguments[0] }, resultTypes: ['violations'] })
           .then((r) => done({ version: axe.version, violations: r.violations.map((v) => ({
                 id: v.id, impact: v.impact, help: v.help,
                 nodes: v.nodes.slice(0, 5).map((n) => n.target.join(' ') + ': ' + (n.failureSummary || '').slice(0, 300)) })) }))
           .catch((e) => done({ error: String(e) }));""", AXE_TAGS)
    if "error" in report:
        raise Failed("axe-core failed on %s: %s" % (state, report["error"]))
    audits = results.setdefault("axe", {"ok": True, "states": {}})
    audits["version"] = report["version"]
    failing = [v for v in report["violations"] if v["impact"] in AXE_FAILING_IMPACTS]
    audits["states"][state] = {"violations": report["violations"], "failing": len(failing)}
    return failing


def probe_axe(driver):
    """Shows the audit can fail: a button with no accessible name (axe's `button-name`, critical) is put on the page,
    audited under a state of its own, and removed; `axe_verdict` then expects exactly that violation there."""
    js(driver, "const b = document.createElement('button'); b.id = 'axe-probe'; document.body.append(b);")
    try:
        audit(driver, AXE_PROBE)
    finally:
        js(driver, "document.getElementById('axe-probe')?.remove()")


AXE_PROBE = "probe (a nameless button put on the page on purpose)"


def axe_verdict():
    """The `axe` result: every audited state, and whether any had a serious or critical violation."""
    audits = results.get("axe")
    probe = audits and audits["states"].pop(AXE_PROBE, None)
    if not probe or not any(v["id"] == "button-name" and v["impact"] in AXE_FAILING_IMPACTS for v in probe["violations"]):
        results["axe"] = {"ok": False, "detail": "the audit is not seeing violations: the probe's nameless button was not reported (%s)"
                          % json.dumps(probe)[:500]}
        return
    if not audits["states"]:
        results["axe"] = {"ok": False, "detail": "no portal state was audited"}
        return
    failing = {state: a for state, a in audits["states"].items() if a["failing"]}
    summary = ", ".join("%s: %d serious/critical of %d" % (state, a["failing"], len(a["violations"]))
                        for state, a in audits["states"].items())
    detail = "axe-core %s on %d states (%s)" % (audits.get("version"), len(audits["states"]), summary)
    if failing:
        detail += "; failing: " + json.dumps({s: [v for v in a["violations"] if v["impact"] in AXE_FAILING_IMPACTS]
                                              for s, a in failing.items()})[:4000]
    audits["ok"] = not failing
    audits["detail"] = detail
