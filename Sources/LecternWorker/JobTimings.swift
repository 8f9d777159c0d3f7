import Logging

/// Where one published job's wall time went, logged on its "published" line (seconds throughout).
struct JobTimings: Sendable {
    var receiveToClaim = 0.0
    var download = 0.0
    var transcode = 0.0
    var upload = 0.0
    var publish = 0.0
    var delete = 0.0
    /// The lecture's own length.
    var lectureSeconds = 0.0
    var bytesIn: Int64 = 0
    var bytesOut: Int64 = 0
    /// The published lecture's slides, indexed for search once the message is settled (issue #16).
    var slideIndexing: SlideIndexing? = nil

    /// Claim to message deleted: the job's whole life in this worker after the receive.
    var total: Double { receiveToClaim + download + transcode + upload + publish + delete }

    var metadata: Logger.Metadata {
        func seconds(_ value: Double) -> Logger.MetadataValue { "\((value * 1_000).rounded() / 1_000)" }
        return [
            "durationSeconds": "\(lectureSeconds)",
            "receiveToClaimSeconds": seconds(receiveToClaim), "downloadSeconds": seconds(download),
            "transcodeSeconds": seconds(transcode), "uploadSeconds": seconds(upload),
            "publishSeconds": seconds(publish),
            "deleteSeconds": seconds(delete), "jobSeconds": seconds(total),
            "bytesIn": "\(bytesIn)", "bytesOut": "\(bytesOut)",
        ]
    }
}

extension Duration {
    /// This duration in (fractional) seconds.
    var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}
