import Foundation
import Testing

@testable import LecternAPI

@Suite("OpenAPI document") struct OpenAPITests {
    /// The router's routes as OpenAPI paths (`:id` → `{id}`), each with its lower-cased method.
    func servedOperations() async throws -> Set<String> {
        let world = try await TestWorld.make()
        var operations: Set<String> = []
        for route in world.app.router.routes {
            let path =
                "/"
                + route.segments.map { segment -> String in
                    switch segment {
                    case .literal(let text): text
                    case .parameter(let name): "{\(name)}"
                    case .parameterWithSuffix(let name, let suffix): "{\(name)}\(suffix)"
                    }
                }.joined(separator: "/")
            operations.insert("\(route.method.lowercased()) \(path)")
        }
        return operations
    }

    @Test func describesExactlyTheRoutesServed() async throws {
        let document = try #require(try JSONSerialization.jsonObject(with: OpenAPIDocument.json) as? [String: Any])
        #expect(document["openapi"] as? String == "3.1.0")
        let paths = try #require(document["paths"] as? [String: [String: Any]])
        var documented: Set<String> = []
        for (path, item) in paths {
            for method in item.keys where ["get", "post", "put", "delete", "patch"].contains(method) {
                documented.insert("\(method) \(path)")
            }
        }
        #expect(documented == (try await servedOperations()))
    }

    @Test func everyReferenceResolves() throws {
        let text = OpenAPIDocument.text
        let document = try #require(try JSONSerialization.jsonObject(with: OpenAPIDocument.json) as? [String: Any])
        let components = try #require(document["components"] as? [String: [String: Any]])
        var references = Set<String>()
        var rest = Substring(text)
        while let range = rest.range(of: "\"$ref\": \"#/components/") {
            rest = rest[range.upperBound...]
            references.insert(String(rest.prefix { $0 != "\"" }))
        }
        #expect(!references.isEmpty)
        for reference in references {
            let parts = reference.split(separator: "/").map(String.init)
            #expect(parts.count == 2 && components[parts[0]]?[parts[1]] != nil, "unresolved #/components/\(reference)")
        }
    }
}
