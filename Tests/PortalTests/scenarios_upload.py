"""The professor's upload scenarios: a multipart upload to ready, a reloaded upload that resumes, a file that is not a
video."""

import re
import time

from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys

from browser_common import (audit, check, config, drain_logs, js, lectures, network, part_puts, results, scenario,
                            shot, sign_in, wait)


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
    audit(driver, "upload-in-progress")
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
    audit(driver, "lecture-failed")
    js(driver, "[...document.querySelectorAll(arguments[0] + ' button')].find(b => b.textContent === 'Retry').click()", selector)
    wait(driver, 10, lambda d: "is queued again" in d.find_element(By.ID, "toast").text, "the retry confirmation")
    wait(driver, 120, failed, "the retried lecture to fail again")
    js(driver, "document.querySelector(arguments[0] + ' button.danger').click()", selector)
    check(js(driver, "return document.querySelector(arguments[0] + ' button.danger').textContent", selector) == "Really delete?",
          "the first press only arms Delete")
    js(driver, "document.querySelector(arguments[0] + ' button.danger').click()", selector)
    wait(driver, 10, lambda d: "Broken" not in lectures(d), "the deleted lecture to leave the list")
    return "failed with %r; retried; deleted" % reason[:80]


SCENARIOS = [("upload", upload_through_page), ("resume", resume_after_reload), ("failure", failed_lecture_retry_and_delete)]
