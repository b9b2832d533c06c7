import PluginHost

/// What one step did in a run, summed over its instances.
public struct StepSummary: Sendable, Equatable {
    /// A counter a plugin registered (`counter_register`, `counter_add`),
    /// summed over the step's instances.
    public struct Counter: Sendable, Equatable {
        public let name: String
        public var value: Int64
    }

    public let stepID: String
    /// What the step is, as the job file says.
    public let kind: StepSpec.Kind
    /// Records the step received: through `process` for operators and
    /// sinks, into its exchange for key_by, and from its plugin for a
    /// source (before any were rejected for their timestamps).
    public var recordsIn = 0
    /// Records it emitted on its main output (key_by: those it keyed).
    public var recordsOut = 0
    /// Records it sent to the dead letters.
    public var rejected = 0
    /// Its plugin's counters, in the order they were first registered.
    public var counters: [Counter] = []

    public init(stepID: String, kind: StepSpec.Kind) {
        self.stepID = stepID
        self.kind = kind
    }

    /// The component's kind, nil for key_by.
    public var componentKind: ComponentKind? {
        if case .component(let kind, _) = kind { return kind }
        return nil
    }

    /// "operator filter", "key_by category": how messages name its kind.
    public var kindDescription: String {
        switch kind {
        case .component(let kind, let name): return "\(kind) \(name)"
        case .keyBy(let field): return "key_by \(field)"
        }
    }

    /// It received records and rejected them all: the exit-status rule of
    /// `streamhost run` (see its help).
    public var rejectedEverything: Bool { recordsIn > 0 && rejected >= recordsIn }

    /// The steps of several attempts added up, step by step (by id, in the
    /// order they first appear) and counter by counter (by name): the whole
    /// run's summary after restarts or a swap.
    public static func total(of attempts: [[StepSummary]]) -> [StepSummary] {
        var total: [StepSummary] = []
        var indexByID: [String: Int] = [:]
        for steps in attempts {
            for step in steps {
                guard let index = indexByID[step.stepID] else {
                    indexByID[step.stepID] = total.count
                    total.append(step)
                    continue
                }
                total[index].recordsIn += step.recordsIn
                total[index].recordsOut += step.recordsOut
                total[index].rejected += step.rejected
                for counter in step.counters {
                    if let at = total[index].counters.firstIndex(where: { $0.name == counter.name }) {
                        total[index].counters[at].value += counter.value
                    } else {
                        total[index].counters.append(counter)
                    }
                }
            }
        }
        return total
    }
}
