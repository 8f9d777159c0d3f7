extension TranscodeManifest {
    /// The slides found in the lecture (see `/work/prompts/slides-contract.md`): chapters, and per slide its time,
    /// title, text and thumbnail. Times are seconds on the published timeline; paths are relative to the output.
    public struct Slides: Sendable, Equatable, Codable {
        public enum Status: String, Sendable, Codable {
            /// At least two slides: `chapters` and `items` are there.
            case detected
            /// No stable slides (a camera-only recording): no chapters are invented; `reason` says so.
            case none
        }

        public struct Item: Sendable, Equatable, Codable {
            public var start: Double
            public var end: Double
            /// The slide's largest line near the top, or empty when no text was read (the portal shows "Slide N").
            public var title: String
            /// Every line read, in reading order, one per line.
            public var text: String
            public var thumbnail: String
            /// Present when the text was not read, and why (an addition to the contract, optional).
            public var note: String?

            public init(start: Double, end: Double, title: String, text: String, thumbnail: String, note: String? = nil)
            {
                self.start = start
                self.end = end
                self.title = title
                self.text = text
                self.thumbnail = thumbnail
                self.note = note
            }
        }

        public var status: Status
        public var reason: String?
        public var chapters: String?
        public var items: [Item]
        /// The tesseract language packs the text was read with (`eng`, `fra+eng`); differs from the plan's when a
        /// pack is not installed (the reader fell back to English). An addition to the contract, optional.
        public var language: String? = nil

        public init(status: Status, reason: String?, chapters: String?, items: [Item]) {
            self.status = status
            self.reason = reason
            self.chapters = chapters
            self.items = items
        }
    }
}
