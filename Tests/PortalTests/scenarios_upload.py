"""The professor's upload scenarios: a multipart upload to ready, a reloaded upload that resumes, a file that is not a
video."""

import re
import time

from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys

from browser_common import (accept_leave_prompt, audit, check, config, drain_logs, expected_console_errors, js, lectures, network, part_put_counts,
                            part_puts, results, scenario, shot, sign_in, wait)


@scenario("upload")
def upload_through_page(driver):
    """A professor uploads the clip (multipart) and sees the bar reach 100 % and the lecture become ready."""
    driver.get(config["portal"])
    wait(driver, 15, lambda d: d.find_element(By.ID, "token"), "the sign-in form")
    audit(driver, "sign-in")
    sign_in(driver, config["professorToken"])
    wait(driver, 10, lambda d: d.find_elements(By.ID, "file"), "the upload form (one course: straight to it)")
    audit(driver, "professor-course")
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

    # Pause once bytes flow: the parts in flight finish, nothing more goes up until Resume, and the bar (sampled every
    # 50 ms in the page from the first byte to well after Resume) never moves back.
    bar = lambda d: int(d.find_element(By.ID, "upload-bar").get_attribute("value") or 0)
    wait(driver, 30, lambda d: bar(d) > 0, "the first bytes to go up")
    # The first sample is taken at once: the click follows within the sampler's first 50 ms.
    js(driver, """window.barSamples = [Number(document.getElementById('upload-bar').value)];
        window.barSampler = setInterval(() => {
        const b = document.getElementById('upload-bar'); if (b) window.barSamples.push(Number(b.value)); }, 50);""")
    driver.find_element(By.ID, "upload-pause").click()
    check(driver.find_element(By.CSS_SELECTOR, ".upload").get_attribute("data-state") in ("pausing", "paused"), "Pause takes effect at once")
    wait(driver, 30, lambda d: d.find_element(By.CSS_SELECTOR, ".upload").get_attribute("data-state") == "paused",
         "the paused state (after the parts in flight finished)")
    paused_at = bar(driver)
    time.sleep(1.5)
    check(bar(driver) == paused_at, "nothing was sent while paused (%d → %d bytes)" % (paused_at, bar(driver)))
    check(driver.find_element(By.ID, "upload-pause").text == "Resume", "the pause button offers Resume")
    shot(driver, "2-upload-paused")
    audit(driver, "upload-in-progress")
    drain_logs(driver)
    _, finished_before_resume = part_puts(network)
    check(finished_before_resume, "the parts in flight at Pause finished rather than being thrown away")
    driver.find_element(By.ID, "upload-pause").click()

    def saved(d):
        entries = js(d, """return Object.keys(localStorage).filter(k => k.startsWith('lectern.upload.'))
                            .map(k => JSON.parse(localStorage.getItem(k)));""")
        return entries[0] if entries and len(entries[0].get("parts", {})) >= 2 else None
    entry = wait(driver, 60, saved, "two finished parts remembered in localStorage")
    time.sleep(0.5)
    samples = js(driver, "clearInterval(window.barSampler); return window.barSamples")
    drops = [(a, b) for a, b in zip(samples, samples[1:]) if b < a]
    check(len(samples) > 10 and not drops, "the bar never moved back over pause and resume (%d samples, drops %s)"
          % (len(samples), drops[:3]))
    drain_logs(driver)
    resent = sorted(n for n, count in part_put_counts(network).items() if count > 1)
    check(not resent, "no part was sent twice across pause and resume (sent again: %s)" % resent)
    check(entry["partCount"] == config["partCount"], "the saved upload has %d parts" % config["partCount"])
    shot(driver, "2-upload-half-way")
    # Leaving mid-upload asks first: the page cancels `beforeunload` (Chrome then shows its own question).
    check(js(driver, "const e = new Event('beforeunload', { cancelable: true }); window.dispatchEvent(e); return e.defaultPrevented"),
          "leaving mid-upload asks first (beforeunload is cancelled)")
    driver.refresh()
    accept_leave_prompt(driver)
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
    check("Week 2" in notice.text, "the notice names the lecture's title, not only the file: %r" % notice.text)
    paused_row = wait(driver, 10, lambda d: d.find_elements(By.CSS_SELECTOR, "li.lecture[data-id='%s'] .badge" % entry["lectureId"]),
                      "the paused lecture's row")[0]
    check(paused_row.text == "Paused — choose the file again to resume", "the row says it is paused: %r" % paused_row.text)
    shot(driver, "2-after-reload-notice")
    check(len(before_finished) < config["partCount"], "the reload came before the last part (%s)" % sorted(before_finished))

    driver.find_element(By.ID, "file").send_keys(config["clip2"])
    status = wait(driver, 15, lambda d: re.search(r"Resuming: (\d+) of (\d+)", d.find_element(By.ID, "upload-status").text),
                  "the resuming message")
    already = int(status.group(1))
    card_title = driver.find_element(By.CSS_SELECTOR, ".upload .upload-title").text
    check(card_title == "Week 2", "the resumed card shows the lecture's title, not the file's name: %r" % card_title)
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
    """Lecture notes are refused before any lecture exists; a file that looks like an MP4 but cannot be decoded fails
    in the worker with a readable reason, announced once, and offers no Retry (it could never succeed); Delete
    (pressed twice) removes it."""
    before = set(lectures(driver))
    driver.find_element(By.ID, "file").send_keys(config["notesFile"])
    refusal = wait(driver, 10, lambda d: d.find_element(By.ID, "upload-refused").text, "the refusal of the notes")
    check("looks like a text document" in refusal and "not a video" in refusal, "the page says what the file is: %r" % refusal)
    check(not driver.find_elements(By.CSS_SELECTOR, ".upload[data-file='week3-notes.txt']"), "no upload started for the notes")
    shot(driver, "2b-notes-refused")
    audit(driver, "upload-refused")
    time.sleep(0.5)
    check(set(lectures(driver)) == before, "no lecture was created for the notes")

    # Noise named .mp4 passes the page's check; the API reads its start at `complete` and refuses it at once: the card
    # says why and offers no Resume, the lecture is failed without Retry.
    expected_console_errors.append(r"/upload/complete - Failed to load resource: the server responded with a status of 422")
    driver.find_element(By.ID, "title").send_keys("Noise")
    driver.find_element(By.ID, "file").send_keys(config["noiseFile"])
    noise_card = ".upload[data-file='week4-noise.mp4']"
    said = wait(driver, 30, lambda d: d.find_element(By.CSS_SELECTOR, noise_card + " .upload-status").text
                if d.find_element(By.CSS_SELECTOR, noise_card).get_attribute("data-state") == "failed" else None, "the API's refusal")
    check(said.startswith("This file is not a video or audio recording"), "the card says why: %r" % said)
    check(not driver.find_element(By.CSS_SELECTOR, noise_card + " .upload-pause").is_displayed(), "a refused file offers no Resume")
    noise = wait(driver, 10, lambda d: (lectures(d).get("Noise") or {}).get("state") == "failed" and lectures(d)["Noise"],
                 "the refused lecture failed in the list")
    noise_row = "li.lecture[data-id='%s']" % noise["id"]
    check(not js(driver, "return document.querySelector(arguments[0] + ' [data-action=retry]')", noise_row), "no Retry for it")
    shot(driver, "2b-noise-refused-by-api")
    driver.find_element(By.CSS_SELECTOR, noise_card + " .upload-cancel").click()  # "Remove": the card goes
    js(driver, "document.querySelector(arguments[0] + ' button.danger').click()", noise_row)
    js(driver, "document.querySelector(arguments[0] + ' button.danger').click()", noise_row)
    wait(driver, 10, lambda d: "Noise" not in lectures(d) and not d.find_elements(By.CSS_SELECTOR, noise_card), "the refused lecture to go")

    # Count what the status region says while the list polls (every 2 s while anything is busy).
    js(driver, """window.announced = []; window.announceWatch = new MutationObserver(() =>
        window.announced.push(document.getElementById('lecture-announcer').textContent));
        window.announceWatch.observe(document.getElementById('lecture-announcer'), { childList: true, characterData: true, subtree: true });
        window.listRenders = 0; window.listWatch = new MutationObserver(() => window.listRenders++);
        window.listWatch.observe(document.getElementById('lectures'), { childList: true });""")
    driver.find_element(By.ID, "title").send_keys("Broken")
    driver.find_element(By.ID, "file").send_keys(config["brokenClip"])

    def failed(d):
        row = lectures(d).get("Broken")
        return row if row and row["state"] == "failed" else None
    row = wait(driver, 120, failed, "the broken upload to fail")
    selector = "li.lecture[data-id='%s']" % row["id"]
    reason = wait(driver, 5, lambda d: d.find_element(By.CSS_SELECTOR, selector + " .detail .error").text, "the failure reason")
    check(len(reason) > 10, "the list shows why it failed: %r" % reason)
    check(not js(driver, "return document.querySelector(arguments[0] + ' [data-action=retry]')", selector),
          "a failure no retry can fix offers no Retry")
    announced = wait(driver, 5, lambda d: js(d, "return window.announced.filter(t => t.includes('Broken'))"), "the announcement")
    renders = js(driver, "return window.listRenders")
    check(any("“Broken” failed" in t for t in announced), "the status region says it failed: %r" % announced)
    every = js(driver, "return window.announced")
    check(renders >= 2 and all(("is ready" in t or "failed" in t or "is being encoded" in t) for t in every)
          and all(a != b for a, b in zip(every, every[1:])),
          "the status region spoke only of changes (%d list renders, announced %r)" % (renders, every))
    check(js(driver, "return document.getElementById('lectures').getAttribute('aria-live')") is None, "the polled list is no live region")
    js(driver, "window.announceWatch.disconnect(); window.listWatch.disconnect()")
    shot(driver, "2b-failed-lecture")
    audit(driver, "lecture-failed")
    js(driver, "document.querySelector(arguments[0] + ' button.danger').click()", selector)
    check(js(driver, "return document.querySelector(arguments[0] + ' button.danger').textContent", selector) == "Really delete?",
          "the first press only arms Delete")
    js(driver, "document.querySelector(arguments[0] + ' button.danger').click()", selector)
    wait(driver, 10, lambda d: "Broken" not in lectures(d), "the deleted lecture to leave the list")
    return "notes refused: %r; failed with %r; no Retry; announced %r; deleted" % (refusal[:60], reason[:80], announced)


SCENARIOS = [("upload", upload_through_page), ("resume", resume_after_reload), ("failure", failed_lecture_retry_and_delete)]
