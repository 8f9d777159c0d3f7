"""Captions on the watch page (issue #14's portal part): a professor adds a Windows-1252 SRT and a German WebVTT (and
sees a broken file's line errors); a student picks either in the captions menu and sees its cues, the choice survives
a reload, "Always show captions" turns them on by default; the transcript follows the video, seeks, searches and
downloads; the caption editor changes a cue's text and timing, saves a new version, and guards unsaved changes.

The fixtures are written by PortalBrowserTests.swift (CaptionFixtures.swift); the texts and times below are theirs.
"""

import os
import time

from selenium.common.exceptions import NoAlertPresentException
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import Select

from browser_common import audit, check, config, expected_console_errors, js, results, scenario, shot, sign_in, sign_out, wait

FRENCH_AT_2S = "Voilà « déjà » l’été, dit-il."
GERMAN_AT_7S = "Die Straße ist schön."


def open_watch(driver):
    target = config["portal"] + "#/watch/" + results["lectureId"]
    # The same address again is not a navigation (no hashchange): reload instead.
    driver.refresh() if driver.current_url == target else driver.get(target)
    wait(driver, 15, lambda d: js(d, "const v = document.getElementById('player'); return v && v.readyState >= 1"),
         "the player's metadata")


def signed_in_as(driver, token):
    if driver.find_elements(By.ID, "sign-out") and driver.find_element(By.ID, "who").is_displayed():
        sign_out(driver)
    sign_in(driver, token)


def at(driver, seconds):
    js(driver, "const v = document.getElementById('player'); v.pause(); v.currentTime = arguments[0];", seconds)
    wait(driver, 5, lambda d: abs(js(d, "return document.getElementById('player').currentTime") - seconds) < 0.2,
         "the video at %.1f s" % seconds)


def showing(driver):
    """The text tracks showing, with their active cues' text: [{label, cues}]."""
    return js(driver, """return [...document.getElementById('player').textTracks].filter(t => t.mode === 'showing')
        .map(t => ({ label: t.label, language: t.language, cues: [...(t.activeCues || [])].map(c => c.text) }));""")


def track_id(driver, language):
    return js(driver, "return document.querySelector('#caption-tracks li[data-language=\"' + arguments[0] + '\"]')?.dataset.trackId", language)


def upload(driver, path, language, label, kind, default):
    driver.find_element(By.ID, "caption-file").send_keys(path)
    for field, value in [("caption-language", language), ("caption-label", label)]:
        element = driver.find_element(By.ID, field)
        element.clear()
        element.send_keys(value)
    Select(driver.find_element(By.ID, "caption-kind")).select_by_value(kind)
    box = driver.find_element(By.ID, "caption-default")
    if box.is_selected() != default:
        box.click()
    driver.find_element(By.ID, "caption-upload-button").click()


@scenario("captions")
def captions_menu(driver):
    check(results.get("lectureId"), "scenario upload produced a ready lecture")
    driver.set_window_size(1366, 900)
    signed_in_as(driver, config["professorToken"])
    open_watch(driver)
    draft = driver.find_element(By.ID, "caption-draft").text
    check("production engine" in draft or "Automatic captions" in draft, "the professor is told about automatic drafts: %r" % draft)

    # A broken file: the API's line errors, readable. (The browser logs its 422 as an error; expected here.)
    expected_console_errors.append("/captions?language=fr&label=Cass%C3%A9")
    upload(driver, config["captionBroken"], "fr", "Cassé", "captions", False)
    wait(driver, 15, lambda d: d.find_element(By.ID, "caption-errors").is_displayed(), "the broken file's line errors")
    errors = driver.find_element(By.ID, "caption-errors").text
    check("Line 5" in errors or "Line" in errors, "the error names a line: %r" % errors)
    shot(driver, "6-caption-upload-errors")

    upload(driver, config["captionSrt"], "fr", "Français", "captions", True)
    wait(driver, 20, lambda d: track_id(d, "fr"), "the French track in the professor's list")
    upload(driver, config["captionVtt"], "de", "Deutsch", "subtitles", False)
    wait(driver, 20, lambda d: track_id(d, "de"), "the German track in the professor's list")
    listed = driver.find_element(By.ID, "caption-tracks").text
    check("Default" in listed and "Français" in listed and "Deutsch" in listed, "both tracks listed, French default: %r" % listed)

    # A student: both selectable; the chosen one shows its cues; the choice survives a reload.
    signed_in_as(driver, config["studentToken"])
    js(driver, "Object.keys(localStorage).filter(k => k.startsWith('lectern.captions.')).forEach(k => localStorage.removeItem(k))")
    open_watch(driver)
    options = js(driver, "return [...document.querySelectorAll('#captions option')].map(o => o.textContent)")
    check(options == ["Captions off", "Français", "Deutsch"], "the captions menu lists off and each track once: %s" % options)
    check(showing(driver) == [], "captions are off by default without the preference: %s" % showing(driver))
    menu = Select(driver.find_element(By.ID, "captions"))
    menu.select_by_visible_text("Français")
    at(driver, 2.0)
    wait(driver, 10, lambda d: [s["cues"] for s in showing(d)] == [[FRENCH_AT_2S]],
         "the French cue at 2 s, decoded from Windows-1252 (showing: %s)" % showing(driver))
    shot(driver, "6-watch-captions-fr")
    audit(driver, "watch-captions-on")
    menu.select_by_visible_text("Deutsch")
    at(driver, 7.0)
    wait(driver, 10, lambda d: [s["cues"] for s in showing(d)] == [[GERMAN_AT_7S]], "the German cue at 7 s (showing: %s)" % showing(driver))
    shot(driver, "6-watch-captions-de")
    driver.refresh()
    wait(driver, 15, lambda d: js(d, "const v = document.getElementById('player'); return v && v.readyState >= 1"), "the player after a reload")
    at(driver, 7.0)
    wait(driver, 10, lambda d: [s["language"] for s in showing(d)] == ["de"], "the German choice remembered (showing: %s)" % showing(driver))

    # The c key: captions off, then back on with the same track.
    js(driver, "document.getElementById('main').focus()")
    ActionChains(driver).send_keys("c").perform()
    wait(driver, 5, lambda d: showing(d) == [], "c to turn captions off")
    ActionChains(driver).send_keys("c").perform()
    wait(driver, 5, lambda d: [s["language"] for s in showing(d)] == ["de"], "c to turn the German captions back on")

    # Off, then "Always show captions": on by default (the default track) on the next visit.
    Select(driver.find_element(By.ID, "captions")).select_by_value("")
    driver.find_element(By.ID, "always-captions").click()
    js(driver, "localStorage.removeItem('lectern.captions.choice.' + arguments[0])", "student-alan")
    driver.refresh()
    wait(driver, 15, lambda d: js(d, "const v = document.getElementById('player'); return v && v.readyState >= 1"), "the player after a reload")
    at(driver, 2.0)
    wait(driver, 10, lambda d: [s["language"] for s in showing(d)] == ["fr"], "captions on by default with the preference (showing: %s)" % showing(driver))
    return "French (Windows-1252 SRT) and German (WebVTT) tracks selectable, cues showing, choice and preference remembered"


@scenario("transcript")
def transcript_panel(driver):
    check(results.get("captions", {}).get("ok"), "scenario captions added the tracks")
    open_watch(driver)
    Select(driver.find_element(By.ID, "captions")).select_by_visible_text("Français")
    wait(driver, 10, lambda d: len(d.find_elements(By.CSS_SELECTOR, "#transcript-cues li")) == 4, "the four French lines")
    at(driver, 11.0)
    wait(driver, 5, lambda d: js(d, "return document.querySelector('#transcript-cues li[aria-current=\"true\"]')?.dataset.start") == "10",
         "the cue of 10–14 s marked current at 11 s")
    check(js(driver, "return document.activeElement.id") != "transcript-cues", "following the video did not move focus")
    driver.find_elements(By.CSS_SELECTOR, "#transcript-cues li button")[1].click()
    wait(driver, 5, lambda d: abs(js(d, "return document.getElementById('player').currentTime") - 5) < 0.2, "a click on the 5 s line to seek there")

    search = driver.find_element(By.ID, "transcript-search")
    search.send_keys("été")
    wait(driver, 5, lambda d: js(d, "return document.getElementById('search-status').textContent") == "1 of 2", "'1 of 2' for été")
    marks = js(driver, "return [...document.querySelectorAll('#transcript-cues mark')].map(m => m.textContent)")
    check(marks == ["été", "été"], "both matches marked: %s" % marks)
    driver.find_element(By.ID, "search-next").click()
    check(js(driver, "return document.getElementById('search-status').textContent") == "2 of 2", "next moves to 2 of 2")
    check(js(driver, "return document.querySelector('#transcript-cues mark.current').closest('li').dataset.start") == "10", "the current match is in the 10 s line")
    driver.find_element(By.ID, "search-previous").click()
    check(js(driver, "return document.getElementById('search-status').textContent") == "1 of 2", "previous moves back to 1 of 2")
    shot(driver, "7-transcript-search")
    audit(driver, "transcript-search")

    # Downloads: the browser saves each file; their contents are read back.
    folder = os.path.join(config["artifacts"], "downloads")
    os.makedirs(folder, exist_ok=True)
    driver.execute_cdp_cmd("Browser.setDownloadBehavior", {"behavior": "allow", "downloadPath": folder})
    names = {}
    for link in driver.find_elements(By.CSS_SELECTOR, "#transcript-downloads a"):
        names[link.get_attribute("data-format")] = link.get_attribute("download")
        link.click()
    check(sorted(names) == ["srt", "txt", "vtt"], "three downloads: %s" % names)

    def saved():
        return all(os.path.exists(os.path.join(folder, name)) for name in names.values())
    wait(driver, 10, lambda d: saved(), "the downloaded files %s" % list(names.values()))
    time.sleep(0.3)
    read = {fmt: open(os.path.join(folder, name), encoding="utf-8").read() for fmt, name in names.items()}
    check(names["vtt"].endswith(".fr.vtt"), "the file is named after the lecture and language: %s" % names["vtt"])
    check(read["vtt"].startswith("WEBVTT") and "00:00:01.000 --> 00:00:04.000" in read["vtt"] and FRENCH_AT_2S in read["vtt"],
          "the WebVTT download: %r" % read["vtt"][:200])
    check(read["srt"].startswith("1\n00:00:01,000 --> 00:00:04,000\n" + FRENCH_AT_2S), "the SRT download: %r" % read["srt"][:200])
    check(read["txt"].splitlines()[0] == FRENCH_AT_2S and "-->" not in read["txt"], "the text download: %r" % read["txt"][:200])
    search.clear()
    return "current cue marked, click seeks, search 1 of 2 → 2 of 2 → 1 of 2, downloads %s" % sorted(names.values())


def dismiss_alert(driver, accept):
    alert = wait(driver, 5, lambda d: _alert(d), "the unsaved-changes question")
    text = alert.text
    alert.accept() if accept else alert.dismiss()
    return text


def _alert(driver):
    try:
        return driver.switch_to.alert
    except NoAlertPresentException:
        return False


def editor_rows(driver):
    return js(driver, """return [...document.querySelectorAll('#editor-cues > li')].map(li => ({
        start: li.querySelector('.cue-start').value, end: li.querySelector('.cue-end').value, text: li.querySelector('textarea').value }));""")


@scenario("caption-editor")
def caption_editor(driver):
    check(results.get("captions", {}).get("ok"), "scenario captions added the tracks")
    signed_in_as(driver, config["professorToken"])
    open_watch(driver)
    wait(driver, 10, lambda d: track_id(d, "de"), "the German track")
    first_version = driver.find_element(By.CSS_SELECTOR, "#caption-tracks li[data-language=de]").get_attribute("data-version")
    driver.find_element(By.CSS_SELECTOR, "#caption-tracks li[data-language=de] button[data-action=edit]").click()
    wait(driver, 10, lambda d: len(editor_rows(d)) == 3, "the editor with the three German cues")

    # Structure: add, split, merge, each undone.
    at(driver, 10.0)
    driver.find_element(By.ID, "editor-add").click()
    check(len(editor_rows(driver)) == 4 and editor_rows(driver)[2]["start"] == "00:00:10.000", "a cue added at 10 s: %s" % editor_rows(driver))
    driver.find_element(By.ID, "editor-undo").click()
    check(len(editor_rows(driver)) == 3, "undo removes it")
    at(driver, 7.0)
    driver.find_element(By.ID, "editor-split").click()
    rows = editor_rows(driver)
    check(len(rows) == 4 and rows[1]["end"] == "00:00:07.000" and rows[2]["start"] == "00:00:07.000", "split at 7 s: %s" % rows)
    driver.find_elements(By.CSS_SELECTOR, "#editor-cues textarea")[1].click()
    driver.find_element(By.ID, "editor-merge").click()
    rows = editor_rows(driver)
    check(len(rows) == 3 and rows[1]["end"] == "00:00:09.000", "merged back: %s" % rows)
    driver.find_element(By.ID, "editor-undo").click()
    driver.find_element(By.ID, "editor-undo").click()
    check(len(editor_rows(driver)) == 3 and editor_rows(driver)[1]["text"] == GERMAN_AT_7S, "undone twice: %s" % editor_rows(driver))

    # The change to keep: cue 1's text, its start nudged +0.2 s and its end −0.1 s with the keys.
    first = driver.find_elements(By.CSS_SELECTOR, "#editor-cues textarea")[0]
    first.click()
    first.send_keys(Keys.END, " (korrigiert)")
    ActionChains(driver).key_down(Keys.ALT).send_keys(Keys.ARROW_RIGHT).send_keys(Keys.ARROW_RIGHT).key_up(Keys.ALT).perform()
    ActionChains(driver).key_down(Keys.ALT).key_down(Keys.SHIFT).send_keys(Keys.ARROW_LEFT).key_up(Keys.SHIFT).key_up(Keys.ALT).perform()
    rows = editor_rows(driver)
    check(rows[0] == {"start": "00:00:01.700", "end": "00:00:04.400", "text": "Grüße aus der Vorlesung. (korrigiert)"},
          "cue 1 edited and nudged: %s" % rows[0])
    shot(driver, "8-caption-editor")
    audit(driver, "caption-editor")

    # Unsaved changes: leaving asks (beforeunload is armed; a hash navigation asks and, refused, stays).
    check(js(driver, "const e = new Event('beforeunload', { cancelable: true }); window.dispatchEvent(e); return e.defaultPrevented"),
          "beforeunload is refused while changes are unsaved")
    js(driver, "location.hash = '#/courses/' + arguments[0]", config["course"])
    question = dismiss_alert(driver, accept=False)
    check("unsaved" in question, "the question says why: %r" % question)
    check(driver.find_elements(By.ID, "caption-editor") and "#/watch/" in driver.current_url, "refusing keeps the editor and its changes")
    # Signing out leaves the page too: the same question; refused, the professor stays signed in with the changes.
    driver.find_element(By.ID, "sign-out").click()
    question = dismiss_alert(driver, accept=False)
    check("unsaved" in question, "Sign out asks about the unsaved captions: %r" % question)
    check(driver.find_element(By.ID, "who").is_displayed() and driver.find_elements(By.ID, "caption-editor")
          and editor_rows(driver)[0]["text"].endswith("(korrigiert)"), "refusing keeps the professor signed in, in the editor, with the changes")

    driver.find_element(By.ID, "editor-save").click()
    wait(driver, 15, lambda d: "Saved as a new version" in d.find_element(By.ID, "editor-status").text,
         "'Saved as a new version' (status: %r)" % driver.find_element(By.ID, "editor-status").text)
    check(not js(driver, "const e = new Event('beforeunload', { cancelable: true }); window.dispatchEvent(e); return e.defaultPrevented"),
          "after saving, leaving is not refused")

    driver.refresh()
    open_watch(driver)
    wait(driver, 10, lambda d: track_id(d, "de"), "the German track after a reload")
    row = driver.find_element(By.CSS_SELECTOR, "#caption-tracks li[data-language=de]")
    check(row.get_attribute("data-version") != first_version and "from the professor" in row.text,
          "the track has a new version (was %s, is %s), a professor track: %r" % (first_version, row.get_attribute("data-version"), row.text))
    driver.find_element(By.CSS_SELECTOR, "#caption-tracks li[data-language=de] button[data-action=edit]").click()
    wait(driver, 10, lambda d: len(editor_rows(d)) == 3, "the editor after a reload")
    rows = editor_rows(driver)
    check(rows[0] == {"start": "00:00:01.700", "end": "00:00:04.400", "text": "Grüße aus der Vorlesung. (korrigiert)"},
          "the saved version has the change: %s" % rows[0])
    Select(driver.find_element(By.ID, "captions")).select_by_visible_text("Deutsch")
    at(driver, 2.0)
    wait(driver, 10, lambda d: [s["cues"] for s in showing(d)] == [["Grüße aus der Vorlesung. (korrigiert)"]],
         "the video shows the corrected cue (showing: %s)" % showing(driver))
    driver.find_element(By.ID, "editor-close").click()
    return "text and timing changed, saved as a new version, shown after a reload; add/split/merge/undo; unsaved-changes guard"


SCENARIOS = [("captions", captions_menu), ("transcript", transcript_panel), ("caption-editor", caption_editor)]
