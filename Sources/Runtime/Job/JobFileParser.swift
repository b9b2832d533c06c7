import Foundation
import SQL
import Yams

/// Reads a job file into a `JobSpec`: decodes the YAML (`JobFileReader`),
/// with `--set` overrides applied to it first (`JobOverride`) so that both
/// pass one set of checks and limits (`JobLimits`), then checks the graph
/// (`JobGraph`). Plugins are not needed for this; `JobValidator` checks
/// components and configs afterwards.
public enum JobFileParser {
    static let topLevelFields = [
        "name", "parallelism", "max_parallelism", "dead_letter", "batch_size", "channel_capacity", "state",
        "checkpoints", "pipeline", "functions", "isolation", "cancellation_timeout_ms",
    ]
    static let stepFields = [
        "id", "source", "operator", "sink", "key_by", "config", "inputs", "parallelism", "watermarks", "schema",
    ]

    /// Default number of key groups.
    public static let maxParallelismDefault = 128
    /// Records per batch between steps. 4096 rather than 1024: the per-batch
    /// costs (an Arrow schema and array exported and imported per emit, a
    /// RecordBatch, the kernels' vectors) were a third of a columnar
    /// stateless job's CPU at 1024 (datagen → filter → map, 20M records:
    /// 1.43 s → 0.73 s), the windowed job's and the byte path's CPU stay
    /// the same and their peak RSS too (Benchmark 13c, "batch size").
    public static let batchRecordsDefault = 4096
    public static let channelBatchesDefault = 8

    /// Parses the file at `path` with `overrides` (`TARGET=VALUE`, see
    /// `JobOverride`) written into it; errors name it `fileName` when given
    /// (a job kept by `streamhost serve` goes by the name it was submitted
    /// with), else `path`.
    public static func parse(path: String, overrides: [String] = [], fileName: String? = nil) throws(JobFileError)
        -> JobSpec
    {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw JobFileError(file: fileName ?? path, location: nil, field: nil,
                               message: "cannot read the job file: \(error.localizedDescription)")
        }
        if path.lowercased().hasSuffix(".sql") {
            return try parse(sql: text, file: fileName ?? path, overrides: overrides)
        }
        return try parse(text: text, file: fileName ?? path, overrides: overrides)
    }

    /// A job written wholly in SQL (`streamhost run job.sql`): compiled by
    /// the SQL planner to the job file `streamhost sql --explain` prints,
    /// then read as any job file (overrides included). A mistake in the SQL
    /// is reported at its line and column in the .sql file.
    public static func parse(sql text: String, file: String, overrides: [String] = []) throws(JobFileError) -> JobSpec {
        let job: SQLJob
        do {
            job = try SQLPlanner.plan(text, file: file, jobName: SQLPlanner.jobName(file: file),
                                      nativeFunctions: sqlNativeFunctions(file: file))
        } catch {
            throw JobFileError(file: file, location: SourceLocation(line: error.line, column: error.column), field: nil,
                               message: error.message)
        }
        return try parse(text: job.yaml, file: file + " (compiled to a job file, see streamhost sql --explain)", overrides: overrides)
    }

    /// The job file at `path` with its `sql:` steps replaced by the steps
    /// they plan to (`JobFileSQLSteps`), as YAML.
    public static func expandedSQLSteps(path: String) throws(JobFileError) -> String {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw JobFileError(file: path, location: nil, field: nil, message: "cannot read the job file: \(error.localizedDescription)")
        }
        return try JobFileSQLSteps.expanded(text: text, file: path)
    }

    /// Parses job-file text; `file` names it in errors.
    public static func parse(text: String, file: String, overrides: [String] = []) throws(JobFileError) -> JobSpec {
        var root: Node
        do {
            guard let node = try Yams.compose(yaml: text) else {
                throw JobFileError(file: file, location: nil, field: nil, message: "the job file is empty")
            }
            root = node
        } catch let error as JobFileError {
            throw error
        } catch let error as YamlError {
            throw JobFileError(file: file, location: yamlLocation(error), field: nil,
                               message: "not valid YAML: \(yamlProblem(error))")
        } catch {
            throw JobFileError(file: file, location: nil, field: nil, message: "not valid YAML: \(error)")
        }
        var reader = JobFileReader(file: file)
        reader.lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        root = try JobFileSQLSteps.expand(root, file: file, lines: reader.lines)
        for text in overrides {
            let override = try JobOverride(parsing: text, file: file)
            if let field = try override.apply(to: &root) {
                reader.overriddenFields[field] = text
            }
        }
        guard expandedNodes(root, max: JobLimits.yamlNodesMax) <= JobLimits.yamlNodesMax else {
            throw JobFileError(
                file: file, location: root.mark.map { SourceLocation(line: $0.line, column: $0.column) }, field: nil,
                message: "the job file expands to more than \(JobLimits.yamlNodesMax) YAML values (aliases of "
                    + "aliases?); write the repeated parts out or make them smaller")
        }
        var spec = try reader.job(root)
        try JobGraph.resolve(&spec)
        return spec
    }

    /// The nodes `node` expands to, counting every use of an alias in full;
    /// stops counting past `max`, so the work is bounded by `max`.
    static func expandedNodes(_ node: Node, max: Int) -> Int {
        var count = 0
        var pending = [node]
        while let next = pending.popLast(), count <= max {
            count += 1
            switch next {
            case .scalar, .alias: break
            case .mapping(let mapping):
                for (key, value) in mapping {
                    pending.append(key)
                    pending.append(value)
                }
            case .sequence(let sequence): pending.append(contentsOf: sequence)
            }
        }
        return count
    }

    private static func yamlLocation(_ error: YamlError) -> SourceLocation? {
        switch error {
        case .scanner(_, _, let mark, _), .parser(_, _, let mark, _), .composer(_, _, let mark, _):
            return SourceLocation(line: mark.line, column: mark.column)
        case .duplicatedKeysInMapping(_, let context):
            // Yams marks one of the repeated keys (its text is the whole file).
            return SourceLocation(line: context.mark.line, column: context.mark.column)
        case .reader(_, let offset?, _, let yaml):
            // The reader's errors (control characters, bad UTF-8) come with
            // an offset in characters, not a mark.
            let before = yaml.prefix(offset).unicodeScalars
            let lineStart = before.lastIndex(of: "\n").map { before.index(after: $0) } ?? before.startIndex
            return SourceLocation(
                line: before.count(where: { $0 == "\n" }) + 1, column: before[lineStart...].count + 1)
        default:
            return nil
        }
    }

    private static func yamlProblem(_ error: YamlError) -> String {
        switch error {
        case .scanner(let context, let problem, _, _), .parser(let context, let problem, _, _),
             .composer(let context, let problem, _, _):
            if let context { return "\(problem) \(context.text)" }
            return problem
        case .reader(let problem, _, _, _):
            return problem
        case .duplicatedKeysInMapping(let duplicates, _):
            return duplicates.sorted().map { "'\($0)'" }.joined(separator: ", ")
                + (duplicates.count == 1 ? " appears" : " appear") + " more than once in one mapping"
        default:
            return "\(error)"
        }
    }


    static func isValidIdentifier(_ text: String) -> Bool {
        !text.isEmpty && text.utf8.allSatisfy { byte in
            (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5a) || (byte >= 0x61 && byte <= 0x7a)
                || byte == UInt8(ascii: "-") || byte == UInt8(ascii: "_") || byte == UInt8(ascii: ".")
        }
    }
}
