import Foundation
import LecternAPI
import Testing

@Suite("HTTP basics: probes, problems, limits") struct BasicHTTPTests {
    @Test(arguments: Via.allCases) func healthzAnswersWithoutAToken(via: Via) async throws {
        let world = try await TestWorld.make()
        try await world.withClient(via) { client in
            let response = try await client.call("GET", "/healthz")
            #expect(response.status == 200)
            #expect(response.text == #"{"status":"ok"}"#)
        }
    }

    @Test(arguments: Via.allCases) func unknownPathsAndWrongMethodsAreProblems(via: Via) async throws {
        let world = try await TestWorld.make()
        try await world.withClient(via) { client in
            let missing = try await client.call("GET", "/v1/nothing-here")
            #expect(missing.status == 404)
            #expect(missing.header("Content-Type") == "application/problem+json")
            #expect(missing.problem?.status == 404)
            #expect(missing.problem?.type == "https://lectern.dev/problems/not-found")

            let wrong = try await client.call("PUT", "/v1/lectures")
            #expect(wrong.status == 405)
            #expect(wrong.header("Allow") == "POST")
        }
    }

    @Test(arguments: Via.allCases) func malformedBodiesNameTheField(via: Via) async throws {
        let world = try await TestWorld.make()
        let token = try await world.token(.professor, courses: ["CS101"])
        try await world.withClient(via) { client in
            let missingField = try await client.call(
                "POST",
                "/v1/lectures",
                token: token,
                body: Data(#"{"title":"W1","course":"CS101","filename":"a.mp4","contentType":"video/mp4"}"#.utf8)
            )
            #expect(missingField.status == 400)
            #expect(missingField.problem?.detail == "missing field 'size'")

            let wrongType = try await client.call(
                "POST",
                "/v1/lectures",
                token: token,
                body: Data(
                    #"{"title":"W1","course":"CS101","filename":"a.mp4","size":"big","contentType":"video/mp4"}"#.utf8
                )
            )
            #expect(wrongType.status == 400)
            #expect(wrongType.problem?.detail == "field 'size' must be an integer")

            let nested = try await client.call(
                "POST",
                "/v1/lectures/lec_x/upload/parts",
                token: token,
                body: Data(#"{"partNumbers":[1,"two"]}"#.utf8)
            )
            #expect(nested.status == 400)
            #expect(nested.problem?.detail == "field 'partNumbers[1]' must be an integer")

            let notJSON = try await client.call("POST", "/v1/lectures", token: token, body: Data("{title:".utf8))
            #expect(notJSON.status == 400)
            #expect(notJSON.problem?.detail == "the body is not valid JSON")

            let plain = try await client.call(
                "POST",
                "/v1/lectures",
                token: token,
                headers: ["Content-Type": "text/plain"],
                body: Data("hello".utf8)
            )
            #expect(plain.status == 415)
        }
    }

    @Test(arguments: Via.allCases) func oversizedBodiesAre413(via: Via) async throws {
        let world = try await TestWorld.make { $0.maxBodyBytes = 2_048 }
        let token = try await world.token(.professor, courses: ["CS101"])
        try await world.withClient(via) { client in
            let response = try await client.call(
                "POST",
                "/v1/lectures",
                token: token,
                body: Data(repeating: UInt8(ascii: " "), count: 4_096)
            )
            #expect(response.status == 413)
            #expect(response.problem?.detail.contains("2048 bytes") == true)
            // The connection (live) still serves the next request.
            #expect(try await client.call("GET", "/healthz").status == 200)
        }
    }

    @Test(arguments: Via.allCases) func theOpenAPIDocumentIsServed(via: Via) async throws {
        let world = try await TestWorld.make()
        try await world.withClient(via) { client in
            let response = try await client.call("GET", "/v1/openapi.json")
            #expect(response.status == 200)
            let document = try JSONSerialization.jsonObject(with: response.body) as? [String: Any]
            #expect((document?["openapi"] as? String)?.hasPrefix("3.1") == true)
        }
    }
}
