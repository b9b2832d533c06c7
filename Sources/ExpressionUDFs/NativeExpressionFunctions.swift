import Expressions
import NativeFunctions

/// The native functions of a job as an expression function library, so
/// that expressions call them by name like built-ins.
///
/// # Thread safety
/// Immutable; share it freely.
public struct NativeExpressionFunctions: ExpressionFunctionLibrary {
    private let functions: [String: NativeExpressionFunction]

    /// Wraps every function of `registry`.
    public init(_ registry: FunctionRegistry) {
        var functions: [String: NativeExpressionFunction] = [:]
        for native in registry.functions { functions[native.name] = NativeExpressionFunction(native) }
        self.functions = functions
    }

    /// Resolves `declarations` (loading libraries, preparing calls) and
    /// wraps them: what an operator does with the declarations the host put
    /// into its config.
    public init(resolving declarations: [FunctionDeclaration]) throws(NativeFunctionError) {
        self.init(try FunctionRegistry(resolving: declarations))
    }

    public func function(named name: String) -> (any ExpressionFunction)? {
        functions[name]
    }

    public var functionNames: [String] { functions.keys.sorted() }

    /// The names a job may not give a native function: built-in functions
    /// and the language's own forms (a native function must not silently
    /// change what `lower` or `coalesce` means).
    public static func reservedNames() -> Set<String> {
        Set(BuiltinFunctions().functionNames).union(["coalesce", "if", "event_time", "cast", "try_cast"])
    }
}
