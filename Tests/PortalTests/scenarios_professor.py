"""The professor's course page as a second professor (Grace) sees it: "since your last visit" (the Swift test recorded
a visit of hers two hours before the run, so what this run made ready or failed is new to her), the words for an
encode's stages and its time left (on lectures the Swift test put in a second course: encodes in this stack take
3 s, too short for an estimate), and the course's caption language; then the watch page's not-found page."""

import re

from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import Select

from browser_common import audit, check, config, expected_console_errors, js, results, scenario, shot, wait
from scenarios_lifecycle import api, signed_in_as


def course_page(driver, course):
    driver.get(config["portal"] + "#/courses/" + course)
    wait(driver, 15, lambda d: d.find_elements(By.CSS_SELECTOR, "li.lecture"), "the lecture list of " + course)


def summary_items(driver):
    return js(driver, """return [...document.querySelectorAll('#since-last-visit li')].map(li => ({
        id: li.dataset.id, state: li.dataset.state, text: li.textContent,
        href: li.querySelector('a')?.getAttribute('href') || null, button: !!li.querySelector('button') }));""")


def finished_since_seed(driver, course):
    """Ready and failed lectures of `course` that finished after the seeded visit, from the API itself."""
    answer = api(driver, "GET", "/v1/courses/%s/lectures?limit=100" % course, config["professorToken2"])
    check(answer["status"] == 200, "the list answers: %r" % answer)
    seeded = config["visitSeededAt"]
    # ISO 8601 in UTC from both sides: compared as text after cutting the fraction.
    return {l["id"]: l["state"] for l in answer["body"]["lectures"]
            if l["state"] in ("ready", "failed") and l.get("finishedAt", "")[:19] > seeded[:19]}


@scenario("professor-notifications")
def since_last_visit(driver):
    """One summary on the first load of the visit, naming each lecture ready or failed since the last visit with a
    link (ready) or a button to its row (failed); said once in the status region; dismissed, it stays away."""
    check(results.get("lectureId"), "scenario upload produced a ready lecture")
    signed_in_as(driver, config["professorToken2"])
    course_page(driver, config["course"])
    section = wait(driver, 15, lambda d: d.find_elements(By.ID, "since-last-visit"), "the since-your-last-visit summary")[0]
    expected = finished_since_seed(driver, config["course"])
    items = summary_items(driver)
    check({i["id"]: i["state"] for i in items} == expected, "the summary lists exactly what finished since the last visit: %r, expected %r"
          % (items, expected))
    ready = [i for i in items if i["state"] == "ready"]
    check(results["lectureId"] in {i["id"] for i in ready}, "the upload scenario's lecture is among the ready ones")
    check(all(i["href"] == "#/watch/" + i["id"] for i in ready), "each ready lecture links to its watch page: %r" % ready)
    summary = driver.find_element(By.ID, "since-last-visit-summary").text
    check(re.match(r"%d lectures? ready" % len(ready), summary), "the summary counts them in words: %r" % summary)
    said = driver.find_element(By.ID, "lecture-announcer").get_attribute("textContent")
    check(said.startswith("Since your last visit: %d lecture" % len(ready)), "the status region says it once: %r" % said)
    check(section.get_attribute("aria-live") is None and section.get_attribute("role") is None,
          "the summary itself is no live region (the one-line status says it)")
    shot(driver, "9-professor-since-last-visit")
    audit(driver, "professor-notifications")
    # On a phone the summary wraps inside the page (no sideways scrolling).
    driver.set_window_size(390, 844)
    try:
        widths = wait(driver, 5, lambda d: js(d, "return document.documentElement.scrollWidth <= window.innerWidth && "
                                                 "[document.documentElement.scrollWidth, window.innerWidth]"), "the phone layout without overflow")
        shot(driver, "9-professor-since-last-visit-phone")
    finally:
        driver.set_window_size(1280, 900)

    # Keyboard: the first link is reachable with Tab from the heading's controls, and Dismiss works with Enter.
    link = driver.find_element(By.CSS_SELECTOR, "#since-last-visit a")
    js(driver, "document.getElementById('since-last-visit-dismiss').focus()")
    driver.switch_to.active_element.send_keys(Keys.TAB)
    check(js(driver, "return document.activeElement") == link, "Tab from Dismiss reaches the first lecture's link")
    driver.find_element(By.ID, "since-last-visit-dismiss").send_keys(Keys.ENTER)
    wait(driver, 5, lambda d: not d.find_elements(By.ID, "since-last-visit"), "the summary to go")
    check(js(driver, "return document.activeElement.id") == "list-heading", "focus goes to the lecture list's heading")
    driver.refresh()
    wait(driver, 15, lambda d: d.find_elements(By.CSS_SELECTOR, "#since-last-visit-slot[data-checked]"), "the summary decided on after a reload")
    check(not driver.find_elements(By.ID, "since-last-visit"), "dismissed, the summary stays away for this visit")

    # A failed lecture: its button takes the keyboard to its row, where Retry or Delete is.
    course_page(driver, config["etaCourse"])
    wait(driver, 15, lambda d: d.find_elements(By.CSS_SELECTOR, "#since-last-visit li[data-state=failed]"), "the failed lecture in the summary")
    failed = summary_items(driver)
    check(set(finished_since_seed(driver, config["etaCourse"])) == {i["id"] for i in failed}, "the second course's summary: %r" % failed)
    check(driver.find_element(By.ID, "since-last-visit-summary").text.startswith("1 lecture failed"), "said in words")
    driver.find_element(By.CSS_SELECTOR, "#since-last-visit li[data-state=failed] button").send_keys(Keys.ENTER)
    focused_row = js(driver, "return document.activeElement.closest('li.lecture')?.dataset.id")
    check(focused_row == failed[0]["id"], "the button moved focus into the failed lecture's row (%r)" % focused_row)
    return "%d ready listed with links; fits %d px; failed one reached by keyboard; dismissed for the visit" % (len(ready), widths[1])


@scenario("professor-encoding-words")
def encoding_words(driver):
    """Encoding rows speak a professor's words ("Starting", "Encoding 40 %"), never the worker's ("claimed"), and
    show the time left in words once the estimate holds."""
    if not driver.find_elements(By.CSS_SELECTOR, "li.lecture[data-state=processing]"):
        signed_in_as(driver, config["professorToken2"])
        course_page(driver, config["etaCourse"])
    starting = "li.lecture[data-id='%s'] .detail" % config["startingLectureId"]
    encoding = "li.lecture[data-id='%s'] .detail" % config["encodingLectureId"]
    eta = wait(driver, 15, lambda d: (d.find_elements(By.CSS_SELECTOR, encoding + " .eta") or [None])[0], "the time left")
    eta_text = eta.text
    page = driver.find_element(By.TAG_NAME, "main").text
    check("claimed" not in page.lower() and "null" not in page, "no worker word (or stray null) on the page: %r" % page[:400])
    check(re.fullmatch(r" ?· (about \d+ min left|less than a minute left)", eta_text), "time left in words: %r" % eta_text)
    encoding_text = driver.find_element(By.CSS_SELECTOR, encoding).text
    starting_text = driver.find_element(By.CSS_SELECTOR, starting).text
    check("Encoding 40 %" in encoding_text, "the encoding row: %r" % encoding_text)
    check(starting_text.strip() == "Starting", "the just-claimed row says Starting: %r" % starting_text)
    shot(driver, "9-professor-encoding-words")
    audit(driver, "professor-encoding")
    # Its watch page (staff only: students get not-found) says where it stands in the same words.
    driver.get(config["portal"] + "#/watch/" + config["encodingLectureId"])
    said = wait(driver, 15, lambda d: d.find_element(By.ID, "watch-not-ready").text, "the not-ready watch page")
    check(said.startswith("This lecture is being prepared (Encoding 40 %)"), "the encoding lecture's watch page: %r" % said)
    driver.get(config["portal"] + "#/watch/" + config["failedLectureId"])
    said = wait(driver, 15, lambda d: d.find_element(By.ID, "watch-not-ready").text, "the failed lecture's watch page")
    check(said.startswith("This lecture could not be prepared: This file is not a video"), "the failed lecture's watch page: %r" % said)
    driver.get(config["portal"] + "#/courses/" + config["etaCourse"])
    wait(driver, 15, lambda d: d.find_elements(By.CSS_SELECTOR, "li.lecture"), "back on the course page")
    return "%r; %r; %r" % (starting_text.strip(), encoding_text.strip(), eta_text.strip())


@scenario("caption-language")
def caption_language(driver):
    """The course settings have a labelled choice of the lectures' language; saved, the API holds it (the worker then
    names it to Transcribe: CourseCaptionLanguageTests)."""
    if not driver.find_elements(By.ID, "course-settings"):
        signed_in_as(driver, config["professorToken2"])
        course_page(driver, config["etaCourse"])
    driver.find_element(By.ID, "course-settings").send_keys(Keys.ENTER)
    select = wait(driver, 5, lambda d: d.find_element(By.ID, "course-caption-language"), "the caption language field")
    label = js(driver, "return document.querySelector('label[for=course-caption-language]')?.textContent")
    check(label == "Language of the lectures", "the field has a visible label: %r" % label)
    Select(select).select_by_value("fr-FR")
    audit(driver, "course-settings-language")
    driver.find_element(By.CSS_SELECTOR, "#course-settings-dialog button[type=submit]").click()
    wait(driver, 10, lambda d: not d.find_elements(By.ID, "course-settings-dialog"), "the dialog to close after saving")
    courses = api(driver, "GET", "/v1/courses", config["professorToken2"])["body"]["courses"]
    saved = {c["id"]: c.get("captionLanguage") for c in courses}
    check(saved.get(config["etaCourse"]) == "fr-FR", "the course's caption language was saved: %r" % saved)
    driver.find_element(By.ID, "course-settings").send_keys(Keys.ENTER)
    select = wait(driver, 5, lambda d: d.find_element(By.ID, "course-caption-language"), "the field again")
    check(Select(select).first_selected_option.get_attribute("value") == "fr-FR", "the dialog shows the saved language")
    Select(select).select_by_value("")
    driver.find_element(By.CSS_SELECTOR, "#course-settings-dialog button[type=submit]").click()
    wait(driver, 10, lambda d: not d.find_elements(By.ID, "course-settings-dialog"), "the dialog to close")
    courses = api(driver, "GET", "/v1/courses", config["professorToken2"])["body"]["courses"]
    check(not {c["id"]: c.get("captionLanguage") for c in courses}.get(config["etaCourse"]), "choosing 'Recognise it' removes it")
    return "saved fr-FR, shown again, removed"


@scenario("watch-not-found")
def watch_not_found(driver):
    """A link to a lecture that does not exist, or that is no lecture id at all, shows a page that says so in words,
    with focus on its heading and a way back to the course (a student's draft link shows the same: scenario edit)."""
    expected_console_errors.append(r"/v1/lectures/lec_doesnotexist - Failed to load resource: the server responded with a status of 404")
    signed_in_as(driver, config["studentToken"])
    texts = []
    for target in ["lec_doesnotexist", "not a lecture!", "..%2F..%2Fv1%2Fcourses"]:
        driver.get(config["portal"] + "#/watch/" + target)
        wait(driver, 15, lambda d: d.find_elements(By.ID, "watch-not-found"), "the not-found page for %r" % target)
        heading = driver.find_element(By.ID, "not-found-heading")
        check(heading.text == "This lecture isn't available", "the heading: %r" % heading.text)
        check(js(driver, "return document.activeElement.id") == "not-found-heading", "focus is on the heading for %r" % target)
        back = driver.find_element(By.ID, "not-found-back")
        check(back.get_attribute("href").endswith("#/courses/" + config["course"]), "a link back to the course: %r" % back.get_attribute("href"))
        check(target not in driver.find_element(By.TAG_NAME, "main").text, "the page does not echo the raw id")
        texts.append(driver.find_element(By.ID, "watch-not-found").text)
        if target == "lec_doesnotexist":
            shot(driver, "9-watch-not-found")
            audit(driver, "watch-not-found")
    check(len(set(texts)) == 1, "every bad link shows the same page: %r" % texts)
    # The student's page of a ready lecture has no stray "undefined" where a professor's caption tools would be.
    driver.get(config["portal"] + "#/watch/" + results["lectureId"])
    wait(driver, 15, lambda d: d.find_elements(By.ID, "player"), "the student's watch page")
    check("undefined" not in driver.find_element(By.TAG_NAME, "main").text, "no stray 'undefined' on the student's watch page")
    driver.get(config["portal"] + "#/watch/lec_doesnotexist")
    back = wait(driver, 15, lambda d: d.find_element(By.ID, "not-found-back"), "the not-found page again")
    back.click()
    wait(driver, 15, lambda d: "#/courses/" in d.current_url and d.find_elements(By.TAG_NAME, "h1"), "the course page from the link")
    return "same page for a missing, a malformed and a path-like id; focus on the heading; link back works"


SCENARIOS = [("professor-notifications", since_last_visit), ("professor-encoding-words", encoding_words),
             ("caption-language", caption_language), ("watch-not-found", watch_not_found)]
