import Foundation

/// The caption files the browser scenarios upload, written by the test: a professor's SRT as Windows tools still save
/// it (Windows-1252, CRLF, accents and curly quotes that are not ASCII), a German WebVTT with a STYLE block and a cue
/// setting, and an SRT with a broken timing line (the API answers its line number). All timed inside the 30 s clip;
/// `scenarios_captions.py` knows these texts and times.
enum CaptionFixtures {
    struct Files {
        let srt: URL, vtt: URL, broken: URL
    }

    static let frenchCues = [
        ("00:00:01,000", "00:00:04,000", "Voilà « déjà » l’été, dit-il."),
        ("00:00:05,000", "00:00:09,000", "C’est un café crème — très “chaud”."),
        ("00:00:10,000", "00:00:14,000", "L’été prochain, à Zürich."),
        ("00:00:16,000", "00:00:20,000", "Fin de la première partie."),
    ]

    static let germanVTT = """
        WEBVTT

        STYLE
        ::cue { color: #ffeb3b; }

        00:00:01.500 --> 00:00:04.500 line:85% align:center
        Grüße aus der Vorlesung.

        00:00:06.000 --> 00:00:09.000
        Die Straße ist schön.

        00:00:12.000 --> 00:00:15.000
        Übung macht den Meister.

        """

    static func write(to folder: URL) throws -> Files {
        let srtText = frenchCues.enumerated().map { index, cue in
            "\(index + 1)\r\n\(cue.0) --> \(cue.1)\r\n\(cue.2)\r\n"
        }
        .joined(separator: "\r\n")
        guard let srtBytes = srtText.data(using: .windowsCP1252), String(data: srtBytes, encoding: .utf8) == nil else {
            throw StackError("the French SRT fixture must be Windows-1252 bytes that are not UTF-8")
        }
        let files = Files(
            srt: folder.appendingPathComponent("cours-fr.srt"),
            vtt: folder.appendingPathComponent("vorlesung-de.vtt"),
            broken: folder.appendingPathComponent("broken.srt")
        )
        try srtBytes.write(to: files.srt)
        try Data(germanVTT.utf8).write(to: files.vtt)
        try Data("1\r\n00:00:01,000 --> 00:00:03,000\r\nBonjour\r\n\r\n2\r\n00:00:04,000 -> later\r\nCassé\r\n".utf8)
            .write(to: files.broken)
        return files
    }
}
