import StreamhostKit

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// SOURCE "file": reads a JSON Lines or CSV file, one record per line or row.
///
/// jsonl: each non-blank line is a record whose value is the line as it is
/// (a CR before the LF is dropped); a line that is not one valid JSON value
/// is rejected (to the dead letters) with the reason
/// "file source: <path>:<line>: the value is not valid JSON (...)". csv: each row is a record whose value is a JSON object
/// built from the row (see `CSVRowEncoder`). The record's timestamp is the
/// `timestamp_field` of the value, or the processing time at read; its key
/// the `key_field`'s text, or null.
///
/// With parallelism p > 1 a jsonl file is split by size: instance i reads
/// the lines that start in bytes [i*size/p, (i+1)*size/p), so the instances
/// together read every line exactly once. A CSV file is read by instance 0
/// only (a quoted field may hold line breaks, so a byte offset does not
/// tell where a row starts); the others end at once.
///
/// # Thread safety
/// The host polls one instance from one thread at a time.
///
/// # Ownership
/// Owns its file descriptor and read buffer; both go at end of file, in
/// `close` or in `deinit`.
final class FileSource: Source {
    static let name = "file"
    static let description = "Reads a JSON Lines or CSV file, one record per line or row"
    static let configSchema: String? = """
        {"type":"object",\
        "description":"Reads a file of JSON Lines (each non-blank line is a record, the line its value) or CSV \
        (each row is a record, a JSON object its value). With parallelism p > 1, a jsonl file is split by size: \
        instance i reads the lines that start in bytes [i*size/p, (i+1)*size/p), so every line is read once; \
        a csv file is read by instance 0 only and the other instances end at once.",\
        "properties":{\
        "path":{"type":"string","minLength":1,"description":"The file to read."},\
        "format":{"type":"string","enum":["jsonl","csv"],"default":"jsonl","description":"jsonl or csv."},\
        "delimiter":{"type":"string","minLength":1,"maxLength":1,"default":",",\
        "description":"csv: the field delimiter, one ASCII character."},\
        "header":{"type":"boolean","default":true,\
        "description":"csv: the first row names the fields; without it fields are named c0, c1, ..."},\
        "infer_types":{"type":"boolean","default":true,\
        "description":"csv: fields that are JSON numbers or true/false become numbers and booleans, an empty \
        unquoted field null, others strings (\\"\\" is an empty string); false: every field is a string."},\
        "timestamp_field":{"type":"string","minLength":1,\
        "description":"The field of the value holding the record's event time: a number of ms since the epoch, \
        or a string of ms or an ISO 8601 / RFC 3339 date-time (2026-01-01T00:00:00.250+02:00; no zone: UTC); \
        default: the processing time at read. A record without it is rejected."},\
        "key_field":{"type":"string","minLength":1,\
        "description":"The field of the value whose text is the record's key; default: a null key."}\
        },\
        "required":["path"],"additionalProperties":false}
        """

    enum Format: String {
        case jsonl, csv
    }

    let path: String
    let format: Format
    let header: Bool
    let inferTypes: Bool

    private var fields: FieldExtractor
    private var reader: ChunkReader?
    /// jsonl with p > 1: lines starting at or after this offset belong to
    /// the next instance. `nil`: read to the end of the file.
    private var rangeEnd: Int64?
    private var finished = false
    /// jsonl: lines read so far by this instance (its range starts at
    /// at offset `rangeStart`), for the line numbers in reasons.
    private var linesRead = 0
    private var rangeStart: Int64 = 0
    /// The line number of the range's first line: 1 at offset 0, otherwise
    /// counted on the first rejection (`lineNumber`).
    private var rangeFirstLine: Int?

    // CSV state.
    private var csv: CSVRecordParser
    private var encoder: CSVRowEncoder
    private var headerRead = false
    /// The line number of the next CSV record's first line, for errors.
    private var csvLine = 1
    private var value: [UInt8] = []

    init(context: Context, config: Config) throws {
        path = try config.requiredString("path")
        guard !path.isEmpty, !path.hasSuffix("/") else { throw FileError.badPath(component: "source", path: path) }
        let formatName = try config.string("format", default: "jsonl")
        guard let format = Format(rawValue: formatName) else {
            throw FileError.unknownFormat(component: "source", format: formatName)
        }
        self.format = format
        let delimiter = try config.string("delimiter", default: ",")
        guard delimiter.utf8.count == 1, let byte = delimiter.utf8.first, byte < 0x80,
            byte != UInt8(ascii: "\""), byte != UInt8(ascii: "\n"), byte != UInt8(ascii: "\r")
        else { throw FileError.badDelimiter(delimiter) }
        header = try config.bool("header", default: true)
        inferTypes = try config.bool("infer_types", default: true)
        fields = FieldExtractor(
            timestampField: try config.string("timestamp_field"), keyField: try config.string("key_field"))
        csv = CSVRecordParser(delimiter: byte)
        encoder = CSVRowEncoder(inferTypes: inferTypes)
    }

    func open(context: Context, info: TaskInfo) throws {
        if format == .csv && info.instance > 0 {
            finished = true
            return
        }
        let reader = try ChunkReader(path: path)
        var start: Int64 = 0
        if info.parallelism > 1 {
            let (size, isRegular) = try reader.status()
            guard isRegular else { throw FileError.notRegularFile(path: path) }
            let parts = Int64(info.parallelism)
            let instance = Int64(info.instance)
            start = size / parts * instance + size % parts * instance / parts
            rangeEnd = size / parts * (instance + 1) + size % parts * (instance + 1) / parts
            if start > 0 {
                // The first line of this range starts after the first LF at
                // or after start - 1: skip up to it (whatever it is, it
                // belongs to the previous instance).
                try reader.seek(to: start - 1)
                guard try skipLine(reader) else {
                    finished = true
                    return
                }
                rangeStart = reader.offset
            }
        }
        if start == 0 {
            rangeFirstLine = 1
            // A UTF-8 byte order mark is not part of the first record.
            try reader.fill()
            let bom: [UInt8] = [0xEF, 0xBB, 0xBF]
            if reader.unread.starts(with: bom) { reader.consume(3) }
        }
        self.reader = reader
    }

    func poll(max: Int, context: Context) throws -> PollResult {
        if finished { return .end }
        guard reader != nil else {
            throw PluginError.failed("file source: poll before open")
        }
        switch format {
        case .jsonl: return try pollLines(max: max, context: context)
        case .csv: return try pollRows(max: max, context: context)
        }
    }

    func close(context: Context) throws {
        reader = nil
        finished = true
    }

    // MARK: jsonl

    private func pollLines(max: Int, context: Context) throws -> PollResult {
        guard let reader else { return .end }
        let now = context.processingTime
        var emitted = 0
        while emitted < max {
            if let rangeEnd, reader.offset >= rangeEnd { return finish() }
            guard var line = try nextLine(reader) else { return finish() }
            linesRead += 1
            if let last = line.last, last == UInt8(ascii: "\r") { line = UnsafeRawBufferPointer(rebasing: line.dropLast()) }
            if line.allSatisfy({ $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }) { continue }
            try emitRecord(value: line, line: { try self.lineNumber(self.linesRead) }, processingTime: now,
                           context: context)
            emitted += 1
        }
        return .emitted
    }

    /// The next line without its LF, or `nil` at the end of the file. The
    /// bytes are valid until the next call on `reader`.
    private func nextLine(_ reader: ChunkReader) throws -> UnsafeRawBufferPointer? {
        var scanned = 0
        while true {
            let unread = reader.unread
            if let base = unread.baseAddress, let found = memchr(base + scanned, 0x0A, unread.count - scanned) {
                let newline = base.distance(to: UnsafeRawPointer(found))
                reader.consume(newline + 1)
                return UnsafeRawBufferPointer(rebasing: unread[..<newline])
            }
            if reader.atEOF {
                guard !unread.isEmpty else { return nil }
                reader.consume(unread.count)
                return unread
            }
            guard unread.count <= ChunkReader.recordBytesMax else {
                throw FileError.recordTooLong(path: path, offset: reader.offset, limit: ChunkReader.recordBytesMax)
            }
            scanned = unread.count
            try reader.fill()
        }
    }

    /// Skips through the next LF; `false` if the file ends first.
    private func skipLine(_ reader: ChunkReader) throws -> Bool {
        while true {
            let unread = reader.unread
            if let base = unread.baseAddress, let found = memchr(base, 0x0A, unread.count) {
                reader.consume(base.distance(to: UnsafeRawPointer(found)) + 1)
                return true
            }
            reader.consume(unread.count)
            guard try reader.fill() else { return false }
        }
    }

    // MARK: csv

    private func pollRows(max: Int, context: Context) throws -> PollResult {
        guard let reader else { return .end }
        let now = context.processingTime
        var emitted = 0
        while emitted < max {
            switch csv.parse(reader.unread, atEOF: reader.atEOF) {
            case .needMore:
                guard reader.unread.count <= ChunkReader.recordBytesMax else {
                    throw FileError.recordTooLong(path: path, offset: reader.offset, limit: ChunkReader.recordBytesMax)
                }
                try reader.fill()
            case .endOfInput:
                return finish()
            case .unterminatedQuote(let lineBreaks):
                throw FileError.unterminatedQuote(path: path, line: csvLine + lineBreaks)
            case .blank(let consumed, let lineBreaks):
                reader.consume(consumed)
                csvLine += lineBreaks
            case .record(let consumed, let lineBreaks):
                if header && !headerRead {
                    encoder.setNames((0..<csv.fieldCount).map { csv.fieldText($0) })
                    headerRead = true
                } else {
                    encoder.encode(csv, into: &value)
                    let line = csvLine
                    try value.withUnsafeBytes {
                        try emitRecord(value: $0, line: { line }, processingTime: now, context: context)
                    }
                    emitted += 1
                }
                reader.consume(consumed)
                csvLine += lineBreaks
            }
        }
        return .emitted
    }

    // MARK: Both

    /// Emits a record, or rejects it with a reason naming `path:line`
    /// (`line` is asked only then). A CSV value is JSON built here: it is
    /// parsed only when a field is read from it.
    private func emitRecord(
        value: UnsafeRawBufferPointer, line: () throws -> Int, processingTime: Int64, context: Context
    ) throws {
        if fields.isEmpty && format == .csv {
            try context.emit(timestamp: processingTime, key: nil, value: value)
            return
        }
        switch fields.extract(value) {
        case .rejected(let reason):
            try context.reject(timestamp: processingTime, key: nil, value: value,
                               reason: "file source: \(path):\(try line()): \(reason)")
        case .fields(let timestamp, let hasKey):
            if hasKey {
                try fields.key.withUnsafeBytes {
                    try context.emit(timestamp: timestamp ?? processingTime, key: $0, value: value)
                }
            } else {
                try context.emit(timestamp: timestamp ?? processingTime, key: nil, value: value)
            }
        }
    }

    /// The file's line number of this instance's `index`-th line (from 1).
    /// An instance whose range starts past offset 0 counts the line feeds
    /// before it once, on its first rejection.
    private func lineNumber(_ index: Int) throws -> Int {
        if let rangeFirstLine { return rangeFirstLine + index - 1 }
        let counter = try ChunkReader(path: path)
        var lineFeeds = 0
        var remaining = rangeStart
        while remaining > 0, try counter.fill() {
            let chunk = counter.unread
            let count = Int(min(Int64(chunk.count), remaining))
            lineFeeds += chunk[..<count].reduce(0) { $0 + ($1 == 0x0A ? 1 : 0) }
            counter.consume(chunk.count)
            remaining -= Int64(count)
        }
        rangeFirstLine = lineFeeds + 1
        return lineFeeds + index
    }

    /// The end of the input. Records emitted in the poll that returns
    /// `.end` are delivered like any others (header, poll).
    private func finish() -> PollResult {
        finished = true
        reader = nil
        return .end
    }
}
