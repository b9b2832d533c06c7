/// Sets fields of a JSON object record to new values, splicing them into
/// the record's text: untouched parts are copied as they are, in runs,
/// and nothing is parsed beyond what the walk needs.
///
/// Targets are member-name paths (`amount_eur`, `customer.name`). A target
/// that exists is replaced in place (every occurrence, if a name repeats);
/// a missing one is appended at the end of its object, in target order,
/// with the objects on its path created when missing or null. A path
/// through a value that is neither an object nor null cannot be set, and
/// is an error for that record.
///
/// # Thread safety
/// Immutable after init.
///
/// # Ownership
/// BORROWS the record and the values during `rewrite`.
public struct RecordRewriter: Sendable {
    /// Why a set of targets cannot be used.
    public struct InvalidTargets: Error, Sendable, CustomStringConvertible {
        public let description: String
    }

    private struct Node: Sendable {
        var name: [UInt8] = []
        var children: [Int] = []
        /// The index of the value this node is set to, if it is a target.
        var target: Int?
    }

    public let targets: [[String]]
    private var nodes: [Node] = [Node()]

    /// Targets as member-name paths; a target that is a prefix of another
    /// (`a` and `a.b`), or set twice, is refused.
    public init(targets: [[String]]) throws(InvalidTargets) {
        self.targets = targets
        for (index, path) in targets.enumerated() {
            guard !path.isEmpty, path.count <= ExpressionLimits.depthMax else {
                throw InvalidTargets(description: "a target needs 1 to \(ExpressionLimits.depthMax) names")
            }
            var node = 0
            for (depth, name) in path.enumerated() {
                if nodes[node].target != nil {
                    throw InvalidTargets(description: "'\(path.joined(separator: "."))' is inside '\(path[..<depth].joined(separator: "."))', "
                        + "which is set too: set one or the other")
                }
                let bytes = Array(name.utf8)
                if let child = nodes[node].children.first(where: { nodes[$0].name == bytes }) {
                    node = child
                } else {
                    nodes.append(Node(name: bytes))
                    nodes[node].children.append(nodes.count - 1)
                    node = nodes.count - 1
                }
            }
            guard nodes[node].target == nil else {
                throw InvalidTargets(description: "'\(path.joined(separator: "."))' is set twice")
            }
            guard nodes[node].children.isEmpty else {
                throw InvalidTargets(description: "'\(path.joined(separator: "."))' is set, and so are fields inside it: "
                    + "set one or the other")
            }
            nodes[node].target = index
        }
    }

    /// Appends `record` with every target set to its value to `output`.
    /// `values[i]` is the JSON text of target i's value, as a range of
    /// `valueBytes`.
    public func rewrite(_ record: UnsafeRawBufferPointer, values: UnsafeBufferPointer<Range<Int>>,
                        valueBytes: UnsafeRawBufferPointer, into output: inout [UInt8]) throws(ExpressionRuntimeError) {
        precondition(values.count == targets.count, "one value per target")
        var writer = Writer(text: record, values: values, valueBytes: valueBytes, nodes: nodes)
        var cursor = JSONCursor(record)
        do throws(JSONCursor.Failure) {
            cursor.skipSpace()
            guard cursor.peek == UInt8(ascii: "{") else {
                throw cursor.failure(cursor.atEnd ? "the value is empty, not a JSON object" : "the value is not a JSON object")
            }
            try writer.object(&cursor, node: 0, depth: 0, output: &output)
            cursor.skipSpace()
            guard cursor.atEnd else { throw cursor.failure("unexpected text after the object") }
        } catch {
            throw ExpressionRuntimeError(message: error.description)
        }
        if let failure = writer.failure { throw failure }
        writer.copy(upTo: record.count, into: &output)
    }

    private struct Writer {
        let text: UnsafeRawBufferPointer
        let values: UnsafeBufferPointer<Range<Int>>
        let valueBytes: UnsafeRawBufferPointer
        let nodes: [Node]
        /// Record text before this has been written.
        var copied = 0
        var failure: ExpressionRuntimeError?

        mutating func copy(upTo end: Int, into output: inout [UInt8]) {
            if end > copied { output.append(contentsOf: UnsafeRawBufferPointer(rebasing: text[copied..<end])) }
            copied = max(copied, end)
        }

        func appendValue(_ node: Int, into output: inout [UInt8]) {
            if let target = nodes[node].target {
                output.append(contentsOf: UnsafeRawBufferPointer(rebasing: valueBytes[values[target]]))
                return
            }
            // A new object holding the node's targets.
            output.append(UInt8(ascii: "{"))
            for (index, child) in nodes[node].children.enumerated() {
                if index > 0 { output.append(UInt8(ascii: ",")) }
                appendName(child, into: &output)
                appendValue(child, into: &output)
            }
            output.append(UInt8(ascii: "}"))
        }

        func appendName(_ node: Int, into output: inout [UInt8]) {
            nodes[node].name.withUnsafeBytes { ExpressionValueWriter.appendQuoted($0, to: &output) }
            output.append(UInt8(ascii: ":"))
        }

        /// Walks the object at the cursor, splicing node's children in.
        mutating func object(_ cursor: inout JSONCursor, node: Int, depth: Int, output: inout [UInt8]) throws(JSONCursor.Failure) {
            let children = nodes[node].children
            // At most a few targets per object: a bit set of those seen.
            var seen = [Bool](repeating: false, count: children.count)
            var hasMembers = false
            let text = self.text
            try cursor.forEachMember(depth: depth) { (cursor: inout JSONCursor, name: Range<Int>, escaped: Bool) throws(JSONCursor.Failure) in
                hasMembers = true
                let found = children.firstIndex { child in
                    let wanted = nodes[child].name
                    if escaped {
                        var decoded: [UInt8] = []
                        JSONCursor.unescape(UnsafeRawBufferPointer(rebasing: text[name]), into: &decoded)
                        return decoded == wanted
                    }
                    return wanted.elementsEqual(UnsafeRawBufferPointer(rebasing: text[name]))
                }
                guard let found else {
                    try cursor.skipValue(depth: depth + 1)
                    return
                }
                seen[found] = true
                let child = children[found]
                let valueStart = cursor.position
                if nodes[child].target == nil, cursor.peek == UInt8(ascii: "{") {
                    try object(&cursor, node: child, depth: depth + 1, output: &output)
                    return
                }
                let kind = try cursor.skipValue(depth: depth + 1)
                if nodes[child].target == nil, kind != .null {
                    if failure == nil {
                        failure = ExpressionRuntimeError(message: "cannot set fields inside `\(String(decoding: nodes[child].name, as: UTF8.self))`: "
                            + "it holds \(kind == .array ? "an array" : "a \(kind)"), not an object")
                    }
                    return
                }
                copy(upTo: valueStart, into: &output)
                appendValue(child, into: &output)
                copied = cursor.position
            }
            // The cursor is past '}': add what the object lacked before it.
            guard seen.contains(false) else { return }
            let closing = cursor.position - 1
            copy(upTo: closing, into: &output)
            var needsComma = hasMembers
            for (index, child) in children.enumerated() where !seen[index] {
                if needsComma { output.append(UInt8(ascii: ",")) }
                needsComma = true
                appendName(child, into: &output)
                appendValue(child, into: &output)
            }
        }
    }
}
