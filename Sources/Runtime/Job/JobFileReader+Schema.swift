import Columns
import Yams

/// `schema:` on a source step: the fields of its record values.
///
/// ```yaml
/// schema:
///   order_id: int64 not null
///   customer.id: int64          # nested: a struct field "customer"
///   customer.name: utf8
///   amount: decimal(9,2)
///   tags: list<utf8>
///   at: timestamp               # ms since the Unix epoch, UTC
/// ```
///
/// Types: bool, int32, int64, float64, decimal(P,S), utf8 (or string),
/// binary, timestamp, date32, list<T>; a field is nullable unless its type
/// ends with `not null`. Dotted names nest fields in structs, in the order
/// they first appear.
extension JobFileReader {
    /// The deepest nesting of dotted names and lists a schema may have.
    static let schemaDepthMax = 32
    /// The most fields a schema may declare (leaves).
    static let schemaFieldsMax = 4096

    func schema(_ node: Node, _ field: String) throws(JobFileError) -> Schema {
        let list = try entries(node, field)
        guard !list.isEmpty else { throw error(node, field, "declare at least one field") }
        guard list.count <= Self.schemaFieldsMax else {
            throw error(node, field, "\(list.count) fields; a schema has at most \(Self.schemaFieldsMax)")
        }
        // A tree of names in first-appearance order; leaves have a type.
        final class Entry {
            var field: Field?
            var children: [(String, Entry)] = []
        }
        let root = Entry()
        for (name, keyNode, valueNode) in list {
            let path = "\(field).\(name)"
            let parts = name.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
            guard !parts.contains(where: \.isEmpty) else {
                throw error(keyNode, path, "field names are non-empty, joined by single dots: \"\(name)\"")
            }
            guard parts.count <= Self.schemaDepthMax else {
                throw error(keyNode, path, "nested \(parts.count) deep; at most \(Self.schemaDepthMax)")
            }
            let text = try string(valueNode, path)
            let (type, nullable) = try columnType(text, valueNode, path)
            var entry = root
            for (depth, part) in parts.enumerated() {
                if entry.field != nil {
                    throw error(keyNode, path, "'\(parts[..<depth].joined(separator: "."))' is a \(entry.field!.type) field, "
                        + "so it cannot have fields of its own")
                }
                if let existing = entry.children.first(where: { $0.0 == part })?.1 {
                    entry = existing
                } else {
                    let next = Entry()
                    entry.children.append((part, next))
                    entry = next
                }
            }
            guard entry.field == nil, entry.children.isEmpty else {
                throw error(keyNode, path, "'\(name)' is declared twice (or also has nested fields)")
            }
            entry.field = Field(parts.last!, type, nullable: nullable)
        }
        func fields(_ entry: Entry) -> [Field] {
            entry.children.map { name, child in child.field ?? Field(name, .struct(fields(child))) }
        }
        return Schema(fields(root))
    }

    /// Reads "int64", "decimal(9,2) not null", "list<utf8>"...
    private func columnType(_ text: String, _ node: Node, _ path: String) throws(JobFileError) -> (ColumnType, Bool) {
        var body = text.trimmingWhitespace()
        var nullable = true
        let notNull = " not null"
        if body.lowercased().hasSuffix(notNull) {
            nullable = false
            body = String(body.dropLast(notNull.count)).trimmingWhitespace()
        }
        guard let type = Self.parseType(Substring(body.lowercased()), depth: 0) else {
            throw error(node, path, "\"\(text)\" is not a column type: write bool, int32, int64, float64, decimal(P,S) "
                + "(P 1...38, S 0...P), utf8, binary, timestamp, date32 or list<TYPE>, optionally followed by 'not null'")
        }
        return (type, nullable)
    }

    private static func parseType(_ text: Substring, depth: Int) -> ColumnType? {
        switch text {
        case "bool", "boolean": return .bool
        case "int32": return .int32
        case "int64": return .int64
        case "float64", "double": return .float64
        case "utf8", "string": return .utf8
        case "binary": return .binary
        case "timestamp": return .timestampMs
        case "date32", "date": return .date32
        default: break
        }
        if text.hasPrefix("list<"), text.hasSuffix(">"), depth < schemaDepthMax,
           let element = parseType(text.dropFirst(5).dropLast(), depth: depth + 1) {
            return .list(Field("item", element))
        }
        if text.hasPrefix("decimal("), text.hasSuffix(")") {
            let numbers = text.dropFirst(8).dropLast().split(separator: ",").map { $0.trimmingWhitespace() }
            guard numbers.count == 2, let precision = Int(numbers[0]), let scale = Int(numbers[1]),
                  (1...ColumnType.decimalPrecisionMax).contains(precision), (0...precision).contains(scale)
            else { return nil }
            return .decimal128(precision: precision, scale: scale)
        }
        return nil
    }
}

extension StringProtocol {
    fileprivate func trimmingWhitespace() -> String {
        String(drop { $0 == " " || $0 == "\t" }.reversed().drop { $0 == " " || $0 == "\t" }.reversed())
    }
}
