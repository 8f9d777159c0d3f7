import AWS
import Foundation
import LecternAPI
import LecternCore
import LecternTestSupport
import Testing

/// How a test reaches the API: by calling `APIApplication.respond(to:)` directly, or over a socket to a live
/// FlyingFox server on a free loopback port. Tests take both as arguments and run the same body twice.
enum Via: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case inProcess, live
    var testDescription: String { rawValue }
}

/// One API with its own table, bucket and queues on moto, plus token minting.
struct TestWorld: Sendable {
    let app: APIApplication
    let services: APIServices
    let deadLetterQueueURL: String

    static let secret = "lectern-test-secret-0123456789abcdef"
    static let transport = CurlTransport()

    static func make(_ configure: (inout APIConfig) -> Void = { _ in }) async throws -> TestWorld {
        try await make(clock: { ContinuousClock.now }, configure)
    }

    /// `clock`: the time the API's rate limits refill in (`APIApplication.init(clock:)`); tests that reach a limit
    /// pass a `LectureRecordCacheTests.ManualClock`, so the window holds however slowly the requests go.
    static func make(
        clock: @escaping @Sendable () -> ContinuousClock.Instant,
        _ configure: (inout APIConfig) -> Void = { _ in }
    ) async throws -> TestWorld {
        let moto = try await MotoServer.shared()
        // S3 on the moto without signature checks: the API hands out presigned URLs, which moto 5.2 cannot verify
        // (see MotoServer.sharedWithoutSignatureChecks); DynamoDB and SQS stay on the checking one.
        let context = moto.context(transport: transport)
        let s3Context = try await MotoServer.sharedWithoutSignatureChecks().context(transport: transport)
        var config = APIConfig(
            lecturesTable: MotoServer.uniqueName("lectures"),
            bucket: MotoServer.uniqueName("media"),
            queue: MotoServer.uniqueName("jobs"),
            keySource: .sharedSecret(secret),
            singleUploadMaxBytes: 6 << 20,
            minPartBytes: 5 << 20
        )
        // Tests send many refused tokens from one loopback address on purpose; the failed sign-in limit has tests of
        // its own (OperationalEndpointTests), which set it low.
        config.failedSignInsPerMinute = 100_000
        configure(&config)
        let store = LectureStore(dynamo: DynamoDBClient(context: context), table: config.lecturesTable)
        try await store.ensureTable()
        let s3 = S3Client(context: s3Context)
        try await s3.createBucket(config.bucket)
        let sqs = SQSClient(context: context)
        let dlq = try await sqs.createQueue(named: config.queue + "-dlq")
        let dlqArn = try await sqs.queueArn(dlq)
        let queue = try await sqs.createQueue(
            named: config.queue,
            settings: SQSQueueSettings(
                visibilityTimeout: 30,
                redrivePolicy: SQSRedrivePolicy(deadLetterTargetArn: dlqArn, maxReceiveCount: 3)
            )
        )
        let services = APIServices(
            store: store,
            s3: s3,
            sqs: sqs,
            bucket: config.bucket,
            queueURL: queue,
            deadLetterQueueURL: dlq
        )
        let authenticator = try await Authenticator(
            source: config.keySource,
            issuer: config.issuer,
            audience: config.audience
        )
        return TestWorld(
            app: APIApplication(config: config, services: services, authenticator: authenticator, clock: clock),
            services: services,
            deadLetterQueueURL: dlq
        )
    }

    func token(_ role: Role, user: String? = nil, courses: [String] = []) async throws -> String {
        try await DevTokens.mint(secret: Self.secret, role: role, user: user ?? "\(role.rawValue)-1", courses: courses)
    }

    /// Runs `body` with a client that reaches this world's API `via` the given path.
    func withClient(_ via: Via, _ body: (APIClient) async throws -> Void) async throws {
        switch via {
        case .inProcess:
            try await body(APIClient { [app] request in await app.respond(to: request) })
        case .live:
            let server = try APIServer(application: app, host: "127.0.0.1", port: 0)
            let running = Task { try await server.run() }
            defer { running.cancel() }
            try await server.waitUntilListening(timeout: 30)
            let port = try #require(await server.port)
            do {
                try await body(APIClient { request in try await Self.send(request, port: port) })
            } catch {
                await server.stop()
                throw error
            }
            await server.stop()
        }
    }

    private static func send(_ request: APIRequest, port: UInt16) async throws -> APIResponse {
        var components = URLComponents(string: "http://127.0.0.1:\(port)")!
        components.percentEncodedPath = request.path
        if !request.query.isEmpty {
            components.queryItems = request.query.sorted { $0.key < $1.key }.map {
                URLQueryItem(name: $0.key, value: $0.value)
            }
        }
        var headers = HTTPHeaders()
        for (name, value) in request.headers.sorted(by: { $0.key < $1.key }) { headers[name] = value }
        let response = try await transport.execute(
            HTTPRequest(
                method: request.method,
                url: components.url!,
                headers: headers,
                body: request.body.isEmpty ? .empty : .data(request.body)
            )
        )
        var answer = APIResponse(status: response.status, body: response.body)
        for field in response.headers { answer.headers[field.name] = field.value }
        return answer
    }

    // MARK: Shortcuts

    func createLecture(
        _ client: APIClient,
        token: String,
        course: String,
        size: Int64,
        title: String = "Week 1",
        contentType: String = "video/mp4"
    ) async throws -> CreateLectureResponse {
        let response = try await client.call(
            "POST",
            "/v1/lectures",
            token: token,
            json: CreateLectureRequest(
                title: title,
                course: course,
                filename: "week1.mp4",
                size: size,
                contentType: contentType
            )
        )
        try #require(response.status == 201, "create answered \(response.status): \(response.text)")
        return try response.decode(CreateLectureResponse.self)
    }

    /// A CS101 lecture whose (1,000-byte) source a professor uploaded through the API; with `complete`, also
    /// completed, so it is `queued` with its job sent.
    func uploadedLecture(complete: Bool) async throws -> String {
        let professor = try await token(.professor, courses: ["CS101"])
        let data = Self.bytes(1_000)
        var id = ""
        try await withClient(.inProcess) { client in
            let created = try await createLecture(client, token: professor, course: "CS101", size: Int64(data.count))
            _ = try await Self.put(data, to: created.upload.url!, headers: created.upload.headers ?? [:])
            id = created.lecture.id
            if complete {
                #expect(
                    try await client.call("POST", "/v1/lectures/\(id)/upload/complete", token: professor).status == 202
                )
            }
        }
        return id
    }

    /// Every message now in `queue` (the jobs queue by default), each received once and hidden for 300 s.
    func drain(_ queue: String? = nil) async throws -> [SQSMessage] {
        var messages: [SQSMessage] = []
        while true {
            let batch = try await services.sqs.receiveMessages(
                queue ?? services.queueURL,
                maxMessages: 10,
                visibilityTimeout: 300
            )
            if batch.isEmpty { return messages }
            messages += batch
        }
    }

    /// PUTs `data` straight to S3 through a presigned URL the API handed out, as a browser would.
    static func put(_ data: Data, to url: URL, headers: [String: String] = [:]) async throws -> HTTPResponse {
        var fields = HTTPHeaders()
        for (name, value) in headers { fields[name] = value }
        return try await transport.execute(HTTPRequest(method: "PUT", url: url, headers: fields, body: .data(data)))
    }

    static func get(_ url: URL) async throws -> HTTPResponse {
        try await transport.execute(HTTPRequest(method: "GET", url: url))
    }

    /// Pseudo-random bytes, different for each seed, behind an MP4 `ftyp` box header (12 bytes): `complete` refuses
    /// uploads that start no known container (`ContainerSniffer`), and these stand for recordings. `noise` is the
    /// same without the header.
    static func bytes(_ count: Int, seed: UInt8 = 7) -> Data {
        let header = Data([0, 0, 0, 0x18] + Array("ftypisom".utf8))
        guard count > header.count else { return noise(count, seed: seed) }
        return header + noise(count - header.count, seed: seed)
    }

    static func noise(_ count: Int, seed: UInt8 = 7) -> Data {
        var state = UInt64(seed) | 0x9E37_79B9_0000_0000
        return Data(
            (0..<count).map { _ in
                state ^= state << 13
                state ^= state >> 7
                state ^= state << 17
                return UInt8(truncatingIfNeeded: state)
            }
        )
    }
}

/// Sends `APIRequest`s one way or the other (see `Via`).
struct APIClient: Sendable {
    let send: @Sendable (APIRequest) async throws -> APIResponse

    init(_ send: @escaping @Sendable (APIRequest) async throws -> APIResponse) { self.send = send }

    func call(
        _ method: String,
        _ path: String,
        token: String? = nil,
        query: [String: String] = [:],
        headers: [String: String] = [:],
        body: Data? = nil
    ) async throws -> APIResponse {
        var headers = headers
        if let token { headers["Authorization"] = "Bearer \(token)" }
        if body != nil, headers["Content-Type"] == nil { headers["Content-Type"] = "application/json" }
        return try await send(
            APIRequest(method: method, path: path, query: query, headers: headers, body: body ?? Data())
        )
    }

    func call(_ method: String, _ path: String, token: String? = nil, json: some Encodable) async throws -> APIResponse
    {
        try await call(method, path, token: token, body: APIJSON.encode(json))
    }
}

extension APIResponse {
    var text: String { String(decoding: body, as: UTF8.self) }

    func decode<T: Decodable>(_ type: T.Type) throws -> T {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return try decoder.decode(T.self, from: body)
    }

    /// The RFC 9457 body of an error answer.
    var problem: ProblemBody? { try? JSONDecoder().decode(ProblemBody.self, from: body) }
}

struct ProblemBody: Decodable {
    var type: String
    var title: String
    var status: Int
    var detail: String
}
