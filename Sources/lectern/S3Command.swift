import ArgumentParser

struct S3Command: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "s3", abstract: "S3 helpers.")
}
