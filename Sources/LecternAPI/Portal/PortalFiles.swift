import Foundation

/// The portal's static files (HTML, JavaScript, CSS, icons) from one flat folder, served by the API itself so the
/// portal and the API share an origin and no CORS is needed. Files are small and read per request; nothing outside
/// the folder is ever read: names are single path segments of a safe alphabet, and symbolic links are refused.
public struct PortalFiles: Sendable {
    /// The folder, resolved (no symbolic links) at start.
    public let root: URL

    /// Largest file served; the portal's files are a few kilobytes each.
    static let maxFileBytes = 4 << 20

    /// Checks the folder now, so a wrong `LECTERN_PORTAL_DIR` stops the server at start with a clear message.
    public init(directory: String) throws(APIConfigError) {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw APIConfigError(problems: [
                """
                LECTERN_PORTAL_DIR=\(directory) is not a directory (it should hold the portal: \
                index.html, app.js, style.css)
                """
            ])
        }
        let resolved = URL(fileURLWithPath: directory).resolvingSymlinksInPath()
        guard FileManager.default.isReadableFile(atPath: resolved.appendingPathComponent("index.html").path) else {
            throw APIConfigError(problems: [
                """
                LECTERN_PORTAL_DIR=\(directory) has no readable index.html; \
                point it at the repository's Portal/ folder
                """
            ])
        }
        root = resolved
    }

    /// Content types of the files a portal holds; anything else is not served.
    static let contentTypes: [String: String] = [
        "html": "text/html; charset=utf-8",
        "js": "text/javascript; charset=utf-8",
        "mjs": "text/javascript; charset=utf-8",
        "css": "text/css; charset=utf-8",
        "svg": "image/svg+xml",
        "png": "image/png",
        "ico": "image/x-icon",
        "json": "application/json",
        "webmanifest": "application/manifest+json",
        "txt": "text/plain; charset=utf-8",
    ]

    /// A file name we are willing to look up: one segment, letters, digits, `-`, `_`, `.`, not starting with a dot
    /// (no `..`, no hidden files, no separators or encoded ones, which the router has already decoded).
    static func isServableName(_ name: String) -> Bool {
        !name.isEmpty && name.count <= 100 && !name.hasPrefix(".")
            && name.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "-_.".contains($0)) }
    }

    public struct File: Sendable {
        public var contents: Data
        public var contentType: String
    }

    /// The named file, or nil when there is no such servable file.
    public func file(named name: String) -> File? {
        guard Self.isServableName(name), let ext = name.split(separator: ".").last.map({ String($0).lowercased() }),
            name.contains("."), let contentType = Self.contentTypes[ext]
        else { return nil }
        let url = root.appendingPathComponent(name)
        // A link could point anywhere: serve regular files only, and only inside the folder.
        guard let attributes = try? FileManager.default.attributesOfItem(atPath: url.path),
            attributes[.type] as? FileAttributeType == .typeRegular,
            let size = attributes[.size] as? Int, size <= Self.maxFileBytes,
            url.deletingLastPathComponent().standardizedFileURL.path == root.standardizedFileURL.path,
            let contents = FileManager.default.contents(atPath: url.path)
        else { return nil }
        return File(contents: contents, contentType: contentType)
    }
}
