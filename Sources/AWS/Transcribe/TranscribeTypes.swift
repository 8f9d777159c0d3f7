import Foundation

/// What Lectern asks Amazon Transcribe for: one batch job that writes WebVTT subtitles of one media file in our
/// bucket to a key in our bucket. Only the members Lectern uses; `TranscribeContractTests` holds every body this
/// produces to botocore's service model.
public struct TranscriptionJobRequest: Sendable, Equatable {
    /// The job's name: unique per account and region, `^[0-9a-zA-Z._-]+`, at most 200 characters.
    public var name: String
    /// `s3://bucket/key` of the media.
    public var mediaURI: String
    /// One of Transcribe's `MediaFormat` values (`mp4`, `m4a`, `mp3`, `wav`, `flac`, `ogg`, `amr`, `webm`).
    public var mediaFormat: String
    /// Where the transcript and subtitles go; the subtitles are written beside `outputKey` with a `.vtt` extension.
    public var outputBucket: String
    public var outputKey: String
    public var language: TranscriptionLanguage

    public init(
        name: String,
        mediaURI: String,
        mediaFormat: String,
        outputBucket: String,
        outputKey: String,
        language: TranscriptionLanguage
    ) {
        self.name = name
        self.mediaURI = mediaURI
        self.mediaFormat = mediaFormat
        self.outputBucket = outputBucket
        self.outputKey = outputKey
        self.language = language
    }
}

/// The spoken language: known (a course setting), or identified by Transcribe among a few candidates.
public enum TranscriptionLanguage: Sendable, Equatable {
    /// A `LanguageCode` such as `en-US`.
    case known(String)
    /// `IdentifyLanguage: true`, with `LanguageOptions` when given (Transcribe recommends narrowing them: it
    /// identifies faster and better among two to five).
    case identify(options: [String])
}

/// A transcription job as `GetTranscriptionJob` answers it.
public struct TranscriptionJob: Sendable, Equatable {
    public enum Status: String, Sendable, Equatable {
        case queued = "QUEUED"
        case inProgress = "IN_PROGRESS"
        case failed = "FAILED"
        case completed = "COMPLETED"
    }

    public var name: String
    public var status: Status
    /// The language the job transcribed (identified or given).
    public var languageCode: String?
    /// Transcribe's own words for a `FAILED` job.
    public var failureReason: String?
    /// Where the subtitle files were written (`https://s3.<region>.amazonaws.com/<bucket>/<key>.vtt`).
    public var subtitleFileURIs: [String]

    public init(
        name: String,
        status: Status,
        languageCode: String? = nil,
        failureReason: String? = nil,
        subtitleFileURIs: [String] = []
    ) {
        self.name = name
        self.status = status
        self.languageCode = languageCode
        self.failureReason = failureReason
        self.subtitleFileURIs = subtitleFileURIs
    }
}

// MARK: Wire shapes (member names as in the service model)

struct TranscribeStartJobInput: Encodable {
    struct MediaShape: Encodable { let MediaFileUri: String }
    struct SubtitlesShape: Encodable {
        let Formats: [String]
        let OutputStartIndex: Int
    }

    let TranscriptionJobName: String
    let Media: MediaShape
    let MediaFormat: String
    let OutputBucketName: String
    let OutputKey: String
    let LanguageCode: String?
    let IdentifyLanguage: Bool?
    let LanguageOptions: [String]?
    let Subtitles: SubtitlesShape

    init(_ request: TranscriptionJobRequest) {
        TranscriptionJobName = request.name
        Media = MediaShape(MediaFileUri: request.mediaURI)
        MediaFormat = request.mediaFormat
        OutputBucketName = request.outputBucket
        OutputKey = request.outputKey
        switch request.language {
        case .known(let code):
            LanguageCode = code
            IdentifyLanguage = nil
            LanguageOptions = nil
        case .identify(let options):
            LanguageCode = nil
            IdentifyLanguage = true
            LanguageOptions = options.isEmpty ? nil : options
        }
        // Cues numbered from 1, as WebVTT files written by hand usually are (Transcribe's default is 0).
        Subtitles = SubtitlesShape(Formats: ["vtt"], OutputStartIndex: 1)
    }
}

struct TranscribeJobNameInput: Encodable {
    let TranscriptionJobName: String
}

struct TranscribeJobOutput: Decodable {
    struct Job: Decodable {
        struct Subtitles: Decodable { let SubtitleFileUris: [String]? }
        let TranscriptionJobName: String
        let TranscriptionJobStatus: String
        let LanguageCode: String?
        let FailureReason: String?
        let Subtitles: Subtitles?
    }

    let TranscriptionJob: Job
}

struct TranscribeEmptyOutput: Decodable {}
