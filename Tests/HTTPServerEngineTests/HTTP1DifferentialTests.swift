import Foundation
import Testing

@testable import HTTPServerEngine

/// The engine's head parser and chunked decoder against `RFC9112Reference`, an independent reading of the grammar,
/// over many generated inputs, valid and not: both must accept the same inputs and read the same parts from them.
@Suite("HTTP/1.1 parsing agrees with the RFC 9112 grammar") struct HTTP1DifferentialTests {
    /// xorshift: the same inputs on every run.
    struct Generator {
        var state: UInt64
        mutating func next(_ bound: Int) -> Int {
            state ^= state << 13
            state ^= state >> 7
            state ^= state << 17
            return Int(state % UInt64(bound))
        }
        mutating func pick<T>(_ items: [T]) -> T { items[next(items.count)] }
        /// Mostly from `usual`, one time in eight from `odd`: enough valid inputs to compare what is read from them.
        mutating func pick<T>(_ usual: [T], else odd: [T]) -> T { next(8) == 0 ? pick(odd) : pick(usual) }
    }

    static let methods = (["GET", "POST", "get", "M-SEARCH", "PATCH"], ["G(T", "", "GE T", "D\u{0}", "é"])
    static let targets = (
        ["/", "/v1/lectures?x=1&y", "*", "http://h:1/p", "/%zz", "//a/../b", "/a|{}^"], ["/a b", "/\u{7F}", "/é", ""]
    )
    static let versions = (
        ["HTTP/1.1", "HTTP/1.0", "HTTP/2.0"], ["http/1.1", "HTTP/1.10", "HTTP/1", "HTTP/1.1 ", "HTTP/a.1"]
    )
    static let names = (["Host", "X-A", "x_b!#", "Content-Length"], ["", "Bad Name", "A\u{7F}", " Lead", "é"])
    static let values = (
        ["v", "", "  padded  ", "\tt\t", "caf\u{E9}", "a, b", "\"q\""], ["a\u{1}b", "x\u{7F}", "a\rb"]
    )
    static let breaks = (["\r\n"], ["\n", "\r", "\r\r\n"])

    static func generatedHead(_ random: inout Generator) -> [UInt8] {
        var text =
            random.pick(methods.0, else: methods.1) + random.pick([" "], else: ["  ", "\t"])
            + random.pick(targets.0, else: targets.1) + " " + random.pick(versions.0, else: versions.1)
        for _ in 0..<random.next(5) {
            text +=
                random.pick(breaks.0, else: breaks.1) + random.pick(names.0, else: names.1)
                + random.pick([":", ": "], else: [" :", ""]) + random.pick(values.0, else: values.1)
        }
        if random.next(16) == 0 { text += "\r\n" }
        var bytes = Array(text.utf8)
        // Now and then a byte changed outright, to reach what the pieces do not
        if random.next(8) == 0, !bytes.isEmpty { bytes[random.next(bytes.count)] = UInt8(random.next(256)) }
        return bytes
    }

    @Test func headsAreReadAsTheGrammarReadsThem() {
        var random = Generator(state: 0x9E37_79B9_7F4A_7C15)
        var accepted = 0, refused = 0
        for _ in 0..<20_000 {
            let input = Self.generatedHead(&random)
            let engine = Engine.head(input), reference = RFC9112Reference.head(input)
            #expect(engine == reference, "\(String(decoding: input, as: UTF8.self).debugDescription)")
            if reference == nil { refused += 1 } else { accepted += 1 }
            if engine != reference { break }
        }
        // Both kinds were exercised, in numbers
        #expect(accepted > 1_000 && refused > 1_000, "accepted \(accepted), refused \(refused)")
    }

    static let sizeLines = (
        ["5", "05", "0005", "5;a=b", "5 ; a = \"q\\\"\" ;f", "5\t;a", "5;a=\"é\""],
        ["5 ", "5;a=\"x\ry\"", "x", "", "5;a=", "5;=", "5 junk", "5;\"x\"", "fffffffffffffffff", "5;a=b c"]
    )
    static let trailers = (["", "X: y\r\n", "A: 1\r\nB: 2\r\n"], ["Bad line\r\n", "X: a\u{1}\r\n", " F: x\r\n"])

    static func generatedChunked(_ random: inout Generator) -> [UInt8] {
        var text = ""
        for _ in 0..<random.next(4) {
            let size = random.next(4) + 3
            let line = random.pick(sizeLines.0, else: sizeLines.1)
            text += line.replacingOccurrences(of: "5", with: "\(size)") + random.pick(breaks.0, else: breaks.1)
            text +=
                String(repeating: "d", count: random.next(8) == 0 ? random.next(8) : size)
                + random.pick(breaks.0, else: breaks.1)
        }
        text +=
            random.pick(["0", "00", "0;e=1"], else: ["0 "]) + random.pick(breaks.0, else: breaks.1)
            + random.pick(trailers.0, else: trailers.1) + random.pick(breaks.0, else: breaks.1)
        if random.next(3) == 0 { text += "GET /next" }
        var bytes = Array(text.utf8)
        if random.next(8) == 0, !bytes.isEmpty { bytes[random.next(bytes.count)] = UInt8(random.next(256)) }
        if random.next(6) == 0 { bytes.removeLast(random.next(bytes.count + 1)) }
        return bytes
    }

    @Test func chunkedBodiesAreReadAsTheGrammarReadsThemHoweverTheyAreSplit() {
        var random = Generator(state: 0xD1B5_4A32_D192_ED03)
        var outcomes: [String: Int] = [:]
        for _ in 0..<20_000 {
            let input = Self.generatedChunked(&random)
            let split = random.next(input.count + 1)
            let engine = Engine.chunked(input, split: split), reference = RFC9112Reference.chunked(input)
            #expect(
                engine == reference,
                "split at \(split): \(String(decoding: input, as: UTF8.self).debugDescription)"
            )
            switch reference {
            case .complete: outcomes["complete", default: 0] += 1
            case .incomplete: outcomes["incomplete", default: 0] += 1
            case .invalid: outcomes["invalid", default: 0] += 1
            }
            if engine != reference { break }
        }
        #expect(outcomes.values.allSatisfy { $0 > 500 } && outcomes.count == 3, "\(outcomes)")
    }
}
