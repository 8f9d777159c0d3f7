import Foundation

#if canImport(FoundationXML)
import FoundationXML
#endif

/// A small read-only XML tree, enough for S3 and SQS-query responses. Namespaces are ignored.
public final class XMLNode: Sendable {
    public let name: String
    public let text: String
    public let children: [XMLNode]

    init(name: String, text: String, children: [XMLNode]) {
        self.name = name
        self.text = text
        self.children = children
    }

    public func first(_ name: String) -> XMLNode? { children.first { $0.name == name } }
    public func all(_ name: String) -> [XMLNode] { children.filter { $0.name == name } }
    /// The text of the first child called `name`.
    public func value(_ name: String) -> String? { first(name)?.text }

    public struct ParseError: Error, Sendable, CustomStringConvertible {
        public let message: String
        public var description: String { "malformed XML: \(message)" }
    }

    public static func parse(_ data: Data) throws -> XMLNode {
        let builder = Builder()
        let parser = XMLParser(data: data)
        parser.delegate = builder
        parser.shouldProcessNamespaces = true
        guard parser.parse(), let root = builder.root else {
            throw ParseError(message: parser.parserError.map { "\($0)" } ?? "no root element")
        }
        return root
    }

    private final class Builder: NSObject, XMLParserDelegate {
        struct Partial {
            var name: String
            var text = ""
            var children: [XMLNode] = []
        }
        var stack: [Partial] = []
        var root: XMLNode?

        func parser(
            _ parser: XMLParser,
            didStartElement elementName: String,
            namespaceURI: String?,
            qualifiedName qName: String?,
            attributes attributeDict: [String: String] = [:]
        ) {
            stack.append(Partial(name: elementName))
        }

        func parser(_ parser: XMLParser, foundCharacters string: String) {
            if !stack.isEmpty { stack[stack.count - 1].text += string }
        }

        func parser(
            _ parser: XMLParser,
            didEndElement elementName: String,
            namespaceURI: String?,
            qualifiedName qName: String?
        ) {
            guard let done = stack.popLast() else { return }
            let node = XMLNode(
                name: done.name,
                text: done.children.isEmpty ? done.text : done.text.trimmingCharacters(in: .whitespacesAndNewlines),
                children: done.children
            )
            if stack.isEmpty { root = node } else { stack[stack.count - 1].children.append(node) }
        }
    }
}
