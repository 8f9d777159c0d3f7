import LecternAPI
import Testing

@Suite("Upload plans") struct UploadShapeTests {
    let single: Int64 = 64_000_000, minPart: Int64 = 8 << 20

    @Test func upTo64MBIsOnePut() {
        #expect(UploadShape.plan(size: 1, singleMax: single, minPart: minPart) == .single)
        #expect(UploadShape.plan(size: single, singleMax: single, minPart: minPart) == .single)
    }

    @Test func largerFilesUseMinimumPartsWhileTheyFit() {
        #expect(
            UploadShape.plan(size: single + 1, singleMax: single, minPart: minPart)
                == .multipart(partSize: minPart, partCount: 8)
        )
    }

    @Test(arguments: [Int64(80_000_000_000), Int64(100_000_000_000), Int64(99_999_999_999), Int64(83_886_080_001)])
    func hugeFilesStayWithinTenThousandParts(size: Int64) throws {
        guard
            case .multipart(let partSize, let partCount) = UploadShape.plan(
                size: size,
                singleMax: single,
                minPart: minPart
            )
        else {
            Issue.record("expected multipart")
            return
        }
        #expect(partCount <= 10_000)
        #expect(partSize >= minPart && partSize % (1 << 20) == 0)
        #expect(Int64(partCount - 1) * partSize < size && Int64(partCount) * partSize >= size)
    }
}
