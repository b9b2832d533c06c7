/// Finds one field in raw JSON bytes without parsing the whole document:
/// the hot-path tool for routing records by a key field.
///
/// `find(_:in:)` walks the objects along the path and steps over every
/// other member's value, never allocating and stopping as soon as the
/// field's value has been delimited; what follows it is not read.
///
/// What it checks: the grammar of everything it reads (keys, separators,
/// the values it steps over, with their nesting), that strings hold no raw
/// control characters, only well-formed UTF-8, valid escapes and paired
/// `\u` surrogates, and `JSONLimits.nestingDepthMax`: the rule written in
/// docs/ARCHITECTURE.md ("JSON"). What it does not read: bytes after the
/// found value, and duplicate keys (the first occurrence wins; the parser
/// rejects duplicates, so for any document the parser accepts the two
/// agree). Where an object is needed and a different kind of value starts,
/// the result is `.notAnObject` without reading that value further.
///
/// # Performance
/// Cost grows with the bytes before the field, not with the record: on a
/// 100-byte compact record, release build, x86-64 at about 3 GHz, a
/// first-member lookup takes about 16 ns, a nested early one ("customer.id")
/// about 34 ns, and the last member about 90 ns. The scan is bound by the
/// latency of finding each token's end before the next can be read, not by
/// the work; see `Cursor`.
///
/// # Thread safety
/// Stateless; call it from any thread.
///
/// # Ownership
/// `bytes` is borrowed for the duration of the call; ranges in the result
/// are offsets into it.
public enum JSONScanner {
    /// One value found by `validate(_:)` or `forEachMember`: its kind and
    /// where its whole text lies (for strings, quotes included).
    public struct Span: Sendable, Equatable {
        public let kind: JSONFieldKind
        public let range: Range<Int>
    }

    /// Checks that `text` is exactly one JSON value under the strictness
    /// rule (whitespace and a leading byte order mark around it allowed) and
    /// returns where the value lies; throws where and why it is not.
    public static func validate(_ text: UnsafeRawBufferPointer) throws(JSONSyntaxError) -> Span {
        guard let base = text.baseAddress else {
            throw JSONSyntaxError(offset: 0, message: JSONSyntaxProblem.expectedValue.message(in: text, at: 0))
        }
        let cursor = Cursor(base: base, end: text.count)
        let start = cursor.skipWhitespace(from: cursor.byteOrderMarkLength())
        let (kind, end) = cursor.span(at: start, depth: 0)
        if end < 0 { throw syntaxError(end, in: text) }
        if cursor.skipWhitespace(from: end) != text.count {
            let offset = cursor.skipWhitespace(from: end)
            throw JSONSyntaxError(offset: offset, message: JSONSyntaxProblem.textAfterValue.message(in: text, at: offset))
        }
        return Span(kind: kind, range: start..<end)
    }

    /// Calls `body` with the name and the value of each member of `object`,
    /// the text of one object from '{' to '}' that `validate(_:)` (or a
    /// lookup) accepted; ranges are offsets into `object`, names with their
    /// quotes.
    ///
    /// Calling it on text that was not validated is a programmer error.
    public static func forEachMember(
        ofValidObject object: UnsafeRawBufferPointer, _ body: (_ name: Span, _ value: Span) throws -> Void
    ) rethrows {
        guard let base = object.baseAddress, object.first == UInt8(ascii: "{") else { return }
        let cursor = Cursor(base: base, end: object.count)
        var offset = cursor.skipWhitespace(from: 1)
        if cursor.byte(at: offset) == UInt8(ascii: "}") { return }
        while true {
            let (nameKind, nameEnd) = cursor.span(at: offset, depth: 1)
            precondition(nameEnd >= 0 && cursor.byte(at: offset) == UInt8(ascii: "\""), "forEachMember on unvalidated text")
            let valueStart = cursor.skipWhitespace(from: cursor.skipWhitespace(from: nameEnd) + 1)
            let (valueKind, valueEnd) = cursor.span(at: valueStart, depth: 1)
            precondition(valueEnd >= 0, "forEachMember on unvalidated text")
            try body(Span(kind: nameKind, range: offset..<nameEnd), Span(kind: valueKind, range: valueStart..<valueEnd))
            offset = cursor.skipWhitespace(from: valueEnd)
            if cursor.byte(at: offset) != UInt8(ascii: ",") { return }
            offset = cursor.skipWhitespace(from: offset + 1)
        }
    }

    /// Calls `body` with each element of `array`, the text of one array from
    /// '[' to ']' that was validated; ranges are offsets into `array`.
    ///
    /// Calling it on text that was not validated is a programmer error.
    public static func forEachElement(ofValidArray array: UnsafeRawBufferPointer, _ body: (Span) throws -> Void) rethrows {
        guard let base = array.baseAddress, array.first == UInt8(ascii: "[") else { return }
        let cursor = Cursor(base: base, end: array.count)
        var offset = cursor.skipWhitespace(from: 1)
        if cursor.byte(at: offset) == UInt8(ascii: "]") { return }
        while true {
            let (kind, end) = cursor.span(at: offset, depth: 1)
            precondition(end >= 0, "forEachElement on unvalidated text")
            try body(Span(kind: kind, range: offset..<end))
            offset = cursor.skipWhitespace(from: end)
            if cursor.byte(at: offset) != UInt8(ascii: ",") { return }
            offset = cursor.skipWhitespace(from: offset + 1)
        }
    }

    /// Steps over the value starting at `start` (no whitespace before it) at
    /// nesting `depth`: the offset just past it, or a negative failure
    /// result to hand to `syntaxError(_:in:)`. For walkers that visit a
    /// record once (the expressions' field scanner, the window's extractor)
    /// and so cannot use `find`.
    public static func skipValue(in text: UnsafeRawBufferPointer, at start: Int, depth: Int) -> Int {
        guard let base = text.baseAddress else { return Cursor.failure(0, .expectedValue) }
        return Cursor(base: base, end: text.count).skipValue(at: start, depth: depth)
    }

    /// Steps over the string whose opening quote is at `quote`: the offset
    /// just past its closing quote and whether it holds escapes, or a
    /// negative failure result.
    public static func skipString(in text: UnsafeRawBufferPointer, at quote: Int) -> (end: Int, hasEscapes: Bool) {
        guard let base = text.baseAddress else { return (Cursor.failure(0, .controlCharacter), false) }
        let result = Cursor(base: base, end: text.count).skipString(from: quote)
        if result < 0 { return (result, false) }
        return (result & ~Cursor.escapesFlag, result & Cursor.escapesFlag != 0)
    }

    /// The error for a negative result of `skipValue` or `skipString`.
    public static func syntaxError(_ failure: Int, in text: UnsafeRawBufferPointer) -> JSONSyntaxError {
        let (offset, problem) = Cursor.decodeFailure(failure)
        return JSONSyntaxError(offset: offset, message: problem.message(in: text, at: offset))
    }

    /// Looks up `path` in the JSON document `bytes`.
    public static func find(_ path: JSONFieldPath, in bytes: UnsafeRawBufferPointer) -> JSONFieldLookup {
        guard let base = bytes.baseAddress else { return .malformed(offset: 0) }
        return path.segmentBytes.withUnsafeBufferPointer { segmentBytes in
            Cursor(base: base, end: bytes.count).find(segmentBytes: segmentBytes, segmentEnds: path.segmentEnds)
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
