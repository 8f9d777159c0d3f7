"""Issue #17's notices on the watch page: the professor reads what the transcoder did to the sound; students do not
(the upload scenario's clip is a 440 Hz tone at about -21 LUFS, brought to -16)."""

from selenium.webdriver.common.by import By

from browser_common import audit, check, config, results, scenario, shot, sign_in, sign_out, wait


def notices(driver):
    wait(driver, 15, lambda d: d.find_elements(By.ID, "player"), "the watch page")
    return [p.text for p in driver.find_elements(By.CSS_SELECTOR, "section.watch p.notice")]


@scenario("sound-notice")
def sound_notice(driver):
    """The professor's watch page says "audio −21.x → −16.0 LUFS"; the student's watch page of the same lecture does
    not."""
    check(results.get("lectureId"), "scenario upload produced a ready lecture")
    driver.set_window_size(1280, 900)
    driver.get(config["portal"])
    wait(driver, 15, lambda d: d.find_elements(By.ID, "token") or d.find_element(By.ID, "who").is_displayed(), "the portal")
    if driver.find_element(By.ID, "who").is_displayed():
        sign_out(driver)
    sign_in(driver, config["professorToken"])
    driver.get(config["portal"] + "#/watch/" + results["lectureId"])
    seen = notices(driver)
    loudness = [text for text in seen if text.startswith("audio −") and text.endswith(" → −16.0 LUFS")]
    check(loudness, "the professor sees the loudness correction: %r" % seen)
    shot(driver, "10-professor-sound-notice")
    audit(driver, "watch-professor-notice")
    sign_out(driver)
    sign_in(driver, config["studentToken"])
    driver.get(config["portal"] + "#/watch/" + results["lectureId"])
    student = notices(driver)
    check(not any("LUFS" in text for text in student), "the student sees no loudness notice: %r" % student)
    return "professor: %s; student: %d notices" % (loudness[0], len(student))


SCENARIOS = [("sound-notice", sound_notice)]
