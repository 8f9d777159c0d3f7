import Foundation
import LecternCore
import LecternTestSupport
import Testing

/// ScalingPolicy's numbers are written once, in Swift: the template takes them as parameters without defaults and
/// `lectern deploy parameters` (which deploy.sh uses) supplies them.
@Suite struct ScalingParametersTests {
    static let fromScalingPolicy: [String: String] = [
        "TargetBacklogPerTask": String(ScalingPolicy.defaultTargetBacklogPerWorker),
        "ScaleOutCooldownSeconds": String(ScalingPolicy.defaultScaleOutCooldownSeconds),
        "ScaleInCooldownSeconds": String(ScalingPolicy.defaultScaleInCooldownSeconds),
        "EncodeAttempts": String(JobLimits.default.encodeAttempts),
        "JobsMaxReceiveCount": String(JobLimits.default.queueMaxReceiveCount),
    ]

    static func keyValues(_ text: String) -> [String: String] {
        var pairs: [String: String] = [:]
        for line in text.split(separator: "\n") {
            let parts = line.split(separator: "=", maxSplits: 1)
            if parts.count == 2 { pairs[String(parts[0])] = String(parts[1]) }
        }
        return pairs
    }

    static func scalingPolicies(_ template: Template) -> [String: TemplateValue] {
        Dictionary(
            uniqueKeysWithValues: template.resources(ofType: "AWS::ApplicationAutoScaling::ScalingPolicy")
                .map { ($0.id, $0.properties) }
        )
    }

    @Test func scalingParametersHaveNoDefaults() throws {
        let parameters = try Template.main().parameters
        for name in Self.fromScalingPolicy.keys.sorted() {
            let parameter = try #require(parameters[name], "the template lacks parameter \(name)")
            #expect(parameter["Default"] == nil, "\(name) has a default; it must come from ScalingPolicy")
            #expect(parameter["Type"]?.string == "Number")
        }
    }

    @Test func theScalingPoliciesUseTheParametersNotLiterals() throws {
        let policies = Self.scalingPolicies(try Template.main())
        let tracking = try #require(policies["WorkerBacklogTracking"]?["TargetTrackingScalingPolicyConfiguration"])
        #expect(tracking["TargetValue"] == .map(["Ref": .string("TargetBacklogPerTask")]))
        #expect(tracking["ScaleOutCooldown"] == .map(["Ref": .string("ScaleOutCooldownSeconds")]))
        #expect(tracking["ScaleInCooldown"] == .map(["Ref": .string("ScaleInCooldownSeconds")]))
        let wakeUp = try #require(policies["WorkerWakeUp"]?["StepScalingPolicyConfiguration"])
        #expect(wakeUp["Cooldown"] == .map(["Ref": .string("ScaleOutCooldownSeconds")]))
    }

    /// ScalingPolicy.desiredWorkers's backlog is visible + in flight; the deployment divides the same sum by the
    /// running tasks, and may scale to zero.
    @Test func targetTrackingDividesVisiblePlusInFlightByRunningTasks() throws {
        let template = try Template.main()
        let tracking = try #require(
            Self.scalingPolicies(template)["WorkerBacklogTracking"]?["TargetTrackingScalingPolicyConfiguration"]
        )
        let metrics = tracking["CustomizedMetricSpecification"]?["Metrics"]?.items ?? []
        var names: [String: String] = [:]
        var expression: String?
        for metric in metrics {
            let id = metric["Id"]?.string ?? "?"
            if let name = metric["MetricStat"]?["Metric"]?["MetricName"]?.string { names[id] = name }
            if let text = metric["Expression"]?.string { expression = text }
        }
        #expect(
            Set(names.values) == [
                "ApproximateNumberOfMessagesVisible", "ApproximateNumberOfMessagesNotVisible", "RunningTaskCount",
            ]
        )
        let visible = try #require(names.first { $0.value == "ApproximateNumberOfMessagesVisible" }?.key)
        let inFlight = try #require(names.first { $0.value == "ApproximateNumberOfMessagesNotVisible" }?.key)
        let running = try #require(names.first { $0.value == "RunningTaskCount" }?.key)
        #expect(expression == "(\(visible) + \(inFlight)) / \(running)")

        let target = try #require(
            template.resources(ofType: "AWS::ApplicationAutoScaling::ScalableTarget").first?.properties
        )
        #expect(target["MinCapacity"]?.string == "0")
        #expect(target["MaxCapacity"] == .map(["Ref": .string("WorkerMaxTasks")]))
    }

    @Test func lecternDeployParametersPrintsScalingPolicy() async throws {
        let run = try await BuiltProducts.run("lectern", ["deploy", "parameters"])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(Self.keyValues(run.stdout) == Self.fromScalingPolicy)
        #expect(run.stdout.split(separator: "\n").count == Self.fromScalingPolicy.count)
    }

    @Test func lecternDeployParametersAsJSON() async throws {
        let run = try await BuiltProducts.run("lectern", ["deploy", "parameters", "--format", "json"])
        #expect(run.status == 0, "\(run.stderr)")
        let entries = try JSONDecoder().decode([[String: String]].self, from: Data(run.stdout.utf8))
        var pairs: [String: String] = [:]
        for entry in entries { pairs[entry["ParameterKey"] ?? "?"] = entry["ParameterValue"] }
        #expect(pairs == Self.fromScalingPolicy)
    }

    @Test func lecternDeployParametersRejectsAnUnknownFormat() async throws {
        let run = try await BuiltProducts.run("lectern", ["deploy", "parameters", "--format", "toml"])
        #expect(run.status != 0)
        #expect(run.stderr.contains("toml"))
    }

    /// Every parameter the printed overrides name exists in the template; a rename on either side fails here.
    @Test func everyPrintedKeyIsATemplateParameter() async throws {
        let run = try await BuiltProducts.run("lectern", ["deploy", "parameters"])
        let parameters = try Template.main().parameters
        for key in Self.keyValues(run.stdout).keys.sorted() {
            #expect(parameters[key] != nil, "\(key) is printed but the template has no such parameter")
        }
    }

    @Test func deployScriptPassesTheOverridesFromLectern() async throws {
        let lectern = try BuiltProducts.executable("lectern")
        let script = Template.folder.appendingPathComponent("deploy.sh").path
        let run = try await ExternalCommand.run(
            "bash",
            [
                script, "lectern-test", "CertificateArn=arn:aws:acm:eu-west-1:1:certificate/x",
                "PortalOrigin=https://portal.example.edu", "ImageTag=abc123",
            ],
            environment: ["DRY_RUN": "1", "LECTERN": lectern]
        )
        #expect(run.status == 0, "\(run.stderr)")
        for (key, value) in Self.fromScalingPolicy.sorted(by: { $0.key < $1.key }) {
            #expect(run.stdout.contains(" \(key)=\(value) "), "deploy.sh did not pass \(key)=\(value):\n\(run.stdout)")
        }
        #expect(run.stdout.contains("--parameter-overrides"))
        #expect(run.stdout.contains("ImageTag=abc123"))
    }

    @Test func deployScriptRefusesAScalingOverride() async throws {
        let lectern = try BuiltProducts.executable("lectern")
        let script = Template.folder.appendingPathComponent("deploy.sh").path
        let run = try await ExternalCommand.run(
            "bash",
            [script, "lectern-test", "TargetBacklogPerTask=9"],
            environment: ["DRY_RUN": "1", "LECTERN": lectern]
        )
        #expect(run.status == 2)
        #expect(run.stderr.contains("ScalingPolicy"))
    }
}
