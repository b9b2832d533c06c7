/// What the planner makes of a SQL script: an ordinary streamhost job
/// (docs/JOBS.md) over first-party plugins, written out as the YAML job
/// file `streamhost run` reads.
///
/// The planner returns this value; `yaml` is the one rendering, so what
/// `streamhost sql --explain` prints is exactly what `streamhost sql` runs.
public struct SQLJob: Sendable, Equatable {
    public var name: String
    /// `SET 'parallelism.default' = 'n'`; nil: the job file's default.
    public var parallelism: Int?
    /// `SET 'execution.checkpointing.interval'`: the job checkpoints this often.
    public var checkpointIntervalMs: Int64?
    public var steps: [SQLJobStep]
    /// Native functions from CREATE FUNCTION ... LANGUAGE C: the job's `functions:`.
    public var functions: [SQLJobFunction] = []
    /// Lines printed as comments above the job: where it came from and what
    /// the planner chose that a reader should know (an option it cannot
    /// honour exactly).
    public var notes: [String]

    public init(name: String, parallelism: Int? = nil, steps: [SQLJobStep] = [], notes: [String] = []) {
        self.name = name
        self.parallelism = parallelism
        self.steps = steps
        self.notes = notes
    }

    /// The job file: block YAML for the job and its steps, each step's
    /// config in flow style (JSON, which YAML reads as it is).
    public var yaml: String {
        var out = ""
        for note in notes {
            for line in note.split(separator: "\n", omittingEmptySubsequences: false) { out += "# \(line)\n" }
        }
        out += "name: \(SQLJobValue.string(name).json)\n"
        if let parallelism { out += "parallelism: \(parallelism)\n" }
        if let checkpointIntervalMs { out += "checkpoints: {interval_ms: \(checkpointIntervalMs)}\n" }
        if !functions.isEmpty {
            out += "functions:\n"
            for function in functions { out += "  - \(function.value.json)\n" }
        }
        out += "pipeline:\n"
        for step in steps {
            out += "  - id: \(SQLJobValue.string(step.id).json)\n"
            out += "    \(step.kind.rawValue): \(SQLJobValue.string(step.component).json)\n"
            if !step.inputs.isEmpty {
                out += "    inputs: \(SQLJobValue.list(step.inputs.map(SQLJobValue.string)).json)\n"
            }
            if !step.config.isEmpty { out += "    config: \(SQLJobValue.object(step.config).json)\n" }
            if let watermarks = step.watermarks { out += "    watermarks: \(SQLJobValue.object(watermarks).json)\n" }
            if let schema = step.schema {
                out += "    schema: \(SQLJobValue.object(schema.map { ($0.0, .string($0.1)) }).json)\n"
            }
        }
        return out
    }
}

/// One step of a planned job.
public struct SQLJobStep: Sendable, Equatable {
    public enum Kind: String, Sendable, Equatable {
        case source, `operator`, sink
        case keyBy = "key_by"
    }

    public var id: String
    public var kind: Kind
    /// The component (`file`, `filter`, `window`), or key_by's field path.
    public var component: String
    public var config: [(String, SQLJobValue)]
    /// Empty: the step before it in the pipeline.
    public var inputs: [String]
    public var watermarks: [(String, SQLJobValue)]?
    /// A source's `schema:`: each field's dotted path and column type, in
    /// order (docs/JOBS.md), so that its values are read into typed columns.
    public var schema: [(String, String)]?

    public init(id: String, kind: Kind, component: String, config: [(String, SQLJobValue)] = [], inputs: [String] = [],
                watermarks: [(String, SQLJobValue)]? = nil, schema: [(String, String)]? = nil) {
        self.id = id
        self.kind = kind
        self.component = component
        self.config = config
        self.inputs = inputs
        self.watermarks = watermarks
        self.schema = schema
    }

    public static func == (a: SQLJobStep, b: SQLJobStep) -> Bool {
        a.id == b.id && a.kind == b.kind && a.component == b.component && a.inputs == b.inputs
            && SQLJobValue.object(a.config) == SQLJobValue.object(b.config)
            && a.watermarks.map(SQLJobValue.object) == b.watermarks.map(SQLJobValue.object)
            && a.schema?.map { "\($0.0): \($0.1)" } == b.schema?.map { "\($0.0): \($0.1)" }
    }
}

/// A config value of a planned step: JSON, with object keys in order.
public indirect enum SQLJobValue: Sendable, Equatable {
    case string(String)
    case integer(Int64)
    case boolean(Bool)
    case list([SQLJobValue])
    case object([(String, SQLJobValue)])

    public static func == (a: SQLJobValue, b: SQLJobValue) -> Bool { a.json == b.json }

    /// The value as JSON text (valid YAML flow text too).
    public var json: String {
        switch self {
        case .string(let text): return Self.quoted(text)
        case .integer(let number): return String(number)
        case .boolean(let flag): return flag ? "true" : "false"
        case .list(let items): return "[" + items.map(\.json).joined(separator: ", ") + "]"
        case .object(let members):
            return "{" + members.map { "\(Self.quoted($0.0)): \($0.1.json)" }.joined(separator: ", ") + "}"
        }
    }

    /// A JSON string literal. Characters YAML would not take raw (controls,
    /// and the line breaks YAML folds) are escaped as \uXXXX, which both read.
    static func quoted(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\t": out += "\\t"
            case "\r": out += "\\r"
            default:
                if scalar.value < 0x20 || scalar.value == 0x7F || scalar.value == 0x85 || scalar.value == 0x2028 || scalar.value == 0x2029 {
                    let hex = String(scalar.value, radix: 16, uppercase: true)
                    out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out + "\""
    }
}
