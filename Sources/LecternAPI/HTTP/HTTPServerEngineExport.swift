// `APIRequest`, `APIResponse`, `APIProblem` and `HTTP1Server` live in the engine module (`HTTPServerEngine`) so the
// worker's metrics port can run on the same engine without linking the API. Every handler, layer and test of the API
// speaks those types; re-exporting the engine keeps `import LecternAPI` enough for them, so a file that names
// `APIRequest` needs no second import (and branches that add handlers merge without one).
@_exported import HTTPServerEngine
