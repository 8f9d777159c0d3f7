import Foundation

/// Who may see a lecture besides its course's staff. Independent of `LectureState`: a draft can be encoding, and a
/// published lecture is only shown to students once it is also ready.
public enum LectureVisibility: String, Codable, Sendable, CaseIterable {
    /// Course staff only.
    case draft
    /// Everyone in the course, once ready.
    case published
    /// Published from `publishAt` on. Evaluated when the lecture is read (`publishAt <= now`), so no job has to
    /// flip it and nothing can get stuck waiting for one.
    case scheduled

    /// What a reader at `now` sees: a scheduled lecture whose time has come is published.
    public func effective(publishAt: Date?, now: Date) -> LectureVisibility {
        guard self == .scheduled else { return self }
        guard let publishAt else { return .draft }
        return publishAt <= now ? .published : .scheduled
    }
}

extension LectureRecord {
    /// The visibility in force at `now`. Records written before visibility existed carry none: they were published.
    public func visibility(at now: Date = Date()) -> LectureVisibility {
        (visibility ?? .published).effective(publishAt: publishAt, now: now)
    }

    /// Whether a student of the course may see the lecture at `now`: ready, and published (or scheduled and due).
    public func isVisibleToStudents(at now: Date = Date()) -> Bool {
        state.isPublished && visibility(at: now) == .published
    }
}
