/// A user's search text turned into a safe FTS5 MATCH expression.
///
/// Nothing the user types is FTS5 syntax: every whitespace-separated word becomes a quoted
/// string (`"` doubled inside), and the words are ANDed. So `"`, `*`, `NEAR`, `AND`, `-`, `:`
/// and `^` are plain text, never operators, and can never make the query fail to parse.
public struct SearchQuery: Sendable, Hashable {
    /// The quoted terms, in the order typed, without duplicates.
    public let terms: [String]

    /// Bounds on what one query may cost: a pasted paragraph is cut to its first words.
    public static let maximumTerms = 12
    public static let maximumTermLength = 64

    /// `nil` when the text holds no letter or digit (nothing to search for).
    public init?(_ text: String) {
        var seen = Set<String>()
        var terms: [String] = []
        for word in text.split(whereSeparator: { $0.isWhitespace }) {
            let trimmed = String(word.prefix(Self.maximumTermLength))
            // A word with no letter or digit (`-`, `"`, `*`) would tokenize to nothing.
            guard
                trimmed.unicodeScalars.contains(where: {
                    $0.properties.isAlphabetic || $0.properties.numericType != nil
                })
            else {
                continue
            }
            let cleaned = String(trimmed.unicodeScalars.filter { !$0.properties.generalCategory.isControl })
            guard seen.insert(cleaned.lowercased()).inserted else { continue }
            terms.append(cleaned)
            if terms.count == Self.maximumTerms { break }
        }
        guard !terms.isEmpty else { return nil }
        self.terms = terms
    }

    /// The FTS5 MATCH expression: each term a quoted string, ANDed.
    public var matchExpression: String {
        terms.map { "\"" + $0.replacingOccurrences(of: "\"", with: "\"\"") + "\"" }.joined(separator: " AND ")
    }
}

private extension Unicode.GeneralCategory {
    var isControl: Bool { self == .control || self == .format }
}
