import ArgumentParser
import Foundation

/// A length of time on the command line: `500ms`, `5s`, `2m`, `12h`, `1d`, or a bare number of seconds.
struct DevDuration: ExpressibleByArgument, Sendable, Equatable, CustomStringConvertible {
    let seconds: Double

    init(seconds: Double) { self.seconds = seconds }

    init?(argument: String) {
        let text = argument.trimmingCharacters(in: .whitespaces).lowercased()
        let units: [(suffix: String, scale: Double)] = [
            ("ms", 0.001), ("s", 1), ("m", 60), ("h", 3_600), ("d", 86_400),
        ]
        var number = Substring(text), scale = 1.0
        for unit in units where text.hasSuffix(unit.suffix) {
            number = text.dropLast(unit.suffix.count)
            scale = unit.scale
            break
        }
        guard let value = Double(number), value.isFinite, value >= 0 else { return nil }
        seconds = value * scale
    }

    var duration: Duration { .milliseconds(Int64((seconds * 1_000).rounded())) }
    var description: String { seconds == seconds.rounded() ? "\(Int(seconds))s" : "\(seconds)s" }
}
