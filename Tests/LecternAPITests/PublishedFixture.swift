import AWS
import Foundation
import LecternAPI
import LecternCore

/// A small hand-written published lecture: manifest, master and media playlists, init segments, segments, poster,
/// storyboard and MP4, uploaded to the world's bucket, and a record in state `ready` pointing at them.
struct PublishedFixture {
    let record: LectureRecord
    let prefix: String
    /// Relative path → bytes, for comparing what S3 hands back.
    let files: [String: Data]

    static func make(
        in world: TestWorld,
        course: String,
        owner: String = "professor-1",
        title: String = "Published"
    ) async throws -> PublishedFixture {
        let id = ObjectKeys.newLectureID()
        let version = "v1700000000-abcd1234"
        let prefix = ObjectKeys.renditionPrefix(lectureID: id, version: version)
        var files: [String: Data] = [
            "master.m3u8": Data(
                """
                #EXTM3U
                #EXT-X-VERSION:7
                #EXT-X-INDEPENDENT-SEGMENTS
                #EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="audio",NAME="Audio",LANGUAGE="und",DEFAULT=YES,AUTOSELECT=YES,\
                CHANNELS="2",URI="audio/playlist.m3u8"
                #EXT-X-STREAM-INF:BANDWIDTH=2500000,AVERAGE-BANDWIDTH=2000000,RESOLUTION=1280x720,\
                CODECS="avc1.64001f,mp4a.40.2",FRAME-RATE=30.000,AUDIO="audio"
                video/720p/playlist.m3u8
                #EXT-X-STREAM-INF:BANDWIDTH=900000,AVERAGE-BANDWIDTH=700000,RESOLUTION=640x360,\
                CODECS="avc1.64001e,mp4a.40.2",FRAME-RATE=30.000,AUDIO="audio"
                video/360p/playlist.m3u8
                #EXT-X-STREAM-INF:BANDWIDTH=130000,AVERAGE-BANDWIDTH=128000,CODECS="mp4a.40.2"
                audio/playlist.m3u8

                """.utf8
            ),
            "storyboard.vtt": Data(
                """
                WEBVTT

                00:00:00.000 --> 00:00:05.000
                storyboard.jpg#xywh=0,0,160,90

                00:00:05.000 --> 00:00:10.000
                storyboard.jpg#xywh=160,0,160,90

                """.utf8
            ),
            "poster.jpg": Data("poster".utf8), "storyboard.jpg": Data("sprite".utf8),
            "download.mp4": Data("mp4 bytes".utf8),
        ]
        for directory in ["video/720p", "video/360p", "audio"] {
            files["\(directory)/playlist.m3u8"] = Data(
                """
                #EXTM3U
                #EXT-X-VERSION:7
                #EXT-X-TARGETDURATION:6
                #EXT-X-PLAYLIST-TYPE:VOD
                #EXT-X-INDEPENDENT-SEGMENTS
                #EXT-X-MAP:URI="init.mp4"
                #EXTINF:6.000000,
                segment_00000.m4s
                #EXTINF:4.000000,
                segment_00001.m4s
                #EXT-X-ENDLIST

                """.utf8
            )
            files["\(directory)/init.mp4"] = Data("init \(directory)".utf8)
            files["\(directory)/segment_00000.m4s"] = Data("segment 0 \(directory)".utf8)
            files["\(directory)/segment_00001.m4s"] = Data("segment 1 \(directory)".utf8)
        }
        files["manifest.json"] = Data(
            """
            {"version":1,"duration":10.0,"masterPlaylist":"master.m3u8","futureField":{"anything":true},
             "video":[{"name":"720p","width":1280,"height":720,"bandwidth":2500000,\
            "playlist":"video/720p/playlist.m3u8"},
                      {"name":"360p","width":640,"height":360,"bandwidth":900000,\
            "playlist":"video/360p/playlist.m3u8"}],
             "audio":{"playlist":"audio/playlist.m3u8","bandwidth":130000},
             "progressive":{"path":"download.mp4","width":640,"height":360,"hasAudio":true},
             "poster":"poster.jpg",
             "storyboard":{"image":"storyboard.jpg","cues":"storyboard.vtt","interval":5,"thumbnailWidth":160,\
            "thumbnailHeight":90,"columns":10,"count":2},
             "droppedStreams":[{"kind":"audio","codec":"unknown",\
            "reason":"The audio could not be decoded; the lecture was published without sound."}],
             "corrections":[{"kind":"loudness","summary":"audio −27.3 → −16.0 LUFS"},\
            {"kind":"channels","summary":"left channel only, centred"}]}
            """.utf8
        )
        for (path, data) in files {
            try await world.services.s3.putObject(bucket: world.services.bucket, key: prefix + path, data: data)
        }
        let source = ObjectKeys.source(lectureID: id)
        try await world.services.s3.putObject(bucket: world.services.bucket, key: source, data: Data("source".utf8))
        var record = LectureRecord(
            lectureId: id,
            courseId: course,
            ownerId: owner,
            title: title,
            filename: "lecture.mov",
            contentType: "video/quicktime",
            sizeBytes: 6,
            sourceKey: source,
            state: .ready
        )
        record.publishedVersion = version
        record.publishedPrefix = prefix
        record.jobVersion = version
        record.durationSeconds = 10
        try await world.services.store.create(record)
        return PublishedFixture(record: record, prefix: prefix, files: files)
    }
}
