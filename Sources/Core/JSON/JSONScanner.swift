/// Finds one field in raw JSON bytes without parsing the whole document:
/// the hot-path tool for routing records by a key field.
///
/// `find(_:in:)` walks the objects along the path and steps over every
/// other member's value, never allocating and stopping as soon as the
/// field's value has been delimited; what follows it is not read.
///
/// What it checks: the grammar of everything it reads (keys, separators,
/// the values it steps over, with their nesting), that strings hold no raw
/// control characters and only well-formed UTF-8 and valid escape letters,
/// and the same nesting limit as the parser, `JSONValue.nestingDepthMax`.
/// What it does not check: bytes after the found value, whether `\u`
/// surrogates pair up inside strings it steps over, and duplicate keys (the
/// first occurrence wins; the parser rejects duplicates, so for any
/// document the parser accepts the two agree). Where an object is needed
/// and a different kind of value starts, the result is `.notAnObject`
/// without reading that value further.
///
/// # Thread safety
/// Stateless; call it from any thread.
///
/// # Ownership
/// `bytes` is borrowed for the duration of the call; ranges in the result
/// are offsets into it.
public enum JSONScanner {
    /// Looks up `path` in the JSON document `bytes`.
    public static func find(_ path: JSONFieldPath, in bytes: UnsafeRawBufferPointer) -> JSONFieldLookup {
        guard let base = bytes.baseAddress else { return .malformed(offset: 0) }
        return path.segmentBytes.withUnsafeBufferPointer { segmentBytes in
            var cursor = Cursor(base: base, end: bytes.count)
            return cursor.find(segmentBytes: segmentBytes, segmentEnds: path.segmentEnds)
        }
    }

    /// Decodes the contents of a JSON string (the bytes between its quotes)
    /// to UTF-8, or returns nil when they are not a valid JSON string body:
    /// an invalid or unpaired escape, a raw control character or '"', or
    /// malformed UTF-8.
    public static func unescapedString(_ raw: UnsafeRawBufferPointer) -> [UInt8]? {
        var result: [UInt8] = []
        result.reserveCapacity(raw.count)
        var index = 0
        while index < raw.count {
            let byte = raw[index]
            if byte == UInt8(ascii: "\\") {
                guard case .scalar(let scalar, let length) = JSONEscape.decode(raw, at: index, end: raw.count)
                else { return nil }
                let (packed, count) = JSONUTF8.encode(scalar)
                for shift in 0..<count {
                    result.append(UInt8(truncatingIfNeeded: packed >> (8 * shift)))
                }
                index += length
            } else if byte < 0x20 || byte == UInt8(ascii: "\"") {
                return nil
            } else if byte < 0x80 {
                result.append(byte)
                index += 1
            } else {
                guard let length = JSONUTF8.sequenceLength(raw, at: index) else { return nil }
                result.append(contentsOf: UnsafeRawBufferPointer(rebasing: raw[index..<index + length]))
                index += length
            }
        }
        return result
    }

    /// The `Double` for the JSON number text at `range` in `bytes` (as
    /// `find` reports it), correctly rounded; nil when the text is not
    /// exactly one JSON number or is too large for a `Double`.
    public static func number(in bytes: UnsafeRawBufferPointer, range: Range<Int>) -> Double? {
        guard range.lowerBound >= 0, range.upperBound <= bytes.count, !range.isEmpty,
            case .number(let end, _) = JSONNumberText.scan(bytes, from: range.lowerBound, to: range.upperBound),
            end == range.upperBound
        else { return nil }
        return JSONNumberText.double(bytes, range)
    }

    /// The `Int64` for the JSON integer text at `range` in `bytes`; nil when
    /// the text is not exactly one integer literal (no fraction, no
    /// exponent) or does not fit `Int64`.
    public static func integer(in bytes: UnsafeRawBufferPointer, range: Range<Int>) -> Int64? {
        guard range.lowerBound >= 0, range.upperBound <= bytes.count, !range.isEmpty,
            case .number(let end, true) = JSONNumberText.scan(bytes, from: range.lowerBound, to: range.upperBound),
            end == range.upperBound
        else { return nil }
        return JSONNumberText.int64(bytes, range)
    }
}

extension JSONScanner {
    /// A position in the bytes being scanned. Every read goes through
    /// `byte(at:)`, which yields 0 past the end: 0 matches no token, so the
    /// end of input shows up as a malformed byte without separate checks.
    struct Cursor {
        let base: UnsafeRawPointer
        let end: Int
        var index = 0

        @inline(__always)
        func byte(at offset: Int) -> UInt8 {
            offset < end ? base.load(fromByteOffset: offset, as: UInt8.self) : 0
        }

        @inline(__always)
        mutating func skipWhitespace() {
            while true {
                let byte = byte(at: index)
                // Space, tab, line feed, carriage return: bits 32, 9, 10, 13.
                guard byte <= 0x20, (UInt64(1) << byte) & 0x1_0000_2600 != 0 else { return }
                index += 1
            }
        }

        /// Walks the path. On return, `index` is meaningless unless the
        /// result is `.malformed`.
        mutating func find(segmentBytes: UnsafeBufferPointer<UInt8>, segmentEnds: [Int]) -> JSONFieldLookup {
            skipWhitespace()
            var segmentStart = 0
            for (depth, segmentEnd) in segmentEnds.enumerated() {
                let segment = UnsafeBufferPointer(rebasing: segmentBytes[segmentStart..<segmentEnd])
                segmentStart = segmentEnd
                let isLast = depth == segmentEnds.count - 1
                guard byte(at: index) == UInt8(ascii: "{") else {
                    return Self.startsValue(byte(at: index)) ? .notAnObject : .malformed(offset: index)
                }
                if depth >= JSONParser.nestingDepthMax { return .malformed(offset: index) }
                index += 1
                skipWhitespace()
                if byte(at: index) == UInt8(ascii: "}") { return .missing }
                members: while true {
                    guard byte(at: index) == UInt8(ascii: "\"") else { return .malformed(offset: index) }
                    let keyStart = index + 1
                    guard let hasEscapes = skipStringBody() else { return .malformed(offset: index) }
                    let keyEnd = index - 1
                    let matches: Bool
                    if hasEscapes {
                        guard let equal = escapedKey(keyStart..<keyEnd, equals: segment) else {
                            return .malformed(offset: keyStart)
                        }
                        matches = equal
                    } else {
                        matches = rawKey(keyStart..<keyEnd, equals: segment)
                    }
                    skipWhitespace()
                    guard byte(at: index) == UInt8(ascii: ":") else { return .malformed(offset: index) }
                    index += 1
                    skipWhitespace()
                    if matches {
                        if isLast { return foundValue(depth: depth + 1) }
                        break members
                    }
                    guard skipValue(depth: depth + 1) else { return .malformed(offset: index) }
                    skipWhitespace()
                    switch byte(at: index) {
                    case UInt8(ascii: ","):
                        index += 1
                        skipWhitespace()
                    case UInt8(ascii: "}"):
                        return .missing
                    default:
                        return .malformed(offset: index)
                    }
                }
            }
            preconditionFailure("a JSONFieldPath has at least one segment")
        }

        /// Delimits the value at `index`, which the path leads to.
        mutating func foundValue(depth: Int) -> JSONFieldLookup {
            let start = index
            let kind: JSONFieldKind
            switch byte(at: index) {
            case UInt8(ascii: "\""):
                guard let hasEscapes = skipStringBody() else { return .malformed(offset: index) }
                return .found(kind: hasEscapes ? .stringWithEscapes : .string, range: start + 1..<index - 1)
            case UInt8(ascii: "{"):
                guard skipObject(depth: depth) else { return .malformed(offset: index) }
                return .found(kind: .object, range: start..<index)
            case UInt8(ascii: "["):
                guard skipArray(depth: depth) else { return .malformed(offset: index) }
                return .found(kind: .array, range: start..<index)
            case UInt8(ascii: "t"), UInt8(ascii: "f"):
                kind = .bool
            case UInt8(ascii: "n"):
                kind = .null
            default:
                kind = .number
            }
            // Scalars have no closing delimiter of their own: the byte after
            // one must end it, or "12x" would be taken for 12.
            guard skipValue(depth: depth) else { return .malformed(offset: index) }
            switch byte(at: index) {
            case UInt8(ascii: ","), UInt8(ascii: "}"), UInt8(ascii: " "), UInt8(ascii: "\n"),
                UInt8(ascii: "\t"), UInt8(ascii: "\r"):
                return .found(kind: kind, range: start..<index)
            default:
                return .malformed(offset: index)
            }
        }

        @inline(__always)
        static func startsValue(_ byte: UInt8) -> Bool {
            switch byte {
            case UInt8(ascii: "\""), UInt8(ascii: "["), UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                UInt8(ascii: "t"), UInt8(ascii: "f"), UInt8(ascii: "n"):
                true
            default:
                false
            }
        }

        // MARK: Stepping over values

        /// Steps over the value at `index`. On failure `index` is at the
        /// offending byte.
        mutating func skipValue(depth: Int) -> Bool {
            switch byte(at: index) {
            case UInt8(ascii: "\""):
                return skipStringBody() != nil
            case UInt8(ascii: "{"):
                return skipObject(depth: depth)
            case UInt8(ascii: "["):
                return skipArray(depth: depth)
            case UInt8(ascii: "t"):
                return skipLiteral(0x6575_7274, count: 4)  // "true", little-endian
            case UInt8(ascii: "f"):
                return skipLiteral(0x65_736C_6166, count: 5)  // "false"
            case UInt8(ascii: "n"):
                return skipLiteral(0x6C6C_756E, count: 4)  // "null"
            case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
                return skipNumber()
            default:
                return false
            }
        }

        @inline(__always)
        mutating func skipLiteral(_ packed: UInt64, count: Int) -> Bool {
            for offset in 0..<count where byte(at: index + offset) != UInt8(truncatingIfNeeded: packed >> (8 * offset)) {
                index += offset
                return false
            }
            index += count
            return true
        }

        mutating func skipNumber() -> Bool {
            // The common case, a short run of digits, without the general
            // grammar; anything else goes to the shared scanner.
            var offset = index
            if byte(at: offset) == UInt8(ascii: "-") { offset += 1 }
            let first = byte(at: offset)
            if first != UInt8(ascii: "0") && JSONNumberText.isDigit(first) {
                offset += 1
                while JSONNumberText.isDigit(byte(at: offset)) { offset += 1 }
                let next = byte(at: offset)
                if next != UInt8(ascii: ".") && (next | 0x20) != UInt8(ascii: "e") {
                    index = offset
                    return true
                }
            }
            let bytes = UnsafeRawBufferPointer(start: base, count: end)
            switch JSONNumberText.scan(bytes, from: index, to: end) {
            case .number(let numberEnd, _):
                index = numberEnd
                return true
            case .invalid(let offset, _):
                index = offset
                return false
            }
        }

        /// Steps over a string whose opening quote is at `index`, leaving
        /// `index` after the closing quote. Returns whether it holds escapes,
        /// or nil when it is malformed (then `index` is at the bad byte).
        @inline(__always)
        mutating func skipStringBody() -> Bool? {
            var offset = index + 1
            var hasEscapes = false
            while true {
                let byte = byte(at: offset)
                // One range check sends everything that needs a closer look
                // (controls, '"', '\\', non-ASCII) down the slow branch.
                if byte >= 0x20 && byte < 0x80 && byte != UInt8(ascii: "\"") && byte != UInt8(ascii: "\\") {
                    offset += 1
                    continue
                }
                if byte == UInt8(ascii: "\"") {
                    index = offset + 1
                    return hasEscapes
                }
                if byte == UInt8(ascii: "\\") {
                    hasEscapes = true
                    switch self.byte(at: offset + 1) {
                    case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"), UInt8(ascii: "b"),
                        UInt8(ascii: "f"), UInt8(ascii: "n"), UInt8(ascii: "r"), UInt8(ascii: "t"):
                        offset += 2
                    case UInt8(ascii: "u"):
                        for hexOffset in offset + 2..<offset + 6
                        where JSONEscape.hexValue(self.byte(at: hexOffset)) == nil {
                            index = hexOffset
                            return nil
                        }
                        offset += 6
                    default:
                        index = offset
                        return nil
                    }
                    continue
                }
                if byte >= 0x80 {
                    let bytes = UnsafeRawBufferPointer(start: base, count: end)
                    guard let length = JSONUTF8.sequenceLength(bytes, at: offset) else {
                        index = offset
                        return nil
                    }
                    offset += length
                    continue
                }
                // A raw control character, or the end of input (read as 0).
                index = offset
                return nil
            }
        }

        mutating func skipObject(depth: Int) -> Bool {
            if depth >= JSONParser.nestingDepthMax { return false }
            index += 1
            skipWhitespace()
            if byte(at: index) == UInt8(ascii: "}") {
                index += 1
                return true
            }
            while true {
                guard byte(at: index) == UInt8(ascii: "\""), skipStringBody() != nil else { return false }
                skipWhitespace()
                guard byte(at: index) == UInt8(ascii: ":") else { return false }
                index += 1
                skipWhitespace()
                guard skipValue(depth: depth + 1) else { return false }
                skipWhitespace()
                switch byte(at: index) {
                case UInt8(ascii: ","):
                    index += 1
                    skipWhitespace()
                case UInt8(ascii: "}"):
                    index += 1
                    return true
                default:
                    return false
                }
            }
        }

        mutating func skipArray(depth: Int) -> Bool {
            if depth >= JSONParser.nestingDepthMax { return false }
            index += 1
            skipWhitespace()
            if byte(at: index) == UInt8(ascii: "]") {
                index += 1
                return true
            }
            while true {
                guard skipValue(depth: depth + 1) else { return false }
                skipWhitespace()
                switch byte(at: index) {
                case UInt8(ascii: ","):
                    index += 1
                    skipWhitespace()
                case UInt8(ascii: "]"):
                    index += 1
                    return true
                default:
                    return false
                }
            }
        }

        // MARK: Keys

        /// Whether the unescaped key bytes in `range` equal `segment`.
        @inline(__always)
        func rawKey(_ range: Range<Int>, equals segment: UnsafeBufferPointer<UInt8>) -> Bool {
            guard range.count == segment.count else { return false }
            var offset = 0
            while offset < segment.count {
                if base.load(fromByteOffset: range.lowerBound + offset, as: UInt8.self) != segment[offset] {
                    return false
                }
                offset += 1
            }
            return true
        }

        /// Whether the key with escapes in `range` decodes to `segment`, or
        /// nil when an escape in it is invalid.
        func escapedKey(_ range: Range<Int>, equals segment: UnsafeBufferPointer<UInt8>) -> Bool? {
            let bytes = UnsafeRawBufferPointer(start: base, count: end)
            var offset = range.lowerBound
            var matched = 0
            var equal = true
            while offset < range.upperBound {
                let byte = bytes[offset]
                if byte != UInt8(ascii: "\\") {
                    if equal && (matched == segment.count || segment[matched] != byte) { equal = false }
                    matched += 1
                    offset += 1
                    continue
                }
                guard case .scalar(let scalar, let length) = JSONEscape.decode(bytes, at: offset, end: range.upperBound)
                else { return nil }
                let (packed, count) = JSONUTF8.encode(scalar)
                for shift in 0..<count {
                    let encoded = UInt8(truncatingIfNeeded: packed >> (8 * shift))
                    if equal && (matched == segment.count || segment[matched] != encoded) { equal = false }
                    matched += 1
                }
                offset += length
            }
            return equal && matched == segment.count
        }
    }
}
