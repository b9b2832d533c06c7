#if canImport(Glibc)
import Glibc
#endif
import StreamhostKit

/// Finds the values of a few fields of a JSON object in one pass, without
/// building anything: the window's per-record parsing.
///
/// Everything it walks is checked under the one JSON rule (JSONText's
/// `JSONScanner`, docs/ARCHITECTURE.md "JSON"), the values it skips
/// included; one pass still, since skipping is checking.
///
/// # Ownership
/// BORROWS the text; returned ranges index into it.
struct FieldExtractor {
    enum Kind: Equatable { case null, bool, number, string, array, object }

    struct Failure: Error, CustomStringConvertible {
        let offset: Int
        let message: String
        var description: String { "the value is not valid JSON (\(message) at byte \(offset))" }
    }

    /// The member names wanted at the top level, and for nested paths the
    /// rest of their segments.
    let paths: [JSONFieldPath]
    /// Each path's keys as UTF-8, outermost first, made once: the walk
    /// compares member names against them.
    private let segments: [[[UInt8]]]
    private let allIndices: [Int]

    init(paths: [JSONFieldPath]) {
        self.paths = paths
        segments = paths.map(\.segmentUTF8)
        allIndices = Array(paths.indices)
    }

    /// Fills `found[i]` with the value of `paths[i]` (nil when missing).
    func extract(from text: UnsafeRawBufferPointer, into found: inout [(kind: Kind, range: Range<Int>)?]) throws(Failure) {
        for index in found.indices { found[index] = nil }
        var cursor = Cursor(text: text)
        // A UTF-8 byte order mark is skipped, as by every JSON reader here.
        if text.count >= 3 && text[0] == 0xEF && text[1] == 0xBB && text[2] == 0xBF { cursor.position = 3 }
        cursor.skipSpace()
        guard cursor.peek == UInt8(ascii: "{") else { throw cursor.failure("expected an object") }
        try walkObject(&cursor, depth: 0, found: &found)
        cursor.skipSpace()
        guard cursor.atEnd else { throw cursor.failure("unexpected text after the value") }
    }

    /// Walks the object at the cursor, recording members that match
    /// segment `depth` of a path whose earlier segments led here.
    private func walkObject(_ cursor: inout Cursor, depth: Int, found: inout [(kind: Kind, range: Range<Int>)?],
                            candidates: [Int]? = nil) throws(Failure) {
        cursor.position += 1  // {
        cursor.skipSpace()
        if cursor.peek == UInt8(ascii: "}") {
            cursor.position += 1
            return
        }
        let open = candidates ?? allIndices
        while true {
            cursor.skipSpace()
            guard cursor.peek == UInt8(ascii: "\"") else { throw cursor.failure("expected a member name") }
            let nameStart = cursor.position + 1
            try cursor.skipString()
            let name = UnsafeRawBufferPointer(rebasing: cursor.text[nameStart..<(cursor.position - 1)])
            cursor.skipSpace()
            guard cursor.peek == UInt8(ascii: ":") else { throw cursor.failure("expected ':'") }
            cursor.position += 1
            cursor.skipSpace()
            var matchesLeaf = false
            var matchesDeeper = false
            for index in open where matches(index, depth: depth, name: name) {
                if segments[index].count == depth + 1 { matchesLeaf = true } else { matchesDeeper = true }
            }
            let valueStart = cursor.position
            let kind = cursor.kindAhead
            if matchesDeeper && kind == .object {
                let deeper = open.filter { matches($0, depth: depth, name: name) && segments[$0].count > depth + 1 }
                var inner = cursor
                try walkObject(&inner, depth: depth + 1, found: &found, candidates: deeper)
                cursor.position = inner.position
            } else {
                try cursor.skipValue(depth: depth + 1)
            }
            if matchesLeaf {
                for index in open where segments[index].count == depth + 1 && matches(index, depth: depth, name: name) {
                    found[index] = (kind ?? .null, valueStart..<cursor.position)  // a later duplicate wins
                }
            }
            cursor.skipSpace()
            switch cursor.peek {
            case UInt8(ascii: ","):
                cursor.position += 1
            case UInt8(ascii: "}"):
                cursor.position += 1
                return
            default:
                throw cursor.failure("expected ',' or '}'")
            }
        }
    }

    @inline(__always)
    private func matches(_ index: Int, depth: Int, name: UnsafeRawBufferPointer) -> Bool {
        let keys = segments[index]
        guard keys.count > depth else { return false }
        return keys[depth].withUnsafeBytes { segment in
            guard segment.count == name.count else { return false }
            return segment.count == 0 || memcmp(segment.baseAddress!, name.baseAddress!, name.count) == 0
        }
    }

    struct Cursor {
        let text: UnsafeRawBufferPointer
        var position = 0

        var atEnd: Bool { position >= text.count }
        var peek: UInt8 { position < text.count ? text[position] : 0 }

        func failure(_ message: String) -> Failure { Failure(offset: position, message: message) }

        mutating func skipSpace() {
            while position < text.count {
                switch text[position] {
                case 0x20, 0x09, 0x0A, 0x0D: position += 1
                default: return
                }
            }
        }

        var kindAhead: Kind? {
            switch peek {
            case UInt8(ascii: "\""): return .string
            case UInt8(ascii: "{"): return .object
            case UInt8(ascii: "["): return .array
            case UInt8(ascii: "t"), UInt8(ascii: "f"): return .bool
            case UInt8(ascii: "n"): return .null
            case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return .number
            default: return nil
            }
        }

        /// Past a string starting at the cursor (escapes checked, not
        /// decoded), under the one rule of JSONText.
        mutating func skipString() throws(Failure) {
            let (end, _) = JSONScanner.skipString(in: text, at: position)
            if end < 0 { throw Self.failure(end, in: text) }
            position = end
        }

        /// Past the value at the cursor, nested `depth` levels deep, checked
        /// in full: a malformed number or string inside a skipped value is
        /// refused as the host refuses it.
        mutating func skipValue(depth: Int) throws(Failure) {
            let end = JSONScanner.skipValue(in: text, at: position, depth: depth)
            if end < 0 { throw Self.failure(end, in: text) }
            position = end
        }

        static func failure(_ result: Int, in text: UnsafeRawBufferPointer) -> Failure {
            let error = JSONScanner.syntaxError(result, in: text)
            return Failure(offset: error.offset, message: error.message)
        }
    }
}
