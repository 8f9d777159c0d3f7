import ArgumentParser

struct SQSCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "sqs", abstract: "SQS helpers.")
}
