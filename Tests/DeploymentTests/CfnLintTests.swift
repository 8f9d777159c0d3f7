import Foundation
import Testing

/// cfn-lint (AWS's CloudFormation linter: resource schemas, property values, references) on every template.
@Suite struct CfnLintTests {
    @Test func deployFolderHasTemplates() throws {
        #expect(!(try Template.all()).isEmpty)
    }

    @Test(arguments: try Template.all())
    func templateIsLintClean(_ url: URL) async throws {
        let lint = try await ExternalCommand.run("cfn-lint", ["--", url.path])
        #expect(lint.status == 0, "cfn-lint \(url.lastPathComponent) exited \(lint.status):\n\(lint.output)")
    }

    /// The linter is really looking: a property the resource does not have makes it fail.
    @Test func cfnLintRejectsABrokenTemplate() async throws {
        let text = try String(contentsOf: Template.folder.appendingPathComponent("lectern.yaml"), encoding: .utf8)
        let broken = text.replacingOccurrences(
            of: "      MessageRetentionPeriod: 1209600\n      SqsManagedSseEnabled: true\n",
            with: "      MessageRetentionPeriod: 1209600\n      SqsManagedSseEnabled: true\n      RetentionDays: 14\n"
        )
        #expect(broken != text)
        let url = FileManager.default.temporaryDirectory.appendingPathComponent(
            "lectern-broken-\(UUID().uuidString).yaml"
        )
        try broken.write(to: url, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: url) }
        let lint = try await ExternalCommand.run("cfn-lint", ["--", url.path])
        #expect(lint.status != 0)
        #expect(lint.output.contains("RetentionDays"))
    }
}
