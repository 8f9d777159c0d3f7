import Foundation

/// A presigned part URL as the signer wrote it.
struct PartURLText: Sendable, Equatable {
    var partNumber: Int
    var url: String
}

extension UploadPlan.PartURL {
    init(_ part: PartURLText) throws {
        guard let url = URL(string: part.url) else {
            throw APIProblem.internalError
        }
        self.init(partNumber: part.partNumber, url: url)
    }
}

extension PartURLsResponse {
    /// The batch answer (the call an uploader makes most) written directly: the bytes `APIJSON.encode` gives for
    /// `PartURLsResponse` (keys sorted: expiresAt, parts; partNumber, url), without a `URL` per link or
    /// `JSONEncoder`'s boxing. `PartURLsJSONTests` holds the two byte for byte.
    static func json(parts: [PartURLText], expiresAt: Date) -> Data {
        var writer = JSONWriter(capacity: 48 + parts.reduce(0) { $0 + $1.url.utf8.count + 40 })
        writer.raw(#"{"expiresAt":"#)
        writer.date(expiresAt)
        writer.raw(#","parts":["#)
        for (index, part) in parts.enumerated() {
            writer.raw(index == 0 ? #"{"partNumber":"# : #",{"partNumber":"#)
            writer.int(part.partNumber)
            writer.raw(#","url":"#)
            writer.string(part.url)
            writer.raw("}")
        }
        writer.raw("]}")
        return writer.data
    }
}
