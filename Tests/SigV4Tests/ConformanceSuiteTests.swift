import Foundation
import SigV4
import Testing

/// AWS's own SigV4 suite (aws-c-auth, 38 cases): every stage, byte for byte, for header and query signing.
@Suite("AWS SigV4 conformance suite")
struct ConformanceSuiteTests {
    @Test("all 38 case folders are present")
    func suiteIsComplete() {
        #expect(SuiteCase.names.count == 38, "found \(SuiteCase.names.count) cases under \(SuiteCase.root.path)")
    }

    @Test("header signing", arguments: SuiteCase.names)
    func headerSigning(_ name: String) throws {
        let suiteCase = try SuiteCase(name)
        let signed = try suiteCase.signer.signHeaders(
            suiteCase.sigV4Request,
            payload: suiteCase.payload,
            date: suiteCase.date
        )

        #expect(signed.canonicalRequest == (try suiteCase.file("header-canonical-request.txt")))
        #expect(signed.stringToSign == (try suiteCase.file("header-string-to-sign.txt")))
        #expect(signed.signature == (try suiteCase.file("header-signature.txt")))
        let rendered = suiteCase.request.rendered(target: suiteCase.request.target, headers: signed.headers)
        #expect(rendered == (try suiteCase.file("header-signed-request.txt")))
    }

    @Test("query signing (presigned URLs)", arguments: SuiteCase.names)
    func querySigning(_ name: String) throws {
        let suiteCase = try SuiteCase(name)
        let presigned = try suiteCase.signer.presign(
            suiteCase.sigV4Request,
            expires: suiteCase.context.expiration_in_seconds,
            payload: suiteCase.payload,
            date: suiteCase.date
        )

        #expect(presigned.canonicalRequest == (try suiteCase.file("query-canonical-request.txt")))
        #expect(presigned.stringToSign == (try suiteCase.file("query-string-to-sign.txt")))
        #expect(presigned.signature == (try suiteCase.file("query-signature.txt")))
        // The suite keeps the original target text and appends the new parameters to it.
        let target = suiteCase.request.target
        let separator = target.contains("?") ? "&" : "?"
        let rendered = suiteCase.request.rendered(
            target: target + separator + presigned.addedQuery,
            headers: suiteCase.request.headers
        )
        #expect(rendered == (try suiteCase.file("query-signed-request.txt")))
    }
}
