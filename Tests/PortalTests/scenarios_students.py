"""The student's course page (issue 19): lectures grouped by week under h3 headings, "New" since the previous visit,
and watched / partly watched markers kept on the server, so a second browser (another device) shows the same.

Uses a student of its own ("Grace", `markersStudentToken`), whose activity nothing else touched: the Swift side seeded
one old visit for her (2020), so her first page load here starts a new visit and the shared ready lecture
(results["lectureId"]) is new to her. Leaves the main browser signed in as Grace."""

from selenium.webdriver.common.by import By

from browser_common import audit, check, config, js, make_driver, results, scenario, shot, sign_in, wait
from scenarios_lifecycle import signed_in_as


def tile_of(driver, lecture_id):
    return wait(driver, 20, lambda d: d.find_elements(By.CSS_SELECTOR, "li.tile[data-id='%s']" % lecture_id),
                "the lecture's tile on the course page")[0]


def marker_text(driver, lecture_id):
    return js(driver, "const t = document.querySelector(arguments[0]); return t ? t.textContent : null;",
              "li.tile[data-id='%s'] .watch-state" % lecture_id)


def server_progress(driver, lecture_id):
    """Grace's progress on the lecture as the server has it (the page's own token), or None."""
    return driver.execute_async_script("""
        const [course, id, done] = arguments;
        fetch('/v1/courses/' + course + '/activity', { headers: { Authorization: 'Bearer ' + localStorage.getItem('lectern.token') } })
          .then((r) => r.json()).then((a) => done(a.lectures[id] || null)).catch(() => done(null));""", config["course"], lecture_id)


def play_until(driver, seconds):
    js(driver, "document.getElementById('player').play().catch(() => {})")
    wait(driver, 30, lambda d: js(d, "return document.getElementById('player').currentTime") > seconds,
         "the video to pass %.0f s" % seconds)
    js(driver, "document.getElementById('player').pause()")


def date_rules(driver):
    """The page's own rules on made-up lectures (the test stack has one ready lecture, so one week): newest week
    first, newest first within a week, weeks starting on Monday; and "New" asks when a lecture appeared (ready, and its
    publishAt passed), not when it was uploaded."""
    got = driver.execute_async_script("""
        const done = arguments[arguments.length - 1];
        import(new URL('view-student.js', document.querySelector('script[type=module]').src).href).then((m) => {
          const l = (id, createdAt, extra) => Object.assign({ id, createdAt }, extra || {});
          const weeks = m.groupByWeek([l('mon', '2026-11-02T09:00:00'), l('sun', '2026-11-08T20:00:00'),
                                       l('next', '2026-11-09T09:00:00'), l('sched', '2026-10-01T09:00:00', { publishAt: '2026-11-04T12:00:00' })]);
          const appeared = m.appearedAt(l('late', '2026-11-02T09:00:00', { finishedAt: '2026-11-02T11:00:00' })).toISOString();
          done({ weeks: weeks.map((w) => w.lectures.map((x) => x.id)), appeared });
        }).catch((e) => done({ error: String(e) }));""")
    check(got.get("weeks") == [["next"], ["sun", "sched", "mon"]],
          "weeks newest first, Monday to Sunday, newest first within, a scheduled lecture by its publishAt: %r" % got)
    check(got.get("appeared") == js(driver, "return new Date('2026-11-02T11:00:00').toISOString()"),
          "a lecture uploaded before a visit but ready after it appeared when it became ready: %r" % got)


@scenario("student-markers")
def student_markers(driver):
    """Week heading and list semantics, "New", partly watched after a few seconds and the same in a second browser
    (which also resumes where the first one stopped), then "Watched" after the end; phone width without overflow."""
    lecture_id = results.get("lectureId")
    check(lecture_id, "scenario upload produced a ready lecture")
    signed_in_as(driver, config["markersStudentToken"])
    tile = tile_of(driver, lecture_id)
    date_rules(driver)
    # Grouping: the tile is an item of a list under a "Week of …" h3 (screen readers navigate by heading).
    week = js(driver, """const li = document.querySelector(arguments[0]); const section = li.closest('section.week');
        return { heading: section && section.querySelector('h3').textContent, list: li.parentElement.tagName,
                 labelled: section && document.getElementById(section.getAttribute('aria-labelledby')) !== null };""",
              "li.tile[data-id='%s']" % lecture_id)
    check(week["heading"] and week["heading"].startswith("Week of "), "the tile sits under a 'Week of …' heading: %r" % week)
    check(week["list"] == "UL" and week["labelled"], "the week is a labelled section with a list: %r" % week)
    badge = tile.find_elements(By.CSS_SELECTOR, ".new-badge")
    check(badge and badge[0].text == "New", "the lecture is marked 'New' (in words) since Grace's previous visit")
    check(marker_text(driver, lecture_id) is None, "no watched marker before Grace played anything")
    shot(driver, "students-1-new")
    audit(driver, "student-course-new")

    # Play a few seconds and pause: the pause reports the position to the server.
    tile.find_element(By.TAG_NAME, "a").click()
    wait(driver, 15, lambda d: d.find_element(By.ID, "player"), "the player")
    play_until(driver, 3)
    stopped_at = js(driver, "return document.getElementById('player').currentTime")
    wait(driver, 10, lambda d: (server_progress(d, lecture_id) or {}).get("position", 0) > 2, "the pause to be reported")
    driver.back()
    tile = tile_of(driver, lecture_id)
    wait(driver, 10, lambda d: (marker_text(d, lecture_id) or "").endswith("min left"), "the partly watched marker")
    check(tile.find_elements(By.CSS_SELECTOR, ".new-badge"), "a reload within the visit keeps the 'New' marker")
    bar = tile.find_element(By.CSS_SELECTOR, "progress")
    check((bar.get_attribute("aria-label") or "").endswith("% watched"), "the progress bar has an accessible text")
    shot(driver, "students-2-partly")
    audit(driver, "student-course-partly")

    # A second browser (another device): same markers, and the watch page resumes where the first one paused.
    other = make_driver()
    try:
        sign_in(other, config["markersStudentToken"])
        tile_of(other, lecture_id)
        wait(other, 10, lambda d: (marker_text(d, lecture_id) or "").endswith("min left"), "the marker in the second browser")
        shot(other, "students-3-second-browser")
        audit(other, "student-course-second-browser")
        tile_of(other, lecture_id).find_element(By.TAG_NAME, "a").click()
        note = wait(other, 15, lambda d: d.find_element(By.ID, "resume-note").is_displayed() and d.find_element(By.ID, "resume-note"),
                    "the resume note in the second browser")
        resumed = js(other, "return document.getElementById('player').currentTime")
        check(abs(resumed - stopped_at) < 1.5, "the second browser resumed at %.1f s, the first paused at %.1f s" % (resumed, stopped_at))
        check(note.text.startswith("Resumed at"), "the note says where it resumed: %r" % note.text)
    finally:
        other.quit()

    # To the end: "Watched".
    tile_of(driver, lecture_id).find_element(By.TAG_NAME, "a").click()
    wait(driver, 15, lambda d: d.find_element(By.ID, "player"), "the player")
    # Seeking before the metadata is in sets currentTime from a NaN duration and the video never ends.
    wait(driver, 15, lambda d: js(d, "return document.getElementById('player').readyState >= 1"), "the video's metadata")
    js(driver, "const v = document.getElementById('player'); v.currentTime = Math.max(0, v.duration - 2); v.play().catch(() => {})")
    wait(driver, 20, lambda d: js(d, "return document.getElementById('player').ended"), "the video to end")
    wait(driver, 10, lambda d: (server_progress(d, lecture_id) or {}).get("completed"), "the end to be reported")
    driver.back()
    wait(driver, 10, lambda d: marker_text(d, lecture_id) == "Watched", "the Watched marker")
    shot(driver, "students-4-watched")
    audit(driver, "student-course-watched")

    # Phone: the weeks and markers fit.
    driver.set_window_size(390, 844)
    tile_of(driver, lecture_id)
    overflow = js(driver, "return document.documentElement.scrollWidth - window.innerWidth")
    check(overflow <= 0, "the course page is %d px wider than the phone" % overflow)
    shot(driver, "students-5-phone")
    driver.set_window_size(1280, 900)
    return "week heading, New, partly watched in two browsers with resume, Watched, phone fit"


SCENARIOS = [("student-markers", student_markers)]
