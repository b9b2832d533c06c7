extension JSONScanner {
    /// The scanning engine behind `find(_:in:)`.
    ///
    /// Written for speed on small records: positions travel as plain `Int`
    /// values (so they stay in registers), strings and digit runs are
    /// crossed eight bytes at a time, and the common cases (plain strings,
    /// plain numbers, compact separators) are inlined into the member loop
    /// while rarer ones (escapes, non-ASCII, nested containers, literals)
    /// sit in separate functions.
    ///
    /// Functions that step over something return the offset just past it,
    /// or, when the input is malformed, a negative number made by
    /// `failure(_:_:)` from the offending byte's offset and the
    /// `JSONSyntaxProblem`: one comparison tells the two apart. String
    /// skipping also sets `escapesFlag` in the result when the string holds
    /// a backslash escape (offsets never come near 2^62), which keeps the
    /// flag in a register rather than in memory.
    /// `byte(at:)` reads 0 past the end, which matches no token, so the end
    /// of input needs no checks of its own.
    @usableFromInline
    struct Cursor {
        let base: UnsafeRawPointer
        let end: Int

        init(base: UnsafeRawPointer, end: Int) {
            self.base = base
            self.end = end
        }

        /// The longest integer part (sign included) the fast number path
        /// takes: every integer of up to 300 digits is finite as a Double
        /// (the largest is about 1.8e308).
        static let integerDigitsFast = 300

        /// Set in a string skip's result when the string holds escapes.
        static let escapesFlag = 1 << 62
        /// Where a failure result keeps its `JSONSyntaxProblem`; offsets
        /// never come near 2^56.
        static let problemShift = 56

        /// The (negative) result for `problem` at `offset`.
        @inline(__always)
        static func failure(_ offset: Int, _ problem: JSONSyntaxProblem) -> Int {
            ~(offset | Int(problem.rawValue) << problemShift)
        }

        /// The offset and problem of a failure result.
        static func decodeFailure(_ result: Int) -> (offset: Int, problem: JSONSyntaxProblem) {
            precondition(result < 0, "\(result) is not a failure result")
            let bits = ~result
            return (bits & (1 << problemShift - 1), JSONSyntaxProblem(rawValue: UInt8(bits >> problemShift))!)
        }

        /// The offset of a failure result.
        @inline(__always)
        static func failureOffset(_ result: Int) -> Int { ~result & (1 << problemShift - 1) }

        /// The length of a UTF-8 byte order mark at the start of the text,
        /// or 0: RFC 8259 section 8.1 lets readers ignore one, and every
        /// reader here does.
        @inline(__always)
        func byteOrderMarkLength() -> Int {
            end >= 3 && byte(at: 0) == 0xEF && byte(at: 1) == 0xBB && byte(at: 2) == 0xBF ? 3 : 0
        }

        @inline(__always)
        func byte(at offset: Int) -> UInt8 {
            offset < end ? base.load(fromByteOffset: offset, as: UInt8.self) : 0
        }

        @inline(__always)
        func word(at offset: Int) -> UInt64 {
            UInt64(littleEndian: base.loadUnaligned(fromByteOffset: offset, as: UInt64.self))
        }

        @inline(__always)
        static func isWhitespace(_ byte: UInt8) -> Bool {
            // Space, tab, line feed, carriage return: bits 32, 9, 10, 13.
            byte <= 0x20 && (UInt64(1) << byte) & 0x1_0000_2600 != 0
        }

        @inline(__always)
        func skipWhitespace(from offset: Int) -> Int {
            var offset = offset
            while Self.isWhitespace(byte(at: offset)) { offset &+= 1 }
            return offset
        }

        // MARK: The path

        /// Walks the path; on return, the lookup's result.
        func find(segmentBytes: UnsafeBufferPointer<UInt8>, segmentEnds: [Int]) -> JSONFieldLookup {
            var offset = skipWhitespace(from: byteOrderMarkLength())
            var segmentStart = 0
            for depth in 0..<segmentEnds.count {
                let segment = UnsafeBufferPointer(rebasing: segmentBytes[segmentStart..<segmentEnds[depth]])
                segmentStart = segmentEnds[depth]
                guard byte(at: offset) == UInt8(ascii: "{") else {
                    return Self.startsValue(byte(at: offset)) ? .notAnObject : .malformed(offset: offset)
                }
                if depth >= JSONLimits.nestingDepthMax { return .malformed(offset: offset) }
                offset = skipWhitespace(from: offset &+ 1)
                if byte(at: offset) == UInt8(ascii: "}") { return .missing }
                while true {
                    // The key.
                    guard byte(at: offset) == UInt8(ascii: "\"") else { return .malformed(offset: offset) }
                    let keyStart = offset &+ 1
                    let keyResult = skipString(from: offset)
                    if keyResult < 0 { return .malformed(offset: Self.failureOffset(keyResult)) }
                    let afterKey = keyResult & ~Self.escapesFlag
                    let keyEnd = afterKey &- 1
                    let matches: Bool
                    if keyResult & Self.escapesFlag == 0 {
                        matches = keyEnd &- keyStart == segment.count && rawKey(at: keyStart, equals: segment)
                    } else {
                        guard let equal = escapedKey(keyStart..<keyEnd, equals: segment) else {
                            return .malformed(offset: keyStart)
                        }
                        matches = equal
                    }
                    // The colon.
                    offset = afterKey
                    if byte(at: offset) != UInt8(ascii: ":") {
                        offset = skipWhitespace(from: offset)
                        guard byte(at: offset) == UInt8(ascii: ":") else { return .malformed(offset: offset) }
                    }
                    offset = skipWhitespace(from: offset &+ 1)
                    // The value.
                    if matches {
                        if depth == segmentEnds.count &- 1 { return foundValue(at: offset, depth: depth &+ 1) }
                        break
                    }
                    let first = byte(at: offset)
                    if first == UInt8(ascii: "\"") {
                        offset = skipString(from: offset)
                        if offset >= 0 { offset &= ~Self.escapesFlag }
                    } else if JSONNumberText.isDigit(first) || first == UInt8(ascii: "-") {
                        offset = skipNumber(from: offset)
                    } else {
                        offset = skipOther(at: offset, depth: depth &+ 1)
                    }
                    if offset < 0 { return .malformed(offset: Self.failureOffset(offset)) }
                    // The separator.
                    var separator = byte(at: offset)
                    if Self.isWhitespace(separator) {
                        offset = skipWhitespace(from: offset)
                        separator = byte(at: offset)
                    }
                    if separator == UInt8(ascii: ",") {
                        offset = skipWhitespace(from: offset &+ 1)
                    } else if separator == UInt8(ascii: "}") {
                        return .missing
                    } else {
                        return .malformed(offset: offset)
                    }
                }
            }
            preconditionFailure("a JSONFieldPath has at least one segment")
        }

        /// Delimits the value at `start`, which the path leads to.
        func foundValue(at start: Int, depth: Int) -> JSONFieldLookup {
            let first = byte(at: start)
            if first == UInt8(ascii: "\"") {
                let result = skipString(from: start)
                if result < 0 { return .malformed(offset: Self.failureOffset(result)) }
                let after = result & ~Self.escapesFlag
                let kind: JSONFieldKind = result & Self.escapesFlag != 0 ? .stringWithEscapes : .string
                return .found(kind: kind, range: start &+ 1..<after &- 1)
            }
            let after = skipValue(at: start, depth: depth)
            if after < 0 { return .malformed(offset: Self.failureOffset(after)) }
            let kind: JSONFieldKind
            switch first {
            case UInt8(ascii: "{"): return .found(kind: .object, range: start..<after)
            case UInt8(ascii: "["): return .found(kind: .array, range: start..<after)
            case UInt8(ascii: "t"), UInt8(ascii: "f"): kind = .bool
            case UInt8(ascii: "n"): kind = .null
            default: kind = .number
            }
            // Numbers and literals have no closing delimiter of their own:
            // the byte after one must end it, or "12x" would pass for 12.
            let next = byte(at: after)
            guard next == UInt8(ascii: ",") || next == UInt8(ascii: "}") || Self.isWhitespace(next) else {
                return .malformed(offset: after)
            }
            return .found(kind: kind, range: start..<after)
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

        // MARK: Values

        /// Steps over the value at `start`: strings and numbers inline, the
        /// rest out of line.
        ///
        /// The member loop of `find` spells this dispatch out instead of
        /// calling it: this function recurses (through `skipOther`), and the
        /// optimizer does not inline recursive functions, even when told to.
        func skipValue(at start: Int, depth: Int) -> Int {
            let first = byte(at: start)
            if first == UInt8(ascii: "\"") {
                let result = skipString(from: start)
                return result < 0 ? result : result & ~Self.escapesFlag
            }
            if JSONNumberText.isDigit(first) || first == UInt8(ascii: "-") {
                return skipNumber(from: start)
            }
            return skipOther(at: start, depth: depth)
        }

        /// Steps over the value at `start` and says what it is: its kind and
        /// the offset past it (negative on failure).
        func span(at start: Int, depth: Int) -> (JSONFieldKind, Int) {
            let first = byte(at: start)
            if first == UInt8(ascii: "\"") {
                let result = skipString(from: start)
                if result < 0 { return (.string, result) }
                return (result & Self.escapesFlag != 0 ? .stringWithEscapes : .string, result & ~Self.escapesFlag)
            }
            let end = skipValue(at: start, depth: depth)
            switch first {
            case UInt8(ascii: "{"): return (.object, end)
            case UInt8(ascii: "["): return (.array, end)
            case UInt8(ascii: "t"), UInt8(ascii: "f"): return (.bool, end)
            case UInt8(ascii: "n"): return (.null, end)
            default: return (.number, end)
            }
        }

        /// Steps over an object, array or literal at `start`.
        @inline(never)
        func skipOther(at start: Int, depth: Int) -> Int {
            switch byte(at: start) {
            case UInt8(ascii: "{"): skipObject(at: start, depth: depth)
            case UInt8(ascii: "["): skipArray(at: start, depth: depth)
            case UInt8(ascii: "t"): skipLiteral(at: start, 0x6575_7274, count: 4, .expectedTrue)  // "true", little-endian.
            case UInt8(ascii: "f"): skipLiteral(at: start, 0x65_736C_6166, count: 5, .expectedFalse)  // "false"
            case UInt8(ascii: "n"): skipLiteral(at: start, 0x6C6C_756E, count: 4, .expectedNull)  // "null"
            default: Self.failure(start, .expectedValue)
            }
        }

        func skipLiteral(at start: Int, _ packed: UInt64, count: Int, _ problem: JSONSyntaxProblem) -> Int {
            for offset in 0..<count
            where byte(at: start &+ offset) != UInt8(truncatingIfNeeded: packed >> (8 &* UInt64(offset))) {
                return Self.failure(start &+ offset, problem)
            }
            return start &+ count
        }

        /// Steps over the string whose opening quote is at `quote`; the
        /// result has `escapesFlag` set when it holds a backslash escape.
        ///
        /// The common case, a plain ASCII string closing within sixteen
        /// bytes, is decided from two words: the closing quote's position comes from
        /// the quote mask alone, and the check that nothing needing a closer
        /// look precedes it only steers a branch. That keeps the dependency
        /// chain from one token to the next short, which is what sets the
        /// speed on small records.
        @inline(__always)
        func skipString(from quote: Int) -> Int {
            let start = quote &+ 1
            if start &+ 16 <= end {
                let first = word(at: start)
                let second = word(at: start &+ 8)
                let firstQuotes = Self.quoteBytes(first)
                let secondQuotes = Self.quoteBytes(second)
                let firstAttention = Self.attentionBytes(first)
                if firstQuotes != 0 {
                    if firstAttention & (firstQuotes & (0 &- firstQuotes) &- 1) == 0 {
                        return start &+ (firstQuotes.trailingZeroBitCount &>> 3) &+ 1
                    }
                } else if secondQuotes != 0 && firstAttention == 0
                    && Self.attentionBytes(second) & (secondQuotes & (0 &- secondQuotes) &- 1) == 0
                {
                    return start &+ 8 &+ (secondQuotes.trailingZeroBitCount &>> 3) &+ 1
                }
            }
            return skipStringSlowly(from: start)
        }

        /// Continues a string scan at `start`, where something other than
        /// plain ASCII may come: escapes, non-ASCII, the end of input.
        @inline(never)
        func skipStringSlowly(from start: Int) -> Int {
            var offset = start
            var hasEscapes = false
            while true {
                while offset &+ 8 <= end {
                    let special = Self.stringSpecialBytes(word(at: offset))
                    if special == 0 {
                        offset &+= 8
                        continue
                    }
                    offset &+= special.trailingZeroBitCount &>> 3
                    break
                }
                let byte = byte(at: offset)
                if byte >= 0x20 && byte < 0x80 && byte != UInt8(ascii: "\"") && byte != UInt8(ascii: "\\") {
                    offset &+= 1
                    continue
                }
                if byte == UInt8(ascii: "\"") { return hasEscapes ? (offset &+ 1) | Self.escapesFlag : offset &+ 1 }
                if byte == UInt8(ascii: "\\") {
                    hasEscapes = true
                    switch self.byte(at: offset &+ 1) {
                    case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"), UInt8(ascii: "b"),
                        UInt8(ascii: "f"), UInt8(ascii: "n"), UInt8(ascii: "r"), UInt8(ascii: "t"):
                        offset &+= 2
                    case UInt8(ascii: "u"):
                        // Decoded in full, so that a lone surrogate is
                        // refused here as the parser refuses it.
                        let bytes = UnsafeRawBufferPointer(start: base, count: end)
                        switch JSONEscape.decode(bytes, at: offset, end: end) {
                        case .scalar(_, let length): offset &+= length
                        case .unpairedHighSurrogate, .unpairedLowSurrogate:
                            return Self.failure(offset, .unpairedSurrogate)
                        case .invalidEscape, .invalidHex, .truncated:
                            // At the first byte that is not a hex digit.
                            var hexOffset = offset &+ 2
                            while hexOffset < offset &+ 6 && JSONEscape.hexValue(self.byte(at: hexOffset)) != nil {
                                hexOffset &+= 1
                            }
                            return Self.failure(hexOffset, .badHexDigit)
                        }
                    default:
                        return Self.failure(offset, .badEscape)
                    }
                    continue
                }
                if byte >= 0x80 {
                    let bytes = UnsafeRawBufferPointer(start: base, count: end)
                    guard let length = JSONUTF8.sequenceLength(bytes, at: offset) else {
                        return Self.failure(offset, .invalidUTF8)
                    }
                    offset &+= length
                    continue
                }
                // A raw control character, or the end of input (read as 0).
                return Self.failure(offset, .controlCharacter)
            }
        }

        /// Steps over the number at `start`: integers and simple decimals
        /// inline, anything with a leading zero or an exponent through the
        /// full grammar.
        @inline(__always)
        func skipNumber(from start: Int) -> Int {
            var offset = start
            if byte(at: offset) == UInt8(ascii: "-") { offset &+= 1 }
            let first = byte(at: offset)
            guard first != UInt8(ascii: "0") && JSONNumberText.isDigit(first) else {
                return skipNumberSlowly(from: start)
            }
            offset = skipDigits(from: offset &+ 1)
            // Only an integer part this long can leave the range of a
            // Double; the slow path checks the range.
            if offset &- start > Self.integerDigitsFast { return skipNumberSlowly(from: start) }
            var next = byte(at: offset)
            if next == UInt8(ascii: ".") {
                guard JSONNumberText.isDigit(byte(at: offset &+ 1)) else {
                    return Self.failure(offset &+ 1, .expectedDigitAfterPoint)
                }
                offset = skipDigits(from: offset &+ 2)
                next = byte(at: offset)
            }
            if next | 0x20 == UInt8(ascii: "e") { return skipNumberSlowly(from: start) }
            return offset
        }

        @inline(__always)
        func skipDigits(from start: Int) -> Int {
            var offset = start
            while offset &+ 8 <= end {
                let nonDigits = Self.nonDigitBytes(word(at: offset))
                if nonDigits == 0 {
                    offset &+= 8
                    continue
                }
                return offset &+ nonDigits.trailingZeroBitCount &>> 3
            }
            while JSONNumberText.isDigit(byte(at: offset)) { offset &+= 1 }
            return offset
        }

        @inline(never)
        func skipNumberSlowly(from start: Int) -> Int {
            let bytes = UnsafeRawBufferPointer(start: base, count: end)
            switch JSONNumberText.scan(bytes, from: start, to: end) {
            case .number(let numberEnd, _):
                // The rule (docs/ARCHITECTURE.md, "JSON"): a number must be
                // finite as a Double, as the parser requires.
                // Only an exponent or a very long number can leave it.
                var lastNonDigit = numberEnd &- 1
                while JSONNumberText.isDigit(byte(at: lastNonDigit)) && lastNonDigit > start { lastNonDigit &-= 1 }
                let hasExponent = byte(at: lastNonDigit) | 0x20 == UInt8(ascii: "e")
                    || (lastNonDigit > start && byte(at: lastNonDigit &- 1) | 0x20 == UInt8(ascii: "e"))
                if (hasExponent || numberEnd &- start > Self.integerDigitsFast)
                    && JSONNumberText.double(bytes, start..<numberEnd) == nil {
                    return Self.failure(start, .numberOutOfRange)
                }
                return numberEnd
            case .invalid(let offset, .digitAfterMinus): return Self.failure(offset, .expectedDigit)
            case .invalid(let offset, .leadingZero): return Self.failure(offset, .leadingZero)
            case .invalid(let offset, .digitAfterDecimalPoint): return Self.failure(offset, .expectedDigitAfterPoint)
            case .invalid(let offset, .digitInExponent): return Self.failure(offset, .expectedExponentDigit)
            }
        }

        func skipObject(at start: Int, depth: Int) -> Int {
            if depth >= JSONLimits.nestingDepthMax { return Self.failure(start, .nestingTooDeep) }
            var offset = skipWhitespace(from: start &+ 1)
            if byte(at: offset) == UInt8(ascii: "}") { return offset &+ 1 }
            while true {
                guard byte(at: offset) == UInt8(ascii: "\"") else { return Self.failure(offset, .expectedMemberName) }
                offset = skipString(from: offset)
                if offset < 0 { return offset }
                offset &= ~Self.escapesFlag
                if byte(at: offset) != UInt8(ascii: ":") {
                    offset = skipWhitespace(from: offset)
                    guard byte(at: offset) == UInt8(ascii: ":") else { return Self.failure(offset, .expectedColon) }
                }
                offset = skipValue(at: skipWhitespace(from: offset &+ 1), depth: depth &+ 1)
                if offset < 0 { return offset }
                var separator = byte(at: offset)
                if Self.isWhitespace(separator) {
                    offset = skipWhitespace(from: offset)
                    separator = byte(at: offset)
                }
                if separator == UInt8(ascii: ",") {
                    offset = skipWhitespace(from: offset &+ 1)
                } else if separator == UInt8(ascii: "}") {
                    return offset &+ 1
                } else {
                    return Self.failure(offset, .expectedCommaOrBrace)
                }
            }
        }

        func skipArray(at start: Int, depth: Int) -> Int {
            if depth >= JSONLimits.nestingDepthMax { return Self.failure(start, .nestingTooDeep) }
            var offset = skipWhitespace(from: start &+ 1)
            if byte(at: offset) == UInt8(ascii: "]") { return offset &+ 1 }
            while true {
                offset = skipValue(at: offset, depth: depth &+ 1)
                if offset < 0 { return offset }
                var separator = byte(at: offset)
                if Self.isWhitespace(separator) {
                    offset = skipWhitespace(from: offset)
                    separator = byte(at: offset)
                }
                if separator == UInt8(ascii: ",") {
                    offset = skipWhitespace(from: offset &+ 1)
                } else if separator == UInt8(ascii: "]") {
                    return offset &+ 1
                } else {
                    return Self.failure(offset, .expectedCommaOrBracket)
                }
            }
        }

        // MARK: Eight bytes at a time

        /// The high bit of each '"' byte of `word`; only the lowest set bit
        /// is reliable (borrows may flag bytes above it).
        @inline(__always)
        static func quoteBytes(_ word: UInt64) -> UInt64 {
            let ones: UInt64 = 0x0101_0101_0101_0101
            let quotes = word ^ (ones &* 0x22)
            return (quotes &- ones) & ~quotes & (ones &* 0x80)
        }

        /// The high bit of each byte of `word` that is '\\', a control
        /// character or non-ASCII; bits may be set spuriously only above a
        /// byte that is truly flagged.
        @inline(__always)
        static func attentionBytes(_ word: UInt64) -> UInt64 {
            let ones: UInt64 = 0x0101_0101_0101_0101
            let backslashes = word ^ (ones &* 0x5C)
            return (((backslashes &- ones) & ~backslashes) | (word &- ones &* 0x20) | word) & (ones &* 0x80)
        }

        /// A mask with the high bit set in each byte of `word` that a string
        /// scan must stop at: '"', '\\', a control character (< 0x20) or a
        /// non-ASCII byte. Bytes above the first flagged one may be flagged
        /// spuriously (borrows propagate upward), so use only the lowest.
        @inline(__always)
        static func stringSpecialBytes(_ word: UInt64) -> UInt64 {
            let ones: UInt64 = 0x0101_0101_0101_0101
            let highBits: UInt64 = 0x8080_8080_8080_8080
            let quotes = word ^ (ones &* 0x22)
            let backslashes = word ^ (ones &* 0x5C)
            let quoteBytes = (quotes &- ones) & ~quotes
            let backslashBytes = (backslashes &- ones) & ~backslashes
            // A byte below 0x20 borrows into its high bit; a non-ASCII byte
            // has it set already.
            let controlOrNonASCII = (word &- ones &* 0x20) | word
            return (quoteBytes | backslashBytes | controlOrNonASCII) & highBits
        }

        /// A mask with the high bit set in each byte of `word` that is not an
        /// ASCII digit; as with `stringSpecialBytes`, only the lowest flagged
        /// byte is reliable.
        @inline(__always)
        static func nonDigitBytes(_ word: UInt64) -> UInt64 {
            let ones: UInt64 = 0x0101_0101_0101_0101
            let highBits: UInt64 = 0x8080_8080_8080_8080
            let lowBits: UInt64 = 0x7F7F_7F7F_7F7F_7F7F
            let highNibbles: UInt64 = 0xF0F0_F0F0_F0F0_F0F0
            // Zero in a byte exactly when its high nibble is 3 (0x30-0x3F)
            // and still 3 after adding 6 (so at most 0x39).
            let nibble = (word & highNibbles) ^ (ones &* 0x30)
            let shifted = ((word &+ ones &* 0x06) & highNibbles) ^ (ones &* 0x30)
            let nonZero = nibble | shifted
            return (nonZero | ((nonZero & lowBits) &+ lowBits)) & highBits
        }

        // MARK: Keys

        /// Whether the `segment.count` bytes at `start` equal `segment`.
        @inline(__always)
        func rawKey(at start: Int, equals segment: UnsafeBufferPointer<UInt8>) -> Bool {
            var index = 0
            while index < segment.count {
                if base.load(fromByteOffset: start &+ index, as: UInt8.self) != segment[index] { return false }
                index &+= 1
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
