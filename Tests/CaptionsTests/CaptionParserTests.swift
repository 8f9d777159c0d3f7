import Foundation
import Testing

@testable import Captions

@Suite struct CaptionParserTests {
    func problems(_ text: String, duration: Double? = 60) -> [CaptionProblem] {
        guard case .rejected(let problems, _) = CaptionParser.parse(Data(text.utf8), durationSeconds: duration) else {
            return []
        }
        return problems
    }

    @Test func webVTTKeepsStyleRegionAndCueSettingsAndSkipsNotes() throws {
        let text = """
            WEBVTT - lecture 3

            NOTE written by hand
            over two lines

            STYLE
            ::cue(.loud) { color: yellow; }

            REGION
            id:left width:40% lines:3 regionanchor:0%,100% viewportanchor:10%,90% scroll:up evil:<x>

            intro
            00:01.000 --> 00:00:02.000 align:start line:0 position:10% region:left onclick:alert
            <v.loud Prof>Hello</v> & <c.yellow>welcome</c>

            NOTE between cues

            00:00:03.000 --> 00:00:04.000
            Second
            """
        guard case .parsed(let document) = CaptionParser.parse(Data(text.utf8), durationSeconds: 10) else {
            Issue.record("rejected")
            return
        }
        #expect(
            document.headerBlocks == [
                "STYLE\n::cue(.loud) { color: yellow; }",
                "REGION\nid:left\nwidth:40%\nlines:3\nregionanchor:0%,100%\nviewportanchor:10%,90%\nscroll:up",
            ]
        )
        #expect(document.cues.count == 2)
        #expect(document.cues[0].identifier == "intro")
        #expect(document.cues[0].settings == "align:start line:0 position:10% region:left")
        #expect(document.cues[0].text == "<v.loud Prof>Hello</v> &amp; <c.yellow>welcome</c>")
        #expect(document.cues[0].startMilliseconds == 1000)
        // What we write parses back to the same document.
        guard case .parsed(let again) = CaptionParser.parse(Data(document.webVTT().utf8), durationSeconds: 10) else {
            Issue.record("own output rejected")
            return
        }
        #expect(
            again.cues
                == document.cues.enumerated().map { index, cue in
                    var cue = cue
                    cue.line = again.cues[index].line
                    return cue
                }
        )
        #expect(again.headerBlocks == document.headerBlocks)
    }

    @Test func notACaptionFile() {
        let found = problems("Hello professor,\nhere are my notes.\n")
        #expect(found.count == 1)
        #expect(found[0].line == 1)
        #expect(found[0].message.contains("neither WebVTT nor SRT"))
    }

    @Test func endBeforeStartWithLine() {
        let found = problems("WEBVTT\n\n00:00:05.000 --> 00:00:04.000\nBackwards\n")
        #expect(
            found == [CaptionProblem(line: 3, message: "This cue ends (00:00:04.000) before it starts (00:00:05.000).")]
        )
    }

    @Test func pastTheLecturesEnd() {
        let found = problems(
            "1\n00:00:01,000 --> 00:00:02,000\nfine\n\n2\n00:00:09,000 --> 00:00:11,000\ntoo late\n",
            duration: 10
        )
        #expect(found.count == 1)
        #expect(found[0].line == 6)
        #expect(found[0].message.contains("after the lecture's end at 00:00:10.000"))
    }

    @Test func withinTheEndTolerance() {
        #expect(problems("WEBVTT\n\n00:00:09.000 --> 00:00:10.400\nlast words\n", duration: 10).isEmpty)
    }

    @Test func malformedTimestamps() {
        let found = problems(
            """
            WEBVTT\n\n00:00:01.000 --> 00:00:02.000\nok\n\n00:00:03,000 --> 00:00:04.000\ncomma\n\n\
            00:00:05.000 --> 00:61:00.000\nbad minutes\n
            """
        )
        #expect(found.map(\.line) == [6, 9])
        #expect(found[0].message.contains("\"00:00:03,000\" is not a timestamp"))
        #expect(found[1].message.contains("\"00:61:00.000\""))
    }

    @Test func emptyCue() {
        let found = problems(
            """
            1\n00:00:01,000 --> 00:00:02,000\n<i></i>\n\n2\n00:00:03,000 --> 00:00:04,000\n\n\
            3\n00:00:05,000 --> 00:00:06,000\nok\n
            """
        )
        #expect(found.map(\.line) == [2, 6])
        #expect(found.allSatisfy { $0.message.contains("no text") })
    }

    @Test func everyProblemIsReportedInLineOrder() {
        let found = problems(
            "WEBVTT\n\n00:00:02.000 --> 00:00:01.000\na\n\nnot a cue\n\n00:00:03.000 --> 00:00:04.000\n"
        )
        #expect(found.map(\.line) == [3, 6, 8])
    }

    @Test func srtLenientTimestampsAndOverrideCodes() {
        guard
            case .parsed(let document) = CaptionParser.parse(
                Data("1\n0:00:01.5 --> 0:00:02,25\n{\\an8}<font color=\"red\">Top</font> <i>it</i>\n".utf8),
                durationSeconds: 60
            )
        else {
            Issue.record("rejected")
            return
        }
        #expect(document.cues[0].startMilliseconds == 1500)
        #expect(document.cues[0].endMilliseconds == 2250)
        #expect(document.cues[0].text == "Top <i>it</i>")
        #expect(document.webVTT() == "WEBVTT\n\n00:00:01.500 --> 00:00:02.250\nTop <i>it</i>\n\n")
    }

    @Test func noCues() {
        #expect(problems("WEBVTT\n\nNOTE nothing yet\n").map(\.line) == [1])
    }
}
