import Crypto
import Foundation

/// MD5 and SHA-256 of a body, computed in one pass. Files are read in fixed-size chunks, never whole.
struct S3BodyDigest: Sendable {
    var md5: Data
    var sha256: Data

    var md5Base64: String { md5.base64EncodedString() }
    var sha256Base64: String { sha256.base64EncodedString() }
    var sha256Hex: String { sha256.map { String(format: "%02x", $0) }.joined() }

    static let chunkSize = 1 << 20

    init(data: Data) {
        md5 = Data(Insecure.MD5.hash(data: data))
        sha256 = Data(SHA256.hash(data: data))
    }

    /// Digests `length` bytes of the file at `path` from `offset` (to the end when `length` is nil).
    /// A missing file, or one shorter than the slice, is an `AWSError` with code `LocalFileError`.
    init(fileAt path: String, offset: UInt64 = 0, length: UInt64? = nil) throws {
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw S3BodyDigest.fileError("cannot open \(path) for reading")
        }
        defer { try? handle.close() }
        var md5 = Insecure.MD5()
        var sha256 = SHA256()
        do {
            try handle.seek(toOffset: offset)
            var remaining = length ?? UInt64.max
            while remaining > 0 {
                let want = Int(min(UInt64(S3BodyDigest.chunkSize), remaining))
                guard let chunk = try handle.read(upToCount: want), !chunk.isEmpty else { break }
                md5.update(data: chunk)
                sha256.update(data: chunk)
                remaining -= UInt64(chunk.count)
            }
            if let length, remaining > 0 {
                throw S3BodyDigest.fileError("\(path) ends \(remaining) bytes before the slice \(offset)+\(length)")
            }
        } catch let error as AWSError {
            throw error
        } catch {
            throw S3BodyDigest.fileError("reading \(path): \(error)")
        }
        self.md5 = Data(md5.finalize())
        self.sha256 = Data(sha256.finalize())
    }

    static func fileError(_ message: String) -> AWSError {
        AWSError(code: "LocalFileError", message: message, status: 0, isRetryable: false, service: "s3")
    }

    /// The size of the file at `path`, as a typed error when it cannot be read.
    static func fileSize(_ path: String) throws -> UInt64 {
        guard let attributes = try? FileManager.default.attributesOfItem(atPath: path),
            let size = attributes[.size] as? NSNumber
        else {
            throw fileError("cannot read the size of \(path)")
        }
        if let type = attributes[.type] as? FileAttributeType, type == .typeDirectory {
            throw fileError("\(path) is a directory")
        }
        return size.uint64Value
    }
}

/// A minimal XML writer for S3 request bodies; text is escaped.
struct S3XMLWriter {
    private(set) var text = #"<?xml version="1.0" encoding="UTF-8"?>"#

    mutating func open(_ name: String, namespace: Bool = false) {
        text += namespace ? #"<\#(name) xmlns="http://s3.amazonaws.com/doc/2006-03-01/">"# : "<\(name)>"
    }

    mutating func close(_ name: String) { text += "</\(name)>" }

    mutating func element(_ name: String, _ value: String) {
        text += "<\(name)>\(Self.escape(value))</\(name)>"
    }

    var data: Data { Data(text.utf8) }

    static func escape(_ value: String) -> String {
        var out = ""
        out.reserveCapacity(value.utf8.count)
        for character in value.unicodeScalars {
            switch character {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&apos;"
            // Carriage returns would be normalised away by the server's parser; keep them as references.
            case "\r": out += "&#13;"
            default: out.unicodeScalars.append(character)
            }
        }
        return out
    }
}
