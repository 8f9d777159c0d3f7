"""Drives the Lectern portal in headless Chromium, as a professor and a student would.

Run by PortalBrowserTests.swift, which starts the stack (moto, lectern-api serving the portal, one lectern-worker)
and passes a JSON configuration file. Writes a JSON result per scenario to the configuration's `results` path and
screenshots beside it; every check is made here in the browser, and the Swift test asserts the results (and checks
the lectures table on its own).
"""

import json
import re
import sys
import time
import traceback

from selenium import webdriver
from selenium.common.exceptions import StaleElementReferenceException, TimeoutException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import WebDriverWait

config = json.load(open(sys.argv[1]))
artifacts = config["artifacts"]
results = {}
console = []  # every browser console entry seen, across pages and reloads
network = []  # CDP Network events, in order


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


@scenario("upload")
def upload_through_page(driver):
    """A professor uploads the clip (multipart) and sees the bar reach 100 % and the lecture become ready."""
    sign_in(driver, config["professorToken"])
    wait(driver, 10, lambda d: d.find_elements(By.ID, "file"), "the upload form (one course: straight to it)")
    check(config["course"] in driver.find_element(By.TAG_NAME, "h1").text, "the course page names the course")
    driver.find_element(By.ID, "title").send_keys("Week 1", Keys.TAB)
    check(js(driver, "return document.activeElement.id") == "file", "Tab from the title reaches the file chooser")
    driver.find_element(By.ID, "file").send_keys(config["clip"])
    seen = set()

    def finished(d):
        text = d.find_element(By.ID, "upload-percent").text if d.find_elements(By.ID, "upload-percent") else ""
        seen.add(text)
        return text == "100 %" and d.find_element(By.CSS_SELECTOR, ".upload").get_attribute("data-state") == "done"
    wait(driver, 90, finished, "the upload bar to reach 100 %")
    figures = driver.find_element(By.ID, "upload-figures").text
    check("of %d" % config["partCount"] in figures, "the figures show the part count: %r" % figures)
    check(re.search(r"MB of [\d.]+ MB", figures), "the figures show bytes sent of the total: %r" % figures)
    shot(driver, "1-professor-upload-100-percent")

    states = []

    def ready(d):
        row = lectures(d).get("Week 1")
        if row and (not states or states[-1] != row["state"]):
            states.append(row["state"])
        return row if row and row["state"] == "ready" else None
    row = wait(driver, 150, ready, "the lecture to become ready in the list (states seen: %s)" % states)
    results["lectureId"] = row["id"]
    shot(driver, "1-professor-lecture-ready")
    drain_logs(driver)
    sent, finished_parts = part_puts(network)
    check(finished_parts == set(range(1, config["partCount"] + 1)),
          "every part went up exactly as planned: finished %s of %d" % (sorted(finished_parts), config["partCount"]))
    return "lecture %s ready; states seen %s; parts %s" % (results["lectureId"], " → ".join(states), sorted(finished_parts))


@scenario("resume")
def resume_after_reload(driver):
    """An upload reloaded half way resumes on the same lecture and sends only the parts S3 does not hold."""
    drain_logs(driver)
    network.clear()
    # Slow uploads down so the reload lands half way.
    driver.execute_cdp_cmd("Network.enable", {})
    driver.execute_cdp_cmd("Network.emulateNetworkConditions", {
        "offline": False, "latency": 20, "downloadThroughput": -1, "uploadThroughput": config["throttleBytesPerSecond"]})
    driver.find_element(By.ID, "title").send_keys("Week 2")
    driver.find_element(By.ID, "file").send_keys(config["clip2"])

    # Pause once bytes flow: nothing more goes up until Resume.
    bar = lambda d: int(d.find_element(By.ID, "upload-bar").get_attribute("value") or 0)
    wait(driver, 30, lambda d: bar(d) > 0, "the first bytes to go up")
    driver.find_element(By.ID, "upload-pause").click()
    wait(driver, 5, lambda d: d.find_element(By.CSS_SELECTOR, ".upload").get_attribute("data-state") == "paused", "the paused state")
    paused_at = bar(driver)
    time.sleep(1.5)
    check(bar(driver) == paused_at, "nothing was sent while paused (%d → %d bytes)" % (paused_at, bar(driver)))
    check(driver.find_element(By.ID, "upload-pause").text == "Resume", "the pause button offers Resume")
    shot(driver, "2-upload-paused")
    driver.find_element(By.ID, "upload-pause").click()

    def saved(d):
        entries = js(d, """return Object.keys(localStorage).filter(k => k.startsWith('lectern.upload.'))
                            .map(k => JSON.parse(localStorage.getItem(k)));""")
        return entries[0] if entries and len(entries[0].get("parts", {})) >= 2 else None
    entry = wait(driver, 60, saved, "two finished parts remembered in localStorage")
    check(entry["partCount"] == config["partCount"], "the saved upload has %d parts" % config["partCount"])
    shot(driver, "2-upload-half-way")
    driver.refresh()
    drain_logs(driver)
    before_sent, before_finished = part_puts(network)
    network.clear()
    # Still throttled: unthrottled, the missing parts went up in well under a second, and once in a full run the
    # "Resuming" message came and went (and the card with it) between two polls.
    driver.execute_cdp_cmd("Network.emulateNetworkConditions", {
        "offline": False, "latency": 0, "downloadThroughput": -1, "uploadThroughput": config["throttleBytesPerSecond"]})
    notice = wait(driver, 15, lambda d: d.find_elements(By.CSS_SELECTOR, "[data-pending]"), "the unfinished-upload notice")[0]
    check(notice.get_attribute("data-pending") == entry["lectureId"], "the notice names the same lecture")
    check("Choose the same file again" in notice.text, "the notice says how to resume: %r" % notice.text)
    shot(driver, "2-after-reload-notice")
    check(len(before_finished) < config["partCount"], "the reload came before the last part (%s)" % sorted(before_finished))

    driver.find_element(By.ID, "file").send_keys(config["clip2"])
    status = wait(driver, 15, lambda d: re.search(r"Resuming: (\d+) of (\d+)", d.find_element(By.ID, "upload-status").text),
                  "the resuming message")
    already = int(status.group(1))
    check(int(status.group(2)) == config["partCount"], "resuming names the part count")
    wait(driver, 60, lambda d: d.find_element(By.CSS_SELECTOR, ".upload").get_attribute("data-state") == "done"
         and d.find_element(By.ID, "upload-percent").text == "100 %", "the resumed upload to finish")
    shot(driver, "2-resumed-upload-done")
    drain_logs(driver)
    after_sent, after_finished = part_puts(network)
    all_parts = set(range(1, config["partCount"] + 1))
    check(already >= len(before_finished) >= 2, "S3 held at least the %d parts finished before the reload, the page says %d"
          % (len(before_finished), already))
    check(not (after_sent & before_finished), "no finished part was sent again: before %s, after %s"
          % (sorted(before_finished), sorted(after_sent)))
    check(len(after_sent) == config["partCount"] - already, "only the %d missing parts were sent: %s"
          % (config["partCount"] - already, sorted(after_sent)))
    check(after_finished == after_sent and len(after_finished) + already == len(all_parts),
          "every part sent after the reload arrived, and with the held ones they make the whole file")
    check(not js(driver, "return Object.keys(localStorage).filter(k => k.startsWith('lectern.upload.')).length"),
          "the finished upload is forgotten")
    row = wait(driver, 10, lambda d: lectures(d).get("Week 2"), "the resumed lecture in the list")
    check(row["id"] == entry["lectureId"], "the same lecture completed (no second one created)")
    results["resumedLectureId"] = entry["lectureId"]
    return "before reload finished %s; page resumed with %d held; after reload sent %s" % (
        sorted(before_finished), already, sorted(after_sent))


@scenario("failure")
def failed_lecture_retry_and_delete(driver):
    """A file that is not a video fails with a readable reason; Retry queues it again; Delete (pressed twice) removes it."""
    driver.find_element(By.ID, "title").send_keys("Broken")
    driver.find_element(By.ID, "file").send_keys(config["brokenClip"])

    def failed(d):
        row = lectures(d).get("Broken")
        return row if row and row["state"] == "failed" else None
    row = wait(driver, 120, failed, "the broken upload to fail")
    selector = "li.lecture[data-id='%s']" % row["id"]
    reason = wait(driver, 5, lambda d: d.find_element(By.CSS_SELECTOR, selector + " .detail .error").text, "the failure reason")
    check(len(reason) > 10, "the list shows why it failed: %r" % reason)
    shot(driver, "2b-failed-lecture")
    js(driver, "[...document.querySelectorAll(arguments[0] + ' button')].find(b => b.textContent === 'Retry').click()", selector)
    wait(driver, 10, lambda d: "is queued again" in d.find_element(By.ID, "toast").text, "the retry confirmation")
    wait(driver, 120, failed, "the retried lecture to fail again")
    js(driver, "document.querySelector(arguments[0] + ' button.danger').click()", selector)
    check(js(driver, "return document.querySelector(arguments[0] + ' button.danger').textContent", selector) == "Really delete?",
          "the first press only arms Delete")
    js(driver, "document.querySelector(arguments[0] + ' button.danger').click()", selector)
    wait(driver, 10, lambda d: "Broken" not in lectures(d), "the deleted lecture to leave the list")
    return "failed with %r; retried; deleted" % reason[:80]


@scenario("watch")
def student_watches(driver):
    """A student sees the ready lecture with its poster and duration, and the video plays; hovering the seek bar
    shows a storyboard thumbnail."""
    check(results.get("lectureId"), "scenario upload produced a ready lecture")
    sign_out(driver)
    sign_in(driver, config["studentToken"])
    tile = wait(driver, 20, lambda d: d.find_elements(By.CSS_SELECTOR, "li.tile[data-id='%s']" % results["lectureId"]),
                "the lecture's tile on the student's course page")[0]
    wait(driver, 15, lambda d: js(d, "const i = document.querySelector('.tile img'); return i && i.complete && i.naturalWidth > 0"),
         "the poster to load")
    check(tile.find_element(By.CSS_SELECTOR, ".duration").text == "0:30", "the tile shows the duration 0:30")
    shot(driver, "3-student-course")
    tile.find_element(By.TAG_NAME, "a").click()
    video = wait(driver, 15, lambda d: d.find_element(By.ID, "player"), "the player")
    can_hls = js(driver, "return document.createElement('video').canPlayType('application/vnd.apple.mpegurl')")
    source = video.get_attribute("data-source")
    check(source == ("hls" if can_hls else "mp4"), "the player chose %s (canPlayType HLS: %r)" % (source, can_hls))
    js(driver, "window.playRefused = null; document.getElementById('player').play().catch((e) => { window.playRefused = String(e); })")
    try:
        wait(driver, 30, lambda d: js(d, "return document.getElementById('player').currentTime") > 1.5, "currentTime to pass 1.5 s")
    except Failed as error:
        state = js(driver, """const v = document.getElementById('player');
            return { readyState: v.readyState, networkState: v.networkState, paused: v.paused, currentTime: v.currentTime,
                     error: v.error && (v.error.code + ' ' + v.error.message), src: v.currentSrc.slice(0, 120),
                     playRefused: window.playRefused };""")
        raise Failed("%s; the video: %s" % (error, json.dumps(state)))
    current = js(driver, "return document.getElementById('player').currentTime")
    check(js(driver, "return document.getElementById('player').error") is None, "the video has no error")
    href = driver.find_element(By.ID, "download").get_attribute("href")
    check(".mp4" in href and "X-Amz-Signature" in href, "the download link is the presigned MP4")

    seek = driver.find_element(By.ID, "seek")
    width = seek.size["width"]
    duration = float(seek.get_attribute("max"))

    def hover(fraction):
        # Selenium 4 offsets from the element's centre.
        ActionChains(driver).move_to_element_with_offset(seek, int(width * (fraction - 0.5)), 0).perform()
        thumb = wait(driver, 10, lambda d: d.find_element(By.ID, "thumb").is_displayed() and d.find_element(By.ID, "thumb"),
                     "the storyboard thumbnail on hover")
        start = float(thumb.get_attribute("data-cue-start"))
        check(abs(start - fraction * duration) <= 5.5,
              "hovering at %.0f %% of the bar shows the cue of %.1f s, not near %.1f s" % (fraction * 100, start, fraction * duration))
        return start
    first_cue = hover(0.25)
    background = js(driver, "return getComputedStyle(document.querySelector('#thumb .thumb-image')).backgroundImage")
    check("storyboard" in background, "the thumbnail shows the storyboard sprite: %r" % background[:120])
    later_cue = hover(0.7)
    check(later_cue > first_cue, "further along the bar, a later thumbnail")
    shot(driver, "3-student-watch-storyboard")
    drain_logs(driver)
    sprite = [e for e in network if e["method"] == "Network.responseReceived" and "storyboard" in e["params"]["response"]["url"]
              and e["params"]["response"]["mimeType"].startswith("image/")]
    check(sprite and sprite[-1]["params"]["response"]["status"] == 200, "the storyboard sprite loaded from S3")

    # Every request the page made so far (all scenarios): the user's token never travels in a URL; the player's and
    # the storyboard's links carry the playback grant instead.
    requested = [e["params"]["request"]["url"] for e in network if e["method"] == "Network.requestWillBeSent"]
    check(any("/v1/lectures/" in url for url in requested), "the network log shows the page's API requests")
    leaked = [url for url in requested if "access_token" in url]
    check(not leaked, "a request carried access_token: %s" % leaked[:3])
    cues = [url for url in requested if "/storyboard.vtt" in url]
    check(cues and all("grant=" in url for url in cues), "the storyboard cues were fetched with a grant: %s" % cues[:3])
    playlists = [url for url in requested if ".m3u8" in url]
    if source == "hls":
        check(playlists and all("grant=" in url for url in playlists),
              "every playlist request carried a grant: %s" % [url[:160] for url in playlists[:4]])
    return "played %s to %.1f s; hover showed cues at %.0f s and %.0f s; %d requests, none with access_token, %d playlists with a grant" % (
        source, current, first_cue, later_cue, len(requested), len(playlists))


@scenario("phone")
def phone_layout(driver):
    """On a phone-sized window the pages fit the width."""
    driver.set_window_size(390, 844)
    for name in ["course", "watch"]:
        driver.get(config["portal"] + ("#/courses/" + config["course"] if name == "course" else "#/watch/" + results.get("lectureId", "")))
        wait(driver, 10, lambda d: d.find_elements(By.CSS_SELECTOR, "li.tile, #player"), "the %s page" % name)
        overflow = js(driver, "return document.documentElement.scrollWidth - window.innerWidth")
        check(overflow <= 0, "the %s page is %d px wider than the phone" % (name, overflow))
        shot(driver, "4-phone-" + name)
    return "course and watch pages fit 390 px"


PROBE = "lectern-console-probe"


def probe_console(driver):
    """Logs one error on purpose, so the console check is known to see errors (then ignores that one)."""
    js(driver, "console.error(arguments[0])", PROBE)
    drain_logs(driver)


def console_clean():
    if not any(PROBE in e.get("message", "") and e.get("level") == "SEVERE" for e in console):
        results["console"] = {"ok": False, "detail": "the console log is not being read (the probe error is missing)"}
        return
    severe = [e for e in console if e.get("level") == "SEVERE" and PROBE not in e.get("message", "")]
    if severe:
        results["console"] = {"ok": False, "detail": "SEVERE console entries: %s" % json.dumps(severe)[:2000]}
    else:
        results["console"] = {"ok": True, "detail": "%d console entries besides the probe, none SEVERE" % (len(console) - 1)}


def main():
    driver = make_driver()
    try:
        upload_through_page(driver)
        resume_after_reload(driver)
        failed_lecture_retry_and_delete(driver)
        student_watches(driver)
        phone_layout(driver)
        probe_console(driver)
        console_clean()
    finally:
        driver.quit()
        json.dump(results, open(config["results"], "w"), indent=2)


main()
