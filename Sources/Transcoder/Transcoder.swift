// Transcoder module: see the transcoder issue.
