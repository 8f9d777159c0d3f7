import Foundation
import Transcoder

// MARK: Slides on vs off (issue #16): `TranscodeBenchmark [seconds] --slides`

/// A 1080p30 deck as lectures are: a text slide every `seconds / 6` s (DejaVu Sans titles and body lines), the
/// speaker's camera in a corner window, a tone.
func deckClip(seconds: Int) -> String {
    let source = work + "/deck-v2-1080p30-\(seconds)s.mp4"
    if FileManager.default.fileExists(atPath: source) { return source }
    print("Generating \(seconds) s 1080p30 slide deck…")
    let filter = deckSlides(seconds: seconds) + "[slide];[1:v]scale=384:216[pip];[slide][pip]overlay=x=1496:y=824[v]"
    renderLectureClip(filter: filter, seconds: seconds, preset: "veryfast", to: source)
    return source
}

/// The deck's slides drawn on input 0 (a filter chain without its output label): six slides of `seconds / 6` s.
func deckSlides(seconds: Int) -> String {
    let font = "fontfile=/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
    let count = 6
    let length = Double(seconds) / Double(count)
    // Distinct titles and body lines of different lengths: slides that differ only in a digit are one slide to
    // the detector (under 5 % of its grid changes), as a slide number in a footer should be.
    let titles = ["Limits", "Derivatives and rates", "Mean value theorem", "Integration", "Series", "Summary"]
    let body = ["Definition and notation", "A worked example on the board", "Why the hypothesis matters", "Exercises"]
    var text: [String] = []
    for index in 0..<count {
        let enable = "enable='between(t,\(Double(index) * length),\(Double(index + 1) * length - 0.001))'"
        text.append("drawtext=\(font):text='\(titles[index])':fontsize=72:x=160:y=120:\(enable)")
        for line in 0...(index % 4) {
            text.append(
                "drawtext=\(font):text='\(body[(index + line) % 4])':fontsize=40:x=180:y=\(320 + line * 90):\(enable)"
            )
        }
    }
    return "[0:v]" + text.joined(separator: ",")
}

/// Lectern on the deck with slide detection and OCR off, then on (each in its own child process; the child reads
/// `LECTERN_SLIDES`). OCR runs on its own thread at nice 10, so on a busy machine the ladder should not notice it:
/// compare the wall times (CPU grows by what OCR costs).
func slidesRows(seconds: Int) {
    let source = deckClip(seconds: seconds)
    print("slides off vs on, \(seconds) s 1080p30 deck, 6 slides (load average before: \(loadAverage()))")
    print("slides     wall s     cpu s   peak MiB   slides found")
    for enabled in [false, true] {
        setenv("LECTERN_SLIDES", enabled ? "1" : "0", 1)
        let (usage, manifest) = runLectern(source: source, output: work + "/lectern-slides")
        let found = manifest.slides.map { "\($0.items.count) (\($0.status.rawValue))" } ?? "-"
        print(
            (enabled ? "on    " : "off   ")
                + String(format: "%10.2f %9.2f %10.1f   ", usage.wall, usage.cpu, usage.peakRSSMiB) + found
        )
        fflush(nil)
    }
    unsetenv("LECTERN_SLIDES")
    print("(load average after: \(loadAverage()))")
}
