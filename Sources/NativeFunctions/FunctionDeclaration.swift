/// Where a native function was declared, for error messages.
public enum FunctionOrigin: Sendable, Hashable, CustomStringConvertible {
    /// A job file's `functions:` section (line and column when known).
    case jobFile(path: String, line: Int?, column: Int?)
    /// The `functions` list of a plugin's descriptor.
    case plugin(name: String, path: String)
    /// Host code (tests, benchmarks, built-in registrations).
    case host

    public var description: String {
        switch self {
        case let .jobFile(path, line, column):
            return "job file \(path)" + (line.map { ":\($0)" } ?? "") + (column.map { ":\($0)" } ?? "")
        case let .plugin(name, path):
            return "plugin '\(name)' (\(path))"
        case .host:
            return "the host"
        }
    }
}

/// A native function as declared, before its library is loaded.
///
/// # Ownership
/// A plain value: strings are copied from wherever they were declared.
public struct FunctionDeclaration: Sendable, Hashable {
    /// The name expressions call it by.
    public var name: String
    /// As declared: a path (containing '/') or a soname such as `libm.so.6`.
    public var library: String
    /// The file dlopen opens: `library` made absolute against the job
    /// file's directory when it is a relative path; `library` itself for a
    /// soname, which the dynamic loader searches for.
    public var libraryPath: String
    /// The name dlsym looks up.
    public var symbol: String
    /// The signature string as declared (`double(double,double)`).
    public var signature: String
    /// Whether the C function takes whole columns (see `FunctionSignature.cPrototype`).
    public var isVectorized: Bool
    /// The function that frees a `char*` result, looked up in the same library.
    public var freeSymbol: String?
    public var origin: FunctionOrigin

    public init(
        name: String, library: String, libraryPath: String? = nil, symbol: String, signature: String,
        isVectorized: Bool = false, freeSymbol: String? = nil, origin: FunctionOrigin = .host
    ) {
        self.name = name
        self.library = library
        self.libraryPath = libraryPath ?? library
        self.symbol = symbol
        self.signature = signature
        self.isVectorized = isVectorized
        self.freeSymbol = freeSymbol
        self.origin = origin
    }

    /// Whether `name` may name a function: a letter or '_', then letters,
    /// digits and '_' (so that expressions can call it).
    public static func isValidName(_ name: String) -> Bool {
        guard let first = name.utf8.first, first == UInt8(ascii: "_") || isLetter(first) else { return false }
        return name.utf8.allSatisfy { isLetter($0) || ($0 >= 0x30 && $0 <= 0x39) || $0 == UInt8(ascii: "_") }
    }

    private static func isLetter(_ byte: UInt8) -> Bool {
        (byte >= 0x41 && byte <= 0x5a) || (byte >= 0x61 && byte <= 0x7a)
    }

    /// Resolves a declared library against the directory relative paths are
    /// relative to (a job file's directory): a soname stays as it is.
    public static func libraryPath(_ library: String, relativeTo directory: String) -> String {
        guard library.contains("/"), !library.hasPrefix("/") else { return library }
        var relative = Substring(library)
        while relative.hasPrefix("./") { relative = relative.dropFirst(2) }
        let base = directory.isEmpty ? "." : directory
        return base.hasSuffix("/") ? base + relative : base + "/" + relative
    }
}
