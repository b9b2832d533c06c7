import StreamhostKit

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import DurableFiles

/// SINK "file": writes records to a JSON Lines or CSV file that appears
/// whole, on close, or not at all.
///
/// jsonl: each value followed by LF. csv: each value parsed as a JSON
/// object and written as a row of `columns` (see `CSVRowWriter`); a value
/// that is not a JSON object is rejected with the reason
/// "csv sink: value is not a JSON object" and the job goes on. With
/// parallelism p > 1 instance i writes `<path>.part-<i>`, with p == 1
/// exactly `<path>`. See `AtomicFileWriter` for how the file appears. On
/// close instance 0 also removes `<path>.part-<j>` files an older run at a
/// higher parallelism left (j >= p; every j when p == 1), so the output is
/// this run's files only.
///
/// When the job takes checkpoints the output is instead a series of part
/// files `<path>.part-<i>-<n>` that roll by size (`rolling_max_bytes`) and
/// age (`rolling_interval_ms`), each final once the checkpoint after its
/// records completes: exactly-once with replaying sources (see `PartFiles`).
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
        writes <path>.part-<i>. With checkpoints: part files <path>.part-<i>-<n>, each final (renamed into \
        place, never changed again) when the checkpoint after it completes; hidden .inprogress files are \
        never output.",\
        "properties":{\
        "path":{"type":"string","minLength":1,"description":"The file to write (replaced if it exists)."},\
        "format":{"type":"string","enum":["jsonl","csv"],"default":"jsonl",\
        "description":"jsonl: each value and a line feed; csv: each value, a JSON object, as a row."},\
        "columns":{"type":"array","items":{"type":"string"},\
        "description":"csv: the top-level fields to write, in order; default: the keys of the first record."},\
        "header":{"type":"boolean","default":true,"description":"csv: write the column names first."},\
        "rolling_max_bytes":{"type":"integer","minimum":1,"default":134217728,\
        "description":"With checkpoints: a part file is rolled (closed, final at the next completed checkpoint) \
        once it holds this many bytes."},\
        "rolling_interval_ms":{"type":"integer","minimum":0,"default":60000,\
        "description":"With checkpoints: a part file is rolled once it is this old (checked at each batch and \
        checkpoint); 0: by size only."}\
        },\
        "required":["path"],"additionalProperties":false}
        """

    /// 2: the rolling part files' snapshot ("FSK2"); 1 was one part file
    /// per checkpoint ("FSK1"), which `migrate` passes on unchanged:
    /// `PartFiles.restore` reads both.
    static let stateVersion: UInt32 = 2

    static func migrate(_ migration: Migration, context: Context) throws -> [UInt8] {
        guard migration.kind == .operatorBlob, migration.fromVersion == 1, migration.toVersion == 2 else {
            throw PluginError.cannotMigrate(
                component: name, fromVersion: migration.fromVersion, toVersion: migration.toVersion)
        }
        return Array(migration.data)
    }

    static let notAnObject = "csv sink: value is not a JSON object"
    static let nullValue = "jsonl sink: the value is null (a tombstone)"
    static let lineBreak = "jsonl sink: the value contains a line break"

    let path: String
    let format: FileSource.Format
    let header: Bool
    let rollingMaxBytes: Int64
    let rollingIntervalMs: Int64
    private var csv: CSVRowWriter
    private var writer: AtomicFileWriter?
    private var headerWritten = false
    /// Part files committed on checkpoints; set in open when the job takes
    /// checkpoints (or by restore, which comes before open).
    private var parts: PartFiles?
    private var restored = false
    private var instance = 0
    private var parallelism = 1

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
        rollingMaxBytes = Int64(try config.int("rolling_max_bytes", default: 128 << 20))
        rollingIntervalMs = Int64(try config.int("rolling_interval_ms", default: 60_000))
        guard rollingMaxBytes >= 1 else {
            throw PluginError.invalidConfig(key: "rolling_max_bytes", expected: "a number of bytes of at least 1")
        }
        guard rollingIntervalMs >= 0 else {
            throw PluginError.invalidConfig(key: "rolling_interval_ms", expected: "milliseconds, 0 or more")
        }
    }

    private func makeParts() -> PartFiles {
        parts ?? PartFiles(path: path, maxBytes: rollingMaxBytes, intervalMs: rollingIntervalMs)
    }

    func open(context: Context, info: TaskInfo) throws {
        instance = info.instance
        parallelism = info.parallelism
        if info.checkpointIntervalMs > 0 || restored {
            let parts = makeParts()
            try parts.open(instance: info.instance, parallelism: info.parallelism)
            self.parts = parts
            return
        }
        let target = info.parallelism > 1 ? "\(path).part-\(info.instance)" : path
        let writer = try AtomicFileWriter(path: target)
        try AtomicFileWriter.removeAbandonedTemporaries(of: target)
        self.writer = writer
        if format == .csv && header && csv.columns != nil {
            try writer.write(csv.headerLine())
            headerWritten = true
        }
    }

    /// The file records go to now: the one file, or the current part file
    /// (a new part file gets its own CSV header).
    private func currentWriter(nowMs: Int64) throws -> AtomicFileWriter {
        if let writer { return writer }
        guard let parts else { throw PluginError.failed("file sink: process before open") }
        let (writer, isNew) = try parts.currentWriter(nowMs: nowMs)
        if isNew {
            headerWritten = false
            if format == .csv && header && csv.columns != nil {
                try writer.write(csv.headerLine())
                headerWritten = true
            }
        }
        return writer
    }

    func process(_ batch: Batch, context: Context) throws {
        let writer = try currentWriter(nowMs: context.processingTime)
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
        try parts?.afterWrite()
    }

    func close(context: Context) throws {
        if let parts {
            try parts.commitAll(nowMs: context.processingTime)
            return
        }
        guard let writer else { return }
        try writer.commit()
        self.writer = nil
        if instance == 0 { try removeStaleParts() }
    }

    /// Removes `<path>.part-<j>` for j >= parallelism (every j when the
    /// parallelism is 1): an older run's output at a higher parallelism.
    private func removeStaleParts() throws {
        let (directory, prefix, basename) = AtomicFileWriter.split(path)
        let stem = basename + ".part-"
        let first = parallelism > 1 ? parallelism : 0
        for name in try PartFiles.entries(of: directory) where name.hasPrefix(stem) {
            guard let index = Int(name.dropFirst(stem.count)), index >= first,
                  name.dropFirst(stem.count).allSatisfy(\.isNumber)
            else { continue }
            // Best effort: a stale part that stays is tried again next run.
            _ = try? ActiveFileSystem.current.removeFile(prefix + name)
        }
    }

    func onCheckpoint(_ checkpointID: Int64, context: Context) throws {
        try parts?.preCommit(checkpointID: checkpointID, nowMs: context.processingTime)
    }

    func onCheckpointComplete(_ checkpointID: Int64, context: Context) throws {
        try parts?.commit(upTo: checkpointID)
    }

    // onCheckpointAbort: the pending part files wait for the next
    // completion (the protocol's default does nothing).

    func snapshot(checkpointID: Int64, context: Context) throws -> [UInt8]? {
        try parts?.snapshot(checkpointID: checkpointID, nowMs: context.processingTime)
    }

    func restore(stateVersion: UInt32, data: UnsafeRawBufferPointer, context: Context) throws {
        guard !data.isEmpty else { return }
        let parts = makeParts()
        try parts.restore(data)
        self.parts = parts
        restored = true
    }
}
