import AWS
import ArgumentParser
import Foundation
import LecternCore

struct SearchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "search",
        abstract: "Course search index helpers.",
        subcommands: [Reindex.self]
    )

    struct Reindex: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Rebuild a course's search index from what is published.",
            discussion: """
                Reads every ready lecture of the course: its published caption tracks and the slides in its \
                manifest, and replaces the course's index with them in one conditional update (a worker or an \
                editor indexing meanwhile is not lost: the update retries on the newer index). Lectures no longer \
                ready are removed. For captions published before the index existed, or an index lost. Reads \
                LECTERN_BUCKET and LECTERN_LECTURES_TABLE like the worker, and the usual AWS settings.
                """
        )

        @Option(help: "The course whose index to rebuild.")
        var course: String

        func run() async throws {
            let environment = ProcessInfo.processInfo.environment
            guard let bucket = environment["LECTERN_BUCKET"], let table = environment["LECTERN_LECTURES_TABLE"] else {
                throw ValidationError("set LECTERN_BUCKET and LECTERN_LECTURES_TABLE (as for the worker)")
            }
            let context = try AWSContext.fromEnvironment()
            let s3 = S3Client(context: context)
            let dynamo = DynamoDBClient(context: context)
            let rebuild = CourseSearchRebuild(
                store: LectureStore(dynamo: dynamo, table: table),
                search: CourseSearchStore(dynamo: dynamo, table: table, s3: s3, bucket: bucket),
                s3: s3,
                bucket: bucket
            )
            let outcome = try await rebuild.rebuild(course: course)
            print(
                "indexed \(outcome.moments) moments from \(outcome.lectures) ready lectures of \(course); "
                    + "removed \(outcome.removed) lectures no longer ready"
            )
            for line in outcome.skipped { print("skipped: \(line)") }
        }
    }
}
