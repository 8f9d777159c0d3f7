import ArgumentParser

/// `lectern dev …`: what `make run` uses to stand up a local Lectern (see scripts/run-local.sh).
struct DevCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dev",
        abstract: "Run Lectern locally: create its resources, mint tokens, supervise workers.",
        subcommands: [DevBootstrapCommand.self, DevTokenCommand.self, DevWorkersCommand.self]
    )
}
