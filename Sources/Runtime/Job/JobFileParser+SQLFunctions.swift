import Foundation
import NativeFunctions
import PluginHost
import SQL

extension JobFileParser {
    /// Where a SQL script's `CREATE FUNCTION ... LANGUAGE C USING LIBRARY`
    /// finds its C signature: among the functions the library exports as
    /// a streamhost plugin (its descriptor), by symbol. A relative library
    /// path is relative to the script's directory, as a job file's
    /// `functions:` library is to the job file's.
    public static func sqlNativeFunctions(file: String) -> SQLNativeFunctionLookup {
        let directory = (file as NSString).deletingLastPathComponent
        return { library, symbol in
            let path = FunctionDeclaration.libraryPath(library, relativeTo: directory.isEmpty ? "." : directory)
            let plugin = try PluginLoader.load(path: path)
            return plugin.functions.first { $0.symbol == symbol }.map {
                SQLNativeSignature(signature: $0.signature, isVectorized: $0.isVectorized, freeSymbol: $0.freeSymbol)
            }
        }
    }
}
