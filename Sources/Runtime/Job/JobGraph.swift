import PluginHost

/// Checks a job's graph once its steps are read: step ids are unique,
/// every input names a step, implicit inputs are filled in, the kinds of
/// steps fit together, and there is no cycle.
enum JobGraph {
    /// Checks ids, fills implicit inputs (the step before) and checks the
    /// graph: inputs exist, sources have none, sinks feed nothing, key_by
    /// has one input and a consumer, and there is no cycle.
    static func resolve(_ spec: inout JobSpec) throws(JobFileError) {
        try checkIDs(spec)
        let byID = Dictionary(uniqueKeysWithValues: spec.steps.map { ($0.id, $0) })
        for index in spec.steps.indices {
            let step = spec.steps[index]
            let explicit = step.hasExplicitInputs
            let field = "pipeline[\(index)].inputs"
            let inputsLocation = step.fieldLocations["inputs"] ?? step.location
            func fail(_ message: String, at location: SourceLocation? = nil) -> JobFileError {
                JobFileError(file: spec.file, location: location ?? inputsLocation, field: field, message: message)
            }
            if step.componentKind == .source {
                if explicit { throw fail("step '\(step.id)' is a source: sources take no inputs") }
                continue
            }
            if !explicit {
                guard index > 0 else {
                    throw JobFileError(file: spec.file, location: step.location, field: "pipeline[0]",
                                       message: "the first step, '\(step.id)', is a \(step.kindWord); "
                                           + "a pipeline starts with a source (or name this step's inputs)")
                }
                spec.steps[index].inputs = [spec.steps[index - 1].id]
            }
            for reference in spec.steps[index].inputs {
                let (input, sideOutput) = StepSpec.splitInput(reference)
                guard let upstream = byID[input] else {
                    throw fail("step '\(step.id)' reads from '\(input)', which is not a step of this job "
                        + "(steps: \(spec.steps.map(\.id).joined(separator: ", ")))")
                }
                if let sideOutput {
                    guard JobFileParser.isValidIdentifier(sideOutput) else {
                        throw fail("'\(reference)': a side output is named STEP:NAME, with letters, digits, '-', '_' "
                            + "and '.' in NAME")
                    }
                    guard upstream.componentKind == .operator || upstream.componentKind == .source else {
                        throw fail("'\(reference)': only sources and operators have side outputs; '\(input)' is a "
                            + "\(upstream.kindWord)")
                    }
                }
                if upstream.componentKind == .sink {
                    throw fail(explicit
                        ? "step '\(step.id)' reads from '\(input)', which is a sink: sinks have no output"
                        : "step '\(step.id)' follows the sink '\(input)', which has no output; "
                            + "name this step's inputs", at: step.location)
                }
                if input == step.id { throw fail("step '\(step.id)' reads from itself") }
            }
            if case .keyBy = step.kind {
                guard spec.steps[index].inputs.count == 1 else {
                    throw fail("key_by '\(step.id)' takes exactly one input, got \(spec.steps[index].inputs.count)")
                }
            }
        }
        // Every key_by must feed something, and key_by must not feed key_by.
        for step in spec.steps {
            guard case .keyBy = step.kind else { continue }
            let consumers = spec.steps.filter { $0.inputs.contains(step.id) }
            guard !consumers.isEmpty else {
                throw JobFileError(file: spec.file, location: step.location, field: "pipeline[\(step.index)]",
                                   message: "key_by '\(step.id)' feeds no step")
            }
            if let next = consumers.first(where: { if case .keyBy = $0.kind { return true } else { return false } }) {
                throw JobFileError(file: spec.file, location: next.location, field: "pipeline[\(next.index)]",
                                   message: "key_by '\(next.id)' directly follows key_by '\(step.id)'; keep one")
            }
        }
        try checkAcyclic(spec)
    }

    /// Step ids are unique: inputs and `--set` name steps by them.
    private static func checkIDs(_ spec: JobSpec) throws(JobFileError) {
        var ids: [String: SourceLocation] = [:]
        for step in spec.steps {
            if let first = ids[step.id] {
                throw JobFileError(file: spec.file, location: step.location, field: "pipeline[\(step.index)].id",
                                   message: "duplicate step id '\(step.id)' (first used at line \(first.line))")
            }
            ids[step.id] = step.location
        }
    }

    private static func checkAcyclic(_ spec: JobSpec) throws(JobFileError) {
        let byID = Dictionary(uniqueKeysWithValues: spec.steps.map { ($0.id, $0) })
        var state: [String: Int] = [:]  // 1: visiting, 2: done
        var path: [String] = []
        func visit(_ id: String) -> [String]? {
            if state[id] == 2 { return nil }
            if state[id] == 1 {
                let start = path.firstIndex(of: id) ?? 0
                return Array(path[start...]) + [id]
            }
            state[id] = 1
            path.append(id)
            for input in (byID[id]?.inputs ?? []).map({ StepSpec.splitInput($0).step }) {
                if let cycle = visit(input) { return cycle }
            }
            path.removeLast()
            state[id] = 2
            return nil
        }
        for step in spec.steps {
            if let cycle = visit(step.id) {
                let first = byID[cycle[0]]!
                throw JobFileError(file: spec.file, location: first.fieldLocations["inputs"] ?? first.location,
                                   field: "pipeline[\(first.index)].inputs",
                                   message: "the inputs form a cycle: " + cycle.reversed().joined(separator: " -> "))
            }
        }
    }
}
