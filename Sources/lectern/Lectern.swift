import ArgumentParser

@main
struct Lectern: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lectern",
        abstract: "Lectern's operations tool: presign S3 URLs, redrive queues, transcode lectures.",
        subcommands: [
            S3Command.self, SQSCommand.self, TranscodeCommand.self, DeployCommand.self, DevCommand.self,
            DemoCommand.self, StitchCommand.self, SearchCommand.self,
        ]
    )
}
