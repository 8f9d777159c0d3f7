"""The student's scenarios: the course page and the watch page, on a laptop and on a phone."""

import json

from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import Select

from browser_common import (Failed, audit, check, config, drain_logs, js, network, results, scenario, shot, sign_in,
                            sign_out, wait)


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
    audit(driver, "student-course")
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
    audit(driver, "watch")
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


# The controls a student expects, each with its element id: all must be on screen at 1366×900 without scrolling.
CONTROL_IDS = ["play", "seek", "clock", "mute", "volume", "captions", "speed", "keys-help", "fullscreen", "download"]


def video_time(driver):
    return js(driver, "return document.getElementById('player').currentTime")


def open_watch(driver, lecture_id):
    target = config["portal"] + "#/watch/" + lecture_id
    # The same address again is not a navigation (no hashchange): reload instead.
    driver.refresh() if driver.current_url == target else driver.get(target)
    wait(driver, 15, lambda d: js(d, "const v = document.getElementById('player'); return v && v.readyState >= 1"),
         "the player's metadata")


def press(driver, *keys):
    ActionChains(driver).send_keys(*keys).perform()


@scenario("controls")
def player_controls(driver):
    """One set of controls, all visible at 1366×900; the seek bar's keys move 5 s, PageUp 10 %, Home/End, and say
    where in words; speed is remembered; shortcuts (and not while typing); the help dialog traps and returns focus;
    a reload resumes where the student left off."""
    check(results.get("lectureId"), "scenario upload produced a ready lecture")
    lecture = results["lectureId"]
    driver.set_window_size(1366, 900)
    js(driver, "localStorage.removeItem('lectern.speed')")
    open_watch(driver, lecture)
    check(js(driver, "return document.getElementById('player').hasAttribute('controls')") is False,
          "the video has no native controls (their seek bar overlapped ours)")
    ranges = js(driver, "return [...document.querySelectorAll('input[type=range]')].map(r => r.id)")
    check(ranges == ["seek", "volume"], "one seek bar and the volume: %s" % ranges)
    rects = js(driver, """return Object.fromEntries(arguments[0].map(id => { const e = document.getElementById(id);
        const r = e && e.getBoundingClientRect();
        return [id, r ? [r.top, r.bottom, r.left, r.right, r.width > 0 && r.height > 0] : null]; }));""", CONTROL_IDS)
    size = js(driver, "return [window.innerWidth, window.innerHeight]")
    off = {id: r for id, r in rects.items() if not r or not r[4] or r[0] < 0 or r[1] > size[1] or r[2] < 0 or r[3] > size[0]}
    check(not off, "controls missing or off screen at %dx%d without scrolling: %s" % (size[0], size[1], off))
    shot(driver, "5-watch-controls-1366")

    # The seek bar: 5 s per arrow (was 0.1 s), PageUp/PageDown 10 %, Home/End, aria-valuetext in words.
    js(driver, "const v = document.getElementById('player'); v.pause(); v.currentTime = 10;")
    wait(driver, 5, lambda d: abs(video_time(d) - 10) < 0.3, "the video at 10 s")
    seek = driver.find_element(By.ID, "seek")
    duration = float(js(driver, "return document.getElementById('player').duration"))
    moves = []
    for key, expected in [(Keys.ARROW_RIGHT, 15), (Keys.ARROW_LEFT, 10), (Keys.PAGE_UP, 10 + duration / 10),
                          (Keys.PAGE_DOWN, 10), (Keys.HOME, 0), (Keys.END, duration)]:
        seek.send_keys(key)
        # The last frame may sit a little before the end.
        tolerance = 1.0 if key == Keys.END else 0.3
        try:
            wait(driver, 5, lambda d: abs(video_time(d) - expected) < tolerance, "the seek bar's key to move the video")
        except Failed:
            state = js(driver, """const v = document.getElementById('player'); return { time: v.currentTime, duration: v.duration,
                seeking: v.seeking, ended: v.ended, value: document.getElementById('seek').value, focus: document.activeElement.id }""")
            raise Failed("the seek bar's key %r did not move the video to %.1f s: %s" % (key, expected, state))
        moves.append(round(video_time(driver), 1))
    js(driver, "document.getElementById('player').currentTime = 5")
    wait(driver, 5, lambda d: abs(video_time(d) - 5) < 0.3, "the video at 5 s")
    seek.send_keys(Keys.ARROW_RIGHT)
    wait(driver, 5, lambda d: abs(video_time(d) - 10) < 0.3, "the arrow key to move the video to 10 s")
    wait(driver, 5, lambda d: seek.get_attribute("aria-valuetext") == "10 seconds of 30 seconds",
         "the seek bar to say where in words (it says %r at %.1f s)" % (seek.get_attribute("aria-valuetext"), video_time(driver)))

    # Shortcuts from the page (not while typing in a field).
    js(driver, "document.getElementById('main').focus()")
    press(driver, "k")
    wait(driver, 10, lambda d: js(d, "return !document.getElementById('player').paused"), "k to play")
    press(driver, "k")
    wait(driver, 5, lambda d: js(d, "return document.getElementById('player').paused"), "k to pause")
    before = video_time(driver)
    press(driver, "j")
    wait(driver, 5, lambda d: abs(video_time(d) - max(0, before - 5)) < 0.3, "j to go back 5 s")
    press(driver, "l")
    wait(driver, 5, lambda d: abs(video_time(d) - before) < 0.3, "l to go forward 5 s")
    press(driver, "m")
    check(js(driver, "return document.getElementById('player').muted"), "m mutes")
    press(driver, "m")
    check(not js(driver, "return document.getElementById('player').muted"), "m unmutes")
    search = driver.find_element(By.ID, "transcript-search")
    search.send_keys("kj")
    check(js(driver, "return document.getElementById('player').paused") and abs(video_time(driver) - before) < 0.3,
          "typing k and j in the search field does not play or seek")
    search.clear()

    # The help dialog: ? opens it (modal, focus inside), Escape closes it and focus returns to the opener.
    help_button = driver.find_element(By.ID, "keys-help")
    help_button.click()
    wait(driver, 5, lambda d: js(d, "return document.getElementById('help').open"), "the help dialog to open")
    check(js(driver, "return document.getElementById('help').contains(document.activeElement)"), "focus moved into the dialog")
    rows = js(driver, "return [...document.querySelectorAll('#help tbody tr')].map(r => r.textContent)")
    check(any("Space" in r for r in rows) and any("Full screen" in r for r in rows), "the dialog lists the shortcuts: %s" % rows)
    for _ in range(6):
        press(driver, Keys.TAB)
        check(js(driver, "return document.getElementById('help').contains(document.activeElement)"),
              "Tab keeps focus inside the modal dialog")
    shot(driver, "5-help-dialog")
    audit(driver, "help-dialog")
    press(driver, Keys.ESCAPE)
    wait(driver, 5, lambda d: not js(d, "return document.getElementById('help').open"), "Escape to close the dialog")
    check(js(driver, "return document.activeElement.id") == "keys-help", "focus went back to the keyboard button")
    js(driver, "document.getElementById('main').focus()")
    press(driver, "?")
    wait(driver, 5, lambda d: js(d, "return document.getElementById('help').open"), "? to open the help dialog")
    press(driver, Keys.ESCAPE)

    # Speed, remembered across a reload; the position too (resume where this user left off on this device).
    Select(driver.find_element(By.ID, "speed")).select_by_value("1.5")
    check(js(driver, "return document.getElementById('player').playbackRate") == 1.5, "the video plays at 1.5×")
    js(driver, "const v = document.getElementById('player'); v.currentTime = 12.5; v.pause();")
    wait(driver, 5, lambda d: abs(video_time(d) - 12.5) < 0.3, "the video at 12.5 s")
    driver.refresh()
    wait(driver, 15, lambda d: js(d, "const v = document.getElementById('player'); return v && v.readyState >= 1"), "the player after a reload")
    wait(driver, 5, lambda d: abs(video_time(d) - 12.5) < 0.6, "the video to resume near 12.5 s (it is at %.1f s)" % video_time(driver))
    note = driver.find_element(By.ID, "resume-note")
    check(note.is_displayed() and "0:12" in note.text, "the page says it resumed: %r" % note.text)
    check(driver.find_element(By.ID, "speed").get_attribute("value") == "1.5" and
          js(driver, "return document.getElementById('player').playbackRate") == 1.5, "the speed 1.5× was remembered")
    driver.find_element(By.ID, "start-over").click()
    wait(driver, 5, lambda d: video_time(d) < 0.3, "Start from the beginning")
    Select(driver.find_element(By.ID, "speed")).select_by_value("1")
    return "all %d controls on screen at 1366×900; seek keys moved to %s; shortcuts, help dialog, speed and resume work" % (
        len(CONTROL_IDS), moves)


@scenario("phone")
def phone_layout(driver):
    """On a phone-sized window the pages fit the width; on the watch page the controls wrap and the download and the
    lecture's details are reached by scrolling."""
    driver.set_window_size(390, 844)
    for name in ["course", "watch"]:
        driver.get(config["portal"] + ("#/courses/" + config["course"] if name == "course" else "#/watch/" + results.get("lectureId", "")))
        wait(driver, 10, lambda d: d.find_elements(By.CSS_SELECTOR, "li.tile, #player"), "the %s page" % name)
        overflow = js(driver, "return document.documentElement.scrollWidth - window.innerWidth")
        check(overflow <= 0, "the %s page is %d px wider than the phone" % (name, overflow))
        shot(driver, "4-phone-" + name)
    wrapped = js(driver, """const f = document.querySelector('.controls').getBoundingClientRect();
        return [...document.querySelectorAll('.controls > *')].every(e => { const r = e.getBoundingClientRect();
            return r.width === 0 || (r.left >= f.left - 1 && r.right <= f.right + 1); })""")
    check(wrapped, "every control stays inside the player's width on a phone")
    for target in ["download", "details", "transcript"]:
        js(driver, "document.getElementById(arguments[0]).scrollIntoView()", target)
        reached = js(driver, """const r = document.getElementById(arguments[0]).getBoundingClientRect();
            return r.top >= -1 && r.top < window.innerHeight && r.left >= 0 && r.right <= window.innerWidth + 1""", target)
        check(reached, "the %s is reachable by scrolling on a phone" % target)
    shot(driver, "4-phone-watch-details")
    driver.set_window_size(1280, 900)
    return "course and watch pages fit 390 px; download, details and transcript reachable"


SCENARIOS = [("watch", student_watches), ("controls", player_controls), ("phone", phone_layout)]
