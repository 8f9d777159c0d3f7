import Foundation
import Yams

/// A CloudFormation template value with the short-form intrinsics (`!Ref`, `!Sub`, `!GetAtt`…) rewritten to their
/// long form (`{"Ref": …}`, `{"Fn::Sub": …}`, `{"Fn::GetAtt": [resource, attribute]}`), as CloudFormation reads them.
/// Scalars stay as written: the checks compare names and ARNs, never arithmetic.
indirect enum TemplateValue: Equatable, Sendable, CustomStringConvertible {
    case string(String)
    case list([TemplateValue])
    case map([String: TemplateValue])

    struct Unsupported: Error, CustomStringConvertible {
        let description: String
    }

    init(_ node: Node) throws {
        let plain: TemplateValue
        switch node {
        case .scalar(let scalar):
            plain = .string(scalar.string)
        case .sequence(let sequence):
            plain = .list(try sequence.map(TemplateValue.init))
        case .mapping(let mapping):
            var entries: [String: TemplateValue] = [:]
            for (key, value) in mapping {
                guard let name = key.string else {
                    throw Unsupported(description: "a mapping key that is not a scalar")
                }
                entries[name] = try TemplateValue(value)
            }
            plain = .map(entries)
        case .alias:
            throw Unsupported(description: "YAML aliases (CloudFormation does not accept them)")
        }
        let tag = node.tag.rawValue
        guard tag.hasPrefix("!"), tag.count > 1 else {
            self = plain
            return
        }
        let function = String(tag.dropFirst())
        switch function {
        case "Ref", "Condition":
            self = .map([function: plain])
        case "GetAtt":
            if case .string(let dotted) = plain, let dot = dotted.firstIndex(of: ".") {
                self = .map([
                    "Fn::GetAtt": .list([
                        .string(String(dotted[..<dot])), .string(String(dotted[dotted.index(after: dot)...])),
                    ])
                ])
            } else {
                self = .map(["Fn::GetAtt": plain])
            }
        default:
            self = .map(["Fn::\(function)": plain])
        }
    }

    subscript(key: String) -> TemplateValue? {
        if case .map(let entries) = self { return entries[key] }
        return nil
    }

    var string: String? {
        if case .string(let text) = self { return text }
        return nil
    }

    var entries: [String: TemplateValue] {
        if case .map(let entries) = self { return entries }
        return [:]
    }

    /// IAM's "one or many": a single value reads as a list of one.
    var items: [TemplateValue] {
        if case .list(let items) = self { return items }
        return [self]
    }

    /// The value the way `Fn::Sub` would write it: `!GetAtt A.Arn` → `${A.Arn}`, `!Ref X` → `${X}`.
    var reference: String {
        switch self {
        case .string(let text): return text
        case .map(let entries) where entries.count == 1:
            if let sub = entries["Fn::Sub"]?.string { return sub }
            if let ref = entries["Ref"]?.string { return "${\(ref)}" }
            if case .list(let parts)? = entries["Fn::GetAtt"] {
                return "${\(parts.compactMap(\.string).joined(separator: "."))}"
            }
            return description
        default: return description
        }
    }

    var description: String {
        switch self {
        case .string(let text): return text.debugDescription
        case .list(let items): return "[" + items.map(\.description).joined(separator: ", ") + "]"
        case .map(let entries):
            return "{" + entries.sorted { $0.key < $1.key }.map { "\($0.key): \($0.value)" }.joined(separator: ", ")
                + "}"
        }
    }

    /// Changes the value at `path` (map keys, or list indices written as numbers); for tests that break a template
    /// on purpose.
    mutating func modify(_ path: ArraySlice<String>, _ change: (inout TemplateValue) -> Void) {
        guard let first = path.first else {
            change(&self)
            return
        }
        switch self {
        case .map(var entries):
            var child = entries[first] ?? .map([:])
            child.modify(path.dropFirst(), change)
            entries[first] = child
            self = .map(entries)
        case .list(var items):
            guard let index = Int(first), items.indices.contains(index) else { return }
            items[index].modify(path.dropFirst(), change)
            self = .list(items)
        case .string:
            return
        }
    }
}

/// One CloudFormation template from deploy/.
struct Template: Sendable {
    let url: URL
    var root: TemplateValue

    static let folder = BuiltProductsRoot.url.appendingPathComponent("deploy")

    /// Every template in deploy/ (YAML or JSON).
    static func all() throws -> [URL] {
        try FileManager.default.contentsOfDirectory(at: folder, includingPropertiesForKeys: nil)
            .filter { ["yaml", "yml", "json", "template"].contains($0.pathExtension) }
            .sorted { $0.lastPathComponent < $1.lastPathComponent }
    }

    static func load(_ url: URL) throws -> Template {
        let text = try String(contentsOf: url, encoding: .utf8)
        guard let node = try Yams.compose(yaml: text) else {
            throw TemplateValue.Unsupported(description: "\(url.lastPathComponent) is empty")
        }
        return Template(url: url, root: try TemplateValue(node))
    }

    static func main() throws -> Template { try load(folder.appendingPathComponent("lectern.yaml")) }

    var resources: [String: TemplateValue] { root["Resources"]?.entries ?? [:] }
    var parameters: [String: TemplateValue] { root["Parameters"]?.entries ?? [:] }

    func resources(ofType type: String) -> [(id: String, properties: TemplateValue)] {
        resources.filter { $0.value["Type"]?.string == type }
            .map { ($0.key, $0.value["Properties"] ?? .map([:])) }
            .sorted { $0.id < $1.id }
    }
}
