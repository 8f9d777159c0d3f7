// The upload and playback API: see the lectern-api issue.
