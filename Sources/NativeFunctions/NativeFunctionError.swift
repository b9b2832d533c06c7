/// Why a native function could not be declared, resolved or called. Every
/// case names the function; `description` is the message shown to users.
public enum NativeFunctionError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The signature string does not parse. `column` is 1-based.
    case malformedSignature(function: String, signature: String, column: Int, problem: String, hint: String)
    /// The declaration is inconsistent (a bad name, a `char*` result without
    /// a free function, a free function for a result that is not `char*`...).
    case invalidDeclaration(function: String, problem: String)
    /// dlopen could not load the library (missing file, unknown soname,
    /// missing dependency, not a shared object).
    case libraryNotLoaded(function: String, library: String, message: String)
    /// The library has no such symbol.
    case symbolNotFound(function: String, library: String, symbol: String, message: String)
    /// The library has no such free function.
    case freeSymbolNotFound(function: String, library: String, symbol: String, message: String)
    /// The symbol exists but is data, not code. `kind` says what it is.
    case notAFunction(function: String, library: String, symbol: String, kind: String)
    /// A job file declares a function a plugin exports, differently from the
    /// plugin's descriptor. `field` is what differs.
    case exportMismatch(function: String, field: String, declared: String, exported: String, plugin: String)
    /// Two declarations use one name.
    case duplicateName(function: String, first: String, second: String)
    /// ffi_prep_cif refused the call interface.
    case preparationFailed(function: String, status: Int)
    /// A call passed arguments that do not fit the signature (count, types,
    /// a string with a NUL byte, an integer out of range).
    case badArguments(function: String, problem: String)
    /// A fallible function returned a non-zero status. `row` is the record's
    /// index in a vectorized call's batch, nil for a scalar call or a
    /// whole-batch failure.
    case returnedError(function: String, code: Int32, row: Int?)
    /// The function returned something the host cannot use (a string that
    /// is not UTF-8).
    case invalidResult(function: String, problem: String)

    /// The function the error is about.
    public var function: String {
        switch self {
        case let .malformedSignature(function, _, _, _, _), let .invalidDeclaration(function, _),
             let .libraryNotLoaded(function, _, _), let .symbolNotFound(function, _, _, _),
             let .freeSymbolNotFound(function, _, _, _), let .notAFunction(function, _, _, _),
             let .exportMismatch(function, _, _, _, _), let .duplicateName(function, _, _),
             let .preparationFailed(function, _), let .badArguments(function, _),
             let .returnedError(function, _, _), let .invalidResult(function, _):
            return function
        }
    }

    public var description: String {
        switch self {
        case let .malformedSignature(function, signature, column, problem, hint):
            return "signature of function '\(function)': \(problem) at column \(column) of \"\(signature)\""
                + (hint.isEmpty ? "" : "; \(hint)")
        case let .invalidDeclaration(function, problem):
            return "function '\(function)': \(problem)"
        case let .libraryNotLoaded(function, library, message):
            return "function '\(function)': cannot load library \(library): \(message); give the path of a "
                + "shared object (relative to the job file) or a soname the dynamic loader finds (see ldconfig -p)"
        case let .symbolNotFound(function, library, symbol, message):
            return "function '\(function)': no symbol [\(symbol)] in shared library [\(library)]: \(message); "
                + "check the name (nm -D --defined-only \(library)) and that it is exported (not static, "
                + "not hidden by -fvisibility=hidden)"
        case let .freeSymbolNotFound(function, library, symbol, message):
            return "function '\(function)': no free function [\(symbol)] in shared library [\(library)]: "
                + "\(message); the free function must be exported by the same library"
        case let .notAFunction(function, library, symbol, kind):
            return "function '\(function)': symbol [\(symbol)] in shared library [\(library)] is \(kind), "
                + "not a function; name a function's symbol"
        case let .exportMismatch(function, field, declared, exported, plugin):
            return "function '\(function)': the job file declares \(field) \(declared), but \(plugin) exports it "
                + "with \(field) \(exported); drop the declaration (the plugin's is used) or make them agree"
        case let .duplicateName(function, first, second):
            return "function '\(function)' is declared twice: in \(first) and in \(second); rename one of them"
        case let .preparationFailed(function, status):
            return "function '\(function)': libffi cannot prepare the call (ffi_prep_cif status \(status))"
        case let .badArguments(function, problem):
            return "function '\(function)': \(problem)"
        case let .returnedError(function, code, row):
            return "function '\(function)' returned error code \(code)" + (row.map { " for record \($0) of the batch" } ?? "")
        case let .invalidResult(function, problem):
            return "function '\(function)': \(problem)"
        }
    }
}
