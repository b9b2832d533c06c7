import Core
import Expressions
import PluginHost

/// Resolves a parsed job against the loaded plugins: every component must
/// exist, every config must satisfy its component's schema (defaults are
/// filled in), operators get the number of inputs they take; then the
/// graph is split into chains.
public enum JobValidator {
    /// The (kind, name) pairs a job needs, to find built-in plugins.
    public static func neededComponents(_ spec: JobSpec) -> [(ComponentKind, String)] {
        spec.steps.compactMap { step in
            if case .component(let kind, let name) = step.kind { return (kind, name) }
            return nil
        }
    }

    public static func plan(_ spec: JobSpec, registry: PluginRegistry) throws(JobFileError) -> JobPlan {
        func fail(_ step: StepSpec, _ field: String, _ message: String, at key: String? = nil) -> JobFileError {
            let location = key.flatMap { step.fieldLocations[$0] } ?? step.location
            return JobFileError(file: spec.file, location: location,
                                field: "pipeline[\(step.index)]" + (field.isEmpty ? "" : ".\(field)"), message: message)
        }

        // Native functions load their libraries here, at job start, so that a
        // bad declaration stops the job before any record moves; expressions
        // in configs are then checked against them.
        let functions = try JobFunctions.resolve(spec, plugins: registry)
        let expressionLibrary = try JobFunctions.expressionLibrary(spec, functions: functions)

        // Components and configs.
        var components: [String: (Component, JSONValue)] = [:]
        for step in spec.steps {
            guard case .component(let kind, let name) = step.kind else { continue }
            guard let component = registry.component(kind, named: name) else {
                let available = registry.names(of: kind)
                let hint = available.isEmpty ? "no \(kind) is loaded" : "available: \(available.joined(separator: ", "))"
                throw fail(step, kind.rawValue, "unknown \(kind) '\(name)' (\(hint)); load its plugin with --plugin PATH",
                           at: kind.rawValue)
            }
            var config = step.config
            if let schema = component.configSchema {
                config = schema.applyingDefaults(to: config)
                // Times first, so that the schema's integer bounds judge the
                // instant an ISO 8601 string names.
                config = try TimeConfigNormalizer.normalizing(config, schema: schema.source, step: step, file: spec.file)
                let violations = schema.validate(config)
                if let first = violations.first {
                    let field = first.path.isEmpty ? "config" : "config.\(first.path)"
                    var message = first.message
                    if violations.count > 1 {
                        message += " (and \(violations.count - 1) more: "
                            + violations.dropFirst().map { "\($0.path.isEmpty ? "config" : "config.\($0.path)"): \($0.message)" }
                                .joined(separator: "; ") + ")"
                    }
                    throw fail(step, field, message, at: step.fieldLocations["config"] != nil ? "config" : nil)
                }
                try ExpressionConfigChecker.check(step, config: config, schema: schema.source, file: spec.file,
                                                  library: expressionLibrary)
                config = try ExpressionConfigChecker.injectingFunctions(functions, into: config, schema: schema.source,
                                                                        step: step, file: spec.file)
            } else if let object = config.objectValue, !object.isEmpty {
                throw fail(step, "config", "\(kind) '\(name)' takes no config, got fields: "
                    + object.keys.joined(separator: ", "), at: "config")
            }
            components[step.id] = (component, config)
            if let timestamp = step.watermarks.timestamp {
                // Checked here, with the job's functions, so that a mistake
                // names the job file's line rather than failing at start.
                do throws(ExpressionError) {
                    try ExpressionProgram.check(timestamp, expecting: .integer, library: expressionLibrary)
                } catch {
                    throw fail(step, "watermarks.timestamp", "in the expression `\(timestamp)`: \(error.message) "
                        + "(the timestamp is an integer of ms since 1970: timestamp_ms(text) or parse_time(text) read one from text)",
                        at: "watermarks")
                }
            }
        }

        // Component steps, with key_by steps turned into hash exchanges.
        let componentSteps = spec.steps.filter { $0.componentKind != nil }
        let indexByID = Dictionary(uniqueKeysWithValues: componentSteps.enumerated().map { ($1.id, $0) })
        let specByID = Dictionary(uniqueKeysWithValues: spec.steps.map { ($0.id, $0) })
        var planned: [PlannedStep] = []
        for step in componentSteps {
            let (component, config) = components[step.id]!
            let parallelism = step.parallelism ?? spec.parallelism
            var inputs: [PlannedStep.Input] = []
            for (inputIndex, reference) in step.inputs.enumerated() {
                var (inputID, sideOutput) = StepSpec.splitInput(reference)
                var upstream = specByID[inputID]!
                var exchange: Exchange?
                if case .keyBy(let field) = upstream.kind {
                    if field == "$key" {
                        exchange = .hash(.recordKey, stepID: upstream.id)
                    } else {
                        do {
                            exchange = .hash(.field(try JSONFieldPath(field), text: field), stepID: upstream.id)
                        } catch {
                            throw fail(upstream, "key_by", "invalid field path '\(field)': \(error)", at: "key_by")
                        }
                    }
                    (inputID, sideOutput) = StepSpec.splitInput(upstream.inputs[0])
                    upstream = specByID[inputID]!
                }
                let upstreamIndex = indexByID[upstream.id]!
                let upstreamParallelism = upstream.parallelism ?? spec.parallelism
                if exchange == nil { exchange = upstreamParallelism == parallelism ? .forward : .rebalance }
                inputs.append(.init(step: upstreamIndex, exchange: exchange!, inputIndex: inputIndex, sideOutput: sideOutput))
            }
            if component.kind == .operator, inputs.count != component.inputCount {
                throw fail(step, "inputs", "operator '\(component.name)' takes \(component.inputCount) "
                    + "input\(component.inputCount == 1 ? "" : "s"), got \(inputs.count)", at: "inputs")
            }
            if component.kind == .sink, inputs.count != 1 {
                throw fail(step, "inputs", "sink '\(component.name)' takes one input, got \(inputs.count)", at: "inputs")
            }
            planned.append(PlannedStep(id: step.id, component: component, config: config,
                                       parallelism: parallelism, inputs: inputs, watermarks: step.watermarks))
        }

        try StepRequirements.checkKeyedInputs(planned, spec: spec)
        var plan = JobPlan(spec: spec, steps: planned, chains: chains(of: planned),
                           keyGroups: KeyGroups(maxParallelism: spec.maxParallelism))
        plan.functions = functions
        plan.warnings = StepRequirements.eventTimeWarnings(planned, spec: spec)
        plan.formats = try StepFormats.plan(planned, spec: spec)
        return plan
    }

    /// Chains step b onto step a when b's only input is a forward edge from
    /// a and a feeds nothing else.
    static func chains(of steps: [PlannedStep]) -> [[Int]] {
        // Only main outputs chain; a side output always goes through a channel.
        var consumerCount = [Int](repeating: 0, count: steps.count)
        for step in steps { for input in step.inputs where input.sideOutput == nil { consumerCount[input.step] += 1 } }
        var chainedInto = [Int?](repeating: nil, count: steps.count)
        for (index, step) in steps.enumerated() {
            guard step.inputs.count == 1, step.inputs[0].sideOutput == nil, case .forward = step.inputs[0].exchange
            else { continue }
            let upstream = step.inputs[0].step
            if consumerCount[upstream] == 1 && steps[upstream].parallelism == step.parallelism {
                chainedInto[index] = upstream
            }
        }
        var chains: [[Int]] = []
        for index in steps.indices where chainedInto[index] == nil {
            var chain = [index]
            var current = index
            while let next = steps.indices.first(where: { chainedInto[$0] == current }) {
                chain.append(next)
                current = next
            }
            chains.append(chain)
        }
        return chains
    }
}
