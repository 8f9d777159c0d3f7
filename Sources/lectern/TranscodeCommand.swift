import ArgumentParser

struct TranscodeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "transcode", abstract: "Transcode a lecture into an HLS ladder, MP4, thumbnails and a manifest.")
}
