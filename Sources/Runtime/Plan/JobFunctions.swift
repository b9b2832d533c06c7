import Expressions
import ExpressionUDFs
import NativeFunctions
import PluginHost

/// Resolves the native functions (UDFs) a job may call: those its job file
/// declares and those its loaded plugins export in their descriptors.
///
/// Done once at job start: every library is loaded, every symbol looked up
/// and every call interface prepared, so that a missing library or symbol,
/// a malformed signature or a declaration that contradicts a plugin's
/// descriptor stops the job before any record moves.
public enum JobFunctions {
    /// The job file's declarations, with library paths made absolute
    /// against the job file's directory.
    public static func declarations(_ spec: JobSpec) -> [FunctionDeclaration] {
        spec.functions.map { $0.declaration(jobFile: spec.file) }
    }

    /// The functions loaded plugins export, as declarations in their files.
    public static func exports(_ plugins: PluginRegistry) -> [FunctionDeclaration] {
        plugins.plugins.flatMap { plugin in
            plugin.functions.map { function in
                FunctionDeclaration(
                    // As the plugin loader opened it: a bare file name is a
                    // file in the current directory, not a soname to search.
                    name: function.name, library: plugin.path,
                    libraryPath: plugin.path.contains("/") ? plugin.path : "./" + plugin.path, symbol: function.symbol,
                    signature: function.signature, isVectorized: function.isVectorized,
                    freeSymbol: function.freeSymbol, origin: .plugin(name: plugin.name, path: plugin.path))
            }
        }
    }

    /// Resolves every function the job may call.
    ///
    /// - Throws: a `JobFileError` at the declaration at fault (or naming the
    ///   plugin, for a plugin's own export), whose message names the function.
    public static func resolve(_ spec: JobSpec, plugins: PluginRegistry) throws(JobFileError) -> FunctionRegistry {
        do {
            let declarations = try FunctionRegistry.merge(declared: declarations(spec), exported: exports(plugins))
            return try FunctionRegistry(resolving: declarations)
        } catch {
            guard let declared = spec.functions.first(where: { $0.name == error.function }) else {
                throw JobFileError(file: spec.file, location: spec.locations["functions"], field: "functions",
                                   message: error.description)
            }
            throw JobFileError(file: spec.file, location: declared.location, field: "functions[\(declared.index)]",
                               message: error.description)
        }
    }

    /// The functions expressions in the job's configs may call: the
    /// built-ins, then the job's native functions.
    ///
    /// - Throws: a `JobFileError` at a declaration that takes a built-in
    ///   function's name (which would change what expressions mean).
    public static func expressionLibrary(_ spec: JobSpec, functions: FunctionRegistry) throws(JobFileError) -> any ExpressionFunctionLibrary {
        let reserved = NativeExpressionFunctions.reservedNames()
        for function in functions.functions where reserved.contains(function.name) {
            let declared = spec.functions.first { $0.name == function.name }
            throw JobFileError(
                file: spec.file, location: declared?.location ?? spec.locations["functions"],
                field: declared.map { "functions[\($0.index)]" } ?? "functions",
                message: "'\(function.name)' is a built-in expression function; give the native function another name")
        }
        return ExpressionFunctionLibraryChain([BuiltinFunctions(), NativeExpressionFunctions(functions)])
    }
}
