import Foundation
import SigV4
import Testing

@Suite("canonical forms")
struct CanonicalFormTests {
    let standard = SigV4Signer(
        credentials: .init(accessKeyID: "AKID", secretAccessKey: "secret"),
        region: "us-east-1",
        service: "sqs"
    )
    let s3 = SigV4Signer(
        credentials: .init(accessKeyID: "AKID", secretAccessKey: "secret"),
        region: "us-east-1",
        service: "s3"
    )

    // MARK: Query

    @Test("an empty value and a name without '=' both become 'name='")
    func emptyQueryValue() {
        #expect(SigV4Signer.canonicalQueryString("b=&a") == "a=&b=")
        #expect(SigV4Signer.canonicalQueryString("uploads") == "uploads=")
        #expect(SigV4Signer.canonicalQueryString("a=1&&b=2&") == "a=1&b=2")
        #expect(SigV4Signer.canonicalQueryString("") == "")
    }

    @Test("repeated names sort by value; names sort before values ('a' < 'a-b' even though '=' > '-')")
    func repeatedKeysSortByValue() {
        #expect(SigV4Signer.canonicalQueryString("k=b&k=c&k=a&k=") == "k=&k=a&k=b&k=c")
        #expect(SigV4Signer.canonicalQueryString("a-b=1&a=2") == "a=2&a-b=1")
        // Upper case sorts before lower case (bytewise), as AWS sorts.
        #expect(SigV4Signer.canonicalQueryString("b=1&B=2&a=3") == "B=2&a=3&b=1")
    }

    @Test("query names and values are decoded then encoded once: one canonical form per value")
    func queryReencoding() {
        #expect(SigV4Signer.canonicalQueryString("x=%7e%7E~") == "x=~~~")
        #expect(SigV4Signer.canonicalQueryString("%e1%88%b4=ሴ") == "%E1%88%B4=%E1%88%B4")
        #expect(SigV4Signer.canonicalQueryString("p=a+b") == "p=a%2Bb")
        #expect(SigV4Signer.canonicalQueryString("p=100%") == "p=100%25")
        #expect(SigV4Signer.canonicalQueryString("p=%zz%4") == "p=%25zz%254")
        #expect(SigV4Signer.canonicalQueryString("p=a/b;c,d") == "p=a%2Fb%3Bc%2Cd")
    }

    // MARK: Headers

    @Test("header values are trimmed and every whitespace run folds to one space; names lower-cased and sorted")
    func headerWhitespaceFolding() {
        let (block, signed) = SigV4Signer.canonicalHeaders([
            (name: "X-Folded", value: "  a   b \t c\n   d  "),
            (name: "Content-Type", value: "video/mp4"),
            (name: "x-folded", value: "second"),
            (name: "X-Empty", value: "   "),
            (name: "User-Agent", value: "curl"),
        ])
        #expect(block == "content-type:video/mp4\nx-empty:\nx-folded:a b c d,second\n")
        #expect(signed == "content-type;x-empty;x-folded")
    }

    // MARK: Path

    @Test("standard services: dot segments and repeated slashes removed, the encoded path encoded again")
    func standardPath() {
        #expect(standard.canonicalURI(path: "/a/./b/../c//d/") == "/a/c/d/")
        #expect(standard.canonicalURI(path: "/a/b/..") == "/a")
        #expect(standard.canonicalURI(path: "/a/b/../") == "/a/")
        #expect(standard.canonicalURI(path: "/../..") == "/")
        #expect(standard.canonicalURI(path: "") == "/")
        #expect(standard.canonicalURI(path: "/a%20b/c+d") == "/a%2520b/c%2Bd")
    }

    @Test("S3: the path exactly as sent, no double encoding, no normalisation")
    func s3Path() {
        #expect(s3.canonicalURI(path: "/bucket/a%20b/./c/../d//e") == "/bucket/a%20b/./c/../d//e")
        #expect(s3.canonicalURI(path: "/bucket/%E1%88%B4%2B") == "/bucket/%E1%88%B4%2B")
        #expect(s3.canonicalURI(path: "") == "/")
        #expect(SigV4Options(service: "s3").path == .s3)
        #expect(SigV4Options(service: "sqs").path == .standard)
        // The option is explicit: an S3-compatible store under another service name can ask for S3's rules.
        let custom = standard.with(options: SigV4Options(path: .s3, addsContentSHA256Header: false))
        #expect(custom.canonicalURI(path: "/a/../b%20") == "/a/../b%20")
    }

    // MARK: Percent-encoding

    @Test("every ASCII byte: unreserved kept, '/' only where asked, everything else %XX upper-case")
    func everyAsciiCharacter() {
        let unreserved = Set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.~".unicodeScalars)
        for value in UInt8(0)...UInt8(127) {
            let scalar = Unicode.Scalar(value)
            let expected = unreserved.contains(scalar) ? String(scalar) : "%" + hex2(value)
            #expect(AWSPercentEncoding.encode(String(scalar), keepingSlashes: false) == expected)
            let expectedKeeping = scalar == "/" ? "/" : expected
            #expect(AWSPercentEncoding.encode(String(scalar), keepingSlashes: true) == expectedKeeping)
        }
    }

    @Test("non-ASCII is encoded byte by byte from UTF-8; decode inverts encode")
    func unicodeEncoding() {
        for text in ["é", "ሴ", "漢字", "🎬", "a b+c=d~e%f/g", "\u{0}\u{7F}\u{80}\u{FFFF}"] {
            let expected = text.utf8.map { byte -> String in
                let scalar = Unicode.Scalar(byte)
                return byte < 0x80
                    && "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.~".unicodeScalars.contains(
                        scalar
                    )
                    ? String(scalar) : "%" + hex2(byte)
            }.joined()
            let encoded = AWSPercentEncoding.encode(text, keepingSlashes: false)
            #expect(encoded == expected)
            #expect(AWSPercentEncoding.decode(encoded) == text)
        }
    }

    @Test("x-amz-date for dates around leap days, year ends and the epoch matches a DateFormatter")
    func amzDateMatchesFormatter() {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyyMMdd'T'HHmmss'Z'"
        var seconds: [Double] = [0, 86_399, 951_782_400, 951_868_799, 4_107_542_400, 1_709_251_199, 1_440_938_160.999]
        var state: UInt64 = 42
        for _ in 0..<500 {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            seconds.append(Double(state >> 32 % 4_102_444_800))
        }
        for s in seconds {
            let date = Date(timeIntervalSince1970: s)
            #expect(
                SigV4Signer.amzDate(date)
                    == formatter.string(from: date.addingTimeInterval(-s.truncatingRemainder(dividingBy: 1)))
            )
        }
    }

    private func hex2(_ byte: UInt8) -> String {
        let digits = Array("0123456789ABCDEF")
        return String([digits[Int(byte >> 4)], digits[Int(byte & 15)]])
    }
}
