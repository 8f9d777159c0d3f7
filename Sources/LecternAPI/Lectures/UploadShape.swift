/// Single PUT or multipart, and the part size: the arithmetic of an upload plan.
public enum UploadShape: Sendable, Equatable {
    case single
    case multipart(partSize: Int64, partCount: Int)

    /// Up to `singleMax` bytes go in one PUT. Larger files use parts of at least `minPart` bytes, grown in whole
    /// MiB until the file fits in S3's 10,000 parts.
    public static func plan(size: Int64, singleMax: Int64, minPart: Int64, maxParts: Int = 10_000) -> UploadShape {
        guard size > singleMax else { return .single }
        let mebibyte: Int64 = 1 << 20
        let needed = (size + Int64(maxParts) - 1) / Int64(maxParts)
        let rounded = (needed + mebibyte - 1) / mebibyte * mebibyte
        let partSize = max(minPart, rounded)
        return .multipart(partSize: partSize, partCount: Int((size + partSize - 1) / partSize))
    }
}
