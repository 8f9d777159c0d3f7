import Foundation
import LecternCore
import Testing

@testable import LecternAPI

@Suite("The MP4 download saves <title>.mp4") struct DownloadDispositionTests {
    @Test func oddTitlesMakeSafeHeaders() throws {
        let header = DownloadDisposition.attachment(
            title: "Week 3: \"Quotes\" / and\\slashes\r\nSet-Cookie: x=1 — Ünïcödé 講義"
        )
        // One header line: no CR/LF can end it and start another.
        #expect(!header.contains("\r") && !header.contains("\n"))
        let fallback = try #require(header.firstMatch(of: /filename="([^"]*)"/)?.1)
        #expect(fallback == "Week 3 Quotes and slashes Set-Cookie x=1 _ _n_c_d_ __.mp4")
        // The UTF-8 form decodes back to the cleaned title (RFC 8187), every byte outside attr-char encoded.
        let encoded = String(header.split(separator: "filename*=UTF-8''").last ?? "")
        #expect(encoded.allSatisfy { $0.isASCII && !"\"/\\ ;,".contains($0) })
        #expect(encoded.removingPercentEncoding == "Week 3 Quotes and slashes Set-Cookie x=1 — Ünïcödé 講義.mp4")
        #expect(header.hasPrefix("attachment; filename=\""))
    }

    @Test func namesAreCutAndNeverEmptyOrHidden() {
        #expect(
            DownloadDisposition.safeName(String(repeating: "a", count: 500)).count
                == DownloadDisposition.maxNameCharacters
        )
        #expect(DownloadDisposition.safeName("   ") == "lecture")
        #expect(DownloadDisposition.safeName("\"/\\") == "lecture")
        #expect(DownloadDisposition.safeName("..hidden.") == "hidden")
        #expect(DownloadDisposition.safeName("100% sure") == "100% sure")
        #expect(DownloadDisposition.asciiFallback("100% sure") == "100_ sure")
    }

    @Test(arguments: Via.allCases) func theMP4LinkMakesS3AnswerWithTheDisposition(via: Via) async throws {
        // Given a ready lecture whose title has quotes, a slash and non-ASCII letters
        let world = try await TestWorld.make()
        let title = "Week 4 / \"Entropy\" — Ω"
        let fixture = try await PublishedFixture.make(in: world, course: "CS101", title: title)
        let student = try await world.token(.student, courses: ["CS101"])
        try await world.withClient(via) { client in
            let lecture = try await client.call("GET", "/v1/lectures/\(fixture.record.lectureId)", token: student)
                .decode(LectureView.self)
            let mp4 = try #require(lecture.playback?.mp4)
            // The link asks S3 for the header that makes the browser save the file under the title (S3's
            // `response-content-disposition`, botocore's GetObject `ResponseContentDisposition`), inside the signature
            let query = try #require(URLComponents(url: mp4, resolvingAgainstBaseURL: false)?.queryItems)
            #expect(
                query.first { $0.name == "response-content-disposition" }?.value
                    == DownloadDisposition.attachment(title: title)
            )
            #expect(query.first { $0.name == "X-Amz-Signature" } != nil)
            // When the browser follows the download link, storage answers with the file
            let answer = try await TestWorld.get(mp4)
            #expect(answer.status == 200 && answer.body == fixture.files["download.mp4"])
            // moto 5.2.1 ignores `response-content-disposition` (getmoto/moto#10057 added it later); where storage
            // honours it, as S3 does, the header is exactly ours.
            if let sent = answer.headers["Content-Disposition"] {
                #expect(sent == DownloadDisposition.attachment(title: title))
            }
        }
    }
}
