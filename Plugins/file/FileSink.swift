import StreamhostKit

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// SINK "file": writes records to a JSON Lines or CSV file that appears
/// whole, on close, or not at all.
///
/// jsonl: each value followed by LF. csv: each value parsed as a JSON
/// object and written as a row of `columns` (see `CSVRowWriter`); a value
/// that is not a JSON object is rejected with the reason
/// "csv sink: value is not a JSON object" and the job goes on. With
/// parallelism p > 1 instance i writes `<path>.part-<i>`, with p == 1
/// exactly `<path>`. See `AtomicFileWriter` for how the file appears.
///
/// # Thread safety
/// The host calls one instance from one thread at a time.
///
/// # Ownership
/// Owns the temporary file until `close` renames it onto the final name;
/// `deinit` without `close` (failure, cancellation) removes it.
final class FileSink: Sink {
    static let name = "file"
    static let description = "Writes records to a JSON Lines or CSV file, renamed into place on close"
    static let configSchema: String? = """
        {"type":"object",\
        "description":"Writes records to a file through a temporary file that is fsynced and renamed onto \
        the final name on close, so readers never see a partial file. With parallelism p > 1, instance i \
        writes <path>.part-<i>.",\
        "properties":{\
        "path":{"type":"string","minLength":1,"description":"The file to write (replaced if it exists)."},\
        "format":{"type":"string","enum":["jsonl","csv"],"default":"jsonl",\
        "description":"jsonl: each value and a line feed; csv: each value, a JSON object, as a row."},\
        "columns":{"type":"array","items":{"type":"string"},\
        "description":"csv: the top-level fields to write, in order; default: the keys of the first record."},\
        "header":{"type":"boolean","default":true,"description":"csv: write the column names first."}\
        },\
        "required":["path"],"additionalProperties":false}
        """

    static let notAnObject = "csv sink: value is not a JSON object"
    static let nullValue = "jsonl sink: the value is null (a tombstone)"
    static let lineBreak = "jsonl sink: the value contains a line break"

    let path: String
    let format: FileSource.Format
    let header: Bool
    private var csv: CSVRowWriter
    private var writer: AtomicFileWriter?
    private var headerWritten = false

    init(context: Context, config: Config) throws {
        path = try config.requiredString("path")
        guard !path.isEmpty, !path.hasSuffix("/") else { throw FileError.badPath(component: "sink", path: path) }
        let formatName = try config.string("format", default: "jsonl")
        guard let format = FileSource.Format(rawValue: formatName) else {
            throw FileError.unknownFormat(component: "sink", format: formatName)
        }
        self.format = format
        header = try config.bool("header", default: true)
        let columns = try config.strings("columns")
        if let columns, columns.isEmpty {
            throw PluginError.invalidConfig(key: "columns", expected: "a non-empty array of strings (or absent)")
        }
        csv = CSVRowWriter(columns: columns)
    }

    func open(context: Context, info: TaskInfo) throws {
        let target = info.parallelism > 1 ? "\(path).part-\(info.instance)" : path
        let writer = try AtomicFileWriter(path: target)
        self.writer = writer
        if format == .csv && header && csv.columns != nil {
            try writer.write(csv.headerLine())
            headerWritten = true
        }
    }

    func process(_ batch: Batch, context: Context) throws {
        guard let writer else { throw PluginError.failed("file sink: process before open") }
        switch format {
        case .jsonl:
            for record in batch {
                guard let value = record.value else {
                    try context.reject(record, reason: FileSink.nullValue)
                    continue
                }
                if let base = value.baseAddress, memchr(base, 0x0A, value.count) != nil {
                    try context.reject(record, reason: FileSink.lineBreak)
                    continue
                }
                try writer.write(value)
                try writer.write(byte: UInt8(ascii: "\n"))
            }
        case .csv:
            for record in batch {
                guard let value = record.value, let object = try? JSONView(parsing: value), object.kind == .object
                else {
                    try context.reject(record, reason: FileSink.notAnObject)
                    continue
                }
                if csv.columns == nil {
                    csv.adoptColumns(from: object)
                }
                if header && !headerWritten {
                    try writer.write(csv.headerLine())
                    headerWritten = true
                }
                csv.encode(object)
                try writer.write(csv.row)
            }
        }
    }

    func close(context: Context) throws {
        guard let writer else { return }
        try writer.commit()
        self.writer = nil
    }
}
