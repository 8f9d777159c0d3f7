import Foundation
import Testing

@testable import Captions

/// Bytes as real caption tools save them: generated here, never checked-in fixtures.
@Suite struct CaptionDecodingTests {
    static let srtText =
        """
        1\r\n00:00:01,000 --> 00:00:02,500\r\nCafé « naïve » “quoted”\r\n\r\n\
        2\r\n00:00:03,000 --> 00:00:04,000\r\nSecond\r\n
        """

    func parsed(_ data: Data, duration: Double? = 60) throws -> CaptionDocument {
        guard case .parsed(let document) = CaptionParser.parse(data, durationSeconds: duration) else {
            Issue.record("did not parse: \(CaptionParser.parse(data, durationSeconds: duration))")
            throw CancellationError()
        }
        return document
    }

    @Test func srtWithBOMAndCRLF() throws {
        let document = try parsed(Data([0xEF, 0xBB, 0xBF]) + Data(Self.srtText.utf8))
        #expect(document.encoding == .utf8WithBOM)
        #expect(document.sourceFormat == .srt)
        #expect(document.cues.count == 2)
        #expect(document.cues[0].text == "Café « naïve » “quoted”")
        #expect(document.cues[0].startMilliseconds == 1000 && document.cues[0].endMilliseconds == 2500)
        #expect(document.cues[1].line == 6)
        #expect(!document.webVTT().contains("\r"))
    }

    @Test(arguments: [true, false]) func utf16WithMark(littleEndian: Bool) throws {
        var data = Data(littleEndian ? [0xFF, 0xFE] : [0xFE, 0xFF])
        for unit in Self.srtText.utf16 {
            data += littleEndian ? [UInt8(unit & 0xFF), UInt8(unit >> 8)] : [UInt8(unit >> 8), UInt8(unit & 0xFF)]
        }
        let document = try parsed(data)
        #expect(document.encoding == (littleEndian ? .utf16LittleEndian : .utf16BigEndian))
        #expect(document.cues[0].text == "Café « naïve » “quoted”")
    }

    @Test func utf16LittleEndianWithoutMark() throws {
        var data = Data()
        for unit in Self.srtText.utf16 { data += [UInt8(unit & 0xFF), UInt8(unit >> 8)] }
        let document = try parsed(data)
        #expect(document.encoding == .utf16LittleEndian)
        #expect(document.cues.count == 2)
    }

    /// "café", "naïve" and curly quotes 0x93/0x94 as a Windows editor saves them: not valid UTF-8.
    @Test func windows1252() throws {
        var data = Data("1\r\n00:00:01,000 --> 00:00:02,000\r\ncaf".utf8)
        data += [0xE9, 0x20, 0x6E, 0x61, 0xEF, 0x76, 0x65, 0x20, 0x93, 0x6F, 0x6B, 0x94, 0x20, 0x80]
        data += Data("\r\n".utf8)
        let document = try parsed(data)
        #expect(document.encoding == .windows1252)
        #expect(document.cues[0].text == "café naïve “ok” €")
    }

    @Test func binaryIsNotACaptionFile() {
        let outcome = CaptionParser.parse(
            Data([0x00, 0x00, 0x00, 0x18, 0x66, 0x74, 0x79, 0x70, 0x6D, 0x70, 0x34, 0x32, 0x00, 0x01]),
            durationSeconds: 60
        )
        guard case .rejected(let problems, _) = outcome else {
            Issue.record("accepted binary")
            return
        }
        #expect(problems.first?.line == 1)
        #expect(problems.first?.message.contains("not a text file") == true)
    }
}
