#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import CFFI

/// A native function resolved and ready to call: its library is loaded, its
/// symbol (and free function) looked up and its libffi call interface
/// prepared, once.
///
/// Call it with `call(_:)` for one set of arguments or with
/// `callBatch(count:arguments:results:rowErrors:)` over columns. Both work
/// for scalar and vectorized C functions: a vectorized function called on
/// one value gets a batch of one, a scalar function called on a batch is
/// called once per record.
///
/// # Thread safety
/// Immutable after resolution; any number of threads may call one function
/// at once (the cif is only read). Whether the C function itself is
/// thread-safe is its author's promise: the SDK asks for it.
///
/// # Ownership
/// Holds the library for the life of the process (libraries are never
/// closed) and owns its call interfaces.
public final class NativeFunction: @unchecked Sendable {
    public let declaration: FunctionDeclaration
    public let signature: FunctionSignature
    /// The C function's address, for callers that know its type at compile
    /// time (benchmarks compare against a direct call).
    public let address: UnsafeRawPointer
    /// Copied out of `declaration` and `signature` for the call path.
    public let isVectorized: Bool
    let parameters: [NativeType]
    let result: NativeType
    let isFallible: Bool

    let function: @convention(c) () -> Void
    let freeFunction: (@convention(c) (UnsafeMutableRawPointer?) -> Void)?
    /// The interface for the C function as it is declared: scalar or vectorized.
    let interface: CallInterface

    public var name: String { declaration.name }

    private init(
        declaration: FunctionDeclaration, signature: FunctionSignature, address: UnsafeMutableRawPointer,
        freeAddress: UnsafeMutableRawPointer?, interface: CallInterface
    ) {
        self.declaration = declaration
        self.signature = signature
        self.address = UnsafeRawPointer(address)
        self.isVectorized = declaration.isVectorized
        self.parameters = signature.parameters
        self.result = signature.result
        self.isFallible = signature.isFallible
        self.function = unsafeBitCast(address, to: (@convention(c) () -> Void).self)
        self.freeFunction = freeAddress.map {
            unsafeBitCast($0, to: (@convention(c) (UnsafeMutableRawPointer?) -> Void).self)
        }
        self.interface = interface
    }

    /// Checks a declaration, loads its library, looks up its symbols and
    /// prepares its call interface.
    public static func resolve(_ declaration: FunctionDeclaration) throws(NativeFunctionError) -> NativeFunction {
        let name = declaration.name
        guard FunctionDeclaration.isValidName(name) else {
            throw .invalidDeclaration(function: name, problem: "the name must start with a letter or '_' and hold "
                + "only letters, digits and '_' (expressions call functions by name)")
        }
        let signature = try FunctionSignature(parsing: declaration.signature, function: name)
        guard !declaration.library.isEmpty else {
            throw .invalidDeclaration(function: name, problem: "the library is empty; give a path or a soname")
        }
        guard !declaration.symbol.isEmpty else {
            throw .invalidDeclaration(function: name, problem: "the symbol is empty; give the C function's name")
        }
        switch (signature.result, declaration.freeSymbol) {
        case (.ownedString, nil):
            throw .invalidDeclaration(function: name, problem: "returns char* (a string the callee allocates) but "
                + "names no free function; declare the one that frees it (`free: NAME`, e.g. free for malloc), "
                + "or declare the result const char* if the string stays owned by the library")
        case (.ownedString, .some(let free)) where free.isEmpty:
            throw .invalidDeclaration(function: name, problem: "the free function's name is empty")
        case (let result, .some(let free)) where result != .ownedString:
            throw .invalidDeclaration(function: name, problem: "names the free function '\(free)' but returns "
                + "\(result); only char* results are freed, so drop it")
        default:
            break
        }

        let library = declaration.library == declaration.libraryPath
            ? declaration.library : "\(declaration.library) (\(declaration.libraryPath))"
        let handle: UnsafeMutableRawPointer
        switch SharedLibraries.open(declaration.libraryPath) {
        case .success(let opened): handle = opened
        case .failure(let message): throw .libraryNotLoaded(function: name, library: library, message: "\(message)")
        }
        let address: UnsafeMutableRawPointer
        switch SharedLibraries.lookup(declaration.symbol, in: handle) {
        case .success(let found): address = found
        case .failure(let message):
            throw .symbolNotFound(function: name, library: library, symbol: declaration.symbol, message: "\(message)")
        }
        if let kind = SharedLibraries.nonFunctionKind(at: address) {
            throw .notAFunction(function: name, library: library, symbol: declaration.symbol, kind: kind)
        }
        var freeAddress: UnsafeMutableRawPointer?
        if let freeSymbol = declaration.freeSymbol {
            switch SharedLibraries.lookup(freeSymbol, in: handle) {
            case .success(let found): freeAddress = found
            case .failure(let message):
                throw .freeSymbolNotFound(function: name, library: library, symbol: freeSymbol, message: "\(message)")
            }
            if let kind = SharedLibraries.nonFunctionKind(at: freeAddress!) {
                throw .notAFunction(function: name, library: library, symbol: freeSymbol, kind: kind)
            }
        }

        let interface: CallInterface
        do {
            interface = try declaration.isVectorized
                ? vectorizedInterface(signature) : scalarInterface(signature)
        } catch {
            throw .preparationFailed(function: name, status: error.status)
        }
        return NativeFunction(
            declaration: declaration, signature: signature, address: address, freeAddress: freeAddress,
            interface: interface)
    }

    /// `R f(A1, ..., An)`, or `int32_t f(A1, ..., An, R *out)` when fallible.
    private static func scalarInterface(_ signature: FunctionSignature) throws(CallInterfaceError) -> CallInterface {
        var arguments = signature.parameters.map(CallInterface.ffiType)
        if signature.isFallible {
            arguments.append(CallInterface.pointerType)
            return try CallInterface(result: CallInterface.int32Type, arguments: arguments)
        }
        return try CallInterface(result: CallInterface.ffiType(signature.result), arguments: arguments)
    }

    /// `int32_t f(size_t n, const A1 *, ..., const An *, R *out[, int32_t *errors])`.
    private static func vectorizedInterface(_ signature: FunctionSignature) throws(CallInterfaceError) -> CallInterface {
        let pointers = signature.parameters.count + 1 + (signature.isFallible ? 1 : 0)
        return try CallInterface(
            result: CallInterface.int32Type,
            arguments: [CallInterface.sizeType] + Array(repeating: CallInterface.pointerType, count: pointers))
    }

    /// The C prototype the host calls this function with.
    public var cPrototype: String {
        signature.cPrototype(symbol: declaration.symbol, vectorized: declaration.isVectorized)
    }

    /// Frees a string the function returned, if its result is `char*`.
    @inline(__always)
    func release(_ string: UnsafeMutablePointer<CChar>?) {
        guard let string, result == .ownedString else { return }
        freeFunction?(UnsafeMutableRawPointer(string))
    }

    /// Copies a returned string, then frees it when the callee allocated it.
    /// A string that is not UTF-8 is freed too and reported in `failure`.
    @inline(__always)
    func takeString(_ pointer: UnsafeMutablePointer<CChar>?, failure: inout CallFailure) -> String? {
        guard let pointer else { return nil }
        defer { release(pointer) }
        guard let string = String(validatingCString: pointer) else {
            failure = CallFailure(kind: .invalidUTF8, index: strlen(pointer))
            return nil
        }
        return string
    }
}
