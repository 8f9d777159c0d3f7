import Foundation

/// The worker's `manifest.json` (Transcoder's `TranscodeManifest`), read tolerantly: every field is optional, unknown
/// fields are ignored, so the API keeps answering while the worker's format grows.
struct PublishedManifest: Decodable, Sendable {
    struct Video: Decodable, Sendable {
        var name: String?
        var width: Int?
        var height: Int?
        var bandwidth: Int?
        var playlist: String?
    }
    struct Audio: Decodable, Sendable {
        var playlist: String?
        var bandwidth: Int?
    }
    struct Progressive: Decodable, Sendable {
        var path: String?
        var width: Int?
        var height: Int?
    }
    struct Storyboard: Decodable, Sendable {
        var image: String?
        var cues: String?
        var interval: Double?
        var thumbnailWidth: Int?
        var thumbnailHeight: Int?
    }

    var duration: Double?
    var masterPlaylist: String?
    var video: [Video]?
    var audio: Audio?
    var progressive: Progressive?
    var poster: String?
    var storyboard: Storyboard?
    /// Streams the worker left out (e.g. audio it could not decode), each with a reason a professor can read.
    var droppedStreams: [DroppedStream]?

    /// What the worker corrected (loudness, channels, HDR, rotation…), each with a summary a professor can read.
    var corrections: [Correction]?

    struct Correction: Decodable, Sendable {
        var kind: String?
        var summary: String?
    }

    struct DroppedStream: Decodable, Sendable {
        var kind: String?
        var reason: String?
    }

    /// Slide detection's result (the slides contract): `status` "detected" with a chapters track and one item per
    /// slide, or "none" with a reason, when no chapters are invented. Absent for encodes older than the detector.
    var slides: Slides?

    struct Slides: Decodable, Sendable {
        var status: String?
        var reason: String?
        var chapters: String?
        var items: [Item]?

        struct Item: Decodable, Sendable {
            var start: Double?
            var end: Double?
            var title: String?
            var text: String?
            var thumbnail: String?
        }
    }

    static let fileName = "manifest.json"
    static let defaultMaster = "master.m3u8"
}
