import Foundation

/// A course as the registry knows it: its display name and the defaults its lectures start from. A course with no
/// entry is shown under its code, with published lectures and no caption language (`CourseSettings.unregistered`).
public struct CourseSettings: Codable, Sendable, Equatable {
    /// The course's code, as tokens' `courses` claims name it (`CS101`).
    public var courseId: String
    public var name: String
    /// The visibility new lectures take when their creator does not choose one.
    public var defaultVisibility: LectureVisibility
    /// BCP 47 tag of the language the course is taught in, for automatic captions; nil when not set.
    public var captionLanguage: String?
    public var updatedAt: Date?

    public init(
        courseId: String,
        name: String,
        defaultVisibility: LectureVisibility = .published,
        captionLanguage: String? = nil,
        updatedAt: Date? = nil
    ) {
        self.courseId = courseId
        self.name = name
        self.defaultVisibility = defaultVisibility
        self.captionLanguage = captionLanguage
        self.updatedAt = updatedAt
    }

    /// What a course without a registry entry answers: its code as its name, lectures published by default.
    public static func unregistered(_ courseId: String) -> CourseSettings {
        CourseSettings(courseId: courseId, name: courseId)
    }

    /// A default visibility is `draft` or `published`: a course cannot schedule lectures it does not have yet.
    public static let defaultVisibilities: [LectureVisibility] = [.published, .draft]

    /// Whether `tag` looks like a BCP 47 language tag (`en`, `en-GB`, `zh-Hant-TW`, `es-419`): a 2–3 letter primary
    /// language subtag (the 5–8 letter registered form exists on paper only; refusing it catches "english"), then
    /// subtags of 1–8 letters or digits. Not a registry check: a tag Transcribe does not know is refused there.
    public static func isLanguageTag(_ tag: String) -> Bool {
        let parts = tag.split(separator: "-", omittingEmptySubsequences: false)
        guard tag.utf8.count <= 35, let primary = parts.first, (2...3).contains(primary.count),
            primary.allSatisfy({ $0.isASCII && $0.isLetter })
        else { return false }
        return parts.dropFirst().allSatisfy { part in
            (1...8).contains(part.count) && part.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber) }
        }
    }
}
