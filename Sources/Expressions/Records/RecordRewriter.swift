#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

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
    /// The most targets set directly inside one object.
    public static let targetsPerObjectMax = 64
    private let flat: FlatTree

    /// Targets as member-name paths; a target that is a prefix of another
    /// (`a` and `a.b`), or set twice, is refused.
    public init(targets: [[String]]) throws(InvalidTargets) {
        self.targets = targets
        isTopLevelOnly = targets.allSatisfy { $0.count == 1 }
        var nodes = [Node()]
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
        var flat = FlatTree()
        for node in nodes {
            guard node.children.count <= Self.targetsPerObjectMax else {
                throw InvalidTargets(description: "more than \(Self.targetsPerObjectMax) fields are set inside one object")
            }
            flat.nodes.append(FlatNode(nameStart: flat.names.count, nameCount: node.name.count, firstChild: flat.children.count,
                                       childCount: node.children.count, target: node.target ?? -1))
            flat.names.append(contentsOf: node.name)
            flat.children.append(contentsOf: node.children)
        }
        self.flat = flat
    }

    /// Whether every target is a top-level field, so that
    /// `rewriteTopLevel` applies.
    public let isTopLevelOnly: Bool

    /// `rewrite` for top-level targets whose places the caller already
    /// knows (`found[i]`: target i's value range in the record, nil when
    /// absent, from a pass that checked the record is one JSON object):
    /// copies the record in runs and writes the values in, without walking
    /// it again. Targets that occur more than once need `rewrite`.
    public func rewriteTopLevel(_ record: UnsafeRawBufferPointer, found: UnsafeBufferPointer<Range<Int>?>,
                                values: UnsafeBufferPointer<Range<Int>>, valueBytes: UnsafeRawBufferPointer,
                                into output: inout [UInt8]) {
        precondition(isTopLevelOnly && found.count == targets.count && values.count == targets.count, "top-level targets only")
        var copied = 0
        // Replace in record order: take the found target that starts first, each time.
        var done: UInt64 = 0
        var hasMember = false
        for _ in 0..<targets.count {
            var next = -1
            for index in 0..<targets.count where done & (1 << UInt64(index)) == 0 {
                guard let range = found[index] else { continue }
                if next < 0 || range.lowerBound < found[next]!.lowerBound { next = index }
            }
            guard next >= 0 else { break }
            done |= 1 << UInt64(next)
            hasMember = true
            let range = found[next]!
            output.append(contentsOf: UnsafeRawBufferPointer(rebasing: record[copied..<range.lowerBound]))
            output.append(contentsOf: UnsafeRawBufferPointer(rebasing: valueBytes[values[next]]))
            copied = range.upperBound
        }
        guard found.contains(where: { $0 == nil }) else {
            output.append(contentsOf: UnsafeRawBufferPointer(rebasing: record[copied...]))
            return
        }
        // The closing brace is the last byte that is not space.
        var closing = record.count - 1
        while closing > 0, record[closing] != UInt8(ascii: "}") { closing -= 1 }
        if !hasMember {
            var index = 0
            while record[index] != UInt8(ascii: "{") { index += 1 }
            index += 1
            while index < closing, record[index] == 0x20 || record[index] == 0x09 || record[index] == 0x0A || record[index] == 0x0D {
                index += 1
            }
            hasMember = index < closing
        }
        output.append(contentsOf: UnsafeRawBufferPointer(rebasing: record[copied..<closing]))
        flat.names.withUnsafeBytes { names in
            for index in 0..<targets.count where found[index] == nil {
                if hasMember { output.append(UInt8(ascii: ",")) }
                hasMember = true
                let node = flat.nodes[flat.children[index]]
                ExpressionValueWriter.appendQuoted(UnsafeRawBufferPointer(rebasing: names[node.nameStart..<(node.nameStart + node.nameCount)]),
                                                   to: &output)
                output.append(UInt8(ascii: ":"))
                output.append(contentsOf: UnsafeRawBufferPointer(rebasing: valueBytes[values[index]]))
            }
        }
        output.append(contentsOf: UnsafeRawBufferPointer(rebasing: record[closing...]))
    }

    /// Appends `record` with every target set to its value to `output`.
    /// `values[i]` is the JSON text of target i's value, as a range of
    /// `valueBytes`.
    public func rewrite(_ record: UnsafeRawBufferPointer, values: UnsafeBufferPointer<Range<Int>>,
                        valueBytes: UnsafeRawBufferPointer, into output: inout [UInt8]) throws(ExpressionRuntimeError) {
        precondition(values.count == targets.count, "one value per target")
        var failure: ExpressionRuntimeError?
        flat.nodes.withUnsafeBufferPointer { nodes in
            flat.children.withUnsafeBufferPointer { children in
                flat.names.withUnsafeBytes { names in
                    var writer = Writer(text: record, values: values, valueBytes: valueBytes,
                                        nodes: nodes, children: children, names: names)
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
                        failure = ExpressionRuntimeError(message: error.description)
                        return
                    }
                    if let problem = writer.failure {
                        failure = problem
                        return
                    }
                    writer.copy(upTo: record.count, into: &output)
                }
            }
        }
        if let failure { throw failure }
    }

    /// The target tree flattened for the walk: per node its name (a range
    /// of `names`), its children (a range of `children`) and its target.
    struct FlatNode: Sendable {
        var nameStart: Int
        var nameCount: Int
        var firstChild: Int
        var childCount: Int
        var target: Int
    }

    struct FlatTree: Sendable {
        var nodes: [FlatNode] = []
        var children: [Int] = []
        var names: [UInt8] = []
    }

    private struct Writer {
        let text: UnsafeRawBufferPointer
        let values: UnsafeBufferPointer<Range<Int>>
        let valueBytes: UnsafeRawBufferPointer
        let nodes: UnsafeBufferPointer<FlatNode>
        let children: UnsafeBufferPointer<Int>
        let names: UnsafeRawBufferPointer
        /// Record text before this has been written.
        var copied = 0
        var failure: ExpressionRuntimeError?

        init(text: UnsafeRawBufferPointer, values: UnsafeBufferPointer<Range<Int>>, valueBytes: UnsafeRawBufferPointer,
             nodes: UnsafeBufferPointer<FlatNode>, children: UnsafeBufferPointer<Int>, names: UnsafeRawBufferPointer) {
            self.text = text
            self.values = values
            self.valueBytes = valueBytes
            self.nodes = nodes
            self.children = children
            self.names = names
        }

        func name(_ node: Int) -> UnsafeRawBufferPointer {
            let info = nodes[node]
            return UnsafeRawBufferPointer(rebasing: names[info.nameStart..<(info.nameStart + info.nameCount)])
        }

        mutating func copy(upTo end: Int, into output: inout [UInt8]) {
            if end > copied { output.append(contentsOf: UnsafeRawBufferPointer(rebasing: text[copied..<end])) }
            copied = max(copied, end)
        }

        func appendValue(_ node: Int, into output: inout [UInt8]) {
            let info = nodes[node]
            if info.target >= 0 {
                output.append(contentsOf: UnsafeRawBufferPointer(rebasing: valueBytes[values[info.target]]))
                return
            }
            // A new object holding the node's targets.
            output.append(UInt8(ascii: "{"))
            for index in 0..<info.childCount {
                if index > 0 { output.append(UInt8(ascii: ",")) }
                let child = children[info.firstChild + index]
                appendName(child, into: &output)
                appendValue(child, into: &output)
            }
            output.append(UInt8(ascii: "}"))
        }

        func appendName(_ node: Int, into output: inout [UInt8]) {
            ExpressionValueWriter.appendQuoted(name(node), to: &output)
            output.append(UInt8(ascii: ":"))
        }

        /// Which child of `info` is named `range` of the text, if any.
        func child(of info: FlatNode, named range: Range<Int>, escaped: Bool) -> Int? {
            let raw = UnsafeRawBufferPointer(rebasing: text[range])
            var decoded: [UInt8] = []
            if escaped { JSONCursor.unescape(raw, into: &decoded) }
            for index in 0..<info.childCount {
                let wanted = name(children[info.firstChild + index])
                let equal = escaped ? decoded.elementsEqual(wanted)
                    : wanted.count == raw.count && (raw.count == 0 || memcmp(wanted.baseAddress!, raw.baseAddress!, raw.count) == 0)
                if equal { return index }
            }
            return nil
        }

        /// Walks the object at the cursor, splicing node's children in.
        mutating func object(_ cursor: inout JSONCursor, node: Int, depth: Int, output: inout [UInt8]) throws(JSONCursor.Failure) {
            let info = nodes[node]
            // Which children the object had (at most 64 per object: see init).
            var seen: UInt64 = 0
            var hasMembers = false
            guard depth < JSONCursor.depthMax else { throw cursor.failure("nesting deeper than \(JSONCursor.depthMax)") }
            cursor.position += 1
            cursor.skipSpace()
            if cursor.peek == UInt8(ascii: "}") {
                cursor.position += 1
            } else {
                while true {
                    cursor.skipSpace()
                    let (nameRange, escaped) = try cursor.memberName()
                    hasMembers = true
                    if let found = child(of: info, named: nameRange, escaped: escaped) {
                        seen |= 1 << UInt64(found)
                        let child = children[info.firstChild + found]
                        let valueStart = cursor.position
                        if nodes[child].target < 0, cursor.peek == UInt8(ascii: "{") {
                            try object(&cursor, node: child, depth: depth + 1, output: &output)
                        } else {
                            let kind = try cursor.skipValue(depth: depth + 1)
                            if nodes[child].target < 0, kind != .null {
                                if failure == nil {
                                    failure = ExpressionRuntimeError(
                                        message: "cannot set fields inside `\(String(decoding: name(child), as: UTF8.self))`: "
                                            + "it holds \(kind == .array ? "an array" : "a \(kind)"), not an object")
                                }
                            } else {
                                copy(upTo: valueStart, into: &output)
                                appendValue(child, into: &output)
                                copied = cursor.position
                            }
                        }
                    } else {
                        try cursor.skipValue(depth: depth + 1)
                    }
                    cursor.skipSpace()
                    let separator = cursor.peek
                    if separator == UInt8(ascii: ",") {
                        cursor.position += 1
                        continue
                    }
                    guard separator == UInt8(ascii: "}") else { throw cursor.failure("expected ',' or '}'") }
                    cursor.position += 1
                    break
                }
            }
            // The cursor is past '}': add what the object lacked before it.
            let all: UInt64 = info.childCount == 64 ? ~0 : (1 << UInt64(info.childCount)) - 1
            guard seen != all else { return }
            copy(upTo: cursor.position - 1, into: &output)
            var needsComma = hasMembers
            for index in 0..<info.childCount where seen & (1 << UInt64(index)) == 0 {
                if needsComma { output.append(UInt8(ascii: ",")) }
                needsComma = true
                let child = children[info.firstChild + index]
                appendName(child, into: &output)
                appendValue(child, into: &output)
            }
        }
    }
}
