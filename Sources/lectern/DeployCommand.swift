import ArgumentParser
import Foundation
import LecternCore

struct DeployCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "deploy",
        abstract: "Deployment helpers.",
        subcommands: [Parameters.self]
    )

    /// The scaling numbers live once, in `ScalingPolicy`; the CloudFormation template declares them as parameters
    /// without defaults, so a deploy that forgets this command fails instead of drifting from the local pool.
    struct Parameters: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print ScalingPolicy's numbers as CloudFormation parameter overrides.",
            discussion: """
                key-value (default): one Key=Value per line, for \
                `aws cloudformation deploy --parameter-overrides $(lectern deploy parameters)`. \
                json: [{"ParameterKey": …, "ParameterValue": …}], for `create-stack --parameters file://…`.
                """
        )

        enum Format: String, ExpressibleByArgument, CaseIterable {
            case keyValue = "key-value"
            case json
        }

        @Option(help: "Output format: \(Format.allCases.map(\.rawValue).joined(separator: ", ")).")
        var format: Format = .keyValue

        func run() throws {
            let parameters = DeploymentParameters.scaling()
            switch format {
            case .keyValue:
                for parameter in parameters { print("\(parameter.key)=\(parameter.value)") }
            case .json:
                print(try DeploymentParameters.json(parameters))
            }
        }
    }
}

/// The template parameters that carry `ScalingPolicy`'s numbers, in the order the template declares them.
enum DeploymentParameters {
    static func scaling() -> [(key: String, value: String)] {
        [
            ("TargetBacklogPerTask", String(ScalingPolicy.defaultTargetBacklogPerWorker)),
            ("ScaleOutCooldownSeconds", String(ScalingPolicy.defaultScaleOutCooldownSeconds)),
            ("ScaleInCooldownSeconds", String(ScalingPolicy.defaultScaleInCooldownSeconds)),
            ("EncodeAttempts", String(JobLimits.default.encodeAttempts)),
            ("JobsMaxReceiveCount", String(JobLimits.default.queueMaxReceiveCount)),
        ]
    }

    private struct Entry: Encodable {
        let ParameterKey: String
        let ParameterValue: String
    }

    static func json(_ parameters: [(key: String, value: String)]) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        let data = try encoder.encode(parameters.map { Entry(ParameterKey: $0.key, ParameterValue: $0.value) })
        return String(decoding: data, as: UTF8.self)
    }
}
