// swift-tools-version: 6.1
import PackageDescription

let strict: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny")
]

let package = Package(
    name: "Lectern",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "lectern", targets: ["lectern"]),
        .library(name: "SigV4", targets: ["SigV4"]),
        .library(name: "HTTPTransport", targets: ["HTTPTransport"]),
        .library(name: "AWS", targets: ["AWS"]),
        .library(name: "Transcoder", targets: ["Transcoder"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-crypto.git", from: "4.5.2"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/swhitty/FlyingFox.git", from: "0.27.1"),
        .package(url: "https://github.com/vapor/jwt-kit.git", from: "5.8.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.2.2"),
    ],
    targets: [
        // MARK: C libraries
        .systemLibrary(
            name: "CCurl",
            pkgConfig: "libcurl",
            providers: [.apt(["libcurl4-openssl-dev"])]
        ),
        .systemLibrary(name: "CLinuxEvents"),
        .systemLibrary(
            name: "CSQLite",
            pkgConfig: "sqlite3",
            providers: [.apt(["libsqlite3-dev"])]
        ),
        .systemLibrary(
            name: "CTesseract",
            pkgConfig: "tesseract",
            providers: [.apt(["libtesseract-dev", "tesseract-ocr-eng"])]
        ),
        .systemLibrary(
            name: "CFFmpeg",
            pkgConfig: "libavformat",
            providers: [
                .apt([
                    "libavformat-dev", "libavcodec-dev", "libavutil-dev", "libswscale-dev", "libswresample-dev",
                    "libavfilter-dev",
                ])
            ]
        ),

        // MARK: Foundation layer (no FFmpeg)
        .target(
            name: "SigV4",
            dependencies: [.product(name: "Crypto", package: "swift-crypto")],
            swiftSettings: strict
        ),
        .target(
            name: "HTTPTransport",
            dependencies: ["CCurl"],
            swiftSettings: strict
        ),
        .target(
            name: "AWS",
            dependencies: [
                "SigV4", "HTTPTransport",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict
        ),

        // MARK: Captions (pure Swift: parse, validate, sanitise, segment WebVTT/SRT; no AWS, no FFmpeg)
        .target(
            name: "Captions",
            swiftSettings: strict
        ),

        // MARK: Rendition ladder (pure Swift, no dependencies: the one ladder definition the API and the transcoder read)
        .target(
            name: "RenditionLadder",
            swiftSettings: strict
        ),

        // MARK: Search (per-course SQLite FTS5 index of captions and slides; no AWS, no FFmpeg)
        .target(
            name: "SearchIndex",
            dependencies: ["CSQLite"],
            swiftSettings: strict
        ),

        // MARK: Domain (shared by the API and the worker: lectures, courses, jobs and their stores over our own AWS
        // clients; no FFmpeg, no development tooling)
        .target(
            name: "LecternCore",
            dependencies: ["AWS", "Captions", "RenditionLadder", "SearchIndex"],
            swiftSettings: strict
        ),

        // MARK: Local platform (development tooling for the CLI's `dev` commands, the tests and the benchmarks:
        // bootstrap moto's resources, plan the local worker pool, pick loopback ports; never linked by the API or worker)
        .target(
            name: "LocalPlatform",
            dependencies: ["LecternCore", "AWS"],
            swiftSettings: strict
        ),

        // MARK: HTTP engine (our HTTP/1.1 server on epoll and FlyingSocks' socket layer, and the request, response and
        // RFC 9457 problem types its handlers speak; no AWS, no FFmpeg, no JWT): the product's one HTTP engine, under
        // the API and the worker's metrics port
        .target(
            name: "HTTPServerEngine",
            dependencies: [
                "CLinuxEvents",
                // FlyingSocks only (socket addresses, errors): FlyingFox's `HTTPServer` is a benchmark row, not a server
                // of the product.
                .product(name: "FlyingSocks", package: "FlyingFox"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict
        ),

        // MARK: API (on the HTTP engine above; must never link the FFmpeg libraries)
        .target(
            name: "LecternAPI",
            dependencies: [
                "HTTPServerEngine", "LecternCore", "AWS", "Captions", "SearchIndex",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "JWTKit", package: "jwt-kit"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strict
        ),
        .executableTarget(
            name: "lectern-api",
            dependencies: ["LecternAPI"],
            swiftSettings: strict
        ),

        // MARK: Media
        .target(
            name: "Transcoder",
            dependencies: [
                "CFFmpeg", "CTesseract", "RenditionLadder", .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: strict
        ),

        // MARK: Worker (links FFmpeg through Transcoder; its metrics port runs on the API's HTTP engine, not the API)
        .target(
            name: "LecternWorker",
            dependencies: [
                "LecternCore", "AWS", "Transcoder",
                "SearchIndex",
                "HTTPServerEngine",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strict
        ),
        .executableTarget(
            name: "lectern-worker",
            dependencies: ["LecternWorker", "LecternCore"],
            swiftSettings: strict
        ),

        // MARK: Executables
        .executableTarget(
            name: "lectern",
            dependencies: [
                "AWS", "SigV4", "Transcoder", "LecternCore", "LecternAPI", "LocalPlatform",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: strict
        ),

        // MARK: Benchmarks (run with `make bench`)
        .executableTarget(
            name: "SigV4Benchmark",
            dependencies: ["SigV4"],
            path: "Benchmarks/SigV4Benchmark",
            swiftSettings: strict
        ),
        .executableTarget(
            name: "RangedReadBenchmark",
            dependencies: ["LecternWorker", "Transcoder", "AWS", "LecternTestSupport"],
            path: "Benchmarks/RangedReadBenchmark",
            swiftSettings: strict
        ),
        .executableTarget(
            name: "TranscodeBenchmark",
            dependencies: ["Transcoder"],
            path: "Benchmarks/TranscodeBenchmark",
            swiftSettings: strict
        ),
        .executableTarget(
            name: "SplitBenchmark",
            dependencies: ["Transcoder"],
            path: "Benchmarks/SplitBenchmark",
            swiftSettings: strict
        ),
        .executableTarget(
            name: "APIBenchmark",
            dependencies: [
                "HTTPServerEngine", "LecternAPI", "LecternCore", "AWS", "LecternTestSupport",
                .product(name: "FlyingFox", package: "FlyingFox"),
            ],
            path: "Benchmarks/APIBenchmark",
            swiftSettings: strict
        ),
        .executableTarget(
            name: "SearchBenchmark",
            dependencies: ["SearchIndex"],
            path: "Benchmarks/SearchBenchmark",
            swiftSettings: strict
        ),
        .executableTarget(
            name: "SplitFleetBenchmark",
            dependencies: ["LecternCore", "AWS", "LecternTestSupport"],
            path: "Benchmarks/SplitFleetBenchmark",
            swiftSettings: strict
        ),
        .executableTarget(
            name: "WorkerBenchmark",
            dependencies: ["LecternCore", "AWS", "LecternTestSupport"],
            path: "Benchmarks/WorkerBenchmark",
            swiftSettings: strict
        ),

        // MARK: Tests
        .target(
            name: "LecternTestSupport",
            dependencies: ["AWS", "SigV4", "HTTPTransport", "LecternCore", "LocalPlatform"],
            swiftSettings: strict
        ),
        .testTarget(
            name: "CaptionsTests",
            dependencies: ["Captions"],
            swiftSettings: strict
        ),
        .testTarget(
            name: "SearchIndexTests",
            dependencies: ["SearchIndex"],
            swiftSettings: strict
        ),
        .testTarget(
            name: "LecternCoreTests",
            dependencies: ["LecternCore", "LecternTestSupport", "SearchIndex", "Captions"],
            swiftSettings: strict
        ),
        .testTarget(
            name: "LocalPlatformTests",
            dependencies: ["LocalPlatform", "LecternCore"],
            swiftSettings: strict
        ),
        .testTarget(
            name: "HTTPServerEngineTests",
            dependencies: ["HTTPServerEngine", "LecternTestSupport", .product(name: "Logging", package: "swift-log")],
            swiftSettings: strict
        ),
        .testTarget(
            name: "LecternAPITests",
            dependencies: ["LecternAPI", "LecternCore", "LecternTestSupport", "Captions", "LecternWorker"],
            swiftSettings: strict
        ),
        .testTarget(
            name: "LecternWorkerTests",
            dependencies: [
                "LecternWorker", "LecternCore", "Transcoder", "LecternTestSupport",
                "SearchIndex",
                "HTTPServerEngine",
            ],
            swiftSettings: strict
        ),
        .testTarget(
            name: "LecternCLITests",
            dependencies: ["AWS", "LecternCore", "LecternAPI", "LecternTestSupport", "LocalPlatform"],
            swiftSettings: strict
        ),
        .testTarget(
            name: "PortalTests",
            dependencies: ["LecternAPI", "LecternCore", "AWS", "LecternTestSupport"],
            exclude: ["portal_browser.py"],
            swiftSettings: strict
        ),
        .testTarget(
            name: "SigV4Tests",
            dependencies: ["SigV4", "LecternTestSupport"],
            exclude: ["botocore_presign.py"],
            swiftSettings: strict
        ),
        .testTarget(
            name: "HTTPTransportTests",
            dependencies: ["HTTPTransport", "LecternTestSupport"],
            exclude: ["http_test_server.py"],
            swiftSettings: strict
        ),
        .testTarget(
            name: "AWSTests",
            dependencies: ["AWS", "SigV4", "HTTPTransport", "LecternTestSupport"],
            exclude: ["botocore_contract.py", "ses_contract.py", "transcribe_contract.py"],
            swiftSettings: strict
        ),
        .testTarget(
            name: "TranscoderTests",
            dependencies: ["Transcoder", "LecternTestSupport"],
            swiftSettings: strict
        ),
        .testTarget(
            name: "DeploymentTests",
            dependencies: ["LecternCore", "LecternTestSupport", .product(name: "Yams", package: "Yams")],
            swiftSettings: strict
        ),
    ],
    swiftLanguageModes: [.v6]
)
