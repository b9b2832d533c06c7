import Core
import NativeFunctions
import PluginHost

/// How records move from one step to the next.
public enum Exchange: Sendable, CustomStringConvertible {
    /// Instance i feeds instance i (equal parallelism).
    case forward
    /// Whole batches go round-robin to the consumer's instances.
    case rebalance
    /// Each record goes to the instance owning its key's key group; the key
    /// comes from a JSON field (set as the record key) or is the record's
    /// own key. `stepID` is the key_by step, named in rejects.
    case hash(KeySelector, stepID: String)

    public var description: String {
        switch self {
        case .forward: return "forward"
        case .rebalance: return "rebalance"
        case .hash(let selector, _): return "hash(\(selector))"
        }
    }
}

/// Where a hash exchange finds a record's key.
public enum KeySelector: Sendable, CustomStringConvertible {
    case field(JSONFieldPath, text: String)
    case recordKey

    public var description: String {
        switch self {
        case .field(_, let text): return text
        case .recordKey: return "$key"
        }
    }
}

/// A component step of a resolved job.
public struct PlannedStep: Sendable {
    public struct Input: Sendable {
        /// Index of the upstream step in `JobPlan.steps`.
        public let step: Int
        public let exchange: Exchange
        /// Which input of this step (the `input` field of its batches).
        public let inputIndex: Int
        /// The upstream's side output this input reads (`step:name`), or nil
        /// for its main output.
        public let sideOutput: String?

        public init(step: Int, exchange: Exchange, inputIndex: Int, sideOutput: String? = nil) {
            self.step = step
            self.exchange = exchange
            self.inputIndex = inputIndex
            self.sideOutput = sideOutput
        }
    }

    public let id: String
    public let component: Component
    /// The validated config with defaults.
    public let config: JSONValue
    public let parallelism: Int
    public let inputs: [Input]
    /// Sources: how their records get watermarks.
    public let watermarks: WatermarkSpec
}

/// A job ready to run: components resolved, configs validated, the graph
/// split into chains (forward-connected steps of equal parallelism that run
/// in one task).
public struct JobPlan: Sendable {
    public let spec: JobSpec
    public let steps: [PlannedStep]
    /// Each chain lists step indices in order; the first is a source or has
    /// channel inputs.
    public let chains: [[Int]]
    public let keyGroups: KeyGroups
    /// The native functions (UDFs) the job may call, resolved at plan time.
    public var functions = FunctionRegistry()
    /// Mistakes that do not stop the job but make it do less than it seems
    /// to (an event-time step that nothing but the end of input moves), with
    /// their place in the job file; `validate` and `run` print them.
    public var warnings: [JobFileError] = []
    /// Per step (as `steps`): the formats and schemas of its input and
    /// output, and so where the host converts (`StepFormats`).
    public var formats: [StepFormats] = []

    /// Steps that read from step `index`.
    public func consumers(of index: Int) -> [(step: Int, input: PlannedStep.Input)] {
        steps.enumerated().flatMap { consumer, step in
            step.inputs.filter { $0.step == index }.map { (consumer, $0) }
        }
    }
}
