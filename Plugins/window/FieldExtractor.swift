#if canImport(Glibc)
import Glibc
#endif

/// Finds the values of a few fields of a JSON object in one pass, without
/// building anything: the window's per-record parsing.
///
/// It checks the structure it walks (quotes, brackets, separators) but, to
/// stay at one pass, not every detail of the values it skips (a malformed
/// number inside a skipped value is not noticed). Values it returns are
/// checked by their users (numbers by `ExactDecimal`/`Double`).
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
    let paths: [FieldPath]
    private let allIndices: [Int]

    init(paths: [FieldPath]) {
        self.paths = paths
        allIndices = Array(paths.indices)
    }

    /// Fills `found[i]` with the value of `paths[i]` (nil when missing).
    func extract(from text: UnsafeRawBufferPointer, into found: inout [(kind: Kind, range: Range<Int>)?]) throws(Failure) {
        for index in found.indices { found[index] = nil }
        var cursor = Cursor(text: text)
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
                if paths[index].segments.count == depth + 1 { matchesLeaf = true } else { matchesDeeper = true }
            }
            let valueStart = cursor.position
            let kind = cursor.kindAhead
            if matchesDeeper && kind == .object {
                let deeper = open.filter { matches($0, depth: depth, name: name) && paths[$0].segments.count > depth + 1 }
                var inner = cursor
                try walkObject(&inner, depth: depth + 1, found: &found, candidates: deeper)
                cursor.position = inner.position
            } else {
                try cursor.skipValue(depth: depth)
            }
            if matchesLeaf {
                for index in open where paths[index].segments.count == depth + 1 && matches(index, depth: depth, name: name) {
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
        let segments = paths[index].segments
        guard segments.count > depth else { return false }
        return segments[depth].withUnsafeBytes { segment in
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

        /// Past a string starting at the cursor (escapes skipped, not decoded).
        mutating func skipString() throws(Failure) {
            position += 1
            while position < text.count {
                let byte = text[position]
                if byte == UInt8(ascii: "\"") {
                    position += 1
                    return
                }
                if byte == UInt8(ascii: "\\") { position += 1 } else if byte < 0x20 {
                    throw failure("a control character in a string")
                }
                position += 1
            }
            throw failure("an unterminated string")
        }

        mutating func skipValue(depth: Int) throws(Failure) {
            guard depth < 512 else { throw failure("nesting deeper than 512") }
            switch kindAhead {
            case .string:
                try skipString()
            case .object, .array:
                let close = peek == UInt8(ascii: "{") ? UInt8(ascii: "}") : UInt8(ascii: "]")
                position += 1
                skipSpace()
                if peek == close {
                    position += 1
                    return
                }
                while true {
                    skipSpace()
                    if close == UInt8(ascii: "}") {
                        guard peek == UInt8(ascii: "\"") else { throw failure("expected a member name") }
                        try skipString()
                        skipSpace()
                        guard peek == UInt8(ascii: ":") else { throw failure("expected ':'") }
                        position += 1
                        skipSpace()
                    }
                    try skipValue(depth: depth + 1)
                    skipSpace()
                    if peek == close {
                        position += 1
                        return
                    }
                    guard peek == UInt8(ascii: ",") else { throw failure("expected ',' or a closing bracket") }
                    position += 1
                }
            case .number:
                let start = position
                while position < text.count {
                    switch text[position] {
                    case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "+"), UInt8(ascii: "."),
                         UInt8(ascii: "e"), UInt8(ascii: "E"):
                        position += 1
                    default:
                        guard position > start else { throw failure("expected a number") }
                        return
                    }
                }
            case .bool, .null:
                let word: StaticString = peek == UInt8(ascii: "t") ? "true" : peek == UInt8(ascii: "f") ? "false" : "null"
                let count = word.utf8CodeUnitCount
                guard position + count <= text.count else { throw failure("expected \(word)") }
                for offset in 0..<count where text[position + offset] != word.utf8Start[offset] {
                    throw failure("expected \(word)")
                }
                position += count
            case nil:
                throw failure("expected a value")
            }
        }
    }
}
