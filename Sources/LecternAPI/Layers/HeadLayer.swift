import Foundation

/// HEAD is answered as GET without the body (RFC 9110 §9.3.2); the router lets HEAD match GET routes.
struct HeadLayer: ResponseFilter {
    func filter(_ response: inout APIResponse, for context: RequestContext) {
        if context.request.method == "HEAD" { response.body = Data() }
    }
}
