import Core
import Expressions
import NativeFunctions

/// Checks the expressions in a step's config at plan time, so that a
/// mistake is reported with the job file's line and column rather than
/// by the plugin when the job starts.
///
/// A component marks its expression-valued config keys in its JSON schema
/// with `"x-streamhost-expression": true` (any value) or `"boolean"` (a
/// condition). The checker walks the schema beside the config
/// (`ConfigSchemaWalk`) and compiles every marked string with the job's
/// function library.
enum ExpressionConfigChecker {
    /// The annotation keyword.
    static let keyword = "x-streamhost-expression"
    /// The keyword marking the config key the host fills with the job's
    /// native functions (see `injectingFunctions`).
    static let functionsKeyword = "x-streamhost-functions"

    /// `config` with every top-level property whose schema carries
    /// `"x-streamhost-functions": true` set to the job's native functions,
    /// as a list of `{name, library, symbol, signature, vectorized, free}`
    /// (library: the path dlopen opens, absolute, or a soname), so that a
    /// plugin compiling expressions can call them. Such a key is the
    /// host's: a job file that sets it is refused.
    static func injectingFunctions(_ functions: FunctionRegistry, into config: JSONValue, schema: JSONValue,
                                   step: StepSpec, file: String) throws(JobFileError) -> JSONValue {
        guard let properties = schema.objectValue?["properties"]?.objectValue, var object = config.objectValue else { return config }
        for (key, property) in properties where property.objectValue?[functionsKeyword] == .bool(true) {
            if step.config.objectValue?[key] != nil {
                throw JobFileError(file: file, location: step.configValueLocations[[key]]?.location ?? step.fieldLocations["config"],
                                   field: "pipeline[\(step.index)].config.\(key)",
                                   message: "'\(key)' is filled by the host with the job's functions: declare them in the "
                                       + "top-level functions: section instead")
            }
            object[key] = .array(functions.functions.map { function in
                let declaration = function.declaration
                var entry = JSONObject()
                entry["name"] = .string(declaration.name)
                entry["library"] = .string(declaration.libraryPath)
                entry["symbol"] = .string(declaration.symbol)
                entry["signature"] = .string(declaration.signature)
                entry["vectorized"] = .bool(declaration.isVectorized)
                if let free = declaration.freeSymbol { entry["free"] = .string(free) }
                return .object(entry)
            })
        }
        return .object(object)
    }

    static func check(_ step: StepSpec, config: JSONValue, schema: JSONValue, file: String,
                      library: any ExpressionFunctionLibrary = BuiltinFunctions()) throws(JobFileError) {
        _ = try ConfigSchemaWalk.rewriting(config, schema: schema, keyword: keyword) {
            (annotation, value, path) throws(JobFileError) -> JSONValue in
            guard case .string(let text) = value else { return value }
            let expected: ExpressionType? = annotation == .string("boolean") ? .boolean : nil
            do throws(ExpressionError) {
                try ExpressionProgram.check(text, expecting: expected, library: library)
            } catch {
                let location = step.configValueLocations[path]?
                    .fileLocation(line: error.position.line, column: error.position.column)
                    ?? ConfigSchemaWalk.location(of: step, at: path)
                throw JobFileError(
                    file: file, location: location, field: ConfigSchemaWalk.field(of: step, at: path),
                    message: "in the expression `\(text.count > 80 ? String(text.prefix(77)) + "..." : text)`: \(error.message)")
            }
            return value
        }
    }
}
