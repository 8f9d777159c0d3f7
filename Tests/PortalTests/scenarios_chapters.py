"""Slide chapters on the watch page (issue #16): the chapter list under the player, ticks on the seek bar, a chapter
opened by keyboard, the current chapter followed with aria-current, and a link to a moment (`?t=`).

The ready lecture of the `upload` scenario is a generated clip, not a slide deck, so its manifest is given a `slides`
section here (boto3 against moto) exactly as the slides contract says the worker writes it (chapters.vtt, thumbnails
under slides/, items with start/end/title/text), and put back afterwards. This exercises the API's slide view and the
portal against the contract; the worker's own detection and OCR are tested in TranscoderTests (SlideOutputTests) and
LecternWorkerTests.
"""

import json

import boto3
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys

from browser_common import audit, check, config, js, results, scenario, shot, sign_in, sign_out, wait

SLIDES = [(0.0, 10.0, "Mean value theorem"), (10.0, 20.0, ""), (20.0, 30.0, "Rolle's theorem")]


def s3_and_prefix():
    env = config["aws"]
    options = dict(endpoint_url=env["AWS_ENDPOINT_URL"], region_name=env["AWS_REGION"],
                   aws_access_key_id=env["AWS_ACCESS_KEY_ID"], aws_secret_access_key=env["AWS_SECRET_ACCESS_KEY"])
    dynamo = boto3.client("dynamodb", **options)
    item = dynamo.get_item(TableName=config["table"], Key={"lectureId": {"S": results["lectureId"]}})["Item"]
    return boto3.client("s3", **options), item["publishedPrefix"]["S"]


def vtt_time(seconds):
    return "%02d:%02d:%06.3f" % (seconds // 3600, (seconds % 3600) // 60, seconds % 60)


@scenario("chapters")
def chapters(driver):
    """A student sees the slides as chapters, jumps to one by keyboard, and a `?t=` link opens the lecture there."""
    check(results.get("lectureId"), "scenario upload produced a ready lecture")
    s3, prefix = s3_and_prefix()
    bucket = config["bucket"]
    original = s3.get_object(Bucket=bucket, Key=prefix + "manifest.json")["Body"].read()
    manifest = json.loads(original)
    poster = s3.get_object(Bucket=bucket, Key=prefix + manifest["poster"])["Body"].read()
    cues = ["WEBVTT", ""]
    items = []
    for index, (start, end, title) in enumerate(SLIDES):
        thumbnail = "slides/%03d.jpg" % (index + 1)
        s3.put_object(Bucket=bucket, Key=prefix + thumbnail, Body=poster, ContentType="image/jpeg")
        cues += [vtt_time(start) + " --> " + vtt_time(end), title or "Slide %d" % (index + 1), ""]
        items.append({"start": start, "end": end, "title": title, "text": title, "thumbnail": thumbnail})
    s3.put_object(Bucket=bucket, Key=prefix + "chapters.vtt", Body="\n".join(cues).encode(), ContentType="text/vtt")
    manifest["slides"] = {"status": "detected", "chapters": "chapters.vtt", "items": items}
    s3.put_object(Bucket=bucket, Key=prefix + "manifest.json", Body=json.dumps(manifest).encode(),
                  ContentType="application/json")
    try:
        if not driver.find_elements(By.ID, "token"):  # the scenario before may have signed out already
            sign_out(driver)
        sign_in(driver, config["studentToken"])
        driver.get(driver.current_url.split("#")[0] + "#/watch/" + results["lectureId"])
        rows = wait(driver, 20, lambda d: d.find_elements(By.CSS_SELECTOR, "#chapter-list button.chapter"), "the chapter list")
        titles = [row.find_element(By.CSS_SELECTOR, ".chapter-title").text for row in rows]
        check(titles == ["Mean value theorem", "Slide 2", "Rolle's theorem"], "chapter titles, 'Slide N' when empty: %r" % titles)
        wait(driver, 15, lambda d: js(d, "const i = document.querySelector('#chapter-list img'); return i && i.complete && i.naturalWidth > 0"),
             "a chapter thumbnail to load")
        marks = js(driver, "return [...document.querySelectorAll('#chapter-marks span')].map((s) => s.style.left)")
        check(marks == ["33.3333%", "66.6667%"] or [m[:4] for m in marks] == ["33.3", "66.6"], "two ticks on the seek bar (where slides 2 and 3 start): %r" % marks)
        wait(driver, 15, lambda d: js(d, "return document.getElementById('player').readyState >= 1"), "the video's metadata")
        # Keyboard: Tab to the third chapter's button and press Enter.
        rows[2].send_keys(Keys.ENTER)
        wait(driver, 10, lambda d: abs(js(d, "return document.getElementById('player').currentTime") - 20) < 1.5,
             "the video to jump to 0:20")
        js(driver, "document.getElementById('player').pause()")
        wait(driver, 10, lambda d: js(d, "return document.querySelector('#chapter-list li[aria-current] .chapter-title')?.textContent")
             == "Rolle's theorem", "aria-current on the third chapter")
        shot(driver, "chapters-1-list")
        audit(driver, "watch-chapters")

        # A link to a moment, as a search result makes: the page opens there (not where the student left off).
        driver.get(driver.current_url.split("#")[0] + "#/")
        driver.get(driver.current_url.split("#")[0] + "#/watch/" + results["lectureId"] + "?t=12")
        wait(driver, 15, lambda d: d.find_elements(By.ID, "chapter-list"), "the watch page from a ?t= link")
        wait(driver, 15, lambda d: abs((js(d, "return document.getElementById('player').currentTime") or 0) - 12) < 1,
             "the video at 0:12 from ?t=12")
        wait(driver, 10, lambda d: js(d, "return document.querySelector('#chapter-list li[aria-current] .chapter-title')?.textContent")
             == "Slide 2", "aria-current on the chapter playing at 0:12")
        shot(driver, "chapters-2-link")
        return "chapters %r, 2 ticks; Enter jumped to 0:20 with aria-current; ?t=12 opened at 0:12" % titles
    finally:
        s3.put_object(Bucket=bucket, Key=prefix + "manifest.json", Body=original, ContentType="application/json")
SCENARIOS = [("chapters", chapters)]
