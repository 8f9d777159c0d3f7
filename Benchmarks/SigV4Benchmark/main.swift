// SigV4 throughput, single thread, against botocore doing the same work. Run with `Benchmarks/run sigv4`
// (release build). Prints µs/op and ops/s for each, and how many times faster we are.
import Foundation
import SigV4

let accessKey = "AKIAIOSFODNN7EXAMPLE"
let secretKey = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
let objectURLText = "http://127.0.0.1:9000/lectern-media/lectures/2024/intro%20to%20swift/segment_00042.ts"
guard let objectURL = URL(string: objectURLText),
    let uploadPartURL = URL(string: objectURLText + "?partNumber=42&uploadId=VXBsb2FkIElEIGZvciBlbHZpbmc")
else { fatalError("benchmark URLs are constants and must parse") }
let date = Date(timeIntervalSince1970: 1_709_251_199)
/// One `upload/parts` answer: ten UploadPart URLs that differ only in partNumber.
let uploadIDQuery = "&uploadId=VXBsb2FkIElEIGZvciBlbHZpbmc"
let partNumbers = Array(41...50)

let signer = SigV4Signer(
    credentials: AWSCredentials(accessKeyID: accessKey, secretAccessKey: secretKey),
    region: "us-east-1",
    service: "s3"
)
let tokenSigner = SigV4Signer(
    credentials: AWSCredentials(
        accessKeyID: "ASIAIOSFODNN7EXAMPLE",
        secretAccessKey: secretKey,
        sessionToken: String(repeating: "IQoJb3JpZ2luX2VjEP//////////wEaCXVz+LWVhc3Qt=", count: 20)
    ),
    region: "us-east-1",
    service: "s3"
)

/// This thread's CPU time in nanoseconds: the machine is shared, and wall-clock time would count the time
/// other processes held the core.
func threadCPUNanoseconds() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts)
    return Double(ts.tv_sec) * 1e9 + Double(ts.tv_nsec)
}

/// Runs `body` for about `seconds` of CPU time after a warm-up and returns CPU nanoseconds per call.
@inline(never)
func measure(_ name: String, seconds: Double = 1.0, _ body: () -> Int) -> Double {
    var sink = 0
    for _ in 0..<2_000 { sink &+= body() }
    var iterations = 0
    let start = threadCPUNanoseconds()
    var elapsed = 0.0
    repeat {
        for _ in 0..<1_000 { sink &+= body() }
        iterations += 1_000
        elapsed = threadCPUNanoseconds() - start
    } while elapsed < seconds * 1e9
    let perCall = elapsed / Double(iterations)
    let line =
        "  \(name.padding(toLength: 46, withPad: " ", startingAt: 0))"
        + String(format: "%8.2f µs/op  %10.0f ops/s", perCall / 1000, 1e9 / perCall)
    print(line + (sink == 42 ? " " : ""))
    return perCall
}

print("SigV4 benchmark (release, single thread, CPU time per operation)")
// `SigV4Benchmark --profile` spins on the presigned-URL path only (for `perf record`).
if CommandLine.arguments.contains("--profile") {
    _ = measure("presigned URL (String), GET", seconds: 5) {
        (try? signer.presignedURLString(method: "GET", url: objectURL, expires: 900, date: date))?.utf8.count ?? 0
    }
    exit(0)
}
print("ours:")
let presignString = measure("presigned URL (String), GET") {
    (try? signer.presignedURLString(method: "GET", url: objectURL, expires: 900, date: date))?.utf8.count ?? 0
}
let presignURL = measure("presigned URL (URL), GET") {
    signer.presignURL(method: "GET", url: objectURL, expires: 900, date: date).absoluteString.utf8.count
}
_ = measure("presigned URL (String), UploadPart") {
    (try? signer.presignedURLString(method: "PUT", url: uploadPartURL, expires: 900, date: date))?.utf8.count ?? 0
}
// The batch both ways: each URL signed on its own, and one template (built per batch, as the S3 client does) filled
// in ten times.
let batchOneByOne = measure("10 UploadPart URLs, presigned one by one") {
    partNumbers.reduce(0) { total, number in
        let text = objectURLText + "?partNumber=\(number)" + uploadIDQuery
        return total
            + ((try? signer.presignedURLString(method: "PUT", urlString: text, expires: 900, date: date))?.utf8.count
                ?? 0)
    }
}
let batchTemplate = measure("10 UploadPart URLs, one PresignTemplate") {
    guard
        let template = try? signer.presignTemplate(
            method: "PUT",
            urlString: objectURLText + "?partNumber=" + uploadIDQuery,
            varying: "partNumber",
            expires: 900,
            date: date
        )
    else { return 0 }
    return partNumbers.reduce(0) { $0 + template.urlString(varying: $1).utf8.count }
}
_ = measure("presigned URL (String), GET, 900 B session token") {
    (try? tokenSigner.presignedURLString(method: "GET", url: objectURL, expires: 900, date: date))?.utf8.count ?? 0
}
let headerSign = measure("header signature, PUT + Content-Type, unsigned") {
    signer.signHeaders(
        method: "PUT",
        url: objectURL,
        headers: [(name: "Content-Type", value: "video/mp2t")],
        payload: .unsigned,
        date: date
    ).count
}
_ = measure("signature only (stages 2-4 on a fixed request)") {
    let canonical = signer.canonicalRequest(
        method: "GET",
        path: "/b/k",
        query: "",
        headers: [(name: "host", value: "h")],
        payloadHash: "UNSIGNED-PAYLOAD"
    )
    return signer.signature(stringToSign: signer.stringToSign(canonicalRequest: canonical, date: date), date: date).utf8
        .count
}

// botocore, same machine, same work.
let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .appendingPathComponent("botocore_sigv4_bench.py")
let process = Process()
process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
process.arguments = ["python3", script.path, "3000"]
let pipe = Pipe()
process.standardOutput = pipe
do {
    try process.run()
} catch {
    print("botocore: cannot run python3 (\(error))")
    exit(1)
}
let output = pipe.fileHandleForReading.readDataToEndOfFile()
process.waitUntilExit()
guard process.terminationStatus == 0,
    let botocore = try? JSONSerialization.jsonObject(with: output) as? [String: Any],
    let clientPresign = botocore["presign_client_us"] as? Double,
    let authPresign = botocore["presign_auth_us"] as? Double,
    let headerAuth = botocore["header_sign_us"] as? Double
else {
    print("botocore: benchmark script failed (is botocore installed?)")
    exit(1)
}
print("botocore \(botocore["botocore_version"] ?? "?") (python3, \(botocore["iterations"] ?? "?") iterations each):")
for (name, us) in [
    ("generate_presigned_url (client), GET", clientPresign),
    ("S3SigV4QueryAuth.add_auth, GET", authPresign),
    ("S3SigV4Auth.add_auth, PUT + Content-Type", headerAuth),
] {
    print(
        "  \(name.padding(toLength: 46, withPad: " ", startingAt: 0))"
            + String(format: "%8.2f µs/op  %10.0f ops/s", us, 1e6 / us)
    )
}
print("ratios (botocore time / our time):")
print(String(format: "  presigned URL String vs generate_presigned_url  %8.0fx", clientPresign * 1000 / presignString))
print(String(format: "  presigned URL String vs S3SigV4QueryAuth        %8.0fx", authPresign * 1000 / presignString))
print(String(format: "  presigned URL (URL)  vs S3SigV4QueryAuth        %8.0fx", authPresign * 1000 / presignURL))
print(String(format: "  header signature     vs S3SigV4Auth             %8.0fx", headerAuth * 1000 / headerSign))
print(String(format: "  10 part URLs: template vs one by one (ours)     %8.1fx", batchOneByOne / batchTemplate))
// The machine is shared: say how busy it was, since CPU time per call still grows with contention.
let loadAverage = (try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8))?.split(separator: " ").first ?? "?"
print(
    String(
        format: "target ≤ 5 µs per presigned URL: %.2f µs (%@ this run; load average %@ on %d cores)",
        presignString / 1000,
        presignString <= 5000 ? "met" : "not met",
        String(loadAverage),
        ProcessInfo.processInfo.activeProcessorCount
    )
)
