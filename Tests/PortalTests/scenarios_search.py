"""Search across a course (issue #16): a student searches a word the `captions` scenario published in the ready
lecture's captions, sees the lecture with the moment (time, badge, the word marked), and the result opens the watch
page at that moment. An empty answer says so in words."""

from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys

from browser_common import audit, check, config, js, results, scenario, shot, sign_in, sign_out, wait


def search_for(driver, words):
    field = wait(driver, 15, lambda d: d.find_element(By.ID, "course-search-input"), "the course search box")
    field.clear()
    field.send_keys(words, Keys.ENTER)
    return wait(driver, 15, lambda d: (lambda t: t if t and t != "Searching…" else None)(
        d.find_element(By.ID, "course-search-status").text), "the search's count")


@scenario("search")
def course_search(driver):
    """A caption word is found, marked and opens the lecture at its moment; a word nobody said finds nothing."""
    check(results.get("lectureId"), "scenario upload produced a ready lecture")
    if not driver.find_elements(By.ID, "token"):  # the scenario before may have signed out already
        sign_out(driver)
    sign_in(driver, config["studentToken"])
    wait(driver, 20, lambda d: d.find_elements(By.CSS_SELECTOR, "li.tile[data-id='%s']" % results["lectureId"]),
         "the student's course page")
    check(js(driver, "return document.querySelector('[role=search] label')?.textContent") != "", "the search box is labelled")
    words = search_for(driver, "Meister")
    check(words.startswith("1 moment in 1 lecture"), "the count is announced: %r" % words)
    moment = wait(driver, 10, lambda d: d.find_element(By.CSS_SELECTOR, "#course-search-results a.moment"), "a moment")
    check(moment.find_element(By.TAG_NAME, "mark").text.lower() == "meister", "the matched word is marked")
    check(moment.find_element(By.CSS_SELECTOR, ".badge").text == "Captions", "the moment says where it was found")
    check(moment.get_attribute("href").endswith("?t=12"), "the moment links to 0:12: %s" % moment.get_attribute("href"))
    shot(driver, "search-1-results")
    audit(driver, "course-search-results")
    moment.click()
    wait(driver, 20, lambda d: abs((js(d, "return document.getElementById('player')?.currentTime") or 0) - 12) < 1,
         "the watch page at 0:12")
    driver.back()
    none = search_for(driver, "Quantenchromodynamik")
    check(none.startswith("Nothing in this course matches"), "an empty answer says so: %r" % none)
    return "'Meister' found at 0:12 (marked, Captions badge), opened the lecture there; an unknown word: %r" % none


SCENARIOS = [("search", course_search)]
