import Core
import Expressions

/// Checks the expressions in a step's config at plan time, so that a
/// mistake is reported with the job file's line and column rather than
/// by the plugin when the job starts.
///
/// A component marks its expression-valued config keys in its JSON schema
/// with `"x-streamhost-expression": true` (any value) or `"boolean"` (a
/// condition). The checker walks the schema beside the config (through
/// `properties`, `additionalProperties` and `items`) and compiles every
/// marked string with the built-in function library.
enum ExpressionConfigChecker {
    /// The annotation keyword.
    static let keyword = "x-streamhost-expression"

    static func check(_ step: StepSpec, config: JSONValue, schema: JSONValue, file: String,
                      library: any ExpressionFunctionLibrary = BuiltinFunctions()) throws(JobFileError) {
        try walk(config, schema: schema, path: [], step: step, file: file, library: library)
    }

    private static func walk(_ value: JSONValue, schema: JSONValue, path: [String], step: StepSpec, file: String,
                             library: any ExpressionFunctionLibrary) throws(JobFileError) {
        guard case .object(let schemaObject) = schema else { return }
        if let annotation = schemaObject[keyword], case .string(let text) = value {
            let expected: ExpressionType? = annotation == .string("boolean") ? .boolean : nil
            do throws(ExpressionError) {
                try ExpressionProgram.check(text, expecting: expected, library: library)
            } catch {
                let place = step.configValueLocations[path]
                let location = place?.fileLocation(line: error.position.line, column: error.position.column)
                    ?? step.fieldLocations["config"] ?? step.location
                throw JobFileError(
                    file: file, location: location,
                    field: "pipeline[\(step.index)].config" + path.map { ".\($0)" }.joined(),
                    message: "in the expression `\(text.count > 80 ? String(text.prefix(77)) + "..." : text)`: \(error.message)")
            }
            return
        }
        switch value {
        case .object(let object):
            let properties = schemaObject["properties"]?.objectValue
            for (key, member) in object {
                if let sub = properties?[key] {
                    try walk(member, schema: sub, path: path + [key], step: step, file: file, library: library)
                } else if let additional = schemaObject["additionalProperties"] {
                    try walk(member, schema: additional, path: path + [key], step: step, file: file, library: library)
                }
            }
        case .array(let elements):
            guard let items = schemaObject["items"] else { return }
            for (index, element) in elements.enumerated() {
                try walk(element, schema: items, path: path + ["\(index)"], step: step, file: file, library: library)
            }
        default:
            return
        }
    }
}
