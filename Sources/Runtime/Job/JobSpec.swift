import Columns
import Core
import PluginHost

/// A place in a job file.
public struct SourceLocation: Sendable, Hashable, CustomStringConvertible {
    public let line: Int
    public let column: Int
    public init(line: Int, column: Int) {
        self.line = line
        self.column = column
    }
    public var description: String { "\(line):\(column)" }
}

/// A job as written in its YAML file, before plugins are resolved.
public struct JobSpec: Sendable {
    public var file: String
    public var name: String
    public var parallelism: Int
    /// The number of key groups; fixed for the job's life.
    public var maxParallelism: Int
    /// Where rejected records go (JSON lines); nil: the default path.
    public var deadLetterPath: String?
    /// Records per batch between steps.
    public var batchRecordsMax: Int
    /// Batches a channel between two tasks holds before its producer waits.
    public var channelBatchesMax: Int
    /// Where keyed state lives.
    public var state = StateSpec()
    /// Checkpoints and restarts; nil: none.
    public var checkpoints: CheckpointSpec?
    public var steps: [StepSpec]
    public var locations: [String: SourceLocation]
    /// Native functions (UDFs) the job file declares in `functions:`.
    public var functions: [FunctionSpec] = []
    /// Where `streamhost run` runs the job's attempts.
    public var isolation = Isolation.none
    /// How long a failed attempt waits for its tasks to leave the plugin
    /// callbacks they are in before it gives them up as stuck (Flink's
    /// `task.cancellation.timeout`; see `JobFailure.stuck`).
    public var cancellationTimeoutMs = JobSpec.cancellationTimeoutMsDefault
    public static let cancellationTimeoutMsDefault = 180_000

    public func step(id: String) -> StepSpec? { steps.first { $0.id == id } }
}

/// Where a job's attempts run (`isolation:` in the job file).
public enum Isolation: String, Sendable, CaseIterable {
    /// In the `streamhost run` process: a plugin that crashes the process
    /// ends the run.
    case none
    /// Each attempt in a worker process that `streamhost run` supervises: a
    /// crash of the worker (a signal, a non-zero exit) is a failed attempt,
    /// the restart strategy applies, and the next worker resumes from the
    /// latest checkpoint.
    case process
}

/// One step of a job's pipeline.
public struct StepSpec: Sendable {
    public enum Kind: Sendable, Equatable {
        /// A plugin component.
        case component(ComponentKind, name: String)
        /// A hash exchange on a field of the JSON value (a dotted path), or
        /// on the record's existing key when the field is `$key`.
        case keyBy(field: String)

        var isSource: Bool {
            if case .component(.source, _) = self { return true }
            return false
        }
    }

    public var index: Int
    public var id: String
    public var kind: Kind
    public var config: JSONValue
    /// The steps feeding this one: explicit `inputs:`, or the step before.
    public var inputs: [String]
    /// Whether `inputs:` was written (otherwise the step before feeds it).
    public var hasExplicitInputs: Bool
    public var parallelism: Int?
    /// Sources only: how their records get watermarks.
    public var watermarks = WatermarkSpec()
    /// Sources only: the fields of their record values (`schema:`), which
    /// the host reads byte values into when a later step takes typed
    /// columns; nil: none declared in the job file.
    public var schema: Schema?
    public var location: SourceLocation
    /// Where each field of the step (`config`, `inputs`...) was written.
    public var fieldLocations: [String: SourceLocation]
    /// Where each scalar inside `config` was written, by its path of keys
    /// (array elements by their index as text): `["set", "amount_eur"]`.
    public var configValueLocations: [[String]: ConfigValueLocation] = [:]

    /// Splits an input reference: "win" is step win's output, "win:late"
    /// its side output "late".
    public static func splitInput(_ reference: String) -> (step: String, sideOutput: String?) {
        guard let colon = reference.firstIndex(of: ":") else { return (reference, nil) }
        return (String(reference[..<colon]), String(reference[reference.index(after: colon)...]))
    }

    public var componentKind: ComponentKind? {
        if case .component(let kind, _) = kind { return kind }
        return nil
    }

    public var componentName: String? {
        if case .component(_, let name) = kind { return name }
        return nil
    }

    /// How a job file names the step's kind ("source", "key_by"...).
    public var kindWord: String {
        switch kind {
        case .component(let kind, _): return kind.rawValue
        case .keyBy: return "key_by"
        }
    }
}
