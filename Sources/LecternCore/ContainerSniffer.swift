/// Recognises a media container from a file's first bytes, without decoding anything (the API never links FFmpeg).
///
/// The API reads the first `ContainerSniffer.headLength` bytes of an upload after `complete` and refuses at once a
/// file that matches no known container: nothing a worker could do would turn it into a lecture. A file that matches
/// may still fail to decode in the worker (a signature is cheap to fake); that failure is the worker's to report.
public enum ContainerSniffer {
    /// What the API reads of an upload: 1 MiB is enough for an MPEG-TS stride check and for the boxes QuickTime
    /// writers put before `ftyp`, and small enough to hold in memory per request.
    public static let headLength = 1 << 20

    /// A container the sniffer knows.
    public enum Container: String, Sendable, Equatable, CaseIterable {
        case isoBMFF = "MP4/QuickTime"
        case matroska = "Matroska/WebM"
        case avi = "AVI"
        case wave = "WAV"
        case mpegTS = "MPEG transport stream"
        case mpegPS = "MPEG program stream"
        case flv = "FLV"
        case asf = "ASF/WMV"
        case ogg = "Ogg"
        case mp3 = "MP3"
        case aac = "AAC (ADTS)"
        case flac = "FLAC"
        case mxf = "MXF"
    }

    /// The container `head` (a file's first bytes) starts, or nil when it matches none.
    public static func container(of head: some Collection<UInt8>) -> Container? {
        let bytes = Array(head.prefix(headLength))
        guard bytes.count >= 4 else { return nil }
        if isISOBMFF(bytes) { return .isoBMFF }
        if starts(bytes, [0x1A, 0x45, 0xDF, 0xA3]) { return .matroska }
        if starts(bytes, Array("RIFF".utf8)), bytes.count >= 12 {
            let form = Array(bytes[8..<12])
            if form == Array("AVI ".utf8) { return .avi }
            if form == Array("WAVE".utf8) { return .wave }
        }
        if isTransportStream(bytes, stride: 188, offset: 0) || isTransportStream(bytes, stride: 192, offset: 4) {
            return .mpegTS
        }
        if starts(bytes, [0x00, 0x00, 0x01, 0xBA]) { return .mpegPS }
        if starts(bytes, Array("FLV".utf8) + [0x01]) { return .flv }
        if starts(bytes, asfHeaderGUID) { return .asf }
        if starts(bytes, Array("OggS".utf8)) { return .ogg }
        if starts(bytes, Array("fLaC".utf8)) { return .flac }
        if starts(bytes, [0x06, 0x0E, 0x2B, 0x34, 0x02, 0x05, 0x01, 0x01]) { return .mxf }
        if starts(bytes, Array("ID3".utf8)) { return .mp3 }
        if isFrameSequence(bytes, header: isMPEGAudioFrame) { return .mp3 }
        if isFrameSequence(bytes, header: isADTSFrame) { return .aac }
        return nil
    }

    static func starts(_ bytes: [UInt8], _ prefix: [UInt8]) -> Bool {
        bytes.count >= prefix.count && bytes[0..<prefix.count].elementsEqual(prefix)
    }

    /// ISO BMFF and QuickTime: a box type this family starts with at offset 4 (`ftyp` first in MP4; older
    /// QuickTime files may start with `moov`, `mdat`, `wide`, `free` or `skip`).
    static let isoBoxTypes: Set<String> = ["ftyp", "moov", "mdat", "wide", "free", "skip", "pnot"]

    static func isISOBMFF(_ bytes: [UInt8]) -> Bool {
        guard bytes.count >= 8 else { return false }
        guard bytes[4..<8].allSatisfy({ (0x20...0x7E).contains($0) }) else { return false }
        return isoBoxTypes.contains(String(decoding: bytes[4..<8], as: UTF8.self))
    }

    /// `30 26 B2 75 8E 66 CF 11 A6 D9 00 AA 00 62 CE 6C`: the ASF header object's GUID.
    static let asfHeaderGUID: [UInt8] = [
        0x30, 0x26, 0xB2, 0x75, 0x8E, 0x66, 0xCF, 0x11, 0xA6, 0xD9, 0x00, 0xAA, 0x00, 0x62, 0xCE, 0x6C,
    ]

    /// MPEG-TS: the sync byte 0x47 at every packet start (188 bytes, or 192 for M2TS with its 4-byte timestamp),
    /// checked over up to 8 packets (random bytes pass one with p = 1/256; eight, 1/256⁸).
    static func isTransportStream(_ bytes: [UInt8], stride: Int, offset: Int) -> Bool {
        let packets = min(8, (bytes.count - offset) / stride)
        guard packets >= 2 else { return false }
        return (0..<packets).allSatisfy { bytes[offset + $0 * stride] == 0x47 }
    }

    /// An MPEG audio frame header (layer I–III): 11 sync bits, a valid version, layer, bitrate and sample rate.
    /// Answers the frame's length in bytes, or nil.
    static func isMPEGAudioFrame(_ bytes: [UInt8], _ at: Int) -> Int? {
        guard at + 4 <= bytes.count, bytes[at] == 0xFF, bytes[at + 1] & 0xE0 == 0xE0 else { return nil }
        let version = (bytes[at + 1] >> 3) & 0x03  // 0: 2.5, 2: 2, 3: 1
        let layer = (bytes[at + 1] >> 1) & 0x03  // 1: III, 2: II, 3: I
        let bitrateIndex = Int(bytes[at + 2] >> 4)
        let rateIndex = Int((bytes[at + 2] >> 2) & 0x03)
        let padding = Int((bytes[at + 2] >> 1) & 0x01)
        guard version != 1, layer != 0, bitrateIndex != 0, bitrateIndex != 15, rateIndex != 3 else { return nil }
        // Layer III bitrates (kbit/s), enough to size frames for the sequence check.
        let v1: [Int] = [0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320]
        let v2: [Int] = [0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160]
        let rates: [[Int]] = [[11025, 12000, 8000], [], [22050, 24000, 16000], [44100, 48000, 32000]]
        let bitrate = (version == 3 ? v1 : v2)[bitrateIndex] * 1000
        let sampleRate = rates[Int(version)][rateIndex]
        let length = (version == 3 ? 144 : 72) * bitrate / sampleRate + padding
        return length > 4 ? length : nil
    }

    /// An AAC ADTS header: 12 sync bits, layer 0, a valid sampling index; answers the frame length.
    static func isADTSFrame(_ bytes: [UInt8], _ at: Int) -> Int? {
        guard at + 7 <= bytes.count, bytes[at] == 0xFF, bytes[at + 1] & 0xF6 == 0xF0 else { return nil }
        guard (bytes[at + 2] >> 2) & 0x0F < 13 else { return nil }
        let length = (Int(bytes[at + 3] & 0x03) << 11) | (Int(bytes[at + 4]) << 3) | Int(bytes[at + 5] >> 5)
        return length >= 7 ? length : nil
    }

    /// Three frames in a row, each where the previous one's length says: one sync word alone is too common in
    /// arbitrary data to count.
    static func isFrameSequence(_ bytes: [UInt8], header: ([UInt8], Int) -> Int?) -> Bool {
        var at = 0
        for _ in 0..<3 {
            guard let length = header(bytes, at) else { return false }
            at += length
        }
        return true
    }

    /// The reason a professor sees when an upload is refused.
    public static let refusalReason =
        """
        This file is not a video or audio recording that Lectern can read (it has no known video or audio format \
        at its start). Upload the lecture's recording, for example an MP4, MOV, MKV or WebM file.
        """
}
