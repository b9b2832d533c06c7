import Foundation
import NativeFunctions

/// A native function (UDF) declared in a job file's `functions:` section.
///
///     functions:
///       - name: distance_km
///         library: ./libgeo.so        # a path relative to the job file, or a soname
///         symbol: geo_distance_km     # optional: defaults to the name
///         signature: double(double,double,double,double)
///         vectorized: false           # optional
///         free: geo_free              # char* results only: frees what the function returns
public struct FunctionSpec: Sendable {
    /// The allowed fields of one entry.
    public static let fields = ["name", "library", "symbol", "signature", "vectorized", "free"]

    /// Its position in the `functions:` list.
    public var index: Int
    public var name: String
    /// As written: a path (containing '/') or a soname.
    public var library: String
    public var symbol: String
    /// As written; its syntax has been checked.
    public var signature: String
    public var isVectorized: Bool
    public var freeSymbol: String?
    public var location: SourceLocation
    /// Where each field of the entry was written.
    public var fieldLocations: [String: SourceLocation]

    /// The declaration NativeFunctions resolves, with a relative library
    /// path made absolute against the job file's directory.
    public func declaration(jobFile: String) -> FunctionDeclaration {
        let directory = (jobFile as NSString).deletingLastPathComponent
        return FunctionDeclaration(
            name: name, library: library,
            libraryPath: FunctionDeclaration.libraryPath(library, relativeTo: directory.isEmpty ? "." : directory),
            symbol: symbol, signature: signature, isVectorized: isVectorized, freeSymbol: freeSymbol,
            origin: .jobFile(path: jobFile, line: location.line, column: location.column))
    }
}
