import Foundation
import Testing

@testable import Captions

@Suite struct CueTextSanitizerTests {
    @Test(arguments: [
        ("<script>alert(1)</script>Hi", "Hi"),
        ("<img src=x onerror=alert(1)>pic", "pic"),
        ("<b onclick=\"steal()\">bold</b>", "<b>bold</b>"),
        ("&lt;b&gt; stays escaped", "&lt;b&gt; stays escaped"),
        ("a < b && c > d", "a &lt; b &amp;&amp; c &gt; d"),
        ("<i>x</i><u>y</u><ruby>漢<rt>kan</rt></ruby>", "<i>x</i><u>y</u><ruby>漢<rt>kan</rt></ruby>"),
        ("<v Dr \"Smith\" onclick=x>Hello</v>", "<v Dr Smith onclickx>Hello</v>"),
        ("<lang en-GB>colour</lang>", "<lang en-GB>colour</lang>"),
        ("<c.red.x\"y>t</c>", "<c.red.x>t</c>"),
        ("karaoke <00:00:01.500>now <00:00:99.000>bad", "karaoke <00:00:01.500>now bad"),
        ("<a href=\"javascript:x\">link</a>", "link"),
        ("<style>p{}</style><iframe src=x></iframe>text", "text"),
        ("&#233; &#xE9; &nbsp; &bogus; &", "&#233; &#xE9; &nbsp; &amp;bogus; &amp;"),
        ("<SCRIPT>x</SCRIPT>ok", "ok"),
        ("--> arrow", "--&gt; arrow"),
    ])
    func sanitizes(input: String, expected: String) {
        #expect(CueTextSanitizer.sanitize(input) == expected)
    }

    /// Random bytes never crash the parser; whatever it accepts, it writes as WebVTT that parses back to the same cues.
    @Test func randomInputNeverCrashesAndOutputReparses() {
        var generator = SplitMix(seed: 0xC0FFEE)
        let pieces = [
            "WEBVTT\n\n", "1\n", "00:00:01.000 --> 00:00:02.000", "00:00:01,000 --> 00:00:03,000", "\n", "\r\n", "\n\n",
            "<b>", "</b>", "<script>", "&", "<", ">", "-->", "NOTE x", "STYLE\n::cue{}", "é", "\u{FEFF}", "<v A>",
            "{\\an8}",
        ]
        var accepted = 0
        for round in 0..<3000 {
            var data = Data()
            switch round % 3 {
            case 0:
                for _ in 0..<Int(generator.next() % 40) {
                    data += Data(pieces[Int(generator.next() % UInt64(pieces.count))].utf8)
                }
            case 1:
                // A well-formed skeleton whose cue text is made of hostile pieces.
                data += Data((round % 2 == 0 ? "WEBVTT\n\n" : "").utf8)
                for cue in 0..<Int(1 + generator.next() % 4) {
                    let start = cue * 2 + Int(generator.next() % 2)
                    data += Data("\(cue + 1)\n00:00:0\(start),000 --> 00:00:0\(start + 1),500\n".utf8)
                    for _ in 0..<Int(1 + generator.next() % 8) {
                        data += Data(pieces[Int(generator.next() % UInt64(pieces.count))].utf8)
                    }
                    data += Data("x\n\n".utf8)
                }
            default:
                for _ in 0..<Int(generator.next() % 200) { data.append(UInt8(truncatingIfNeeded: generator.next())) }
            }
            guard case .parsed(let document) = CaptionParser.parse(data, durationSeconds: 30) else { continue }
            accepted += 1
            guard case .parsed(let again) = CaptionParser.parse(Data(document.webVTT().utf8), durationSeconds: 30)
            else {
                Issue.record("own output rejected for input \(Array(data))")
                continue
            }
            #expect(again.cues.map(\.text) == document.cues.map(\.text))
            #expect(again.cues.map(\.startMilliseconds) == document.cues.map(\.startMilliseconds))
            #expect(again.webVTT() == document.webVTT())
        }
        #expect(accepted > 50, "the generator must produce parseable files too, or the round trip is not exercised")
    }
}

struct SplitMix {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
