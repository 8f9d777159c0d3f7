// A course of synthetic lectures through one course search index, the way the worker and the API use it.
// Usage: SearchBenchmark [lectures=100] [--hours 1.0] [--queries 2000]
// Prints index build time per lecture-hour of captions (4 s cues, ~2.5 words/s, the pace of a lecture), the index
// file size, and query latency p50/p99 over one- and two-word queries drawn like the text (common words included,
// which match most lectures: the worst case for ranking and snippets). No peer: FTS5 itself is the engine.
import Foundation
import SearchIndex

var lectureCount = 100
var hours = 1.0
var queryCount = 2_000
var arguments = CommandLine.arguments.dropFirst()
while let argument = arguments.popFirst() {
    switch argument {
    case "--hours": hours = Double(arguments.popFirst() ?? "") ?? hours
    case "--queries": queryCount = Int(arguments.popFirst() ?? "") ?? queryCount
    default: lectureCount = Int(argument) ?? lectureCount
    }
}

/// A deterministic generator, so every run indexes the same course.
struct SplitMix: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

var random = SplitMix(state: 16)
let syllables = ["ka", "lo", "mi", "te", "ra", "su", "no", "vi", "pe", "da", "ché", "zu", "ly", "fo", "gre", "bä"]
/// 5,000 words; drawn with a Zipf-like skew (index = n^2 of a uniform), as words are in speech.
let vocabulary: [String] = (0..<5_000).map { _ in
    (0..<Int.random(in: 2...4, using: &random)).map { _ in syllables.randomElement(using: &random)! }.joined()
}
@MainActor func word() -> String {
    let u = Double.random(in: 0..<1, using: &random)
    return vocabulary[Int(u * u * Double(vocabulary.count - 1))]
}

let cuesPerLecture = Int(hours * 3600 / 4)
let directory = FileManager.default.temporaryDirectory.appendingPathComponent("search-bench-\(UUID().uuidString)")
try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
defer { try? FileManager.default.removeItem(at: directory) }
let path = directory.appendingPathComponent("course.sqlite").path
let index = try CourseSearchIndex(path: path)

var buildSeconds = 0.0
let clock = ContinuousClock()
for n in 0..<lectureCount {
    let lecture = String(format: "lec_%05d", n)
    let documents = (0..<cuesPerLecture).map { cue in
        SearchDocument(
            lectureId: lecture,
            kind: .caption,
            source: "cap_en",
            start: Double(cue) * 4,
            end: Double(cue) * 4 + 4,
            text: (0..<10).map { _ in word() }.joined(separator: " ")
        )
    }
    let elapsed = try clock.measure { try index.replaceLecture(lecture, with: documents) }
    buildSeconds += Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
}
let size = (try FileManager.default.attributesOfItem(atPath: path)[.size] as? NSNumber)?.intValue ?? 0

let visible = Set((0..<lectureCount).map { String(format: "lec_%05d", $0) })
var latencies: [Double] = []
var hitsTotal = 0
for n in 0..<queryCount {
    let text = n % 2 == 0 ? word() : "\(word()) \(word())"
    guard let query = SearchQuery(text) else { continue }
    // Half the queries as a student (visible-lecture filter), half as staff.
    let started = clock.now
    let page = try index.search(query, visibleLectures: n % 4 < 2 ? visible : nil)
    let elapsed = clock.now - started
    latencies.append(Double(elapsed.components.seconds) * 1000 + Double(elapsed.components.attoseconds) / 1e15)
    hitsTotal += page.hits.count
}
latencies.sort()
@MainActor func percentile(_ p: Double) -> Double {
    latencies[min(latencies.count - 1, Int(Double(latencies.count) * p))]
}
let lectureHours = Double(lectureCount) * hours
print(
    String(
        format: "lectures %d × %.2f h (%d cues each), index %.1f MB",
        lectureCount,
        hours,
        cuesPerLecture,
        Double(size) / 1e6
    )
)
print(String(format: "build: %.3f s per lecture-hour (%.1f s in all)", buildSeconds / lectureHours, buildSeconds))
print(
    String(
        format: "query: p50 %.2f ms, p99 %.2f ms over %d queries (mean %.1f lectures per first page)",
        percentile(0.50),
        percentile(0.99),
        latencies.count,
        Double(hitsTotal) / Double(max(1, latencies.count))
    )
)
