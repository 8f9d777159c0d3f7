"""The lecture life cycle after upload (issue 19): the course's name and settings, the professor's list rows (poster,
duration, date, visibility), editing a lecture, and what students see of drafts and scheduled lectures.

Works on the ready lecture of the upload scenario (results["lectureId"]) and always puts it back as it was: titled
"Week 1", no description, published."""

import datetime

from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys

from browser_common import Failed, audit, check, config, console, drain_logs, js, results, scenario, shot, sign_in, sign_out, wait

COURSE_NAME = "Introduction to Computing"


def api(driver, method, path, token, body=None):
    """Calls the API from the page (same origin), as the portal does; answers {status, body}."""
    return driver.execute_async_script("""
        const [method, path, token, body, done] = arguments;
        const init = { method, headers: { Authorization: 'Bearer ' + token }, cache: 'no-store' };
        if (body !== null) { init.headers['Content-Type'] = 'application/json'; init.body = JSON.stringify(body); }
        fetch(path, init).then(async (r) => done({ status: r.status, body: await r.json().catch(() => null) }))
                         .catch((e) => done({ status: 0, body: String(e) }));""", method, path, token, body)


def signed_in_as(driver, token):
    """Signs out whoever is signed in (if anyone) and signs in with `token`, on a laptop-sized window."""
    driver.set_window_size(1280, 900)
    driver.get(config["portal"])
    wait(driver, 15, lambda d: d.find_elements(By.ID, "token") or d.find_element(By.ID, "who").is_displayed(), "the portal to load")
    if driver.find_element(By.ID, "who").is_displayed():
        sign_out(driver)
    sign_in(driver, token)


def row(driver, lecture_id):
    return driver.find_elements(By.CSS_SELECTOR, "li.lecture[data-id='%s']" % lecture_id)


def forget_expected_404s(driver, lecture_id):
    """The browser logs every 404 answer as a SEVERE console entry; the draft's 404s to the student are this scenario's
    point, so exactly those (network entries for this lecture's URL answered 404) are taken out of the console check."""
    drain_logs(driver)
    expected = [e for e in console if e.get("source") == "network" and ("/v1/lectures/" + lecture_id in e.get("message", "")
                or "/v1/lectures/lec_0000000000000000000000000000draft" in e.get("message", "")) and "404" in e.get("message", "")]
    for entry in expected:
        console.remove(entry)
    return len(expected)


@scenario("course-name")
def course_name(driver):
    """A professor names the course in its settings (keyboard only); the heading shows the name and the code."""
    signed_in_as(driver, config["professorToken"])
    button = wait(driver, 15, lambda d: d.find_element(By.ID, "course-settings"), "the Course settings button")
    button.send_keys(Keys.ENTER)
    name = wait(driver, 5, lambda d: d.find_element(By.ID, "course-name"), "the course settings dialog")
    check(js(driver, "return document.activeElement.id") == "course-name", "focus moves into the dialog, on the name")
    name.clear()
    name.send_keys(COURSE_NAME)
    shot(driver, "5-course-settings")
    audit(driver, "course-settings")
    name.send_keys(Keys.ENTER)
    wait(driver, 10, lambda d: not d.find_elements(By.ID, "course-settings-dialog"), "the dialog to close after saving")
    heading = wait(driver, 10, lambda d: COURSE_NAME in d.find_element(By.ID, "course-heading").text
                   and d.find_element(By.ID, "course-heading"), "the heading to show the course name")
    check(config["course"] in heading.text, "the heading still shows the code: %r" % heading.text)
    check(js(driver, "return document.activeElement.id") == "course-settings", "focus returns to the Course settings button")
    answer = api(driver, "GET", "/v1/courses", config["studentToken"])
    check(answer["status"] == 200 and answer["body"]["courses"][0]["name"] == COURSE_NAME,
          "a student's GET /v1/courses answers the name: %r" % answer)
    return "heading %r" % heading.text


@scenario("list-row")
def list_row(driver):
    """The ready lecture's row: poster thumbnail, duration, upload date in a <time>, state and visibility badges, Edit."""
    check(results.get("lectureId"), "scenario upload produced a ready lecture")
    lecture_id = results["lectureId"]
    if not driver.find_elements(By.ID, "course-settings"):
        signed_in_as(driver, config["professorToken"])
    wait(driver, 15, lambda d: row(d, lecture_id), "the lecture's row")
    wait(driver, 15, lambda d: js(d, "const i = document.querySelector(arguments[0]); return i && i.complete && i.naturalWidth > 0",
                                  "li.lecture[data-id='%s'] .row-poster img" % lecture_id), "the row's poster to load")
    facts = js(driver, """const li = document.querySelector(arguments[0]); const t = li.querySelector('time');
        return { duration: li.querySelector('.row-duration')?.textContent, datetime: t?.getAttribute('datetime'), date: t?.textContent,
                 badges: [...li.querySelectorAll('.badges .badge')].map((b) => b.textContent),
                 edit: li.querySelector('[data-action=edit]')?.textContent };""", "li.lecture[data-id='%s']" % lecture_id)
    check(facts["duration"] and "0:30" in facts["duration"], "the row shows the duration 0:30: %r" % facts)
    check(facts["datetime"] and facts["datetime"].startswith(datetime.date.today().isoformat()[:4]), "the date has a datetime: %r" % facts)
    check(facts["date"] and facts["date"] != facts["datetime"], "the date is written for people: %r" % facts)
    check(facts["badges"] == ["Ready", "Published"], "state and visibility badges: %r" % facts["badges"])
    check(facts["edit"] == "Edit", "the row has an Edit action")
    shot(driver, "5-professor-list-row")
    return "row: %r" % facts


@scenario("edit")
def edit_and_publishing(driver):
    """The professor edits the lecture's words and makes it a draft; the student cannot see it, not even by its link;
    scheduled later it stays hidden, scheduled in the past it shows, with the new words on the tile and watch page."""
    check(results.get("lectureId"), "scenario upload produced a ready lecture")
    lecture_id = results["lectureId"]
    professor, student = config["professorToken"], config["studentToken"]
    try:
        if not driver.find_elements(By.ID, "course-settings"):
            signed_in_as(driver, professor)
        edit = wait(driver, 15, lambda d: row(d, lecture_id)[0].find_element(By.CSS_SELECTOR, "[data-action=edit]"), "the Edit button")
        edit.send_keys(Keys.ENTER)
        title = wait(driver, 5, lambda d: d.find_element(By.ID, "edit-title"), "the edit dialog")
        title.clear()
        title.send_keys("Week 1: Sets and logic")
        driver.find_element(By.ID, "edit-description").send_keys("Slides are on the course page.")
        driver.find_element(By.CSS_SELECTOR, "#edit-visibility input[value=draft]").click()
        shot(driver, "5-lecture-edit")
        audit(driver, "lecture-edit")
        driver.find_element(By.CSS_SELECTOR, "#lecture-edit-dialog button[type=submit]").click()
        wait(driver, 10, lambda d: not d.find_elements(By.ID, "lecture-edit-dialog"), "the edit dialog to close after saving")
        wait(driver, 10, lambda d: js(d, """const li = document.querySelector(arguments[0]);
            return li && li.querySelector('.title strong').textContent === 'Week 1: Sets and logic' && li.dataset.visibility === 'draft'""",
                                      "li.lecture[data-id='%s']" % lecture_id), "the row to show the new title and Draft")

        # The student: not in the course's list, and its direct link shows "not found", not the video.
        sign_out(driver)
        sign_in(driver, student)
        wait(driver, 15, lambda d: d.find_elements(By.CSS_SELECTOR, "li.tile, main p.muted:not(:empty)"), "the student's course page")
        check(COURSE_NAME in driver.find_element(By.TAG_NAME, "h1").text, "the student's course page shows the course name")
        check(not driver.find_elements(By.CSS_SELECTOR, "li.tile[data-id='%s']" % lecture_id), "the draft is not in the student's list")
        driver.get(config["portal"] + "#/watch/" + lecture_id)
        page = wait(driver, 15, lambda d: d.find_elements(By.ID, "watch-not-found"), "the not-found page")[0].text
        check("This lecture isn't available" in page and not driver.find_elements(By.ID, "player"), "the draft's link shows not found: %r" % page)
        # Exactly what a lecture that never existed shows: the page must not give the draft away.
        driver.get(config["portal"] + "#/watch/lec_0000000000000000000000000000draft")
        wait(driver, 15, lambda d: d.find_elements(By.ID, "watch-not-found"), "the not-found page of a made-up id")
        check(driver.find_element(By.ID, "watch-not-found").text == page, "a draft looks exactly like a lecture that does not exist")
        driver.get(config["portal"] + "#/watch/" + lecture_id)
        wait(driver, 15, lambda d: d.find_elements(By.ID, "watch-not-found"), "the not-found page again")
        shot(driver, "5-student-draft-not-found")
        audit(driver, "draft-not-found")

        # Scheduled for later: still hidden. Scheduled in the past: visible, with no job having run.
        later = (datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
        check(api(driver, "PATCH", "/v1/lectures/" + lecture_id, professor, {"visibility": "scheduled", "publishAt": later})["status"] == 200,
              "scheduling for later")
        check(api(driver, "GET", "/v1/lectures/" + lecture_id, student)["status"] == 404, "scheduled for later: 404 to the student")
        earlier = (datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(minutes=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
        check(api(driver, "PATCH", "/v1/lectures/" + lecture_id, professor, {"publishAt": earlier})["status"] == 200, "scheduling in the past")
        driver.get(config["portal"] + "#/courses/" + config["course"])
        tile = wait(driver, 15, lambda d: d.find_elements(By.CSS_SELECTOR, "li.tile[data-id='%s']" % lecture_id), "the tile once due")[0]
        check("Week 1: Sets and logic" in tile.text, "the tile shows the new title: %r" % tile.text)
        tile.find_element(By.TAG_NAME, "a").click()
        wait(driver, 15, lambda d: d.find_elements(By.ID, "player"), "the watch page")
        page = driver.find_element(By.TAG_NAME, "main").text
        check("Week 1: Sets and logic" in page and "Slides are on the course page." in page, "the watch page shows title and description")
        shot(driver, "5-student-watch-edited")
        forget_expected_404s(driver, lecture_id)
        return "edited, hidden as a draft and scheduled for later, shown when due"
    finally:
        restored = api(driver, "PATCH", "/v1/lectures/" + lecture_id, professor,
                       {"title": "Week 1", "description": None, "visibility": "published"})
        if restored["status"] != 200:
            raise Failed("the lecture could not be put back as it was: %r" % restored)


SCENARIOS = [("course-name", course_name), ("list-row", list_row), ("edit", edit_and_publishing)]
