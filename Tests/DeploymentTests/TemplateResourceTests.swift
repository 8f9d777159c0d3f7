import Testing

/// The settings issue 5 asks for, read from the template (cfn-lint checks they are valid, not that they are these).
@Suite struct TemplateResourceTests {
    static func properties(_ id: String) throws -> TemplateValue {
        try #require(try Template.main().resources[id]?["Properties"], "no resource \(id)")
    }

    static func ref(_ name: String) -> TemplateValue { .map(["Ref": .string(name)]) }

    @Test func bucketBlocksPublicAccessEncryptsAndAllowsOnlyThePortal() throws {
        let bucket = try Self.properties("MediaBucket")
        let block = bucket["PublicAccessBlockConfiguration"]?.entries ?? [:]
        #expect(block.count == 4 && block.values.allSatisfy { $0 == .string("true") })
        #expect(
            bucket["BucketEncryption"]?["ServerSideEncryptionConfiguration"]?.items.first?[
                "ServerSideEncryptionByDefault"
            ]?["SSEAlgorithm"] != nil
        )
        let cors = try #require(bucket["CorsConfiguration"]?["CorsRules"]?.items)
        #expect(cors.count == 1)
        #expect(cors.first?["AllowedOrigins"] == .list([Self.ref("PortalOrigin")]))
        #expect(cors.first?["ExposedHeaders"] == .list([.string("ETag")]))
    }

    @Test func bucketLifecycleAbortsUploadsAfterTwoDaysAndMovesSources() throws {
        let rules = try #require(try Self.properties("MediaBucket")["LifecycleConfiguration"]?["Rules"]?.items)
        let abort = rules.first { $0["AbortIncompleteMultipartUpload"] != nil }
        #expect(abort?["AbortIncompleteMultipartUpload"]?["DaysAfterInitiation"] == .string("2"))
        #expect(abort?["Prefix"] == nil, "abort every incomplete upload, not only some prefix")
        let sources = rules.first { $0["Transitions"] != nil }
        #expect(sources?["Prefix"] == .string("uploads/"))
        #expect(sources?["Transitions"]?.items.first?["StorageClass"] == .string("STANDARD_IA"))
    }

    @Test func queueRedrivesAtTheJobLimitsBackstopAndSharesItsTimeoutAndAttemptLimitWithTheWorker() throws {
        let queue = try Self.properties("JobsQueue")
        #expect(queue["RedrivePolicy"]?["maxReceiveCount"] == Self.ref("JobsMaxReceiveCount"))
        #expect(queue["VisibilityTimeout"] == Self.ref("JobVisibilityTimeoutSeconds"))
        let worker = try #require(try Self.properties("WorkerTaskDefinition")["ContainerDefinitions"]?.items.first)
        let environment = (worker["Environment"]?.items ?? []).reduce(into: [String: TemplateValue]()) {
            if let name = $1["Name"]?.string, let value = $1["Value"] { $0[name] = value }
        }
        #expect(environment["LECTERN_JOB_VISIBILITY_SECONDS"] == Self.ref("JobVisibilityTimeoutSeconds"))
        #expect(environment["LECTERN_MAX_ATTEMPTS"] == Self.ref("EncodeAttempts"))
        #expect(worker["StopTimeout"] == Self.ref("WorkerStopTimeoutSeconds"))
        #expect(try Self.properties("JobsDeadLetterQueue")["MessageRetentionPeriod"] == .string(String(14 * 24 * 3600)))
    }

    /// Every API task signs and checks playback grants with the same key, from the secret store; the worker never sees
    /// it.
    @Test func apiTasksShareThePlaybackKeyFromTheSecretStore() throws {
        let secret = try Self.properties("PlaybackKeySecret")
        #expect(secret["GenerateSecretString"]?["PasswordLength"] == .string("64"))
        #expect(
            secret["GenerateSecretString"]?["ExcludePunctuation"] == .string("true"),
            "letters and digits are valid base64"
        )
        let api = try #require(try Self.properties("ApiTaskDefinition")["ContainerDefinitions"]?.items.first)
        let secrets = api["Secrets"]?.items ?? []
        #expect(
            secrets == [.map(["Name": .string("LECTERN_PLAYBACK_KEY"), "ValueFrom": Self.ref("PlaybackKeySecret")])]
        )
        #expect(
            !(api["Environment"]?.items ?? []).contains { $0["Name"] == .string("LECTERN_PLAYBACK_KEY") },
            "a key in plain environment"
        )
        let worker = try #require(try Self.properties("WorkerTaskDefinition")["ContainerDefinitions"]?.items.first)
        #expect(worker["Secrets"] == nil)
    }

    @Test func lecturesTableHasTheCourseIndexAndPointInTimeRecovery() throws {
        let table = try Self.properties("LecturesTable")
        #expect(
            table["KeySchema"] == .list([.map(["AttributeName": .string("lectureId"), "KeyType": .string("HASH")])])
        )
        let index = try #require(table["GlobalSecondaryIndexes"]?.items.first)
        #expect(index["IndexName"] == .string("byCourse"))
        #expect(
            index["KeySchema"]
                == .list([
                    .map(["AttributeName": .string("courseId"), "KeyType": .string("HASH")]),
                    .map(["AttributeName": .string("createdAt"), "KeyType": .string("RANGE")]),
                ])
        )
        #expect(table["PointInTimeRecoverySpecification"]?["PointInTimeRecoveryEnabled"] == .string("true"))
    }

    @Test func workersTakeNoInboundTrafficAndTheAPIOnlyFromTheLoadBalancer() throws {
        #expect(try Self.properties("WorkerSecurityGroup")["SecurityGroupIngress"] == nil)
        let template = try Template.main()
        #expect(
            template.resources(ofType: "AWS::EC2::SecurityGroupIngress").isEmpty,
            "stand-alone ingress rules bypass this check"
        )
        let api = try #require(try Self.properties("ApiSecurityGroup")["SecurityGroupIngress"]?.items)
        #expect(api.count == 1)
        #expect(api.first?["SourceSecurityGroupId"] == Self.ref("LoadBalancerSecurityGroup"))
        #expect(api.first?["CidrIp"] == nil)
        for service in ["ApiService", "WorkerService"] {
            let network = try Self.properties(service)["NetworkConfiguration"]?["AwsvpcConfiguration"]
            #expect(network?["AssignPublicIp"] == .string("DISABLED"), "\(service)")
            #expect(
                network?["Subnets"] == .list([Self.ref("PrivateSubnetA"), Self.ref("PrivateSubnetB")]),
                "\(service)"
            )
        }
    }

    /// Issue 19: API and worker read outcome mail from the same parameters, off by default; links go to the portal.
    @Test func apiAndWorkerShareTheOutcomeMailSettingsWhichAreOffByDefault() throws {
        for definition in ["ApiTaskDefinition", "WorkerTaskDefinition"] {
            let container = try #require(try Self.properties(definition)["ContainerDefinitions"]?.items.first)
            let environment = (container["Environment"]?.items ?? []).reduce(into: [String: TemplateValue]()) {
                if let name = $1["Name"]?.string, let value = $1["Value"] { $0[name] = value }
            }
            #expect(environment["LECTERN_NOTIFY_EMAIL"] == Self.ref("NotifyEmail"), "\(definition)")
            #expect(environment["LECTERN_NOTIFY_FROM"] == Self.ref("NotifyFrom"), "\(definition)")
            #expect(environment["LECTERN_PORTAL_URL"] == Self.ref("PortalOrigin"), "\(definition)")
        }
        let template = try Template.main()
        #expect(template.parameters["NotifyEmail"]?["Default"] == .string("off"))
        #expect(template.parameters["NotifyEmail"]?["AllowedValues"] == .list([.string("off"), .string("ses")]))
        #expect(template.root["Rules"]?["NotifyNeedsASender"] != nil)
    }

    /// Issue 14: API and worker read the caption engine from one parameter, off unless the deployer says otherwise,
    /// so the lecture view never says "unavailable" while workers draft (or the reverse).
    @Test func apiAndWorkerShareTheCaptionEngineSettingWhichIsOffByDefault() throws {
        func environment(_ definition: String) throws -> [String: TemplateValue] {
            let container = try #require(try Self.properties(definition)["ContainerDefinitions"]?.items.first)
            return (container["Environment"]?.items ?? []).reduce(into: [String: TemplateValue]()) {
                if let name = $1["Name"]?.string, let value = $1["Value"] { $0[name] = value }
            }
        }
        #expect(try environment("ApiTaskDefinition")["LECTERN_CAPTIONS_ENGINE"] == Self.ref("CaptionsEngine"))
        #expect(try environment("WorkerTaskDefinition")["LECTERN_CAPTIONS_ENGINE"] == Self.ref("CaptionsEngine"))
        #expect(try environment("WorkerTaskDefinition")["LECTERN_CAPTIONS_LANGUAGES"] == Self.ref("CaptionsLanguages"))
        let parameter = try #require(try Template.main().parameters["CaptionsEngine"])
        #expect(parameter["Default"] == .string("off"))
        #expect(parameter["AllowedValues"] == .list([.string("off"), .string("transcribe")]))
    }

    /// Issue 13 §3: metrics are not reachable through the balancer at all (no path rule to get wrong), and the
    /// failed sign-in limit keys on the address the balancer appends, which only it can write.
    @Test func apiMetricsStayInsideTheTaskAndTheClientIsTheBalancersEntry() throws {
        let api = try #require(try Self.properties("ApiTaskDefinition")["ContainerDefinitions"]?.items.first)
        let environment = (api["Environment"]?.items ?? []).reduce(into: [String: TemplateValue]()) {
            if let name = $1["Name"]?.string, let value = $1["Value"] { $0[name] = value }
        }
        #expect(environment["PORT"] == .string("8080"))
        #expect(environment["METRICS_PORT"] == .string("9101"))
        #expect(environment["METRICS_HOST"] == nil, "metrics stay on loopback, the API's default")
        #expect(
            (api["PortMappings"]?.items ?? []).map { $0["ContainerPort"] } == [.string("8080")],
            "only the API's port is mapped"
        )
        #expect(try Self.properties("ApiTargetGroup")["Port"] == .string("8080"))
        #expect(environment["LECTERN_FORWARDED_HOPS"] == .string("1"))
        let attributes = try Self.properties("LoadBalancer")["LoadBalancerAttributes"]?.items ?? []
        #expect(
            attributes.contains {
                $0["Key"] == .string("routing.http.xff_header_processing.mode") && $0["Value"] == .string("append")
            }
        )
    }

    @Test func endpointsForS3SQSAndDynamoDB() throws {
        let endpoints = try Template.main().resources(ofType: "AWS::EC2::VPCEndpoint")
        var types: [String: String] = [:]
        for endpoint in endpoints {
            let service = endpoint.properties["ServiceName"]?.reference ?? ""
            types[String(service.split(separator: ".").last ?? "")] = endpoint.properties["VpcEndpointType"]?.string
        }
        #expect(types == ["s3": "Gateway", "dynamodb": "Gateway", "sqs": "Interface"])
    }

    @Test func apiListensOverHTTPSAndWorkersRunOnFargateSpot() throws {
        #expect(try Self.properties("HttpsListener")["Protocol"] == .string("HTTPS"))
        let strategy = try Self.properties("WorkerService")["CapacityProviderStrategy"]?.items ?? []
        #expect(strategy.contains { $0["CapacityProvider"] == .string("FARGATE_SPOT") })
        #expect(try Self.properties("Cluster")["CapacityProviders"]?.items.contains(.string("FARGATE_SPOT")) == true)
    }

    @Test func alarmsWatchTheDeadLetterDepthAndTheOldestJob() throws {
        let alarms = try Template.main().resources(ofType: "AWS::CloudWatch::Alarm").map(\.properties)
        let dlq = alarms.first { $0["MetricName"] == .string("ApproximateNumberOfMessagesVisible") }
        #expect(
            dlq?["Dimensions"]?.items.first?["Value"]
                == .map(["Fn::GetAtt": .list([.string("JobsDeadLetterQueue"), .string("QueueName")])])
        )
        let age = alarms.first { $0["MetricName"] == .string("ApproximateAgeOfOldestMessage") }
        #expect(
            age?["Dimensions"]?.items.first?["Value"]
                == .map(["Fn::GetAtt": .list([.string("JobsQueue"), .string("QueueName")])])
        )
    }
}
