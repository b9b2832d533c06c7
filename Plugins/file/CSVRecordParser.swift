/// Splits CSV text (RFC 4180) into records and fields: quoted fields with
/// `""` for a quote, delimiters and line breaks inside quotes, LF or CRLF
/// line ends.
///
/// `parse` looks at the unread bytes of a `ChunkReader` and either returns
/// one whole record (and how many bytes and line breaks it took) or asks
/// for more bytes; it then parses the record again from its start, which
/// keeps the parser free of cross-read state. It is lenient where RFC 4180
/// is silent: text after a closing quote is kept (`"a"b` is `ab`) and a
/// quote inside an unquoted field is an ordinary character.
///
/// # Thread safety
/// One thread at a time.
///
/// # Ownership
/// Owns the decoded field bytes of the last record; they stay valid until
/// the next `parse`.
struct CSVRecordParser {
    enum Outcome: Equatable {
        /// A record: `consumed` bytes including its line end, with
        /// `lineBreaks` line breaks (inside quotes and at the end).
        case record(consumed: Int, lineBreaks: Int)
        /// An empty line: skip it.
        case blank(consumed: Int, lineBreaks: Int)
        /// The record continues past the bytes given: read more.
        case needMore
        /// No bytes left at the end of the file.
        case endOfInput
        /// A quoted field opened `lineBreaks` lines below the record's first
        /// line is still open at the end of the file.
        case unterminatedQuote(lineBreaks: Int)
    }

    let delimiter: UInt8

    /// The decoded bytes of all fields of the last record, back to back.
    private(set) var arena: [UInt8] = []
    /// Where each field ends in `arena`.
    private(set) var fieldEnds: [Int] = []
    /// Whether each field was quoted (an empty quoted field is an empty
    /// string, an empty unquoted one a missing value).
    private(set) var fieldQuoted: [Bool] = []

    init(delimiter: UInt8) {
        self.delimiter = delimiter
    }

    var fieldCount: Int { fieldEnds.count }

    /// Calls `body` with the decoded bytes of field `index`.
    func withField<Result>(_ index: Int, _ body: (UnsafeRawBufferPointer) throws -> Result) rethrows -> Result {
        let start = index == 0 ? 0 : fieldEnds[index - 1]
        return try arena.withUnsafeBytes { try body(UnsafeRawBufferPointer(rebasing: $0[start..<fieldEnds[index]])) }
    }

    /// The text of field `index`.
    func fieldText(_ index: Int) -> String {
        withField(index) { String(decoding: $0, as: UTF8.self) }
    }

    mutating func parse(_ bytes: UnsafeRawBufferPointer, atEOF: Bool) -> Outcome {
        arena.removeAll(keepingCapacity: true)
        fieldEnds.removeAll(keepingCapacity: true)
        fieldQuoted.removeAll(keepingCapacity: true)
        let count = bytes.count
        if count == 0 { return atEOF ? .endOfInput : .needMore }

        let quote = UInt8(ascii: "\"")
        let newline = UInt8(ascii: "\n")
        let carriageReturn = UInt8(ascii: "\r")
        var index = 0
        var lineBreaks = 0
        while true {
            // One field, starting at `index`.
            var quoted = false
            if index < count && bytes[index] == quote {
                quoted = true
                let openedAt = lineBreaks
                index += 1
                while true {
                    var end = index
                    while end < count && bytes[end] != quote {
                        if bytes[end] == newline { lineBreaks += 1 }
                        end += 1
                    }
                    arena.append(contentsOf: UnsafeRawBufferPointer(rebasing: bytes[index..<end]))
                    if end == count { return atEOF ? .unterminatedQuote(lineBreaks: openedAt) : .needMore }
                    if end + 1 < count {
                        if bytes[end + 1] == quote {
                            arena.append(quote)
                            index = end + 2
                            continue
                        }
                        index = end + 1
                        break
                    }
                    // The quote is the last byte read: a closing quote only
                    // if no byte follows, a doubled quote otherwise.
                    if !atEOF { return .needMore }
                    index = end + 1
                    break
                }
            }
            // The unquoted field, or text after a closing quote.
            var end = index
            while end < count && bytes[end] != delimiter && bytes[end] != newline { end += 1 }
            if end == count && !atEOF { return .needMore }
            let atLineEnd = end < count && bytes[end] == newline
            var textEnd = end
            if (atLineEnd || end == count) && textEnd > index && bytes[textEnd - 1] == carriageReturn { textEnd -= 1 }
            arena.append(contentsOf: UnsafeRawBufferPointer(rebasing: bytes[index..<textEnd]))
            fieldEnds.append(arena.count)
            fieldQuoted.append(quoted)
            if end < count && bytes[end] == delimiter {
                index = end + 1
                continue
            }
            // The end of the record: a line break or the end of the file.
            let consumed = atLineEnd ? end + 1 : end
            if atLineEnd { lineBreaks += 1 }
            if fieldEnds.count == 1 && !quoted && arena.isEmpty { return .blank(consumed: consumed, lineBreaks: lineBreaks) }
            return .record(consumed: consumed, lineBreaks: lineBreaks)
        }
    }
}
