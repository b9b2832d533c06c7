/// Native functions declared in SQL: `CREATE FUNCTION count_char AS
/// 'nexmark_count_char' LANGUAGE C USING LIBRARY './libcountchar.so'`
/// becomes an entry of the job's `functions:` (docs/EXPRESSIONS.md), and
/// a call `count_char(extra, 'c')` the expression language's call of it,
/// under the SQL name.
///
/// SQL names the library and the symbol, not the types (Flink takes those
/// from the Java class). Here they come from the library: a streamhost
/// plugin that exports the function with its C signature
/// (`SH_PLUGIN_FUNCTIONS_ENTRY`, SDK/README.md), looked up by symbol through
/// the `SQLNativeFunctionLookup` the caller gives (the planner opens no
/// library itself). A plain library without that descriptor (libm) is
/// declared in a YAML job's `functions:` with its signature instead.
public struct SQLNativeSignature: Sendable, Equatable {
    /// As a job file's `functions:` writes it: `int64(const char*,const char*)`.
    public var signature: String
    public var isVectorized: Bool
    /// The function that frees a `char*` result.
    public var freeSymbol: String?

    public init(signature: String, isVectorized: Bool = false, freeSymbol: String? = nil) {
        self.signature = signature
        self.isVectorized = isVectorized
        self.freeSymbol = freeSymbol
    }
}

/// The signature of the function with C symbol `symbol` that `library`
/// (as written after USING LIBRARY) exports; nil when it exports none with
/// that symbol. Throws when the library cannot be loaded or has no
/// descriptor; the error's description says why.
public typealias SQLNativeFunctionLookup = (_ library: String, _ symbol: String) throws -> SQLNativeSignature?

/// One entry of the job's `functions:`.
public struct SQLJobFunction: Sendable, Equatable {
    public var name: String
    public var library: String
    public var symbol: String
    public var signature: SQLNativeSignature

    public init(name: String, library: String, symbol: String, signature: SQLNativeSignature) {
        self.name = name
        self.library = library
        self.symbol = symbol
        self.signature = signature
    }

    var value: SQLJobValue {
        var members: [(String, SQLJobValue)] = [
            ("name", .string(name)), ("library", .string(library)), ("symbol", .string(symbol)),
            ("signature", .string(signature.signature)),
        ]
        if signature.isVectorized { members.append(("vectorized", .boolean(true))) }
        if let free = signature.freeSymbol { members.append(("free", .string(free))) }
        return .object(members)
    }
}

extension SQLPlanner {
    /// Whether a declared function is a native one the job can call.
    static func isNative(_ function: SQLCreateFunction) -> Bool {
        function.language?.name.uppercased() == "C" && function.resource?.kind == .library
    }

    /// CREATE FUNCTION: a native function joins the job's `functions:`,
    /// with its signature from the library. Another language's function is
    /// only noted; a call of it says why it cannot run.
    mutating func declareFunction(_ function: SQLCreateFunction) throws(SQLError) {
        let name = function.name.dotted
        guard Self.isNative(function), let library = function.resource?.path else {
            job.notes.append("CREATE FUNCTION \(name) is not a native function (LANGUAGE C USING LIBRARY 'lib.so'): SQL cannot call it.")
            return
        }
        let symbol = function.symbol.value
        let advice = "build the library as a streamhost plugin that exports \(symbol) with its C signature (SH_PLUGIN_FUNCTIONS_ENTRY, "
            + "SDK/README.md), or declare the function in a YAML job's functions: with its signature"
        guard let nativeFunctions else {
            throw unsupported(function.name.position, "native function \(name) here: its signature is read from library '\(library.value)', "
                + "which this caller of the planner does not open; run the script with streamhost sql")
        }
        let signature: SQLNativeSignature?
        do {
            signature = try nativeFunctions(library.value, symbol)
        } catch {
            throw fail(.invalid, library.position, "cannot read the functions library '\(library.value)' exports (function \(name)): "
                + "\(error); \(advice)")
        }
        guard let signature else {
            throw fail(.invalid, function.symbol.position, "library '\(library.value)' exports no function with the symbol '\(symbol)' "
                + "(function \(name)); \(advice)")
        }
        job.functions.append(SQLJobFunction(name: name, library: library.value, symbol: symbol, signature: signature))
    }
}

extension SQLExpressionTranslator {
    /// A call of a function from CREATE FUNCTION: a native one is called
    /// under its SQL name (the job's `functions:` entry).
    func declaredCall(_ call: SQLFunctionCall, _ function: SQLCreateFunction) throws(SQLError) -> Translated {
        guard SQLPlanner.isNative(function) else {
            throw fail(call.name.position, "the function \(call.name.dotted) is declared as '\(function.symbol.value)'"
                + (function.language.map { " LANGUAGE \($0.name)" } ?? "") + "; streamhost calls native functions only: "
                + "CREATE FUNCTION \(function.name.dotted) AS 'symbol' LANGUAGE C USING LIBRARY 'library.so'")
        }
        var arguments: [String] = []
        for argument in call.arguments { arguments.append(try translate(argument).text) }
        return Translated(text: "\(function.name.dotted)(\(arguments.joined(separator: ", ")))")
    }
}
