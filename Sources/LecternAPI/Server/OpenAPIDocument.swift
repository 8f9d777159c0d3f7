import Foundation

/// The OpenAPI 3.1 description served at /v1/openapi.json (source: Resources/openapi.json).
enum OpenAPIDocument {
    static let json: Data = Data(#"{"openapi":"3.1.0","info":{"title":"Lectern API","version":"1"},"paths":{}}"#.utf8)
}
