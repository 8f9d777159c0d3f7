import Foundation

/// What a route demands of the caller before its handler runs.
public enum RouteAccess: Sendable {
    /// No token needed (health, metrics, the OpenAPI document, CORS preflight).
    case public_
    /// A verified bearer token; the handler decides role and course.
    case authenticated
    /// A bearer token in the Authorization header, or else a playback grant (`?grant=`) for the lecture named by
    /// the path parameter `lectureParameter`: for the links players follow, which cannot carry headers.
    case playback(lectureParameter: String)
}

/// A matched request: the request, its path parameters and (for authenticated routes) who sent it.
public struct RequestContext: Sendable {
    public var request: APIRequest
    public var parameters: [String: String]
    public var principal: Principal?
    /// The playback grant that authorised the request, when it was one (not a bearer token).
    public var playbackGrant: String?
    /// What the router made of the request, once, before the layers run (`RequestLayer`).
    var match: Router.Match = .none
    /// When `APIApplication.respond` took the request (`MetricsLayer` times answers from here).
    var received = ContinuousClock.now

    /// The matched route (its access, body limit and template), for the layers; nil when none matched.
    var route: Router.Route? {
        if case .found(let route, _) = match { return route }
        return nil
    }

    public func parameter(_ name: String) -> String { parameters[name] ?? "" }

    /// The caller; only nil on public routes, where handlers never ask.
    public var caller: Principal {
        get throws(APIProblem) {
            guard let principal else { throw .unauthorized("this endpoint needs a bearer token") }
            return principal
        }
    }
}

public typealias RouteHandler = @Sendable (RequestContext) async throws -> APIResponse

/// Routes as values (`"GET /v1/lectures/:id"`), tried in order; built once, then immutable and `Sendable`.
public struct Router: Sendable {
    struct Route: Sendable {
        enum Segment: Sendable, Equatable {
            case literal(String), parameter(String), parameterWithSuffix(String, suffix: String)
        }
        var method: String
        var segments: [Segment]
        var access: RouteAccess
        var name: String
        /// The largest request body this route takes; nil: `APIConfig.maxBodyBytes`.
        var bodyLimit: Int?
        var handler: RouteHandler
    }

    private(set) var routes: [Route] = []

    public init() {}

    /// `pattern` is `METHOD /path/:param/...`; a parameter may carry a literal suffix (`:rendition.m3u8`).
    /// `bodyLimit`: a route that takes larger bodies than `APIConfig.maxBodyBytes` (a caption file) says so here.
    public mutating func add(
        _ pattern: String,
        access: RouteAccess = .authenticated,
        bodyLimit: Int? = nil,
        _ handler: @escaping RouteHandler
    ) {
        let parts = pattern.split(separator: " ", maxSplits: 1)
        precondition(parts.count == 2, "route pattern '\(pattern)' needs METHOD and path")
        let segments = parts[1].split(separator: "/").map { part -> Route.Segment in
            guard part.hasPrefix(":") else { return .literal(String(part)) }
            let name = part.dropFirst()
            if let dot = name.firstIndex(of: ".") {
                return .parameterWithSuffix(String(name[..<dot]), suffix: String(name[dot...]))
            }
            return .parameter(String(name))
        }
        routes.append(
            Route(
                method: String(parts[0]),
                segments: segments,
                access: access,
                name: String(parts[1]),
                bodyLimit: bodyLimit,
                handler: handler
            )
        )
    }

    /// The largest body any route takes: what the engine may read before routing.
    func largestBodyLimit(default limit: Int) -> Int {
        routes.compactMap(\.bodyLimit).reduce(limit, max)
    }

    enum Match: Sendable {
        case found(Route, [String: String])
        case wrongMethod(allowed: [String])
        case none
    }

    func match(method: String, path: String) -> Match {
        let pieces = Self.pieces(of: path)
        var allowed: [String] = []
        // By index: `for route in routes` copies every Route it passes (a retain and release per field, every route).
        for index in routes.indices {
            guard let parameters = Self.bind(routes[index].segments, to: pieces) else { continue }
            let route = routes[index]
            if route.method == method || (method == "HEAD" && route.method == "GET") {
                return .found(route, parameters)
            }
            allowed.append(route.method)
        }
        return allowed.isEmpty ? .none : .wrongMethod(allowed: Array(Set(allowed)).sorted())
    }

    /// The methods routes take at `path` (for a CORS preflight), sorted; empty when no route has the path.
    func methods(at path: String) -> [String] {
        let pieces = Self.pieces(of: path)
        return Set(routes.filter { Self.bind($0.segments, to: pieces) != nil }.map(\.method)).sorted()
    }

    /// The path's segments as substrings (only bound parameters become Strings of their own), split on its UTF-8
    /// bytes: `String.split` walks grapheme clusters, which was 4.6 % of the API's CPU under GET load (issue #18's
    /// profile). A "/" byte is always a whole character, so the pieces are the same.
    static func pieces(of path: String) -> [Substring] {
        path.utf8.split(separator: UInt8(ascii: "/"), omittingEmptySubsequences: true).map { Substring($0) }
    }

    private static func bind(_ segments: [Route.Segment], to pieces: [Substring]) -> [String: String]? {
        guard segments.count == pieces.count else { return nil }
        // Literals first: most routes fail on one, before any parameter is decoded or stored.
        for (segment, piece) in zip(segments, pieces) {
            if case .literal(let text) = segment, text != piece { return nil }
        }
        var parameters: [String: String] = [:]
        for (segment, piece) in zip(segments, pieces) {
            if case .literal = segment { continue }
            // Foundation's decoding is costly and most pieces hold nothing to decode.
            let decoded =
                piece.utf8.contains(UInt8(ascii: "%"))
                ? (piece.removingPercentEncoding ?? String(piece)) : String(piece)
            switch segment {
            case .literal:
                continue
            case .parameter(let name):
                guard !decoded.isEmpty else { return nil }
                parameters[name] = decoded
            case .parameterWithSuffix(let name, let suffix):
                guard decoded.hasSuffix(suffix), decoded.count > suffix.count else { return nil }
                parameters[name] = String(decoded.dropLast(suffix.count))
            }
        }
        return parameters
    }
}
