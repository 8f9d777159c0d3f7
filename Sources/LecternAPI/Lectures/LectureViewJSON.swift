import Foundation

extension LectureView {
    /// The view written directly, for the lectures clients poll (waiting for upload, queued, failed): the bytes
    /// `APIJSON.encode` gives, keys in its sorted order, absent fields left out. nil when the view carries numbers
    /// with fractions or playback links (processing and ready lectures): `JSONEncoder`'s way of printing a `Double`
    /// is its own, so those go through it. `HotPathEncodingTests` holds the two byte for byte.
    var directJSON: Data? {
        guard durationSeconds == nil, playback == nil, progress == nil, poster == nil, playable == nil else {
            return nil
        }
        var writer = JSONWriter(
            capacity: 384 + title.utf8.count + (description?.utf8.count ?? 0) + filename.utf8.count
                + (failureReason?.utf8.count ?? 0)
        )
        if let captionDraft {
            writer.raw(#"{"captionDraft":{"#)
            if let detail = captionDraft.detail {
                writer.raw(#""detail":"#)
                writer.string(detail)
                writer.raw(",")
            }
            writer.raw(#""state":"#)
            writer.string(captionDraft.state.rawValue)
            writer.raw(#"},"contentType":"#)
        } else {
            writer.raw(#"{"contentType":"#)
        }
        writer.string(contentType)
        writer.raw(#","course":"#)
        writer.string(course)
        writer.raw(#","createdAt":"#)
        writer.date(createdAt)
        if let description {
            writer.raw(#","description":"#)
            writer.string(description)
        }
        if let failureReason {
            writer.raw(#","failureReason":"#)
            writer.string(failureReason)
        }
        writer.raw(#","filename":"#)
        writer.string(filename)
        if let finishedAt {
            writer.raw(#","finishedAt":"#)
            writer.date(finishedAt)
        }
        writer.raw(#","id":"#)
        writer.string(id)
        writer.raw(#","owner":"#)
        writer.string(owner)
        if let publishAt {
            writer.raw(#","publishAt":"#)
            writer.date(publishAt)
        }
        if let retryable {
            writer.raw(retryable ? #","retryable":true"# : #","retryable":false"#)
        }
        writer.raw(#","size":"#)
        writer.int(Int(size))
        writer.raw(#","state":"#)
        writer.string(state)
        writer.raw(#","title":"#)
        writer.string(title)
        writer.raw(#","updatedAt":"#)
        writer.date(updatedAt)
        writer.raw(#","visibility":"#)
        writer.string(visibility)
        writer.raw("}")
        return writer.data
    }
}
