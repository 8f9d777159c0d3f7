import Foundation

/// Where the next page of results starts. Opaque to clients (`s1.<offset>` in base64url).
///
/// An offset rather than a key: bm25 scores shift as lectures are added, so a keyset on
/// (score, lecture) would not be stable across index versions either, and a course holds at
/// most a few hundred lectures, so skipping them costs little.
public struct SearchCursor: Sendable, Hashable {
    public let offset: Int

    public init(offset: Int) {
        self.offset = offset
    }

    public var token: String {
        Data("s1.\(offset)".utf8).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    /// `nil` for anything this type did not produce (the caller answers 400).
    public init?(token: String) {
        guard token.count <= 40 else { return nil }
        var base64 = token.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while base64.count % 4 != 0 { base64 += "=" }
        guard let data = Data(base64Encoded: base64), let text = String(data: data, encoding: .utf8),
            text.hasPrefix("s1."), let offset = Int(text.dropFirst(3)), offset > 0, offset <= 1_000_000
        else { return nil }
        self.offset = offset
    }
}
