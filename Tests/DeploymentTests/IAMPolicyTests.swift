import Testing

/// The task roles grant exactly what issue 5 lists, each on its own prefix, queue or table, and nothing else.
@Suite struct IAMPolicyTests {
    static let bucketUploads = "${MediaBucket.Arn}/uploads/*"
    static let bucketRenditions = "${MediaBucket.Arn}/renditions/*"
    static let bucketCaptions = "${MediaBucket.Arn}/captions/*"
    static let bucketSearch = "${MediaBucket.Arn}/search/*"  // course search indexes (issue 16)
    static let bucketPartFiles = "${MediaBucket.Arn}/renditions/*/chunks/*"  // a split encode's parts (issue 15)
    static let queue = "${JobsQueue.Arn}"
    static let deadLetters = "${JobsDeadLetterQueue.Arn}"
    static let table = "${LecturesTable.Arn}"
    static let courseIndex = "${LecturesTable.Arn}/index/byCourse"
    static let outboxIndex = "${LecturesTable.Arn}/index/outbox"

    static let api: [String: Set<String>] = [
        // Create uploads (PutObject covers Create/UploadPart/CompleteMultipartUpload), only under uploads/.
        // … and caption files (issue 14), written by the API itself.
        "s3:PutObject": [bucketUploads, bucketCaptions, bucketSearch],
        "s3:AbortMultipartUpload": [bucketUploads],
        "s3:ListMultipartUploadParts": [bucketUploads],
        // Read renditions (and HEAD a finished single-PUT upload); delete a lecture's objects (listing them first).
        "s3:GetObject": [bucketRenditions, bucketUploads, bucketCaptions, bucketSearch],
        "s3:DeleteObject": [bucketUploads, bucketRenditions, bucketCaptions, bucketSearch],
        "s3:ListBucket": ["${MediaBucket.Arn}"],
        // Enqueue, read depths for /v1/ops/queue, redrive from the DLQ, sweep the DLQ (DeadLetterSweep).
        "sqs:SendMessage": [queue],
        "sqs:GetQueueAttributes": [queue, deadLetters],
        "sqs:ReceiveMessage": [deadLetters],
        "sqs:DeleteMessage": [deadLetters],
        "sqs:ChangeMessageVisibility": [deadLetters],
        "sqs:StartMessageMoveTask": [deadLetters],
        "sqs:ListMessageMoveTasks": [deadLetters],
        "sqs:CancelMessageMoveTask": [deadLetters],
        // Its table and the byCourse index; the outbox index for the enqueue sweeper.
        "dynamodb:GetItem": [table, courseIndex],
        "dynamodb:PutItem": [table, courseIndex],
        "dynamodb:UpdateItem": [table, courseIndex],
        "dynamodb:DeleteItem": [table, courseIndex],
        "dynamodb:Query": [table, courseIndex, outboxIndex],
        // The DLQ sweeper mails the uploader of a lecture it fails.
        "ses:SendEmail": [senderIdentity],
    ]

    /// The one SES identity outcome mail is sent as (issue 19); granted only when NotifyEmail=ses
    /// (`OutcomeMailPolicy`).
    static let senderIdentity = "arn:${AWS::Partition}:ses:${AWS::Region}:${AWS::AccountId}:identity/${NotifyIdentity}"

    static let transcriptionJobs =
        "arn:${AWS::Partition}:transcribe:${AWS::Region}:${AWS::AccountId}:transcription-job/lectern-*"

    static let worker: [String: Set<String>] = [
        // Sources; for caption drafts (issue 14) the published MP4 Transcribe reads with the worker's rights, the VTT
        // it wrote under captions/, and the published timeline the machine track's segments follow.
        "s3:GetObject": [bucketUploads, bucketRenditions, bucketCaptions, bucketSearch],
        "s3:PutObject": [bucketRenditions, bucketCaptions, bucketSearch],
        // Publishing the machine track retires older caption versions (listing captions/ only); a split lecture's
        // stitch removes its parts' own files once published (listing them).
        "s3:DeleteObject": [bucketCaptions, bucketSearch, bucketPartFiles],
        "s3:ListBucket": ["${MediaBucket.Arn}"],
        "s3:AbortMultipartUpload": [bucketRenditions],
        "sqs:ReceiveMessage": [queue],
        "sqs:DeleteMessage": [queue],
        "sqs:ChangeMessageVisibility": [queue],
        "sqs:GetQueueAttributes": [queue],
        // Permanent failures to the DLQ; the caption draft's delayed start and poll messages to the jobs queue.
        "sqs:SendMessage": [deadLetters, queue],
        // Transcribe jobs named lectern-*, nothing else of Transcribe's.
        "transcribe:StartTranscriptionJob": [transcriptionJobs],
        "transcribe:GetTranscriptionJob": [transcriptionJobs],
        "transcribe:DeleteTranscriptionJob": [transcriptionJobs],
        "dynamodb:GetItem": [table],
        "dynamodb:UpdateItem": [table],
        // Outcome mail: "ready" after publish, "failed" when the worker gives up.
        "ses:SendEmail": [senderIdentity],
        // The course search index pointer (search#<course> keys only), swapped with a conditional put.
        "dynamodb:PutItem": [table],
        // Scale-in protection through $ECS_AGENT_URI, limited to this cluster's tasks.
        "ecs:GetTaskProtection": ["arn:${AWS::Partition}:ecs:${AWS::Region}:${AWS::AccountId}:task/${Cluster}/*"],
        "ecs:UpdateTaskProtection": ["arn:${AWS::Partition}:ecs:${AWS::Region}:${AWS::AccountId}:task/${Cluster}/*"],
    ]

    static let repositories: Set<String> = [
        "arn:${AWS::Partition}:ecr:${AWS::Region}:${AWS::AccountId}:repository/${ApiImageRepository}",
        "arn:${AWS::Partition}:ecr:${AWS::Region}:${AWS::AccountId}:repository/${WorkerImageRepository}",
    ]
    static let logStreams: Set<String> = [
        "arn:${AWS::Partition}:logs:${AWS::Region}:${AWS::AccountId}:log-group:${ApiLogGroup}:log-stream:*",
        "arn:${AWS::Partition}:logs:${AWS::Region}:${AWS::AccountId}:log-group:${WorkerLogGroup}:log-stream:*",
    ]
    static let execution: [String: Set<String>] = [
        "ecr:GetAuthorizationToken": ["*"],  // no resource type: the documented exception
        "ecr:BatchCheckLayerAvailability": repositories,
        "ecr:BatchGetImage": repositories,
        "ecr:GetDownloadUrlForLayer": repositories,
        "logs:CreateLogStream": logStreams,
        "logs:PutLogEvents": logStreams,
        // The playback grant key, for the API container (issue 13): that one secret only.
        "secretsmanager:GetSecretValue": ["${PlaybackKeySecret}"],
    ]

    @Test func theTemplateHasTheThreeRolesAndNoOthers() throws {
        let template = try Template.main()
        #expect(IAMAudit.roles(in: template) == ["ApiTaskRole", "WorkerTaskRole", "TaskExecutionRole"])
    }

    @Test func apiRoleGrantsExactlyTheListedActionsOnTheirResources() throws {
        let template = try Template.main()
        #expect(IAMAudit.grants(of: "ApiTaskRole", in: template) == Self.api)
    }

    @Test func workerRoleGrantsExactlyTheListedActionsOnTheirResources() throws {
        let template = try Template.main()
        #expect(IAMAudit.grants(of: "WorkerTaskRole", in: template) == Self.worker)
    }

    @Test func executionRoleOnlyPullsTheTwoImagesWritesTheTwoLogGroupsAndReadsThePlaybackKey() throws {
        let template = try Template.main()
        #expect(IAMAudit.grants(of: "TaskExecutionRole", in: template) == Self.execution)
    }

    @Test func listingTheBucketIsLimitedToTheLecturePrefixes() throws {
        let template = try Template.main()
        let listing = IAMAudit.statements(in: template).filter { $0.actions.contains("s3:ListBucket") }
        // The API's (deleting a lecture) and the worker's (retiring caption versions of a machine track, removing a
        // split lecture's part files).
        #expect(listing.count == 2)
        let prefixes = listing.map { statement -> Set<String> in
            Set(statement.condition?["StringLike"]?["s3:prefix"]?.items.compactMap(\.string) ?? [])
        }
        #expect(
            Set(prefixes) == [["uploads/*", "renditions/*", "captions/*"], ["captions/*", "renditions/*/chunks/*"]]
        )
    }

    @Test func outcomeMailIsSentOnlyWhenOnAndOnlyFromTheConfiguredSender() throws {
        let template = try Template.main()
        let policy = try #require(template.resources["OutcomeMailPolicy"])
        #expect(policy["Condition"]?.string == "NotifyByEmail")
        let sending = IAMAudit.statements(in: template).filter { $0.actions.contains("ses:SendEmail") }
        #expect(Set(sending.compactMap(\.role)) == ["ApiTaskRole", "WorkerTaskRole"])
        for statement in sending {
            #expect(statement.actions == ["ses:SendEmail"])
            #expect(statement.condition?["StringEquals"]?["ses:FromAddress"] == .map(["Ref": .string("NotifyFrom")]))
        }
    }

    @Test func everyTemplateIsFreeOfWildcardGrants() throws {
        for url in try Template.all() {
            let problems = IAMAudit.violations(in: try Template.load(url))
            #expect(problems.isEmpty, "\(url.lastPathComponent):\n\(problems.joined(separator: "\n"))")
        }
    }

    @Test func theOnlyStarResourceIsTheDocumentedException() throws {
        let template = try Template.main()
        let starred = IAMAudit.statements(in: template).filter { $0.allows && $0.resources.contains(.string("*")) }
        #expect(Set(starred.flatMap(\.actions)) == IAMAudit.actionsWithoutResourceTypes)
    }

    // MARK: the checker catches what it is for

    static func adding(_ statement: TemplateValue, to role: String, in template: Template) -> Template {
        var broken = template
        broken.root.modify(["Resources", role, "Properties", "Policies", "0", "PolicyDocument", "Statement"]) {
            statements in
            if case .list(let items) = statements { statements = .list(items + [statement]) }
        }
        return broken
    }

    static func allow(_ actions: [String], on resources: [TemplateValue]) -> TemplateValue {
        .map([
            "Effect": .string("Allow"), "Action": .list(actions.map(TemplateValue.string)),
            "Resource": .list(resources),
        ])
    }

    @Test func anAddedS3WildcardIsCaught() throws {
        let template = try Template.main()
        let broken = Self.adding(
            Self.allow(["s3:*"], on: [.map(["Fn::Sub": .string("${MediaBucket.Arn}/*")])]),
            to: "WorkerTaskRole",
            in: template
        )
        #expect(IAMAudit.violations(in: broken).contains { $0.contains("wildcard action s3:*") })
        #expect(IAMAudit.grants(of: "WorkerTaskRole", in: broken) != Self.worker)
    }

    @Test func aStarResourceOnAScopableActionIsCaught() throws {
        let template = try Template.main()
        let broken = Self.adding(Self.allow(["sqs:SendMessage"], on: [.string("*")]), to: "ApiTaskRole", in: template)
        #expect(IAMAudit.violations(in: broken).contains { $0.contains("Resource \"*\" for sqs:SendMessage") })
    }

    @Test func anExtraActionOnTheRightResourceStillBreaksTheExactSet() throws {
        let template = try Template.main()
        let broken = Self.adding(
            Self.allow(["s3:PutObject"], on: [.map(["Fn::Sub": .string(Self.bucketRenditions)])]),
            to: "ApiTaskRole",
            in: template
        )
        // No wildcard anywhere, so only the exact comparison notices the API writing renditions.
        #expect(IAMAudit.violations(in: broken).isEmpty)
        #expect(IAMAudit.grants(of: "ApiTaskRole", in: broken) != Self.api)
    }

    @Test func notActionAndManagedPoliciesAreCaught() throws {
        let template = try Template.main()
        var broken = Self.adding(
            .map([
                "Effect": .string("Allow"), "NotAction": .string("iam:*"),
                "Resource": .string("*"),
            ]),
            to: "ApiTaskRole",
            in: template
        )
        broken.root.modify(["Resources", "WorkerTaskRole", "Properties", "ManagedPolicyArns"]) {
            $0 = .list([.string("arn:aws:iam::aws:policy/AmazonS3FullAccess")])
        }
        let problems = IAMAudit.violations(in: broken)
        #expect(problems.contains { $0.contains("NotAction") })
        #expect(problems.contains { $0.contains("WorkerTaskRole: managed policies") })
    }

    @Test func theDocumentedExceptionIsNotAViolation() throws {
        let template = try Template.main()
        let fine = Self.adding(
            Self.allow(["ecr:GetAuthorizationToken"], on: [.string("*")]),
            to: "WorkerTaskRole",
            in: template
        )
        #expect(IAMAudit.violations(in: fine).isEmpty)
    }

    @Test func shortFormIntrinsicsReadAsTheirLongForm() throws {
        let template = try Template.main()
        let queue = template.resources["JobsQueue"]?["Properties"]
        #expect(
            queue?["RedrivePolicy"]?["deadLetterTargetArn"]
                == .map(["Fn::GetAtt": .list([.string("JobsDeadLetterQueue"), .string("Arn")])])
        )
        #expect(queue?["VisibilityTimeout"] == .map(["Ref": .string("JobVisibilityTimeoutSeconds")]))
    }
}
