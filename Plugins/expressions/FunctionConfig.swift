import Expressions
import ExpressionUDFs
import NativeFunctions
import StreamhostKit

/// The native functions a job declares, as the host hands them to `filter`
/// and `map`: the host fills the config key `functions` (marked
/// `"x-streamhost-functions": true` in their schemas) with the job's
/// resolved declarations, and each instance prepares its own calls.
enum FunctionConfig {
    /// The schema property, shared by the components that compile expressions.
    static let schemaProperty = #"""
        "functions":{"type":"array","x-streamhost-functions":true,
                     "description":"Filled by the host with the job's native functions (the top-level functions: section); not written in job files.",
                     "items":{"type":"object"}}
        """#

    /// The built-in functions, then the job's native functions.
    static func library(_ config: Config, component: String) throws -> any ExpressionFunctionLibrary {
        var declarations: [FunctionDeclaration] = []
        var failure: PluginError?
        try config.withRawValue("functions") { list in
            list?.forEachElement { entry in
                guard let name = entry.member("name")?.stringValue, let library = entry.member("library")?.stringValue,
                      let symbol = entry.member("symbol")?.stringValue, let signature = entry.member("signature")?.stringValue
                else {
                    failure = .invalidConfig(key: "functions", expected: "entries with name, library, symbol and signature (the host writes them)")
                    return
                }
                declarations.append(FunctionDeclaration(
                    name: name, library: library, libraryPath: library, symbol: symbol, signature: signature,
                    isVectorized: entry.member("vectorized")?.boolValue ?? false, freeSymbol: entry.member("free")?.stringValue,
                    origin: .host))
            }
        }
        if let failure { throw failure }
        guard !declarations.isEmpty else { return BuiltinFunctions() }
        do {
            return ExpressionFunctionLibraryChain([BuiltinFunctions(), try NativeExpressionFunctions(resolving: declarations)])
        } catch {
            throw PluginError.failed("\(component): \(error)")
        }
    }
}
