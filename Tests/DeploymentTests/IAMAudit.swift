/// Reads every IAM policy a template declares and judges it against least privilege.
struct PolicyStatement: Sendable {
    /// Where it lives: "ApiTaskRole/lectern-api", "MediaBucketPolicy"…
    let owner: String
    let role: String?
    let sid: String?
    let allows: Bool
    let actions: [String]
    let resources: [TemplateValue]
    let usesNotAction: Bool
    let usesNotResource: Bool
    let condition: TemplateValue?
}

enum IAMAudit {
    /// Actions that have no resource type, so IAM accepts only `Resource: "*"` for them. Each one is documented in
    /// docs/operations.md ("IAM exceptions").
    static let actionsWithoutResourceTypes: Set<String> = ["ecr:GetAuthorizationToken"]

    /// Every permission statement in the template: role inline policies, IAM::Policy / ManagedPolicy (attributed
    /// to the roles they attach to), bucket and queue policies. Trust policies (AssumeRolePolicyDocument) say who
    /// may assume a role, not what it may do, and are left out.
    static func statements(in template: Template) -> [PolicyStatement] {
        var found: [PolicyStatement] = []
        func read(_ document: TemplateValue?, owner: String, role: String?) {
            for statement in document?["Statement"]?.items ?? [] {
                found.append(
                    PolicyStatement(
                        owner: owner,
                        role: role,
                        sid: statement["Sid"]?.string,
                        allows: statement["Effect"]?.string == "Allow",
                        actions: (statement["Action"]?.items ?? []).map(\.reference),
                        resources: statement["Resource"]?.items ?? [],
                        usesNotAction: statement["NotAction"] != nil,
                        usesNotResource: statement["NotResource"] != nil,
                        condition: statement["Condition"]
                    )
                )
            }
        }
        for (id, properties) in template.resources(ofType: "AWS::IAM::Role") {
            for policy in properties["Policies"]?.items ?? [] {
                read(policy["PolicyDocument"], owner: "\(id)/\(policy["PolicyName"]?.reference ?? "?")", role: id)
            }
        }
        for type in ["AWS::IAM::Policy", "AWS::IAM::ManagedPolicy", "AWS::IAM::RolePolicy"] {
            for (id, properties) in template.resources(ofType: type) {
                var roles = (properties["Roles"]?.items ?? []).compactMap { $0["Ref"]?.string }
                if let single = properties["RoleName"]?["Ref"]?.string { roles.append(single) }
                if roles.isEmpty { read(properties["PolicyDocument"], owner: id, role: nil) }
                for role in roles { read(properties["PolicyDocument"], owner: id, role: role) }
            }
        }
        for type in ["AWS::S3::BucketPolicy", "AWS::SQS::QueuePolicy", "AWS::SNS::TopicPolicy"] {
            for (id, properties) in template.resources(ofType: type) {
                read(properties["PolicyDocument"], owner: id, role: nil)
            }
        }
        return found
    }

    /// What breaks least privilege, one line each; empty when the template is clean.
    /// Deny statements may use wildcards: they take rights away (e.g. the bucket's deny of plain HTTP).
    static func violations(in template: Template) -> [String] {
        var problems: [String] = []
        for statement in statements(in: template) where statement.allows {
            let place = statement.owner + (statement.sid.map { " (\($0))" } ?? "")
            for action in statement.actions where action.contains("*") {
                problems.append("\(place): wildcard action \(action)")
            }
            if statement.usesNotAction { problems.append("\(place): Allow with NotAction grants everything else") }
            if statement.usesNotResource { problems.append("\(place): Allow with NotResource grants everything else") }
            if statement.resources.isEmpty && !statement.usesNotResource { problems.append("\(place): no Resource") }
            let needsStar = Set(statement.actions).subtracting(actionsWithoutResourceTypes)
            if statement.resources.contains(.string("*")), !needsStar.isEmpty {
                problems.append("\(place): Resource \"*\" for \(needsStar.sorted().joined(separator: ", "))")
            }
        }
        for (id, properties) in template.resources(ofType: "AWS::IAM::Role")
        where properties["ManagedPolicyArns"] != nil {
            problems.append("\(id): managed policies are not audited here; write the statements inline")
        }
        return problems
    }

    /// A role's rights: action → the resources it applies to (written as Fn::Sub would), across all its policies.
    static func grants(of role: String, in template: Template) -> [String: Set<String>] {
        var grants: [String: Set<String>] = [:]
        for statement in statements(in: template) where statement.role == role && statement.allows {
            for action in statement.actions {
                grants[action, default: []].formUnion(statement.resources.map(\.reference))
            }
        }
        return grants
    }

    /// The logical ids of every role the template declares.
    static func roles(in template: Template) -> Set<String> {
        Set(template.resources(ofType: "AWS::IAM::Role").map(\.id))
    }
}
