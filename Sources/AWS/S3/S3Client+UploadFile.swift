import Foundation
import HTTPTransport

extension S3Client {
    /// What `uploadFile` did.
    public struct FileUploadResult: Sendable, Equatable {
        public var eTag: String
        public var versionID: String?
        public var size: UInt64
        /// 0 for a single PUT.
        public var partCount: Int
    }

    /// Uploads the file at `path`: one streamed PUT when it fits in a part, otherwise a multipart upload with up
    /// to `concurrency` parts in flight. A failed multipart upload is aborted (best effort) before the error is
    /// rethrown, so no orphan parts keep costing storage. `partSize` grows if the file would need more than
    /// 10 000 parts, and never goes below S3's 5 MiB minimum.
    @discardableResult
    public func uploadFile(
        path: String,
        bucket: String,
        key: String,
        contentType: String? = nil,
        metadata: [String: String] = [:],
        partSize: Int64 = 16 << 20,
        concurrency: Int = 4
    ) async throws -> FileUploadResult {
        let size = try S3BodyDigest.fileSize(path)
        let plan = Self.partPlan(size: size, partSize: partSize)
        if plan.count <= 1 {
            let put = try await putObject(
                bucket: bucket,
                key: key,
                fileAt: path,
                contentType: contentType,
                metadata: metadata
            )
            return FileUploadResult(eTag: put.eTag, versionID: put.versionID, size: size, partCount: 0)
        }
        let uploadID = try await createMultipartUpload(
            bucket: bucket,
            key: key,
            contentType: contentType,
            metadata: metadata
        )
        do {
            let parts = try await uploadParts(
                plan,
                path: path,
                bucket: bucket,
                key: key,
                uploadID: uploadID,
                concurrency: max(1, concurrency)
            )
            let done = try await completeMultipartUpload(bucket: bucket, key: key, uploadID: uploadID, parts: parts)
            return FileUploadResult(eTag: done.eTag, versionID: done.versionID, size: size, partCount: parts.count)
        } catch {
            try? await abortMultipartUpload(bucket: bucket, key: key, uploadID: uploadID)
            throw error
        }
    }

    /// Part slices (offset, length) covering `size` bytes.
    static func partPlan(size: UInt64, partSize: Int64) -> [(offset: UInt64, length: UInt64)] {
        var part = UInt64(max(partSize, minPartSize))
        // Round up so the file fits in S3's 10 000 parts.
        let needed = (size + UInt64(maxPartCount) - 1) / UInt64(maxPartCount)
        if needed > part { part = needed }
        if size <= part { return [(0, size)] }
        return stride(from: UInt64(0), to: size, by: Int(part)).map { offset in
            (offset, min(part, size - offset))
        }
    }

    private func uploadParts(
        _ plan: [(offset: UInt64, length: UInt64)],
        path: String,
        bucket: String,
        key: String,
        uploadID: String,
        concurrency: Int
    ) async throws -> [S3CompletedPart] {
        try await withThrowingTaskGroup(of: S3CompletedPart.self) { group in
            var parts: [S3CompletedPart] = []
            parts.reserveCapacity(plan.count)
            var next = 0
            func startNext() {
                let number = next + 1
                let slice = plan[next]
                next += 1
                group.addTask {
                    try await uploadPart(
                        bucket: bucket,
                        key: key,
                        uploadID: uploadID,
                        partNumber: number,
                        fileAt: path,
                        offset: slice.offset,
                        length: slice.length
                    )
                }
            }
            while next < min(concurrency, plan.count) { startNext() }
            // One finished part lets one more start; the first failure cancels the rest (via the group).
            while let part = try await group.next() {
                parts.append(part)
                if next < plan.count { startNext() }
            }
            return parts
        }
    }
}
