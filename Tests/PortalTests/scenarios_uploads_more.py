"""More of the professor's upload page (issue #19): the MP4 download saves a file named after the lecture, the focus
ring and field borders have 3:1 contrast, several files queue with editable titles, Cancel asks and then says what it
did, and touch devices are not asked to drag. Each signs in as the professor itself (the watch scenarios leave a student signed in on a phone-sized window)."""

import os
import time
from urllib.parse import parse_qs, urlparse

from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys

from browser_common import (Failed, accept_leave_prompt, audit, background_behind, check, config, contrast_ratio, focus_ring_contrast,
                            js, lectures, parse_css_color, results, scenario, shot, sign_in, sign_out, wait)
from scenarios_captions import dismiss_alert

WCAG_NON_TEXT = 3.0


def as_professor(driver):
    """The professor's course page on a laptop-sized window, whoever was signed in before."""
    driver.set_window_size(1280, 900)
    driver.get(config["portal"])
    wait(driver, 15, lambda d: d.find_elements(By.ID, "token") or d.find_element(By.ID, "who").is_displayed(), "the portal")
    if driver.find_elements(By.ID, "token"):
        sign_in(driver, config["professorToken"])
    elif "Ada" not in driver.find_element(By.ID, "who").text:
        sign_out(driver)
        sign_in(driver, config["professorToken"])
    wait(driver, 10, lambda d: d.find_elements(By.ID, "file"), "the upload form")


@scenario("upload-wording")
def sign_in_speaks_to_people(driver):
    """The sign-in page speaks to professors and students: a pasted non-token gets words they can act on (not "three
    parts separated by dots"), and `make run` appears only in the hint the API's local mode turns on (this stack runs
    on moto, so it is shown; without it no text on the page mentions it)."""
    driver.set_window_size(1280, 900)
    driver.get(config["portal"])
    wait(driver, 15, lambda d: d.find_elements(By.ID, "token") or d.find_element(By.ID, "who").is_displayed(), "the portal")
    if not driver.find_elements(By.ID, "token"):
        sign_out(driver)
    hint = wait(driver, 10, lambda d: d.find_element(By.ID, "local-hint") if d.find_element(By.ID, "local-hint").is_displayed() else None,
                "the local-development hint (the API runs on moto)")
    check("make run" in hint.text, "the hint names make run: %r" % hint.text)
    rest = js(driver, "const m = document.querySelector('main').cloneNode(true); m.querySelector('#local-hint')?.remove(); return m.innerText")
    check("make run" not in rest and "`" not in rest, "outside the local hint, no developer words: %r" % rest)
    driver.find_element(By.ID, "token").send_keys("hello professor")
    driver.find_element(By.CSS_SELECTOR, "#sign-in button[type=submit]").click()
    said = wait(driver, 5, lambda d: d.find_element(By.ID, "sign-in-error").text, "the sign-in error")
    check("dots" not in said and "three parts" not in said and "sign-in token" in said, "words for people: %r" % said)
    shot(driver, "6-sign-in-wording")
    audit(driver, "sign-in-refused")
    driver.find_element(By.ID, "token").clear()
    return "hint shown locally; bad token told %r" % said


def storage_honours_response_disposition():
    """Whether the local S3 (moto) sends the `Content-Disposition` a presigned link asks for, as S3 does; moto 5.2.1
    does not (getmoto/moto#10057 added it later)."""
    import inspect
    try:
        import moto
        from moto.s3 import responses
    except ImportError:
        return False, "moto is not importable here"
    source = inspect.getsource(responses)
    return ("response-content-disposition" in source or "ResponseContentDisposition" in source), "moto " + moto.__version__


@scenario("download")
def download_saves_the_title(driver):
    """The Download MP4 link asks storage to send `attachment; filename="Week 1.mp4"`; where storage honours that (S3,
    newer moto), clicking it saves `Week 1.mp4` into the download folder and leaves the tab on the watch page (before the
    fix, the tab navigated to the storage URL and played the file in the browser's bare player)."""
    check(results.get("lectureId"), "scenario upload produced a ready lecture")
    as_professor(driver)
    folder = os.path.join(config["artifacts"], "downloads")
    os.makedirs(folder, exist_ok=True)
    driver.execute_cdp_cmd("Browser.setDownloadBehavior", {"behavior": "allow", "downloadPath": folder})
    driver.get(config["portal"] + "#/watch/" + results["lectureId"])
    link = wait(driver, 20, lambda d: d.find_element(By.ID, "download"), "the Download MP4 link")
    asked = parse_qs(urlparse(link.get_attribute("href")).query).get("response-content-disposition", [""])[0]
    check(asked.startswith('attachment; filename="Week 1.mp4"'), "the link asks for a download named after the title: %r" % asked)
    honoured, storage = storage_honours_response_disposition()
    if not honoured:
        driver.execute_cdp_cmd("Browser.setDownloadBehavior", {"behavior": "default"})
        raise Failed("%s ignores response-content-disposition, so the saved file cannot be checked: scripts/install-deps.sh "
                     "installs moto 5.2.5 or later (getmoto/moto#10057)" % storage)
    page = driver.current_url
    link.click()
    expected = os.path.join(folder, "Week 1.mp4")

    def saved(_):
        names = os.listdir(folder)
        return os.path.exists(expected) and not any(n.endswith(".crdownload") for n in names) and os.path.getsize(expected) > 0
    wait(driver, 30, saved, "Week 1.mp4 in the download folder (found %s)" % os.listdir(folder))
    time.sleep(0.3)
    check(driver.current_url == page, "the tab stayed on the watch page (%s)" % driver.current_url)
    with open(expected, "rb") as file:
        head = file.read(12)
    check(head[4:8] == b"ftyp", "the saved file is an MP4 (starts %r)" % head)
    driver.execute_cdp_cmd("Browser.setDownloadBehavior", {"behavior": "default"})
    return "saved %s (%d bytes) from %s" % (os.path.basename(expected), os.path.getsize(expected), storage)


@scenario("upload-focus")
def focus_and_borders_have_contrast(driver):
    """The focus ring is ≥ 3:1 against what is behind it, on the page and in the header bar; the title field's and the
    drop zone's borders are ≥ 3:1 against the card (computed from the browser's styles with WCAG's formula)."""
    as_professor(driver)
    title = driver.find_element(By.ID, "title")
    title.click()
    title.send_keys(Keys.TAB)  # keyboard focus on the file input; its label draws the ring
    check(js(driver, "return document.activeElement.id") == "file", "Tab from the title reaches the file chooser")
    choose = driver.find_element(By.ID, "choose")
    ratios = {}
    ratios["Choose files (label of the focused input)"] = focus_ring_contrast(driver, choose)
    js(driver, "document.getElementById('title').focus()")
    ratios["title field"] = focus_ring_contrast(driver, title)
    sign_out_button = driver.find_element(By.ID, "sign-out")
    js(driver, "arguments[0].focus()", sign_out_button)
    check(js(driver, "return arguments[0].matches(':focus-visible')", sign_out_button), "the header's button shows keyboard focus")
    ratios["Sign out, in the header bar"] = focus_ring_contrast(driver, sign_out_button)
    shot(driver, "6-focus-in-header")
    for what, element in [("title field border", title), ("drop zone border", driver.find_element(By.ID, "drop"))]:
        border = parse_css_color(js(driver, "return getComputedStyle(arguments[0]).borderTopColor", element))
        ratios[what] = (contrast_ratio(border, background_behind(driver, element)), border, None)
    low = {what: round(r[0], 2) for what, r in ratios.items() if r[0] < WCAG_NON_TEXT}
    check(not low, "contrast below 3:1: %s" % low)
    return ", ".join("%s %.2f:1" % (what, r[0]) for what, r in ratios.items())


@scenario("upload-several")
def several_files_queue_and_cancel(driver):
    """Two files chosen at once: two cards, one uploading and one waiting with its title (prefilled from the file name)
    editable. Cancel asks first, then stops the first upload, deletes its lecture and says so; the waiting file then
    starts under the title typed into its card, and is cancelled too (nothing is left behind)."""
    as_professor(driver)
    driver.execute_cdp_cmd("Network.enable", {})
    driver.execute_cdp_cmd("Network.emulateNetworkConditions", {
        "offline": False, "latency": 20, "downloadThroughput": -1, "uploadThroughput": 1 << 20})
    card = lambda d, name: d.find_element(By.CSS_SELECTOR, ".upload[data-file='%s']" % name)
    first, second = os.path.basename(config["clip"]), os.path.basename(config["clip2"])
    try:
        driver.find_element(By.ID, "file").send_keys(config["clip"] + "\n" + config["clip2"])
        wait(driver, 20, lambda d: card(d, first).get_attribute("data-state") == "uploading", "the first file to start")
        check(card(driver, second).get_attribute("data-state") == "waiting", "the second file waits (one file uploads at a time)")
        field = card(driver, second).find_element(By.CSS_SELECTOR, "input.queued-title")
        check(field.get_attribute("value") == "week2-lecture", "its title starts as the file name: %r" % field.get_attribute("value"))
        field.clear()
        field.send_keys("Week 5 (queued)")
        check(js(driver, "return window.getComputedStyle(arguments[0]).display", field) != "none", "the title is editable")
        row = wait(driver, 10, lambda d: lectures(d).get("week1-lecture"), "the first file's lecture in the list")
        shot(driver, "6-two-files-queued")
        audit(driver, "uploads-queued")

        check(js(driver, "const e = new Event('beforeunload', { cancelable: true }); window.dispatchEvent(e); return e.defaultPrevented"),
              "leaving mid-upload asks first")
        driver.find_element(By.ID, "sign-out").click()
        question = dismiss_alert(driver, accept=False)
        check("upload" in question, "Sign out mid-upload asks first: %r" % question)
        check(driver.find_element(By.ID, "who").is_displayed() and card(driver, first).get_attribute("data-state") == "uploading",
              "refused, the professor stays signed in and the upload goes on")
        cancel = card(driver, first).find_element(By.CSS_SELECTOR, ".upload-cancel")
        cancel.click()
        check(cancel.text == "Really cancel?", "the first press asks: %r" % cancel.text)
        check(card(driver, first).get_attribute("data-state") == "uploading", "one press cancels nothing")
        shot(driver, "6-cancel-asks")
        cancel.click()
        said = wait(driver, 10, lambda d: d.find_element(By.ID, "toast").text, "the confirmation")
        check("was cancelled" in said and "week1-lecture" in said, "the toast says what happened: %r" % said)
        wait(driver, 10, lambda d: not d.find_elements(By.CSS_SELECTOR, ".upload[data-file='%s']" % first)
             and row["id"] not in {r["id"] for r in lectures(d).values()}, "the first card and its lecture to go")

        wait(driver, 20, lambda d: card(d, second).get_attribute("data-state") == "uploading", "the waiting file to start")
        queued = wait(driver, 10, lambda d: lectures(d).get("Week 5 (queued)"), "the second lecture under the typed title")
        cancel = card(driver, second).find_element(By.CSS_SELECTOR, ".upload-cancel")
        cancel.click()
        cancel.click()
        wait(driver, 10, lambda d: not d.find_elements(By.CSS_SELECTOR, ".upload")
             and queued["id"] not in {r["id"] for r in lectures(d).values()}, "the second card and its lecture to go")
        check(not js(driver, "const e = new Event('beforeunload', { cancelable: true }); window.dispatchEvent(e); return e.defaultPrevented"),
              "with nothing uploading, leaving does not ask")
    finally:
        driver.execute_cdp_cmd("Network.emulateNetworkConditions", {
            "offline": False, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1})
    return "two files queued, one at a time; title edited while waiting; both cancelled after asking (%r)" % said


@scenario("upload-touch")
def touch_devices_are_not_asked_to_drag(driver):
    """On a 390×844 touch screen the drop zone offers the file chooser without asking to drag."""
    as_professor(driver)
    check(driver.find_element(By.CSS_SELECTOR, "#drop .drag-hint").is_displayed(), "a mouse user is offered dragging")
    driver.set_window_size(390, 844)
    driver.execute_cdp_cmd("Emulation.setTouchEmulationEnabled", {"enabled": True, "maxTouchPoints": 5})
    driver.execute_cdp_cmd("Emulation.setEmitTouchEventsForMouse", {"enabled": True, "configuration": "mobile"})
    try:
        driver.refresh()
        accept_leave_prompt(driver)
        wait(driver, 10, lambda d: d.find_elements(By.ID, "drop"), "the upload form on the phone")
        check(js(driver, "return matchMedia('(hover: none) and (pointer: coarse)').matches"), "the browser reports a touch screen")
        check(not driver.find_element(By.CSS_SELECTOR, "#drop .drag-hint").is_displayed(), "no 'Drag … here' on a touch screen")
        check(driver.find_element(By.ID, "choose").is_displayed(), "the file chooser is offered")
        shot(driver, "6-upload-on-phone")
        audit(driver, "upload-on-phone")
    finally:
        driver.execute_cdp_cmd("Emulation.setEmitTouchEventsForMouse", {"enabled": False})
        driver.execute_cdp_cmd("Emulation.setTouchEmulationEnabled", {"enabled": False})
        driver.set_window_size(1280, 900)
    return "drop zone without the drag hint at 390×844 with touch"


SCENARIOS = [("upload-wording", sign_in_speaks_to_people), ("download", download_saves_the_title), ("upload-focus", focus_and_borders_have_contrast),
             ("upload-several", several_files_queue_and_cancel), ("upload-touch", touch_devices_are_not_asked_to_drag)]
