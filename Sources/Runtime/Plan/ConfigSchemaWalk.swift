import Core

/// Walks a step's config beside its component's JSON schema and hands each
/// value whose schema carries an annotation keyword to a transform: the one
/// walk behind the config annotations the planner reads inside a config
/// (`x-streamhost-expression`, `x-streamhost-time`).
///
/// The walk follows the config: an object's members go to their schema in
/// `properties`, else to `additionalProperties`; an array's elements go to
/// `items`. An annotated value is not walked into.
enum ConfigSchemaWalk {
    /// A value's transform: the annotation's value, the config value and
    /// its path (member names, array indices as decimal text) in; the value
    /// the plugin gets out.
    typealias Transform = (_ annotation: JSONValue, _ value: JSONValue, _ path: [String]) throws(JobFileError) -> JSONValue

    /// `config` with every value whose schema has `keyword` replaced by
    /// what `transform` returns for it.
    static func rewriting(_ config: JSONValue, schema: JSONValue, keyword: String,
                          _ transform: Transform) throws(JobFileError) -> JSONValue {
        try rewrite(config, schema: schema, keyword: keyword, path: [], transform)
    }

    /// The job-file field of the config value at `path` of `step`, as
    /// errors name it: `pipeline[1].config.set.total`.
    static func field(of step: StepSpec, at path: [String]) -> String {
        "pipeline[\(step.index)].config" + path.map { ".\($0)" }.joined()
    }

    /// Where the config value at `path` of `step` was written, or the
    /// config (or the step) when the value has no place of its own (a
    /// schema default).
    static func location(of step: StepSpec, at path: [String]) -> SourceLocation {
        step.configValueLocations[path]?.location ?? step.fieldLocations["config"] ?? step.location
    }

    private static func rewrite(_ value: JSONValue, schema: JSONValue, keyword: String, path: [String],
                                _ transform: Transform) throws(JobFileError) -> JSONValue {
        guard case .object(let schemaObject) = schema else { return value }
        if let annotation = schemaObject[keyword] { return try transform(annotation, value, path) }
        switch value {
        case .object(let object):
            let properties = schemaObject["properties"]?.objectValue
            var rewritten = object
            for (key, member) in object {
                guard let sub = properties?[key] ?? schemaObject["additionalProperties"] else { continue }
                rewritten[key] = try rewrite(member, schema: sub, keyword: keyword, path: path + [key], transform)
            }
            return .object(rewritten)
        case .array(let elements):
            guard let items = schemaObject["items"] else { return value }
            var rewritten: [JSONValue] = []
            rewritten.reserveCapacity(elements.count)
            for (index, element) in elements.enumerated() {
                rewritten.append(try rewrite(element, schema: items, keyword: keyword, path: path + ["\(index)"], transform))
            }
            return .array(rewritten)
        default:
            return value
        }
    }
}
