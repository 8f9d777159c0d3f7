"""Watching a lecture while it encodes (issue #15): the watch page plays a lecture whose first parts are encoded, says
how far it can be watched, keeps the seek bar within it and hands over to the finished stream once it is ready; the
professor's list shows the parts.

The lecture is put into the playable-while-encoding state here, with boto3 against moto, by writing the record's
`split` and the chunk files exactly as the chunk contract says the worker does (Sources/LecternCore/LectureSplit.swift):
the chunks are cut from the ready lecture the `upload` scenario produced (its segments, init segments and playlists),
so no new encode is needed. This exercises the portal and the API against the contract; the worker's own chunking is
tested in LecternWorkerTests.
"""

import math
import time

import boto3
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys

from browser_common import Failed, audit, check, config, js, results, scenario, shot, sign_in, sign_out, wait


def clients():
    env = config["aws"]
    options = dict(endpoint_url=env["AWS_ENDPOINT_URL"], region_name=env["AWS_REGION"],
                   aws_access_key_id=env["AWS_ACCESS_KEY_ID"], aws_secret_access_key=env["AWS_SECRET_ACCESS_KEY"])
    return boto3.client("s3", **options), boto3.client("dynamodb", **options)


def segments(text):
    """A media playlist's segments as [(tags, uri, duration)]."""
    found, tags = [], []
    for line in text.splitlines():
        line = line.strip()
        if line.startswith("#EXTINF:"):
            tags.append(line)
        elif line and not line.startswith("#"):
            duration = float(tags[0][8:].split(",")[0]) if tags else 0.0
            found.append((tags, line, duration))
            tags = []
    return found


class Lecture:
    """The growing lecture's record and files, laid out from the ready lecture's published outputs."""

    def __init__(self):
        self.s3, self.dynamo = clients()
        self.bucket, self.table = config["bucket"], config["table"]
        ready = self.item(results["lectureId"])
        self.published = ready["publishedPrefix"]["S"]
        self.id = config["growingLectureId"]
        self.version = self.item(self.id)["jobVersion"]["S"]
        self.prefix = "renditions/%s/%s/" % (self.id, self.version)
        import json
        self.manifest = json.loads(self.get(self.published + "manifest.json"))
        self.rungs = [video["name"] for video in self.manifest["video"]]
        self.lists = {rung: segments(self.get(self.published + "video/%s/playlist.m3u8" % rung)) for rung in self.rungs}
        # Three parts on segment boundaries (the ready lecture is 30 s: 5 segments of 6 s, parts of 3, 1 and 1). Part 0
        # has 3 segments because Chromium 156's native HLS player fails a playlist without an end that lists fewer
        # (DEMUXER_ERROR_COULD_NOT_PARSE; seen with 2, not with 3); production parts are minutes long.
        count = len(self.lists[self.rungs[0]])
        check(count >= 5, "the ready lecture has %d segments; the parts need five" % count)
        middle = 3 + (count - 3) // 2
        self.groups = [list(range(0, 3)), list(range(3, middle)), list(range(middle, count))]
        durations = [duration for _, _, duration in self.lists[self.rungs[0]]]
        self.chunks, start = [], 0.0
        for group in self.groups:
            end = start + sum(durations[i] for i in group)
            self.chunks.append((start, end))
            start = end
        self.target = max(1, math.ceil(max(durations)))

    def item(self, lecture_id):
        return self.dynamo.get_item(TableName=self.table, Key={"lectureId": {"S": lecture_id}}, ConsistentRead=True)["Item"]

    def get(self, key):
        return self.s3.get_object(Bucket=self.bucket, Key=key)["Body"].read().decode()

    def copy(self, source, key):
        self.s3.copy_object(Bucket=self.bucket, Key=key, CopySource={"Bucket": self.bucket, "Key": source})

    def chunk_prefix(self, index):
        return self.prefix + "chunks/%03d/" % index

    def upload_chunk(self, index):
        """Part `index` as a chunk worker writes it: segments at their published names, the init segment, the part's
        own playlist and (part 0) its manifest and poster under the chunk's prefix."""
        for rung in self.rungs:
            entries = [self.lists[rung][i] for i in self.groups[index]]
            for _, uri, _ in entries:
                self.copy(self.published + "video/%s/%s" % (rung, uri), self.prefix + "video/%s/%s" % (rung, uri))
            self.copy(self.published + "video/%s/init.mp4" % rung, self.chunk_prefix(index) + "video/%s/init.mp4" % rung)
            lines = ["#EXTM3U", "#EXT-X-VERSION:7", "#EXT-X-TARGETDURATION:%d" % self.target,
                     "#EXT-X-MEDIA-SEQUENCE:%d" % self.groups[index][0], "#EXT-X-PLAYLIST-TYPE:VOD",
                     "#EXT-X-INDEPENDENT-SEGMENTS", '#EXT-X-MAP:URI="init.mp4"']
            for tags, uri, _ in entries:
                lines += tags + [uri]
            lines.append("#EXT-X-ENDLIST")
            self.s3.put_object(Bucket=self.bucket, Key=self.chunk_prefix(index) + "video/%s/playlist.m3u8" % rung,
                               Body="\n".join(lines).encode() + b"\n")
        self.copy(self.published + "manifest.json", self.chunk_prefix(index) + "manifest.json")
        if index == 0:
            self.copy(self.published + "poster.jpg", self.chunk_prefix(0) + "poster.jpg")

    def upload_audio(self):
        """The one audio chunk: the published audio rendition itself, and its manifest under chunks/audio/."""
        listing = self.s3.list_objects_v2(Bucket=self.bucket, Prefix=self.published + "audio/")
        for entry in listing.get("Contents", []):
            self.copy(entry["Key"], self.prefix + entry["Key"][len(self.published):])
        self.copy(self.published + "manifest.json", self.prefix + "chunks/audio/manifest.json")

    def set_split(self, done, audio_done):
        """The record's `split` as LectureRecord encodes it: a map; chunks a list of maps, each with its `done` flag and
        attempts (a lease only while a worker holds the part); the sound's part the same."""
        item = self.item(self.id)
        item["split"] = {"M": {
            "outputVersion": {"S": self.version},
            "chunks": {"L": [
                {"M": {
                    "start": {"N": repr(start)}, "end": {"N": repr(end)},
                    "done": {"BOOL": index in done}, "attempts": {"N": "1"},
                }}
                for index, (start, end) in enumerate(self.chunks)
            ]},
            "audio": {"M": {"done": {"BOOL": audio_done}, "attempts": {"N": "1"}}},
            "timestampOffset": {"N": "0"},
        }}
        item["durationSeconds"] = {"N": repr(self.chunks[-1][1])}
        self.dynamo.put_item(TableName=self.table, Item=item)

    def publish(self):
        """The stitch's publish: the whole lecture's files under the version's prefix, then the record ready."""
        listing = self.s3.list_objects_v2(Bucket=self.bucket, Prefix=self.published)
        for entry in listing.get("Contents", []):
            relative = entry["Key"][len(self.published):]
            if not relative.startswith("audio/"):
                self.copy(entry["Key"], self.prefix + relative)
        item = self.item(self.id)
        item["state"] = {"S": "ready"}
        item["publishedPrefix"] = {"S": self.prefix}
        item["publishedVersion"] = {"S": self.version}
        item["finishedAt"] = {"S": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}
        for name in ["workerId", "leaseExpiresAt", "progressPercent", "progressStage"]:
            item.pop(name, None)
        self.dynamo.put_item(TableName=self.table, Item=item)


def clock(seconds):
    whole = int(seconds)
    return "%d:%02d" % (whole // 60, whole % 60)


@scenario("growing")
def watch_while_encoding(driver):
    """Part 1 of 3 and the sound are done: the professor's list says so, the watch page plays and says how far; part 2
    finishes while watching and the words follow; then the lecture is published and the page plays the finished
    stream from where it was."""
    check(results.get("lectureId"), "scenario upload produced a ready lecture")
    lecture = Lecture()
    lecture.upload_audio()
    lecture.upload_chunk(0)
    lecture.upload_chunk(2)  # a part after a gap: not playable until part 2 is done
    lecture.set_split({0, 2}, False)  # the sound not yet: nothing playable
    first_end = lecture.chunks[0][1]

    sign_out(driver)
    sign_in(driver, config["growingProfessorToken"])
    driver.get(config["portal"] + "#/courses/" + config["growingCourse"])
    row = "li.lecture[data-id='%s']" % lecture.id
    wait(driver, 20, lambda d: [p.text for p in d.find_elements(By.CSS_SELECTOR, row + " .parts")] == ["· 2 of 3 parts"],
         "the parts on the lecture's row, nothing playable yet")
    check(not driver.find_elements(By.CSS_SELECTOR, row + " [data-action=watch]"), "no Watch button before it is playable")
    # The sound is done: the page's announcer says the lecture can be watched (once), the row how far.
    lecture.set_split({0, 2}, True)
    wait(driver, 15, lambda d: d.find_element(By.ID, "lecture-announcer").get_attribute("textContent")
         == "“Week 7 (long seminar)” can be watched while it encodes.", "the announcement that it can be watched")
    parts = wait(driver, 20, lambda d: d.find_elements(By.CSS_SELECTOR, row + " .parts"), "the parts on the lecture's row")[0]
    check(parts.text == "· 2 of 3 parts, playable up to %s" % clock(first_end), "the row says %r" % parts.text)
    check(driver.find_elements(By.CSS_SELECTOR, row + " [data-action=watch]"), "a playable lecture has a Watch button")
    shot(driver, "growing-1-professor-list")
    failing = audit(driver, "growing-professor-list")

    driver.find_element(By.CSS_SELECTOR, row + " [data-action=watch]").click()
    status = wait(driver, 20, lambda d: d.find_element(By.ID, "encoding-status"), "the encoding status")
    check(status.get_attribute("role") == "status", "the status line is a polite live region")
    check(status.text == "Still encoding — you can watch up to %s" % clock(first_end), "the status says %r" % status.text)
    video = driver.find_element(By.ID, "player")
    check(video.get_attribute("data-source") == "hls", "the growing stream plays over HLS")
    js(driver, "window.playRefused = null; document.getElementById('player').play().catch((e) => { window.playRefused = String(e); })")
    try:
        wait(driver, 30, lambda d: js(d, "return document.getElementById('player').currentTime") > 1.5, "currentTime to pass 1.5 s")
    except Failed as error:
        state = js(driver, """const v = document.getElementById('player');
            return { readyState: v.readyState, paused: v.paused, currentTime: v.currentTime, duration: String(v.duration),
                     error: v.error && (v.error.code + ' ' + v.error.message), playRefused: window.playRefused };""")
        # What the player was given, to tell a playlist problem from a media one.
        playlists = driver.execute_async_script("""const done = arguments[arguments.length - 1];
            (async () => {
              const master = await (await fetch(document.getElementById('player').currentSrc)).text();
              const lines = master.split('\\n').filter((l) => l && !l.startsWith('#'));
              const media = await Promise.all(lines.slice(0, 3).map(async (l) =>
                (await (await fetch(new URL(l, document.getElementById('player').currentSrc))).text()).slice(0, 700)));
              done({ master, media });
            })().catch((e) => done({ error: String(e) }));""")
        raise Failed("%s; the video: %s; the playlists: %s" % (error, state, playlists))
    check(driver.find_element(By.ID, "playable-bar").is_displayed(), "the seek bar shows how far it can seek")
    seek = driver.find_element(By.ID, "seek")
    check("playable up to" in seek.get_attribute("aria-valuetext"), "the seek bar says how far: %r" % seek.get_attribute("aria-valuetext"))
    # End goes as far as is encoded, not to the lecture's end.
    seek.send_keys(Keys.END)
    at = js(driver, "return document.getElementById('player').currentTime")
    check(at <= first_end + 0.01, "End went to %.1f s, past the encoded %.1f s" % (at, first_end))
    shot(driver, "growing-2-watch-encoding")
    failing += audit(driver, "growing-watch")
    js(driver, "document.getElementById('player').currentTime = 2")

    # Part 2 finishes: the status follows at the next poll (every 10 s), once.
    lecture.upload_chunk(1)
    lecture.set_split({0, 1, 2}, True)
    wait(driver, 25, lambda d: d.find_element(By.ID, "encoding-status").text.endswith(clock(lecture.chunks[-1][1])),
         "the status to say the whole lecture can be watched")

    # The stitch publishes: the page plays the finished stream from where it was (paused here, so "where" holds still
    # until the next poll notices).
    js(driver, "document.getElementById('player').pause()")
    before = js(driver, "return document.getElementById('player').currentTime")
    lecture.publish()
    wait(driver, 25, lambda d: not d.find_elements(By.ID, "encoding-status") and d.find_elements(By.ID, "download"),
         "the finished stream (the status gone, the MP4 download offered)")
    wait(driver, 15, lambda d: js(d, "return document.getElementById('player').readyState") >= 1, "the finished stream's metadata")
    after = js(driver, "return document.getElementById('player').currentTime")
    wait(driver, 10, lambda d: abs(js(d, "return document.getElementById('player').currentTime") - before) < 0.5,
         "the finished stream at %.1f s, where the growing one was" % before)
    after = js(driver, "return document.getElementById('player').currentTime")
    check(not driver.find_element(By.ID, "playable-bar").is_displayed(), "no seek limit once ready")
    shot(driver, "growing-3-watch-ready")
    failing += audit(driver, "growing-watch-ready")
    check(not failing, "axe: %s" % failing)
    sign_out(driver)
    return "2 of 3 parts shown, played to %.1f s, handed over to the finished stream at %.1f s" % (before, after)


SCENARIOS = [("growing", watch_while_encoding)]
