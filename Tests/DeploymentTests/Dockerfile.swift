import Foundation

/// A Dockerfile read into stages and instructions: continuation lines joined, comments dropped. Enough to check
/// what an image is built from and what it installs; it does not evaluate ARGs or variables.
struct Dockerfile: Sendable {
    struct Instruction: Sendable {
        let keyword: String
        let arguments: String
    }

    struct Stage: Sendable {
        let image: String
        let name: String?
        var instructions: [Instruction] = []

        func all(_ keyword: String) -> [String] {
            instructions.filter { $0.keyword == keyword }.map(\.arguments)
        }

        /// Packages named by `apt-get install` in this stage's RUN instructions (flags left out).
        var aptPackages: Set<String> {
            var packages: Set<String> = []
            for command in all("RUN") {
                for step in command.components(separatedBy: "&&").flatMap({ $0.components(separatedBy: ";") }) {
                    let words = step.split(whereSeparator: \.isWhitespace).map(String.init)
                    guard let install = words.firstIndex(of: "install"),
                        words[..<install].contains(where: { $0.hasSuffix("apt-get") || $0 == "apt" })
                    else { continue }
                    packages.formUnion(words[(install + 1)...].filter { !$0.hasPrefix("-") })
                }
            }
            return packages
        }

        /// The last USER, which is who the container runs as.
        var user: String? { all("USER").last?.trimmingCharacters(in: .whitespaces) }
    }

    let stages: [Stage]

    struct Malformed: Error, CustomStringConvertible {
        let description: String
    }

    init(_ text: String) throws {
        var logical: [String] = []
        var pending = ""
        for raw in text.split(separator: "\n", omittingEmptySubsequences: false) {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.hasPrefix("#") || (line.isEmpty && pending.isEmpty) { continue }
            if line.hasSuffix("\\") {
                pending += line.dropLast() + " "
            } else {
                logical.append(pending + line)
                pending = ""
            }
        }
        if !pending.isEmpty { logical.append(pending) }

        var stages: [Stage] = []
        for line in logical where !line.isEmpty {
            let keyword = String(line.prefix { !$0.isWhitespace }).uppercased()
            let arguments = line.dropFirst(keyword.count).trimmingCharacters(in: .whitespaces)
            if keyword == "FROM" {
                let words = arguments.split(whereSeparator: \.isWhitespace).map(String.init).filter {
                    !$0.hasPrefix("--")
                }
                guard let image = words.first else { throw Malformed(description: "FROM without an image") }
                let name = words.count >= 3 && words[1].uppercased() == "AS" ? words[2] : nil
                stages.append(Stage(image: image, name: name))
            } else {
                guard !stages.isEmpty else { continue }  // ARG before FROM
                stages[stages.count - 1].instructions.append(Instruction(keyword: keyword, arguments: arguments))
            }
        }
        self.stages = stages
    }

    static func load(_ name: String) throws -> String {
        try String(contentsOf: BuiltProductsRoot.url.appendingPathComponent(name), encoding: .utf8)
    }
}

/// What issue 5 asks of each image, as a list of what is wrong (empty when right).
struct ImageExpectation: Sendable {
    let product: String
    let runtimePackages: Set<String>
    let mayLinkFFmpeg: Bool

    static let api = ImageExpectation(
        product: "lectern-api",
        runtimePackages: ["libcurl4", "libxml2", "ca-certificates", "tzdata", "curl"],
        mayLinkFFmpeg: false
    )
    static let worker = ImageExpectation(
        product: "lectern-worker",
        runtimePackages: [
            "libavformat59", "libavcodec59", "libavutil57", "libswscale6",
            "libswresample4", "libavfilter8", "libcurl4", "libxml2",
            "ca-certificates", "tzdata", "curl",
            "libtesseract5", "tesseract-ocr-eng",  // slide text (issue #16)
        ],
        mayLinkFFmpeg: true
    )

    static func isFFmpeg(_ package: String) -> Bool {
        ["libav", "libsw", "libpostproc", "ffmpeg"].contains { package.hasPrefix($0) }
    }

    func problems(in dockerfile: Dockerfile) -> [String] {
        var problems: [String] = []
        guard dockerfile.stages.count >= 2, let build = dockerfile.stages.first, let runtime = dockerfile.stages.last
        else {
            return ["expected a build stage and a runtime stage, found \(dockerfile.stages.count) stage(s)"]
        }
        if !(build.image.hasPrefix("swift:6.") && build.image.hasSuffix("-bookworm")) {
            problems.append("build stage is \(build.image), not a swift:6.x-bookworm image")
        }
        let buildCommand = "swift build -c release --static-swift-stdlib --product \(product)"
        if !build.all("RUN").contains(where: { $0.contains(buildCommand) }) {
            problems.append("build stage never runs `\(buildCommand)`")
        }
        if runtime.image != "debian:bookworm-slim" {
            problems.append("runtime stage is \(runtime.image), not debian:bookworm-slim")
        }
        if let name = build.name {
            if !runtime.all("COPY").contains(where: { $0.contains("--from=\(name)") }) {
                problems.append("runtime stage copies nothing from the build stage \(name)")
            }
        } else {
            problems.append("build stage has no name (FROM … AS build)")
        }
        let installed = runtime.aptPackages
        let missing = runtimePackages.subtracting(installed), extra = installed.subtracting(runtimePackages)
        if !missing.isEmpty { problems.append("runtime stage lacks \(missing.sorted().joined(separator: ", "))") }
        if !extra.isEmpty { problems.append("runtime stage also installs \(extra.sorted().joined(separator: ", "))") }
        if !mayLinkFFmpeg {
            let media = installed.filter(Self.isFFmpeg)
            if !media.isEmpty {
                problems.append(
                    "\(product) must not install FFmpeg libraries: \(media.sorted().joined(separator: ", "))"
                )
            }
        }
        switch runtime.user {
        case nil: problems.append("runtime stage has no USER: it would run as root")
        case let user? where ["root", "0"].contains(user.split(separator: ":").first.map(String.init) ?? user):
            problems.append("runtime stage runs as \(user)")
        default: break
        }
        let checks = runtime.all("HEALTHCHECK")
        if checks.isEmpty || checks.last?.uppercased().hasPrefix("NONE") == true {
            problems.append("runtime stage has no HEALTHCHECK")
        }
        if !(runtime.all("ENTRYPOINT") + runtime.all("CMD")).contains(where: { $0.contains("/\(product)") }) {
            problems.append("runtime stage does not start \(product)")
        }
        return problems
    }
}
