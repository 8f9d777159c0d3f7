import Foundation

/// Writes the multivariant (master) playlist: one variant per video rung referencing a shared audio
/// group, plus an audio-only variant.
struct MasterPlaylist {
    struct Video {
        var uri: String
        var bandwidth: Int
        var averageBandwidth: Int
        var width: Int
        var height: Int
        var codecs: String
        var frameRate: Double
    }

    struct Audio {
        var uri: String
        var bandwidth: Int
        var averageBandwidth: Int
        var codecs: String
    }

    static let audioGroup = "audio"

    var videos: [Video]
    var audio: Audio?

    func render() -> String {
        var lines = ["#EXTM3U", "#EXT-X-VERSION:7", "#EXT-X-INDEPENDENT-SEGMENTS"]
        if let audio, !videos.isEmpty {
            lines.append(
                """
                #EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="\(Self.audioGroup)",NAME="Audio",LANGUAGE="und",DEFAULT=YES,\
                AUTOSELECT=YES,CHANNELS="2",URI="\(audio.uri)"
                """
            )
        }
        for video in videos {
            var codecs = video.codecs
            var bandwidth = video.bandwidth, average = video.averageBandwidth
            var attributes = ""
            if let audio {
                codecs += "," + audio.codecs
                bandwidth += audio.bandwidth
                average += audio.averageBandwidth
                attributes = ",AUDIO=\"\(Self.audioGroup)\""
            }
            lines.append(
                """
                #EXT-X-STREAM-INF:BANDWIDTH=\(bandwidth),AVERAGE-BANDWIDTH=\(average),\
                RESOLUTION=\(video.width)x\(video.height),CODECS="\(codecs)",\
                FRAME-RATE=\(String(format: "%.3f", video.frameRate))\(attributes)
                """
            )
            lines.append(video.uri)
        }
        if let audio {
            lines.append(
                """
                #EXT-X-STREAM-INF:BANDWIDTH=\(audio.bandwidth),\
                AVERAGE-BANDWIDTH=\(audio.averageBandwidth),CODECS="\(audio.codecs)"
                """
            )
            lines.append(audio.uri)
        }
        return lines.joined(separator: "\n") + "\n"
    }
}

enum CodecString {
    /// `avc1.PPCCLL` from the encoder's SPS (profile_idc, constraint flags, level_idc), whether the
    /// extradata is Annex B (as x264 emits it) or an avcC record.
    static func avc1(extradata: [UInt8]) -> String? {
        if extradata.count >= 4, extradata[0] == 1 {
            return String(format: "avc1.%02x%02x%02x", extradata[1], extradata[2], extradata[3])
        }
        var index = 0
        while index + 3 < extradata.count {
            if extradata[index] == 0, extradata[index + 1] == 0, extradata[index + 2] == 1 {
                let header = index + 3
                if header + 3 < extradata.count, extradata[header] & 0x1f == 7 {
                    return String(
                        format: "avc1.%02x%02x%02x",
                        extradata[header + 1],
                        extradata[header + 2],
                        extradata[header + 3]
                    )
                }
                index = header
            } else {
                index += 1
            }
        }
        return nil
    }

    static let aacLC = "mp4a.40.2"
}
