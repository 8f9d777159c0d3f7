"""The student's scenarios: the course page and the watch page, on a laptop and on a phone."""

import json

from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By

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


SCENARIOS = [("watch", student_watches), ("phone", phone_layout)]
