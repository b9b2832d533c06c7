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
        /// The member occurred more than once (the last one is kept).
        var repeated = false
    }

    /// The path tree, flattened into arrays so that a walk reads it through
    /// pointers: no copies, no reference counting per member.
    private struct NodeInfo: Sendable {
        var firstMember: Int = 0
        var memberCount: Int = 0
        var firstElement: Int = 0
        var elementCount: Int = 0
        var slot: Int = -1
    }

    private struct MemberEntry: Sendable {
        var nameStart: Int
        var nameCount: Int
        var child: Int
    }

    /// The paths, in slot order.
    let paths: [FieldPath]
    private let storage: Storage

    /// The flattened tables, allocated once and read through pointers.
    private final class Storage: @unchecked Sendable {
        let nodes: UnsafeMutableBufferPointer<NodeInfo>
        let members: UnsafeMutableBufferPointer<MemberEntry>
        let elements: UnsafeMutableBufferPointer<(index: Int, child: Int)>
        let names: UnsafeMutableRawBufferPointer

        init(nodes: [NodeInfo], members: [MemberEntry], elements: [(index: Int, child: Int)], names: [UInt8]) {
            self.nodes = .allocate(capacity: max(nodes.count, 1))
            _ = self.nodes.initialize(from: nodes)
            self.members = .allocate(capacity: max(members.count, 1))
            _ = self.members.initialize(from: members)
            self.elements = .allocate(capacity: max(elements.count, 1))
            _ = self.elements.initialize(from: elements)
            self.names = .allocate(byteCount: max(names.count, 1), alignment: 1)
            self.names.copyBytes(from: names)
        }

        deinit {
            nodes.deallocate()
            members.deallocate()
            elements.deallocate()
            names.deallocate()
        }
    }

    init(paths: [FieldPath]) {
        self.paths = paths
        // Build the tree with nested arrays first, then flatten it.
        struct Building {
            var members: [(name: [UInt8], node: Int)] = []
            var elements: [(index: Int, node: Int)] = []
            var slot: Int?
        }
        var tree = [Building()]
        for (slot, path) in paths.enumerated() {
            var node = 0
            for segment in path.segments {
                switch segment {
                case .member(let name):
                    let bytes = Array(name.utf8)
                    if let child = tree[node].members.first(where: { $0.name == bytes })?.node {
                        node = child
                    } else {
                        tree.append(Building())
                        tree[node].members.append((bytes, tree.count - 1))
                        node = tree.count - 1
                    }
                case .index(let index):
                    if let child = tree[node].elements.first(where: { $0.index == index })?.node {
                        node = child
                    } else {
                        tree.append(Building())
                        tree[node].elements.append((index, tree.count - 1))
                        node = tree.count - 1
                    }
                }
            }
            tree[node].slot = slot
        }
        var nodes: [NodeInfo] = []
        var members: [MemberEntry] = []
        var elements: [(index: Int, child: Int)] = []
        var names: [UInt8] = []
        for building in tree {
            var info = NodeInfo(firstMember: members.count, memberCount: building.members.count,
                                firstElement: elements.count, elementCount: building.elements.count, slot: building.slot ?? -1)
            for member in building.members {
                members.append(MemberEntry(nameStart: names.count, nameCount: member.name.count, child: member.node))
                names.append(contentsOf: member.name)
            }
            elements.append(contentsOf: building.elements.map { ($0.index, $0.node) })
            if building.members.isEmpty { info.firstMember = 0 }
            nodes.append(info)
        }
        storage = Storage(nodes: nodes, members: members, elements: elements, names: names)
    }

    /// The tables as pointers, for the duration of one scan.
    private struct Tables {
        let nodes: UnsafeBufferPointer<NodeInfo>
        let members: UnsafeBufferPointer<MemberEntry>
        let elements: UnsafeBufferPointer<(index: Int, child: Int)>
        let names: UnsafeRawBufferPointer
        let slots: UnsafeMutableBufferPointer<Slot>
    }

    /// Fills `slots` (one per path) from `text`, which must be a JSON
    /// object. A later duplicate member wins, as in most JSON parsers.
    func scan(_ text: UnsafeRawBufferPointer, into slots: UnsafeMutableBufferPointer<Slot>) throws(JSONCursor.Failure) {
        for index in slots.indices { slots[index] = Slot() }
        var cursor = JSONCursor(text)
        // A UTF-8 byte order mark is skipped, as by every JSON reader here.
        if text.count >= 3 && text[0] == 0xEF && text[1] == 0xBB && text[2] == 0xBF { cursor.position = 3 }
        cursor.skipSpace()
        guard cursor.peek == UInt8(ascii: "{") else {
            throw cursor.failure(cursor.atEnd ? "the value is empty, not a JSON object" : "the value is not a JSON object")
        }
        let tables = Tables(nodes: UnsafeBufferPointer(storage.nodes), members: UnsafeBufferPointer(storage.members),
                            elements: UnsafeBufferPointer(storage.elements), names: UnsafeRawBufferPointer(storage.names),
                            slots: slots)
        try Self.walk(&cursor, node: 0, depth: 0, tables: tables)
        cursor.skipSpace()
        guard cursor.atEnd else { throw cursor.failure("unexpected text after the object") }
    }

    private static func walk(_ cursor: inout JSONCursor, node: Int, depth: Int, tables: Tables) throws(JSONCursor.Failure) {
        let start = cursor.position
        let here = tables.nodes[node]
        let kind: JSONCursor.Kind
        if here.memberCount > 0, cursor.peek == UInt8(ascii: "{") {
            kind = .object
            guard depth < JSONCursor.depthMax else { throw cursor.failure("nesting deeper than \(JSONCursor.depthMax)") }
            cursor.position += 1
            cursor.skipSpace()
            if cursor.peek == UInt8(ascii: "}") {
                cursor.position += 1
            } else {
                while true {
                    cursor.skipSpace()
                    let (name, escaped) = try cursor.memberName()
                    if let child = child(of: here, named: name, escaped: escaped, in: cursor.text, tables: tables) {
                        let leaf = tables.nodes[child]
                        if leaf.memberCount == 0 && leaf.elementCount == 0 {
                            // A field wanted as a whole: note where it is.
                            let valueStart = cursor.position
                            let kind = try cursor.skipValueFast(depth: depth + 1)
                            let repeated = tables.slots[leaf.slot].kind != .missing
                            tables.slots[leaf.slot] = Slot(kind: kind, start: valueStart, end: cursor.position, repeated: repeated)
                        } else {
                            try walk(&cursor, node: child, depth: depth + 1, tables: tables)
                        }
                    } else {
                        _ = try cursor.skipValueFast(depth: depth + 1)
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
        } else if here.elementCount > 0, cursor.peek == UInt8(ascii: "[") {
            kind = .array
            try cursor.forEachElement(depth: depth) { (cursor: inout JSONCursor, index: Int) throws(JSONCursor.Failure) in
                for entry in here.firstElement..<(here.firstElement + here.elementCount) where tables.elements[entry].index == index {
                    try walk(&cursor, node: tables.elements[entry].child, depth: depth + 1, tables: tables)
                    return
                }
                try cursor.skipValue(depth: depth + 1)
            }
        } else {
            kind = try cursor.skipValue(depth: depth)
        }
        if here.slot >= 0 {
            let repeated = tables.slots[here.slot].kind != .missing
            tables.slots[here.slot] = Slot(kind: kind, start: start, end: cursor.position, repeated: repeated)
        }
    }

    @inline(__always)
    private static func child(of node: NodeInfo, named range: Range<Int>, escaped: Bool, in text: UnsafeRawBufferPointer,
                              tables: Tables) -> Int? {
        if escaped {
            // Rare: compare the decoded name.
            var decoded: [UInt8] = []
            JSONCursor.unescape(UnsafeRawBufferPointer(rebasing: text[range]), into: &decoded)
            for entry in node.firstMember..<(node.firstMember + node.memberCount) {
                let member = tables.members[entry]
                if decoded.elementsEqual(tables.names[member.nameStart..<(member.nameStart + member.nameCount)]) {
                    return member.child
                }
            }
            return nil
        }
        let count = range.count
        let first = count > 0 ? text[range.lowerBound] : 0
        for entry in node.firstMember..<(node.firstMember + node.memberCount) {
            let member = tables.members[entry]
            guard member.nameCount == count else { continue }
            if count == 0 { return member.child }
            // The first byte rules most names out without a call.
            guard tables.names[member.nameStart] == first else { continue }
            if memcmp(tables.names.baseAddress! + member.nameStart, text.baseAddress! + range.lowerBound, count) == 0 {
                return member.child
            }
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
