import Foundation
import LecternCore
import Testing

@Suite struct ContainerSnifferTests {
    /// `count` pseudo-random bytes (xorshift), different for each seed.
    static func noise(_ count: Int, seed: UInt64) -> [UInt8] {
        var state = seed | 0x9E37_79B9_0000_0000
        return (0..<count).map { _ in
            state ^= state << 13
            state ^= state >> 7
            state ^= state << 17
            return UInt8(truncatingIfNeeded: state)
        }
    }

    static func ascii(_ text: String) -> [UInt8] { Array(text.utf8) }

    /// Three MPEG-1 Layer III frames at 128 kbit/s, 44.1 kHz (417 bytes each, no padding).
    static func mp3Frames() -> [UInt8] {
        var bytes: [UInt8] = []
        for _ in 0..<3 { bytes += [0xFF, 0xFB, 0x90, 0x00] + [UInt8](repeating: 0, count: 413) }
        return bytes
    }

    /// Three ADTS frames of 100 bytes (AAC LC, 44.1 kHz, stereo).
    static func adtsFrames() -> [UInt8] {
        let length = 100
        var bytes: [UInt8] = []
        for _ in 0..<3 {
            bytes += [
                0xFF, 0xF1, 0x50, 0x80 | UInt8(length >> 11), UInt8((length >> 3) & 0xFF),
                UInt8((length & 0x07) << 5) | 0x1F, 0xFC,
            ]
            bytes += [UInt8](repeating: 0, count: length - 7)
        }
        return bytes
    }

    static func transportStream(stride: Int, offset: Int) -> [UInt8] {
        var bytes = [UInt8](repeating: 0xAA, count: stride * 10)
        for packet in 0..<10 { bytes[packet * stride + offset] = 0x47 }
        return bytes
    }

    static let recognised: [(ContainerSniffer.Container, [UInt8])] = [
        (.isoBMFF, [0, 0, 0, 0x20] + ascii("ftypisom") + noise(200, seed: 1)),
        (.isoBMFF, [0, 0, 0, 8] + ascii("wide") + noise(200, seed: 2)),
        (.isoBMFF, [0, 0, 0x10, 0] + ascii("mdat") + noise(200, seed: 3)),
        (.isoBMFF, [0, 0, 0, 0x6C] + ascii("moov") + noise(200, seed: 4)),
        (.matroska, [0x1A, 0x45, 0xDF, 0xA3] + noise(200, seed: 5)),
        (.avi, ascii("RIFF") + [0x10, 0, 0, 0] + ascii("AVI LIST") + noise(200, seed: 6)),
        (.wave, ascii("RIFF") + [0x10, 0, 0, 0] + ascii("WAVEfmt ") + noise(200, seed: 7)),
        (.mpegTS, transportStream(stride: 188, offset: 0)),
        (.mpegTS, transportStream(stride: 192, offset: 4)),
        (.mpegPS, [0x00, 0x00, 0x01, 0xBA] + noise(200, seed: 8)),
        (.flv, ascii("FLV") + [0x01, 0x05] + noise(200, seed: 9)),
        (
            .asf,
            [0x30, 0x26, 0xB2, 0x75, 0x8E, 0x66, 0xCF, 0x11, 0xA6, 0xD9, 0x00, 0xAA, 0x00, 0x62, 0xCE, 0x6C]
                + noise(100, seed: 10)
        ),
        (.ogg, ascii("OggS") + [0x00, 0x02] + noise(200, seed: 11)),
        (.mp3, ascii("ID3") + [0x04, 0x00] + noise(200, seed: 12)),
        (.mp3, mp3Frames()),
        (.aac, adtsFrames()),
        (.flac, ascii("fLaC") + noise(200, seed: 13)),
        (.mxf, [0x06, 0x0E, 0x2B, 0x34, 0x02, 0x05, 0x01, 0x01] + noise(200, seed: 14)),
    ]

    @Test func everyKnownContainerIsRecognisedFromItsFirstBytes() {
        for (container, head) in Self.recognised {
            #expect(
                ContainerSniffer.container(of: head) == container,
                "\(container): \(head.prefix(16).map { String($0, radix: 16) })"
            )
        }
        // Every container the sniffer names has a fixture here.
        #expect(Set(Self.recognised.map(\.0)) == Set(ContainerSniffer.Container.allCases))
    }

    @Test func documentsImagesArchivesAndNoiseAreRefused() {
        let refused: [(String, [UInt8])] = [
            ("text", Self.ascii("Lecture notes for week 3.\nThese are not a recording.\n")),
            ("PDF", Self.ascii("%PDF-1.7\n%âãÏÓ\n1 0 obj\n<< /Type /Catalog >>\nendobj\n")),
            ("PNG", [0x89] + Self.ascii("PNG\r\n\u{1A}\n") + Self.noise(200, seed: 20)),
            ("JPEG", [0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10] + Self.ascii("JFIF") + Self.noise(200, seed: 21)),
            ("ZIP", Self.ascii("PK") + [0x03, 0x04] + Self.noise(200, seed: 22)),
            ("empty", []),
            ("three bytes", [0x1A, 0x45, 0xDF]),
            ("one MP3 sync word", [0xFF, 0xFB, 0x90, 0x00] + Self.noise(200, seed: 23)),
        ]
        for (name, head) in refused {
            #expect(ContainerSniffer.container(of: head) == nil, "\(name)")
        }
        // Random bytes (what the portal's old "broken upload" fixture was): refused for every seed tried.
        for seed in 1...200 as ClosedRange<UInt64> {
            let head = Self.noise(64 << 10, seed: seed &* 7919)
            #expect(
                ContainerSniffer.container(of: head) == nil,
                "noise seed \(seed) looks like \(String(describing: ContainerSniffer.container(of: head)))"
            )
        }
    }
}
