import Foundation
import Testing

/// Docker has no engine on this machine: the images are checked as text (stages, packages, user, health check).
@Suite struct DockerfileTests {
    @Test func apiImageIsAsStated() throws {
        let problems = ImageExpectation.api.problems(in: try Dockerfile(try Dockerfile.load("Dockerfile.api")))
        #expect(problems.isEmpty, "Dockerfile.api:\n\(problems.joined(separator: "\n"))")
    }

    @Test func workerImageIsAsStated() throws {
        let problems = ImageExpectation.worker.problems(in: try Dockerfile(try Dockerfile.load("Dockerfile.worker")))
        #expect(problems.isEmpty, "Dockerfile.worker:\n\(problems.joined(separator: "\n"))")
    }

    @Test func apiImageInstallsNoFFmpegLibrariesInAnyStage() throws {
        let dockerfile = try Dockerfile(try Dockerfile.load("Dockerfile.api"))
        for stage in dockerfile.stages {
            #expect(stage.aptPackages.filter(ImageExpectation.isFFmpeg).isEmpty, "stage \(stage.image)")
        }
    }

    @Test func workerRuntimeHasFFmpegButNotItsDevelopmentPackages() throws {
        let dockerfile = try Dockerfile(try Dockerfile.load("Dockerfile.worker"))
        let runtime = try #require(dockerfile.stages.last)
        #expect(runtime.aptPackages.contains("libavcodec59"))
        #expect(!runtime.aptPackages.contains { $0.hasSuffix("-dev") })
        let build = try #require(dockerfile.stages.first)
        #expect(
            build.aptPackages.isSuperset(of: [
                "libavformat-dev", "libavcodec-dev", "libavutil-dev", "libswscale-dev",
                "libswresample-dev", "libavfilter-dev",
            ])
        )
    }

    @Test func apiImageSetsAMetricsPortApartFromTheAPIsAndExposesOnlyTheAPI() throws {
        let runtime = try #require(try Dockerfile(try Dockerfile.load("Dockerfile.api")).stages.last)
        let environment = runtime.all("ENV").joined(separator: " ")
        #expect(environment.contains("PORT=8080") && environment.contains("METRICS_PORT=9101"))
        #expect(runtime.all("EXPOSE") == ["8080"])
    }

    @Test func dockerignoreKeepsBuildFoldersOut() throws {
        let text = try String(
            contentsOf: BuiltProductsRoot.url.appendingPathComponent(".dockerignore"),
            encoding: .utf8
        )
        let entries = Set(text.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) })
        #expect(entries.contains(".build/") || entries.contains(".build"))
        #expect(entries.contains(".git"))
        // The manifest names every target, so the folders the build copies must not be ignored.
        for needed in ["Sources", "Sources/", "Tests", "Tests/", "Benchmarks", "Benchmarks/", "Package.swift"] {
            #expect(!entries.contains(needed), "\(needed) is ignored but the build copies it")
        }
    }

    // MARK: the checker catches what it is for

    @Test func anFFmpegLibraryInTheAPIImageIsCaught() throws {
        let text = try Dockerfile.load("Dockerfile.api")
        let broken = text.replacingOccurrences(
            of: "install -y --no-install-recommends libcurl4 libxml2",
            with: "install -y --no-install-recommends libavcodec59 libcurl4 libxml2"
        )
        #expect(broken != text)
        let problems = ImageExpectation.api.problems(in: try Dockerfile(broken))
        #expect(problems.contains { $0.contains("must not install FFmpeg libraries: libavcodec59") })
    }

    @Test func aRootOrMissingUserIsCaught() throws {
        let text = try Dockerfile.load("Dockerfile.worker")
        let asRoot = text.replacingOccurrences(of: "USER lectern:lectern", with: "USER root")
        let noUser = text.replacingOccurrences(of: "USER lectern:lectern\n", with: "")
        #expect(asRoot != text && noUser != text)
        #expect(ImageExpectation.worker.problems(in: try Dockerfile(asRoot)).contains { $0.contains("runs as root") })
        #expect(ImageExpectation.worker.problems(in: try Dockerfile(noUser)).contains { $0.contains("no USER") })
    }

    @Test func aSingleStageImageIsCaught() throws {
        let single = """
            FROM swift:6.3-bookworm
            RUN swift build -c release --static-swift-stdlib --product lectern-api
            ENTRYPOINT ["/src/.build/release/lectern-api"]
            """
        #expect(
            ImageExpectation.api.problems(in: try Dockerfile(single)) == [
                "expected a build stage and a runtime stage, found 1 stage(s)"
            ]
        )
    }

    @Test func continuationLinesAndCommentsAreRead() throws {
        let text = """
            FROM debian:bookworm-slim AS runtime
            # a comment
            RUN apt-get update \\
             && apt-get install -y --no-install-recommends \\
                  libcurl4 libxml2 \\
             && rm -rf /var/lib/apt/lists/*
            """
        let stage = try #require(try Dockerfile(text).stages.first)
        #expect(stage.name == "runtime")
        #expect(stage.aptPackages == ["libcurl4", "libxml2"])
    }
}
