import Foundation

/// The OpenAPI 3.1 description of the API, served at /v1/openapi.json. Kept in code (the target declares no
/// resources); `OpenAPITests` checks that it describes every route the router serves and nothing else.
enum OpenAPIDocument {
    static let json = Data(text.utf8)

    static let text = #"""
        {
          "openapi": "3.1.0",
          "info": {
            "title": "Lectern API",
            "version": "1.0.0",
            "description": "Upload lecture recordings straight to S3 with presigned URLs, queue their encoding, and \#
        play them back over HLS. Errors are RFC 9457 application/problem+json."
          },
          "servers": [{"url": "/"}],
          "security": [{"bearer": []}],
          "paths": {
            "/healthz": {"get": {"operationId": "health", "summary": "Liveness", "security": [], "responses": {"200": \#
        {"description": "The process answers", "content": {"application/json": {"schema": {"type": "object", \#
        "properties": {"status": {"type": "string"}}}}}}}}},
            "/readyz": {"get": {"operationId": "ready", "summary": "Readiness: DynamoDB, S3 and SQS answer", \#
        "security": [], "responses": {
              "200": {"description": "Ready", "content": {"application/json": {"schema": {"$ref": \#
        "#/components/schemas/Readiness"}}}},
              "503": {"description": "A service does not answer", "content": {"application/json": {"schema": {"$ref": \#
        "#/components/schemas/Readiness"}}}}}}},
            "/v1/openapi.json": {"get": {"operationId": "openapi", "summary": "This document", "security": [], \#
        "responses": {"200": {"description": "OpenAPI 3.1", "content": {"application/json": {"schema": {"type": \#
        "object"}}}}}}},
            "/v1/portal/settings": {"get": {"operationId": "portalSettings", "summary": "What the portal needs before \#
        sign-in (whether developer hints apply)", "security": [], "responses": {"200": {"description": "Settings", \#
        "content": {"application/json": {"schema": {"type": "object", "required": ["localDevelopment"], "properties": \#
        {"localDevelopment": {"type": "boolean"}}}}}}}}},
            "/v1/lectures": {"post": {"operationId": "createLecture", "summary": "Create a lecture and plan its \#
        upload (professors of the course)",
              "requestBody": {"required": true, "content": {"application/json": {"schema": {"$ref": \#
        "#/components/schemas/CreateLectureRequest"},
                "example": {"title": "Week 1: Introduction", "course": "CS101", "filename": "week1.mp4", "size": \#
        1000, "contentType": "video/mp4"}}}},
              "responses": {"201": {"description": "Created, awaiting its upload", "headers": {"Location": {"schema": \#
        {"type": "string"}}}, "content": {"application/json": {"schema": {"$ref": \#
        "#/components/schemas/CreateLectureResponse"}}},
                "links": {"GetLecture": {"operationId": "getLecture", "parameters": {"id": \#
        "$response.body#/lecture/id"}}, "UploadStatus": {"operationId": "uploadStatus", "parameters": {"id": \#
        "$response.body#/lecture/id"}}, "PartURLs": {"operationId": "partURLs", "parameters": {"id": \#
        "$response.body#/lecture/id"}}, "CompleteUpload": {"operationId": "completeUpload", "parameters": {"id": \#
        "$response.body#/lecture/id"}}, "AbortUpload": {"operationId": "abortUpload", "parameters": {"id": \#
        "$response.body#/lecture/id"}}, "RetryLecture": {"operationId": "retryLecture", "parameters": {"id": \#
        "$response.body#/lecture/id"}}, "MasterPlaylist": {"operationId": "masterPlaylist", "parameters": {"id": \#
        "$response.body#/lecture/id"}}, "DeleteLecture": {"operationId": "deleteLecture", "parameters": {"id": \#
        "$response.body#/lecture/id"}}, "Storyboard": {"operationId": "storyboard", "parameters": {"id": \#
        "$response.body#/lecture/id"}}}},
                "400": {"$ref": "#/components/responses/Problem"}, "401": {"$ref": "#/components/responses/Problem"}, \#
        "403": {"$ref": "#/components/responses/Problem"},
                "413": {"$ref": "#/components/responses/Problem"}, "415": {"$ref": "#/components/responses/Problem"}, \#
        "422": {"$ref": "#/components/responses/Problem"}, "429": {"$ref": "#/components/responses/Problem"}}}},
            "/v1/lectures/{id}": {
              "parameters": [{"$ref": "#/components/parameters/LectureID"}],
              "get": {"operationId": "getLecture", "summary": "A lecture, with presigned playback links when ready", \#
        "responses": {
                "200": {"description": "The lecture", "content": {"application/json": {"schema": {"$ref": \#
        "#/components/schemas/Lecture"}}}},
                "401": {"$ref": "#/components/responses/Problem"}, "403": {"$ref": "#/components/responses/Problem"}, \#
        "404": {"$ref": "#/components/responses/Problem"}, "429": {"$ref": "#/components/responses/Problem"}}},
              "delete": {"operationId": "deleteLecture", "summary": "Delete the source, every rendition and the \#
        record (professors of the course)", "responses": {
                "204": {"description": "Deleted"}, "401": {"$ref": "#/components/responses/Problem"}, "403": {"$ref": \#
        "#/components/responses/Problem"}, "404": {"$ref": "#/components/responses/Problem"}, "429": {"$ref": \#
        "#/components/responses/Problem"}}},
              "patch": {"operationId": "editLecture", "summary": "Change a lecture's title, description, visibility \#
        or publish time (professors of the course); never re-encodes. Only the named fields are written.",
                "requestBody": {"required": true, "content": {"application/json": {"schema": {"$ref": \#
        "#/components/schemas/LectureEdit"},
                  "example": {"title": "Week 1: Introduction", "visibility": "scheduled", "publishAt": \#
        "2026-12-07T09:00:00Z"}}}},
                "responses": {"200": {"description": "The lecture as edited", "content": {"application/json": \#
        {"schema": {"$ref": "#/components/schemas/Lecture"}}}},
                  "400": {"$ref": "#/components/responses/Problem"}, "401": {"$ref": \#
        "#/components/responses/Problem"}, "403": {"$ref": "#/components/responses/Problem"}, "404": {"$ref": \#
        "#/components/responses/Problem"}, "415": {"$ref": "#/components/responses/Problem"}, "422": {"$ref": \#
        "#/components/responses/Problem"}, "429": {"$ref": "#/components/responses/Problem"}}}},
            "/v1/lectures/{id}/upload": {
              "parameters": [{"$ref": "#/components/parameters/LectureID"}],
              "get": {"operationId": "uploadStatus", "summary": "What S3 holds so far, to resume an upload", \#
        "responses": {
                "200": {"description": "Upload status", "content": {"application/json": {"schema": {"$ref": \#
        "#/components/schemas/UploadStatus"}}}},
                "401": {"$ref": "#/components/responses/Problem"}, "403": {"$ref": "#/components/responses/Problem"}, \#
        "404": {"$ref": "#/components/responses/Problem"}, "409": {"$ref": "#/components/responses/Problem"}, "429": \#
        {"$ref": "#/components/responses/Problem"}}},
              "delete": {"operationId": "abortUpload", "summary": "Abort the upload; the lecture fails", "responses": {
                "204": {"description": "Aborted"}, "401": {"$ref": "#/components/responses/Problem"}, "403": {"$ref": \#
        "#/components/responses/Problem"}, "404": {"$ref": "#/components/responses/Problem"}, "409": {"$ref": \#
        "#/components/responses/Problem"}, "429": {"$ref": "#/components/responses/Problem"}}}},
            "/v1/lectures/{id}/upload/parts": {
              "parameters": [{"$ref": "#/components/parameters/LectureID"}],
              "post": {"operationId": "partURLs", "summary": "Presigned UploadPart URLs for up to 100 parts",
                "requestBody": {"required": true, "content": {"application/json": {"schema": {"$ref": \#
        "#/components/schemas/PartURLsRequest"}}}},
                "responses": {"200": {"description": "URLs", "content": {"application/json": {"schema": {"$ref": \#
        "#/components/schemas/PartURLsResponse"}}}},
                  "400": {"$ref": "#/components/responses/Problem"}, "422": {"$ref": \#
        "#/components/responses/Problem"}, "401": {"$ref": "#/components/responses/Problem"}, "403": {"$ref": \#
        "#/components/responses/Problem"}, "404": {"$ref": "#/components/responses/Problem"}, "409": {"$ref": \#
        "#/components/responses/Problem"}, "429": {"$ref": "#/components/responses/Problem"}}}},
            "/v1/lectures/{id}/upload/complete": {
              "parameters": [{"$ref": "#/components/parameters/LectureID"}],
              "post": {"operationId": "completeUpload", "summary": "Finish the upload and queue the encode, exactly \#
        once (repeats answer the same 202)",
                "requestBody": {"required": false, "content": {"application/json": {"schema": {"$ref": \#
        "#/components/schemas/CompleteUploadRequest"}}}},
                "responses": {"202": {"description": "Queued", "content": {"application/json": {"schema": {"$ref": \#
        "#/components/schemas/JobAccepted"}}}},
                  "400": {"$ref": "#/components/responses/Problem"}, "401": {"$ref": \#
        "#/components/responses/Problem"}, "403": {"$ref": "#/components/responses/Problem"}, "404": {"$ref": \#
        "#/components/responses/Problem"},
                  "409": {"$ref": "#/components/responses/Problem"}, "422": {"$ref": \#
        "#/components/responses/Problem"}, "429": {"$ref": "#/components/responses/Problem"}, "503": {"$ref": \#
        "#/components/responses/Problem"}}}},
            "/v1/lectures/{id}/retry": {
              "parameters": [{"$ref": "#/components/parameters/LectureID"}],
              "post": {"operationId": "retryLecture", "summary": "Queue a failed lecture again (professors of the \#
        course, operators)",
                "responses": {"202": {"description": "Queued", "content": {"application/json": {"schema": {"$ref": \#
        "#/components/schemas/JobAccepted"}}}},
                  "401": {"$ref": "#/components/responses/Problem"}, "403": {"$ref": \#
        "#/components/responses/Problem"}, "404": {"$ref": "#/components/responses/Problem"}, "409": {"$ref": \#
        "#/components/responses/Problem"}, "429": {"$ref": "#/components/responses/Problem"}}}},
            "/v1/lectures/{id}/hls/master.m3u8": {
              "parameters": [{"$ref": "#/components/parameters/LectureID"}],
              "get": {"operationId": "masterPlaylist", "security": [{"bearer": []}, {"playbackGrant": []}], \#
        "summary": "Master playlist; its variant links lead to the API's media playlists (growing EVENT playlists \#
        while a playable lecture encodes)", "responses": {
                "200": {"description": "HLS master playlist", "content": {"application/vnd.apple.mpegurl": {"schema": \#
        {"type": "string"}}}},
                "401": {"$ref": "#/components/responses/Problem"}, "403": {"$ref": "#/components/responses/Problem"}, \#
        "404": {"$ref": "#/components/responses/Problem"}, "409": {"$ref": "#/components/responses/Problem"}, "429": \#
        {"$ref": "#/components/responses/Problem"}, "503": {"$ref": "#/components/responses/Problem"}}}},
            "/v1/lectures/{id}/hls/{rendition}.m3u8": {
              "parameters": [{"$ref": "#/components/parameters/LectureID"},
                {"name": "rendition", "in": "path", "required": true, "description": "The playlist's path with '~' \#
        for '/', e.g. video~720p~playlist", "schema": {"type": "string", "pattern": "^[A-Za-z0-9_.~-]+$"}}],
              "get": {"operationId": "mediaPlaylist", "security": [{"bearer": []}, {"playbackGrant": []}], "summary": \#
        "Media playlist; every segment and init segment link is a presigned S3 URL. While a playable lecture encodes: \#
        EXT-X-PLAYLIST-TYPE EVENT without ENDLIST, cached at most half a target duration", "responses": {
                "200": {"description": "HLS media playlist", "content": {"application/vnd.apple.mpegurl": {"schema": \#
        {"type": "string"}}}},
                "401": {"$ref": "#/components/responses/Problem"}, "403": {"$ref": "#/components/responses/Problem"}, \#
        "404": {"$ref": "#/components/responses/Problem"}, "409": {"$ref": "#/components/responses/Problem"}, "429": \#
        {"$ref": "#/components/responses/Problem"}, "503": {"$ref": "#/components/responses/Problem"}}}},
            "/v1/lectures/{id}/storyboard.vtt": {
              "parameters": [{"$ref": "#/components/parameters/LectureID"}],
              "get": {"operationId": "storyboard", "security": [{"bearer": []}, {"playbackGrant": []}], "summary": \#
        "Storyboard cues with presigned sprite links", "responses": {
                "200": {"description": "WebVTT", "content": {"text/vtt": {"schema": {"type": "string"}}}},
                "401": {"$ref": "#/components/responses/Problem"}, "403": {"$ref": "#/components/responses/Problem"}, \#
        "404": {"$ref": "#/components/responses/Problem"}, "409": {"$ref": "#/components/responses/Problem"}, "429": \#
        {"$ref": "#/components/responses/Problem"}}}},
            "/v1/lectures/{id}/captions": {
              "parameters": [{"$ref": "#/components/parameters/LectureID"}],
              "get": {"operationId": "listCaptions", "summary": "The lecture's caption tracks (anyone who may watch \#
        it); empty until it is ready", "responses": {
                "200": {"description": "Tracks", "content": {"application/json": {"schema": {"$ref": \#
        "#/components/schemas/CaptionTrackList"}}}},
                "401": {"$ref": "#/components/responses/Problem"}, "403": {"$ref": "#/components/responses/Problem"}, \#
        "404": {"$ref": "#/components/responses/Problem"}, "429": {"$ref": "#/components/responses/Problem"}}},
              "post": {"operationId": "addCaptions", "summary": "Add a caption track from a WebVTT or SRT file in the \#
        body (professors of the course; the lecture must be ready)",
                "parameters": [{"name": "language", "in": "query", "required": true, "description": "BCP 47 language \#
        tag", "schema": {"type": "string", "pattern": "^[A-Za-z]{2,8}(-[A-Za-z0-9]{1,8})*$", "maxLength": 35}},
                  {"name": "label", "in": "query", "description": "What players show in their captions menu; the \#
        language tag when absent", "schema": {"type": "string", "minLength": 1, "maxLength": 80}},
                  {"name": "kind", "in": "query", "schema": {"enum": ["captions", "subtitles"], "default": "captions"}},
                  {"name": "default", "in": "query", "description": "Make this the default track (clears the \#
        others')", "schema": {"enum": ["true", "false"], "default": "false"}}],
                "requestBody": {"required": true, "description": "The file's bytes, at most 4 MiB: WebVTT or SRT \#
        (told apart by content), in UTF-8 (with or without BOM), UTF-16 or Windows-1252", "content": {
                  "text/vtt": {"schema": {"type": "string"}}, "application/x-subrip": {"schema": {"type": "string"}}, \#
        "text/plain": {"schema": {"type": "string"}}, "application/octet-stream": {"schema": {"type": "string", \#
        "format": "binary"}}}},
                "responses": {"201": {"description": "Published", "headers": {"Location": {"schema": {"type": \#
        "string"}}, "Lectern-Caption-Encoding": {"description": "How the file's bytes were read (converted to \#
        UTF-8)", "schema": {"enum": ["utf-8", "utf-8-bom", "utf-16le", "utf-16be", "windows-1252"]}}}, "content": \#
        {"application/json": {"schema": {"$ref": "#/components/schemas/CaptionTrack"}}},
                  "links": {"ReplaceCaptions": {"operationId": "replaceCaptions", "parameters": {"id": \#
        "$request.path.id", "trackId": "$response.body#/id"}}, "EditCaptions": {"operationId": "editCaptions", \#
        "parameters": {"id": "$request.path.id", "trackId": "$response.body#/id"}}, "DeleteCaptions": {"operationId": \#
        "deleteCaptions", "parameters": {"id": "$request.path.id", "trackId": "$response.body#/id"}}, \#
        "SubtitlePlaylist": {"operationId": "subtitlePlaylist", "parameters": {"id": "$request.path.id", "track": \#
        "$response.body#/id"}}}},
                  "400": {"$ref": "#/components/responses/Problem"}, "401": {"$ref": \#
        "#/components/responses/Problem"}, "403": {"$ref": "#/components/responses/Problem"}, "404": {"$ref": \#
        "#/components/responses/Problem"}, "409": {"$ref": "#/components/responses/Problem"},
                  "413": {"$ref": "#/components/responses/Problem"}, "415": {"$ref": \#
        "#/components/responses/Problem"}, "422": {"$ref": "#/components/responses/CaptionProblem"}, "429": {"$ref": \#
        "#/components/responses/Problem"}, "503": {"$ref": "#/components/responses/Problem"}}}},
            "/v1/lectures/{id}/captions/{trackId}": {
              "parameters": [{"$ref": "#/components/parameters/LectureID"}, {"$ref": \#
        "#/components/parameters/CaptionTrackID"}],
              "put": {"operationId": "replaceCaptions", "summary": "Publish a new version of a track from a file in \#
        the body; its source becomes professor",
                "requestBody": {"required": true, "description": "As for addCaptions", "content": {
                  "text/vtt": {"schema": {"type": "string"}}, "application/x-subrip": {"schema": {"type": "string"}}, \#
        "text/plain": {"schema": {"type": "string"}}, "application/octet-stream": {"schema": {"type": "string", \#
        "format": "binary"}}}},
                "responses": {"200": {"description": "Published", "content": {"application/json": {"schema": {"$ref": \#
        "#/components/schemas/CaptionTrack"}}}},
                  "400": {"$ref": "#/components/responses/Problem"}, "401": {"$ref": \#
        "#/components/responses/Problem"}, "403": {"$ref": "#/components/responses/Problem"}, "404": {"$ref": \#
        "#/components/responses/Problem"}, "409": {"$ref": "#/components/responses/Problem"},
                  "413": {"$ref": "#/components/responses/Problem"}, "415": {"$ref": \#
        "#/components/responses/Problem"}, "422": {"$ref": "#/components/responses/CaptionProblem"}, "429": {"$ref": \#
        "#/components/responses/Problem"}, "503": {"$ref": "#/components/responses/Problem"}}},
              "patch": {"operationId": "editCaptions", "summary": "Change a track's label, language, kind or default \#
        (setting default clears it on the others)",
                "requestBody": {"required": true, "content": {"application/json": {"schema": {"$ref": \#
        "#/components/schemas/CaptionTrackPatch"}}}},
                "responses": {"200": {"description": "Changed", "content": {"application/json": {"schema": {"$ref": \#
        "#/components/schemas/CaptionTrack"}}}},
                  "400": {"$ref": "#/components/responses/Problem"}, "401": {"$ref": \#
        "#/components/responses/Problem"}, "403": {"$ref": "#/components/responses/Problem"}, "404": {"$ref": \#
        "#/components/responses/Problem"}, "409": {"$ref": "#/components/responses/Problem"},
                  "415": {"$ref": "#/components/responses/Problem"}, "422": {"$ref": \#
        "#/components/responses/Problem"}, "429": {"$ref": "#/components/responses/Problem"}}},
              "delete": {"operationId": "deleteCaptions", "summary": "Remove a track (its files go once no player can \#
        still be reading them)", "responses": {
                "204": {"description": "Deleted"}, "401": {"$ref": "#/components/responses/Problem"}, "403": {"$ref": \#
        "#/components/responses/Problem"}, "404": {"$ref": "#/components/responses/Problem"}, "409": {"$ref": \#
        "#/components/responses/Problem"}, "429": {"$ref": "#/components/responses/Problem"}}}},
            "/v1/lectures/{id}/hls/captions/{track}.m3u8": {
              "parameters": [{"$ref": "#/components/parameters/LectureID"},
                {"name": "track", "in": "path", "required": true, "description": "A caption track id", "schema": \#
        {"type": "string", "pattern": "^cap_[a-z0-9]+$"}}],
              "get": {"operationId": "subtitlePlaylist", "security": [{"bearer": []}, {"playbackGrant": []}], \#
        "summary": "A caption track's HLS subtitle playlist (segmented WebVTT); every segment link is a presigned S3 \#
        URL", "responses": {
                "200": {"description": "HLS media playlist", "content": {"application/vnd.apple.mpegurl": {"schema": \#
        {"type": "string"}}}},
                "401": {"$ref": "#/components/responses/Problem"}, "403": {"$ref": "#/components/responses/Problem"}, \#
        "404": {"$ref": "#/components/responses/Problem"}, "409": {"$ref": "#/components/responses/Problem"}, "429": \#
        {"$ref": "#/components/responses/Problem"}}}},
            "/v1/courses/{course}/lectures": {
              "parameters": [{"name": "course", "in": "path", "required": true, "schema": {"type": "string", \#
        "pattern": "^[A-Za-z0-9._-]{1,64}$"}},
                {"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 100, \#
        "default": 20}},
                {"name": "cursor", "in": "query", "schema": {"type": "string"}}],
              "get": {"operationId": "listLectures", "summary": "A course's lectures, newest first: students see \#
        ready, published ones (scheduled ones from publishAt), professors all", "responses": {
                "200": {"description": "One page", "content": {"application/json": {"schema": {"$ref": \#
        "#/components/schemas/LecturePage"}}}},
                "400": {"$ref": "#/components/responses/Problem"}, "422": {"$ref": "#/components/responses/Problem"}, \#
        "401": {"$ref": "#/components/responses/Problem"}, "403": {"$ref": "#/components/responses/Problem"}, "429": \#
        {"$ref": "#/components/responses/Problem"}}}},
            "/v1/courses": {"get": {"operationId": "listCourses", "summary": "The caller's courses (its token's \#
        courses claim) with their names; a course the registry does not know is named by its code", "responses": {
              "200": {"description": "The courses", "content": {"application/json": {"schema": {"$ref": \#
        "#/components/schemas/CourseList"}}}},
              "401": {"$ref": "#/components/responses/Problem"}, "429": {"$ref": "#/components/responses/Problem"}}}},
            "/v1/courses/{course}": {
              "parameters": [{"name": "course", "in": "path", "required": true, "schema": {"type": "string", \#
        "pattern": "^[A-Za-z0-9._-]{1,64}$"}}],
              "get": {"operationId": "getCourse", "summary": "A course's name and defaults (its members, operators)", \#
        "responses": {
                "200": {"description": "The course", "content": {"application/json": {"schema": {"$ref": \#
        "#/components/schemas/Course"}}}},
                "400": {"$ref": "#/components/responses/Problem"}, "401": {"$ref": "#/components/responses/Problem"}, \#
        "403": {"$ref": "#/components/responses/Problem"}, "429": {"$ref": "#/components/responses/Problem"}}},
              "patch": {"operationId": "editCourse", "summary": "Rename a course or change its defaults (its \#
        professors); creates its registry entry if there is none",
                "requestBody": {"required": true, "content": {"application/json": {"schema": {"$ref": \#
        "#/components/schemas/CourseEdit"},
                  "example": {"name": "Introduction to Computer Science", "defaultVisibility": "draft", \#
        "captionLanguage": "en-GB"}}}},
                "responses": {"200": {"description": "The course as edited", "content": {"application/json": \#
        {"schema": {"$ref": "#/components/schemas/Course"}}}},
                  "400": {"$ref": "#/components/responses/Problem"}, "401": {"$ref": \#
        "#/components/responses/Problem"}, "403": {"$ref": "#/components/responses/Problem"}, "415": {"$ref": \#
        "#/components/responses/Problem"}, "422": {"$ref": "#/components/responses/Problem"}, "429": {"$ref": \#
        "#/components/responses/Problem"}}}},
            "/v1/courses/{course}/activity": {
              "parameters": [{"$ref": "#/components/parameters/Course"}],
              "get": {"operationId": "courseActivity", "summary": "The caller's own activity in the course: visits \#
        and how far each lecture was watched", "responses": {
                "200": {"description": "Activity", "content": {"application/json": {"schema": {"$ref": \#
        "#/components/schemas/Activity"}}}},
                "400": {"$ref": "#/components/responses/Problem"}, "401": {"$ref": "#/components/responses/Problem"}, \#
        "403": {"$ref": "#/components/responses/Problem"}, "429": {"$ref": "#/components/responses/Problem"}}}},
            "/v1/courses/{course}/visits": {
              "parameters": [{"$ref": "#/components/parameters/Course"}],
              "post": {"operationId": "recordVisit", "summary": "Record that the caller opened the course page; a \#
        load within 30 minutes of the last one extends the same visit", "responses": {
                "200": {"description": "Activity after the visit (previousVisitAt tells what is new)", "content": \#
        {"application/json": {"schema": {"$ref": "#/components/schemas/Activity"}}}},
                "400": {"$ref": "#/components/responses/Problem"}, "401": {"$ref": "#/components/responses/Problem"}, \#
        "403": {"$ref": "#/components/responses/Problem"}, "429": {"$ref": "#/components/responses/Problem"}}}},
            "/v1/courses/{course}/search": {
              "parameters": [{"$ref": "#/components/parameters/Course"},
                {"name": "q", "in": "query", "required": true, "description": "Words to find (all of them, accents \#
        and case ignored); search syntax is plain text", "schema": {"type": "string", "minLength": 1, "maxLength": \#
        200}},
                {"name": "cursor", "in": "query", "description": "nextCursor of the previous page", "schema": \#
        {"type": "string"}}],
              "get": {"operationId": "searchCourse", "summary": "Lectures of the course whose captions (later slides) \#
        say the words, best first, each with its matching moments; students only find ready lectures visible to \#
        them", "responses": {
                "200": {"description": "One page of results", "content": {"application/json": {"schema": {"$ref": \#
        "#/components/schemas/SearchResults"}}}},
                "400": {"$ref": "#/components/responses/Problem"}, "401": {"$ref": "#/components/responses/Problem"}, \#
        "403": {"$ref": "#/components/responses/Problem"}, "429": {"$ref": "#/components/responses/Problem"}}}},
            "/v1/lectures/{id}/progress": {
              "parameters": [{"$ref": "#/components/parameters/LectureID"}],
              "put": {"operationId": "recordProgress", "summary": "Record where the caller is in a ready lecture they \#
        may watch",
                "requestBody": {"required": true, "content": {"application/json": {"schema": {"$ref": \#
        "#/components/schemas/ProgressReport"}}}},
                "responses": {"204": {"description": "Recorded"},
                  "400": {"$ref": "#/components/responses/Problem"}, "401": {"$ref": \#
        "#/components/responses/Problem"}, "403": {"$ref": "#/components/responses/Problem"}, "404": {"$ref": \#
        "#/components/responses/Problem"},
                  "409": {"$ref": "#/components/responses/Problem"}, "415": {"$ref": \#
        "#/components/responses/Problem"}, "422": {"$ref": "#/components/responses/Problem"}, "429": {"$ref": \#
        "#/components/responses/Problem"}}}},
            "/v1/me": {"get": {"operationId": "me", "summary": "Who the API takes the caller to be (from their \#
        token): user id, name, role, courses", "responses": {
              "200": {"description": "The caller", "content": {"application/json": {"schema": {"$ref": \#
        "#/components/schemas/Caller"}}}},
              "401": {"$ref": "#/components/responses/Problem"}, "429": {"$ref": "#/components/responses/Problem"}}}},
            "/v1/ops/queue": {"get": {"operationId": "queueStats", "summary": "Job queue depths (operators)", \#
        "responses": {
              "200": {"description": "Depths", "content": {"application/json": {"schema": {"$ref": \#
        "#/components/schemas/QueueStats"}}}},
              "401": {"$ref": "#/components/responses/Problem"}, "403": {"$ref": "#/components/responses/Problem"}, \#
        "429": {"$ref": "#/components/responses/Problem"}}}},
            "/v1/ops/dlq/redrive": {"post": {"operationId": "redrive", "summary": "Move dead-lettered jobs back to \#
        the queue (operators)",
              "parameters": [{"name": "max", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": \#
        10000, "default": 1000}}],
              "responses": {"200": {"description": "Moved", "content": {"application/json": {"schema": {"$ref": \#
        "#/components/schemas/RedriveResult"}}}},
                "400": {"$ref": "#/components/responses/Problem"}, "401": {"$ref": "#/components/responses/Problem"}, \#
        "403": {"$ref": "#/components/responses/Problem"}, "409": {"$ref": "#/components/responses/Problem"}, "429": \#
        {"$ref": "#/components/responses/Problem"}}}}
          },
          "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT", "description": \#
        "RS256/ES256 from the identity provider's JWKS (HS256 in development). Claims: sub, name, role (professor, \#
        student, ops), courses. Never in the query string: ?access_token= is refused with 401 on every route."},
              "playbackGrant": {"type": "apiKey", "in": "query", "name": "grant", "description": "A playback grant: \#
        signed by the API for one user and one lecture, valid for LECTERN_PLAYBACK_URL_SECONDS (1 h by default), \#
        accepted only by that lecture's playlist and storyboard routes. GET /v1/lectures/{id} hands out links that \#
        carry one (playback.hls, playback.storyboard.cues); the master playlist's variant links carry the same \#
        grant."}},
            "parameters": {
              "LectureID": {"name": "id", "in": "path", "required": true, "schema": {"type": "string", "pattern": \#
        "^lec_[a-z0-9]+$"}},
              "CaptionTrackID": {"name": "trackId", "in": "path", "required": true, "schema": {"type": "string", \#
        "pattern": "^cap_[a-z0-9]+$"}},
              "Course": {"name": "course", "in": "path", "required": true, "schema": {"type": "string", "pattern": \#
        "^[A-Za-z0-9._-]{1,64}$"}}
            },
            "responses": {"Problem": {"description": "RFC 9457 problem", "content": {"application/problem+json": \#
        {"schema": {"$ref": "#/components/schemas/Problem"}}}},
              "CaptionProblem": {"description": "RFC 9457 problem; for a file that does not parse, every problem with \#
        its line", "content": {"application/problem+json": {"schema": {"$ref": \#
        "#/components/schemas/CaptionFileProblem"}}}}},
            "schemas": {
              "Problem": {"type": "object", "required": ["type", "title", "status", "detail"], "properties": {
                "type": {"type": "string", "format": "uri"}, "title": {"type": "string"}, "status": {"type": \#
        "integer"}, "detail": {"type": "string"}, "instance": {"type": "string"}}},
              "Readiness": {"type": "object", "required": ["status"], "properties": {"status": {"enum": ["ready", \#
        "not ready"]}, "dynamodb": {"type": "string"}, "s3": {"type": "string"}, "sqs": {"type": "string"}}},
              "CreateLectureRequest": {"type": "object", "required": ["title", "course", "filename", "size", \#
        "contentType"], "properties": {
                "title": {"type": "string", "minLength": 1, "maxLength": 200}, "course": {"type": "string", \#
        "pattern": "^[A-Za-z0-9._-]{1,64}$"},
                "filename": {"type": "string", "minLength": 1, "maxLength": 255}, "size": {"type": "integer", \#
        "minimum": 1, "maximum": 100000000000},
                "contentType": {"type": "string", "pattern": "^video/[A-Za-z0-9.+-]+$"},
                "visibility": {"enum": ["draft", "published", "scheduled"], "description": "The course's \#
        defaultVisibility when absent"},
                "publishAt": {"type": "string", "format": "date-time", "description": "Required with visibility \#
        scheduled, refused otherwise"},
                "description": {"type": "string", "maxLength": 5000}}},
              "LectureEdit": {"type": "object", "properties": {
                "title": {"type": "string", "minLength": 1, "maxLength": 200, "description": "Trimmed; no control \#
        characters"},
                "description": {"type": ["string", "null"], "maxLength": 5000, "description": "Trimmed; line breaks \#
        and tabs allowed, other control characters refused; null or empty removes it"},
                "visibility": {"enum": ["draft", "published", "scheduled"]},
                "publishAt": {"type": ["string", "null"], "format": "date-time", "description": "When a scheduled \#
        lecture becomes visible; required for scheduled (unless it has one), refused for other visibilities"}},
                "description": "At least one field. Problems name the field (422)."},
              "Course": {"type": "object", "required": ["id", "name", "defaultVisibility"], "properties": {
                "id": {"type": "string"}, "name": {"type": "string"}, "defaultVisibility": {"enum": ["published", \#
        "draft"]},
                "captionLanguage": {"type": "string", "description": "BCP 47 tag for automatic captions"}}},
              "CourseList": {"type": "object", "required": ["courses"], "properties": {"courses": {"type": "array", \#
        "items": {"$ref": "#/components/schemas/Course"}}}},
              "CourseEdit": {"type": "object", "properties": {
                "name": {"type": "string", "minLength": 1, "maxLength": 120}, "defaultVisibility": {"enum": \#
        ["published", "draft"]},
                "captionLanguage": {"type": ["string", "null"], "description": "BCP 47 tag (en, en-GB, de-CH…); null \#
        or empty removes it"}},
                "description": "At least one field. Problems name the field (422)."},
              "Lecture": {"type": "object", "required": ["id", "course", "owner", "title", "visibility", "filename", \#
        "contentType", "size", "state", "createdAt", "updatedAt"], "properties": {
                "id": {"type": "string"}, "course": {"type": "string"}, "owner": {"type": "string"}, "title": \#
        {"type": "string"}, "filename": {"type": "string"},
                "description": {"type": "string"},
                "visibility": {"enum": ["draft", "published", "scheduled"], "description": "As in force now: a \#
        scheduled lecture whose publishAt has passed is published. Students see only published lectures that are \#
        ready or playable while they encode."},
                "publishAt": {"type": "string", "format": "date-time"},
                "poster": {"type": "string", "format": "uri", "description": "List items of ready lectures: a \#
        presigned link to the poster (404 for an encode without one)."},
                "contentType": {"type": "string"}, "size": {"type": "integer"},
                "state": {"enum": ["awaiting_upload", "queued", "processing", "ready", "failed"]},
                "createdAt": {"type": "string", "format": "date-time"}, "updatedAt": {"type": "string", "format": \#
        "date-time"},
                "progress": {"type": "object", "properties": {"percent": {"type": "number"}, "stage": {"type": \#
        "string"},
                  "secondsLeft": {"type": "integer", "minimum": 0, "description": "Estimated seconds the encode has \#
        left, once the estimate is stable (the average rate since the claim, from 5 % and 10 s on)."},
                  "partsDone": {"type": "integer", "minimum": 0, "description": "A split encode: video parts done"}, \#
        "partsTotal": {"type": "integer", "minimum": 1, "description": "A split encode: video parts planned"}}},
                "playable": {"type": "object", "required": ["playableThrough", "encodedFraction", "partsDone", \#
        "partsTotal"], "description": "A processing lecture that can be watched already (split encode: the sound and \#
        the first parts are done); playback then links growing playlists (status encoding).", "properties": {
                  "playableThrough": {"type": "number", "description": "Seconds from the start that can be watched \#
        now"}, "encodedFraction": {"type": "number", "minimum": 0, "maximum": 1},
                  "partsDone": {"type": "integer", "minimum": 0}, "partsTotal": {"type": "integer", "minimum": 1}}},
                "failureReason": {"type": "string"}, "retryable": {"type": "boolean"}, "durationSeconds": {"type": \#
        "number"},
                "finishedAt": {"type": "string", "format": "date-time", "description": "Ready and failed lectures: \#
        when the lecture became so (the professor's 'since your last visit' compares it)."},
                "playback": {"$ref": "#/components/schemas/Playback"},
                "captionDraft": {"$ref": "#/components/schemas/CaptionDraft"}}},
              "CaptionDraft": {"type": "object", "required": ["state"], "description": "The automatic caption draft \#
        (GET /v1/lectures/{id} only). unavailable: the speech engine is off, or no draft was made for this version.", \#
        "properties": {
                "state": {"enum": ["unavailable", "pending", "running", "ready", "failed"]}, "detail": {"type": \#
        "string", "description": "Words for a professor."}}},
              "Playback": {"type": "object", "required": ["hls", "renditions", "expiresAt"], "properties": {
                "hls": {"type": "string"}, "status": {"enum": ["encoding"], "description": "encoding: the playlists \#
        grow (EXT-X-PLAYLIST-TYPE EVENT, no ENDLIST) while the lecture encodes; absent when ready"}, "mp4": {"type": \#
        "string", "format": "uri"}, "poster": {"type": "string", "format": "uri"},
                "storyboard": {"type": "object", "required": ["cues"], "properties": {"cues": {"type": "string"}, \#
        "image": {"type": "string", "format": "uri"},
                  "interval": {"type": "number"}, "thumbnailWidth": {"type": "integer"}, "thumbnailHeight": {"type": \#
        "integer"}}},
                "renditions": {"type": "array", "items": {"type": "object", "required": ["name"], "properties": \#
        {"name": {"type": "string"}, "width": {"type": "integer"}, "height": {"type": "integer"}, "bandwidth": \#
        {"type": "integer"}}}},
                "durationSeconds": {"type": "number"}, "expiresAt": {"type": "string", "format": "date-time"},
                "notices": {"type": "array", "items": {"type": "string"}, "description": "What the viewer should know \#
        about this encoding, e.g. audio left out and why. Professors of the course also get what the transcoder \#
        corrected (loudness, channels, picture); students only corrections that change what they hear or see \#
        (silence)."},
                "captions": {"type": "array", "items": {"$ref": "#/components/schemas/CaptionTrack"}},
                "slides": {"type": "object", "required": ["items"], "description": "Detected slides; absent when none \#
        were detected.", "properties": {
                  "chapters": {"type": "string", "format": "uri", "description": "WebVTT chapters track (presigned)"},
                  "items": {"type": "array", "items": {"type": "object", "required": ["start", "end", "title", \#
        "text"], "properties": {
                    "start": {"type": "number"}, "end": {"type": "number"}, "title": {"type": "string", \#
        "description": "Empty when no text was read: show Slide N"},
                    "text": {"type": "string"}, "thumbnail": {"type": "string", "format": "uri"}}}}}}}},
              "CaptionTrack": {"type": "object", "required": ["id", "language", "label", "kind", "source", "version", \#
        "default", "cueCount", "updatedAt", "vtt"], "properties": {
                "id": {"type": "string"}, "language": {"type": "string", "description": "BCP 47"}, "label": {"type": \#
        "string"},
                "kind": {"enum": ["captions", "subtitles"]}, "source": {"enum": ["professor", "machine"]},
                "version": {"type": "string", "description": "Changes with every publish of the track; never reused"},
                "default": {"type": "boolean"}, "cueCount": {"type": "integer", "minimum": 0}, "updatedAt": {"type": \#
        "string", "format": "date-time"},
                "vtt": {"type": "string", "format": "uri", "description": "Short-lived presigned GET of the whole \#
        sanitised track as WebVTT"}}},
              "CaptionTrackList": {"type": "object", "required": ["tracks"], "properties": {"tracks": {"type": \#
        "array", "items": {"$ref": "#/components/schemas/CaptionTrack"}}}},
              "CaptionTrackPatch": {"type": "object", "properties": {
                "label": {"type": "string", "minLength": 1, "maxLength": 80}, "language": {"type": "string", \#
        "pattern": "^[A-Za-z]{2,8}(-[A-Za-z0-9]{1,8})*$", "maxLength": 35},
                "kind": {"enum": ["captions", "subtitles"]}, "default": {"type": "boolean"}}},
              "CaptionFileProblem": {"type": "object", "required": ["type", "title", "status", "detail"], \#
        "properties": {
                "type": {"type": "string", "format": "uri"}, "title": {"type": "string"}, "status": {"type": \#
        "integer"}, "detail": {"type": "string"}, "instance": {"type": "string"},
                "errors": {"type": "array", "maxItems": 50, "items": {"type": "object", "required": ["line", \#
        "message"], "properties": {"line": {"type": "integer", "minimum": 1}, "message": {"type": "string"}}}},
                "errorCount": {"type": "integer"}, "encoding": {"enum": ["utf-8", "utf-8-bom", "utf-16le", \#
        "utf-16be", "windows-1252"]}}},
              "Caller": {"type": "object", "required": ["userId", "role", "courses"], "properties": {"userId": \#
        {"type": "string"}, "name": {"type": "string"}, "role": {"type": "string", "enum": ["professor", "student", \#
        "ops"]}, "courses": {"type": "array", "items": {"type": "string"}}}},
              "PartURL": {"type": "object", "required": ["partNumber", "url"], "properties": {"partNumber": {"type": \#
        "integer", "minimum": 1, "maximum": 10000}, "url": {"type": "string", "format": "uri"}}},
              "UploadPlan": {"type": "object", "required": ["method", "expiresAt"], "properties": {
                "method": {"enum": ["single", "multipart"]}, "url": {"type": "string", "format": "uri"}, "headers": \#
        {"type": "object", "additionalProperties": {"type": "string"}},
                "partSize": {"type": "integer"}, "partCount": {"type": "integer"}, "parts": {"type": "array", \#
        "items": {"$ref": "#/components/schemas/PartURL"}},
                "expiresAt": {"type": "string", "format": "date-time"}}},
              "CreateLectureResponse": {"type": "object", "required": ["lecture", "upload"], "properties": \#
        {"lecture": {"$ref": "#/components/schemas/Lecture"}, "upload": {"$ref": "#/components/schemas/UploadPlan"}}},
              "PartURLsRequest": {"type": "object", "required": ["partNumbers"], "properties": {"partNumbers": \#
        {"type": "array", "minItems": 1, "maxItems": 100, "items": {"type": "integer", "minimum": 1, "maximum": \#
        10000}}}},
              "PartURLsResponse": {"type": "object", "required": ["parts", "expiresAt"], "properties": {"parts": \#
        {"type": "array", "items": {"$ref": "#/components/schemas/PartURL"}}, "expiresAt": {"type": "string", \#
        "format": "date-time"}}},
              "UploadStatus": {"type": "object", "required": ["method", "state"], "properties": {
                "method": {"enum": ["single", "multipart"]}, "state": {"type": "string"}, "partSize": {"type": \#
        "integer"}, "partCount": {"type": "integer"},
                "uploadedParts": {"type": "array", "items": {"type": "object", "required": ["partNumber", "eTag", \#
        "size"], "properties": {"partNumber": {"type": "integer"}, "eTag": {"type": "string"}, "size": {"type": \#
        "integer"}}}},
                "missingPartNumbers": {"type": "array", "items": {"type": "integer"}},
                "uploaded": {"type": "boolean"}, "url": {"type": "string", "format": "uri"}, "expiresAt": {"type": \#
        "string", "format": "date-time"}}},
              "CompleteUploadRequest": {"type": "object", "properties": {"parts": {"type": "array", "items": {"type": \#
        "object", "required": ["partNumber", "eTag"], "properties": {"partNumber": {"type": "integer", "minimum": 1, \#
        "maximum": 10000}, "eTag": {"type": "string"}}}}}},
              "JobAccepted": {"type": "object", "required": ["lectureId", "jobVersion", "status"], "properties": \#
        {"lectureId": {"type": "string"}, "jobVersion": {"type": "string"}, "status": {"const": "accepted"}}},
              "Activity": {"type": "object", "required": ["lectures"], "properties": {
                "lastVisitAt": {"type": "string", "format": "date-time", "description": "When the current visit began"},
                "previousVisitAt": {"type": "string", "format": "date-time", "description": "The last page load of \#
        the visit before it: lectures visible since then are new"},
                "lastSeenAt": {"type": "string", "format": "date-time", "description": "The latest page load of the \#
        current visit"},
                "lectures": {"type": "object", "description": "Lecture id → progress", "additionalProperties": \#
        {"type": "object", "required": ["position", "duration", "completed", "updatedAt"], "properties": {
                  "position": {"type": "number"}, "duration": {"type": "number"}, "completed": {"type": "boolean", \#
        "description": "Watched to 90 % at least once (stays true when rewatched)"}, "updatedAt": {"type": "string", \#
        "format": "date-time"}}}}}},
              "ProgressReport": {"type": "object", "required": ["position", "duration"], "properties": {
                "position": {"type": "number", "minimum": 0, "description": "Seconds into the lecture"},
                "duration": {"type": "number", "exclusiveMinimum": 0, "maximum": 86400, "description": "The lecture's \#
        duration as the player sees it (within 5 s of the encoded one)"}}},
              "SearchResults": {"type": "object", "required": ["query", "results"], "properties": {"query": {"type": \#
        "string"}, "nextCursor": {"type": "string"},
                "results": {"type": "array", "items": {"type": "object", "required": ["lectureId", "title", \#
        "matchCount", "moments"], "properties": {
                  "lectureId": {"type": "string"}, "title": {"type": "string"}, "matchCount": {"type": "integer", \#
        "minimum": 1},
                  "moments": {"type": "array", "items": {"type": "object", "required": ["kind", "start", "end", \#
        "snippet"], "properties": {
                    "kind": {"type": "string", "enum": ["caption", "slide"]}, "start": {"type": "number", \#
        "description": "Seconds from the start"}, "end": {"type": "number"},
                    "snippet": {"type": "array", "items": {"type": "object", "required": ["text", "match"], \#
        "properties": {"text": {"type": "string"}, "match": {"type": "boolean", "description": "A matched word, to \#
        highlight"}}}}}}}}}}}},
              "LecturePage": {"type": "object", "required": ["lectures"], "properties": {"lectures": {"type": \#
        "array", "items": {"$ref": "#/components/schemas/Lecture"}}, "nextCursor": {"type": "string"}}},
              "QueueStats": {"type": "object", "properties": {"visible": {"type": "integer"}, "inFlight": {"type": \#
        "integer"}, "delayed": {"type": "integer"}, "deadLetter": {"type": "integer"}, "oldestMessageAgeSeconds": \#
        {"type": "integer"}}},
              "RedriveResult": {"type": "object", "required": ["moved", "sendFailed", "deleteFailed"], "properties": \#
        {"moved": {"type": "integer"}, "sendFailed": {"type": "integer"}, "deleteFailed": {"type": "integer"}}}
            }
          }
        }
        """#
}
