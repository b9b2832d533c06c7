import Core

/// What a component needs of its place in a job, as its config schema
/// declares it with annotations (JSON Schema validators ignore unknown
/// keywords, as with `x-streamhost-expression`):
///
/// - `"x-streamhost-keyed-input": true` at the schema's root: the component
///   keeps its state per record key, so each input must come through a
///   `key_by` step (a hash exchange), directly or through operators
///   forward-connected after it. Without one, records would reach it
///   without keys, or their keys would reach the wrong instance.
/// - `"x-streamhost-key-field": true` on a string property: when the config
///   sets it, the component reads its key from that field itself, so at
///   parallelism 1 it needs no `key_by`; at a higher parallelism the input
///   must be keyed by `key_by` on the same field.
/// - `"x-streamhost-event-time": true` at the root: the component works in
///   event time (its results come when the watermark passes); on a property,
///   a string value: it does when that property (defaults applied) has that
///   value (dedup's `"time": "event"`).
///
/// The planner refuses a keyed component without keyed input (today's
/// alternative is every record rejected at run time) and warns about an
/// event-time component fed by a source without a watermark strategy
/// (nothing fires before the end of input).
struct StepRequirements {
    static let keyedInputKeyword = "x-streamhost-keyed-input"
    static let keyFieldKeyword = "x-streamhost-key-field"
    static let eventTimeKeyword = "x-streamhost-event-time"

    /// The input must be keyed by `key_by`.
    var needsKeyedInput = false
    /// The key field the config names (a property marked key-field), if any.
    var keyField: String?
    /// The component's results depend on watermarks.
    var usesEventTime = false

    /// Reads the annotations of `schema` (the component's config schema)
    /// against `config` (validated, defaults applied).
    init(schema: JSONValue?, config: JSONValue) {
        guard let root = schema?.objectValue else { return }
        needsKeyedInput = root[Self.keyedInputKeyword] == .bool(true)
        usesEventTime = root[Self.eventTimeKeyword] == .bool(true)
        let object = config.objectValue
        for (name, property) in root["properties"]?.objectValue ?? JSONObject() {
            guard let annotations = property.objectValue else { continue }
            if annotations[Self.keyFieldKeyword] == .bool(true), case .string(let field)? = object?[name] {
                keyField = field
            }
            if case .string(let value)? = annotations[Self.eventTimeKeyword], object?[name] == .string(value) {
                usesEventTime = true
            }
        }
    }

    /// Refuses a keyed component whose inputs are not keyed: each input
    /// must be a hash exchange (on `keyField` when the step names one and
    /// runs in parallel), or a forward edge from operators that a hash
    /// exchange feeds (`key_by: user` then `filter` then `window`: the
    /// records stay with the instance owning their key).
    static func checkKeyedInputs(_ plan: [PlannedStep], spec: JobSpec) throws(JobFileError) {
        var keyedOutput: [Int: Bool] = [:]
        /// Whether `input` brings records partitioned by key: a hash
        /// exchange, or a forward edge from an operator whose every input
        /// does (its output stays with the instances owning the keys).
        func isKeyed(_ input: PlannedStep.Input, depth: Int = 0) -> Bool {
            if case .hash = input.exchange { return true }
            guard case .forward = input.exchange, depth < plan.count else { return false }
            if let known = keyedOutput[input.step] { return known }
            let upstream = plan[input.step]
            let keyed = upstream.component.kind == .operator && !upstream.inputs.isEmpty
                && upstream.inputs.allSatisfy { isKeyed($0, depth: depth + 1) }
            keyedOutput[input.step] = keyed
            return keyed
        }
        for step in plan {
            let requirements = StepRequirements(schema: step.component.configSchema?.source, config: step.config)
            guard requirements.needsKeyedInput, let stepSpec = spec.step(id: step.id) else { continue }
            if requirements.keyField != nil && step.parallelism == 1 { continue }
            for input in step.inputs {
                let what = step.inputs.count > 1 ? "input \(input.inputIndex) ('\(plan[input.step].id)')" : "its input"
                let component = "\(step.component.kind) '\(step.component.name)'"
                if let keyField = requirements.keyField {
                    if case .hash(.field(_, let text), _) = input.exchange, text == keyField { continue }
                    throw JobFileError(
                        file: spec.file, location: stepSpec.location, field: "pipeline[\(stepSpec.index)]",
                        message: "\(component) keys records by key_field '\(keyField)' with parallelism "
                            + "\(step.parallelism): \(what) must come through `key_by: \(keyField)`, so that each "
                            + "key's records reach one instance (or set parallelism: 1)")
                }
                if isKeyed(input) { continue }
                throw JobFileError(
                    file: spec.file, location: stepSpec.location, field: "pipeline[\(stepSpec.index)]",
                    message: "\(component) keeps its state per record key, so \(what) must come through a key_by "
                        + "step: put `- {id: by-FIELD, key_by: FIELD}` before it (`key_by: $key` for records that "
                        + "carry their key already); without one it would reject every record at run time")
            }
        }
    }

    /// Warnings for event-time components that a source without a
    /// watermark strategy feeds (directly or through other steps): their
    /// watermark is the minimum over their inputs, so it stays put until
    /// that source ends, and nothing fires before the end of input.
    static func eventTimeWarnings(_ plan: [PlannedStep], spec: JobSpec) -> [JobFileError] {
        var warnings: [JobFileError] = []
        for step in plan {
            let requirements = StepRequirements(schema: step.component.configSchema?.source, config: step.config)
            guard requirements.usesEventTime, let stepSpec = spec.step(id: step.id) else { continue }
            var seen = Set<Int>()
            var pending = step.inputs.map(\.step)
            var sources: [String] = []
            while let index = pending.popLast() {
                guard seen.insert(index).inserted else { continue }
                let upstream = plan[index]
                if upstream.component.kind == .source {
                    if upstream.watermarks.strategy == .none { sources.append(upstream.id) }
                } else {
                    pending += upstream.inputs.map(\.step)
                }
            }
            guard !sources.isEmpty else { continue }
            let names = sources.sorted().map { "'\($0)'" }.joined(separator: ", ")
            warnings.append(JobFileError(
                file: spec.file, location: stepSpec.location, field: "pipeline[\(stepSpec.index)]",
                message: "\(step.component.kind) '\(step.component.name)' works in event time, but source\(sources.count > 1 ? "s" : "") "
                    + "\(names) \(sources.count > 1 ? "have" : "has") no watermark strategy, so nothing fires before "
                    + "the end of input; give \(sources.count > 1 ? "them" : "it") one, such as `watermarks: "
                    + "{strategy: bounded_out_of_orderness, max_out_of_orderness_ms: 5000}`"))
        }
        return warnings
    }
}
