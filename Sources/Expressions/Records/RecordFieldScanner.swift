/// Finds the values of the fields an expression reads, in one pass over a
/// record's JSON text, building nothing.
///
/// The paths are merged into a tree at compile time, so each member name
/// of the record is compared only with the names wanted at its depth, and
/// a subtree no path enters is skipped without a look inside.
///
/// # Thread safety
/// Immutable after init; `scan` writes only into the slots it is given.
///
/// # Ownership
/// BORROWS the record text; found ranges index into it.
struct RecordFieldScanner: Sendable {
    /// Where a field's value is in the record (`kind == .missing`: absent).
    struct Slot: Sendable {
        var kind: JSONCursor.Kind = .missing
        var start = 0
        var end = 0
    }

    private struct Node: Sendable {
        var members: [(name: [UInt8], node: Int)] = []
        var elements: [(index: Int, node: Int)] = []
        var slot: Int?
    }

    /// The paths, in slot order.
    let paths: [FieldPath]
    private var nodes: [Node] = [Node()]

    init(paths: [FieldPath]) {
        self.paths = paths
        for (slot, path) in paths.enumerated() {
            var node = 0
            for segment in path.segments {
                switch segment {
                case .member(let name):
                    let bytes = Array(name.utf8)
                    if let child = nodes[node].members.first(where: { $0.name == bytes })?.node {
                        node = child
                    } else {
                        nodes.append(Node())
                        nodes[node].members.append((bytes, nodes.count - 1))
                        node = nodes.count - 1
                    }
                case .index(let index):
                    if let child = nodes[node].elements.first(where: { $0.index == index })?.node {
                        node = child
                    } else {
                        nodes.append(Node())
                        nodes[node].elements.append((index, nodes.count - 1))
                        node = nodes.count - 1
                    }
                }
            }
            nodes[node].slot = slot
        }
    }

    /// Fills `slots` (one per path) from `text`, which must be a JSON
    /// object. A later duplicate member wins, as in most JSON parsers.
    func scan(_ text: UnsafeRawBufferPointer, into slots: UnsafeMutableBufferPointer<Slot>) throws(JSONCursor.Failure) {
        for index in slots.indices { slots[index] = Slot() }
        var cursor = JSONCursor(text)
        cursor.skipSpace()
        guard cursor.peek == UInt8(ascii: "{") else {
            throw cursor.failure(cursor.atEnd ? "the value is empty, not a JSON object" : "the value is not a JSON object")
        }
        try walk(&cursor, node: 0, depth: 0, slots: slots)
        cursor.skipSpace()
        guard cursor.atEnd else { throw cursor.failure("unexpected text after the object") }
    }

    private func walk(_ cursor: inout JSONCursor, node: Int, depth: Int,
                      slots: UnsafeMutableBufferPointer<Slot>) throws(JSONCursor.Failure) {
        let start = cursor.position
        let here = nodes[node]
        let kind: JSONCursor.Kind
        if !here.members.isEmpty, cursor.peek == UInt8(ascii: "{") {
            kind = .object
            try cursor.forEachMember(depth: depth) { (cursor: inout JSONCursor, name: Range<Int>, escaped: Bool) throws(JSONCursor.Failure) in
                if let child = self.child(of: here, named: name, escaped: escaped, in: cursor.text) {
                    try self.walk(&cursor, node: child, depth: depth + 1, slots: slots)
                } else {
                    try cursor.skipValue(depth: depth + 1)
                }
            }
        } else if !here.elements.isEmpty, cursor.peek == UInt8(ascii: "[") {
            kind = .array
            try cursor.forEachElement(depth: depth) { (cursor: inout JSONCursor, index: Int) throws(JSONCursor.Failure) in
                if let child = here.elements.first(where: { $0.index == index })?.node {
                    try self.walk(&cursor, node: child, depth: depth + 1, slots: slots)
                } else {
                    try cursor.skipValue(depth: depth + 1)
                }
            }
        } else {
            kind = try cursor.skipValue(depth: depth)
        }
        if let slot = here.slot { slots[slot] = Slot(kind: kind, start: start, end: cursor.position) }
    }

    @inline(__always)
    private func child(of node: Node, named range: Range<Int>, escaped: Bool, in text: UnsafeRawBufferPointer) -> Int? {
        if escaped {
            // Rare: compare the decoded name.
            var decoded: [UInt8] = []
            JSONCursor.unescape(UnsafeRawBufferPointer(rebasing: text[range]), into: &decoded)
            return node.members.first { $0.name == decoded }?.node
        }
        let count = range.count
        for member in node.members where member.name.count == count {
            let equal = member.name.withUnsafeBytes { name in
                count == 0 || memcmp(name.baseAddress!, text.baseAddress! + range.lowerBound, count) == 0
            }
            if equal { return member.node }
        }
        return nil
    }

    /// The value of a found slot.
    static func value(of slot: Slot, in text: UnsafeRawBufferPointer) -> ExpressionValue? {
        switch slot.kind {
        case .missing, .null: return .null
        case .boolean: return .boolean(text[slot.start] == UInt8(ascii: "t"))
        case .number: return JSONCursor.number(UnsafeRawBufferPointer(rebasing: text[slot.start..<slot.end]))
        case .string: return .string(JSONCursor.decodeString(text, slot.start..<slot.end))
        case .array, .object:
            return .json(String(decoding: UnsafeRawBufferPointer(rebasing: text[slot.start..<slot.end]), as: UTF8.self))
        }
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
