import Foundation

/// `GET /` (the portal's page) and `GET /portal/{file}` (its scripts, styles and icons), when `LECTERN_PORTAL_DIR`
/// is set. Missing files are 404 problems like any other; an unchanged file answers 304 to its ETag.
struct PortalHandlers: Sendable {
    let files: PortalFiles
    let mediaOrigin: String?

    static let pathPrefix = "/portal/"

    func index(_ context: RequestContext) async throws -> APIResponse {
        try serve("index.html", context)
    }

    func asset(_ context: RequestContext) async throws -> APIResponse {
        try serve(context.parameter("file"), context)
    }

    private func serve(_ name: String, _ context: RequestContext) throws -> APIResponse {
        guard let file = files.file(named: name) else {
            throw APIProblem.notFound("the portal has no file \(context.request.path)")
        }
        let tag = "\"\(Self.fingerprint(file.contents))\""
        var headers = PortalHeaders.security(mediaOrigin: mediaOrigin)
        headers["ETag"] = tag
        if let match = context.request.header("If-None-Match"),
            match.split(separator: ",").contains(where: { $0.trimmingCharacters(in: .whitespaces) == tag })
        {
            return APIResponse(status: 304, headers: headers)
        }
        return APIResponse(status: 200, headers: headers, body: file.contents, contentType: file.contentType)
    }

    /// FNV-1a, 64 bits: enough to tell versions of a file apart, which is all an ETag needs.
    static func fingerprint(_ data: Data) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in data {
            hash ^= UInt64(byte)
            hash = hash &* 0x0000_0100_0000_01b3
        }
        return String(hash, radix: 16) + "-" + String(data.count, radix: 16)
    }
}
