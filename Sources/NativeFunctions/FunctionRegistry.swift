/// The native functions a job may call, by name, each resolved and prepared.
///
/// Built once at job start from the job file's declarations and the
/// functions loaded plugins export; a name may be declared once.
///
/// # Thread safety
/// Immutable; share it between tasks freely.
public struct FunctionRegistry: Sendable {
    private var byName: [String: NativeFunction] = [:]

    /// A registry with no functions.
    public init() {}

    /// Resolves every declaration (loading libraries, looking up symbols,
    /// preparing call interfaces), refusing a name declared twice.
    ///
    /// - Throws: the first declaration's error, in declaration order.
    public init(resolving declarations: [FunctionDeclaration]) throws(NativeFunctionError) {
        var origins: [String: FunctionOrigin] = [:]
        for declaration in declarations {
            if let first = origins[declaration.name] {
                throw .duplicateName(function: declaration.name, first: first.description,
                                     second: declaration.origin.description)
            }
            origins[declaration.name] = declaration.origin
        }
        for declaration in declarations {
            byName[declaration.name] = try NativeFunction.resolve(declaration)
        }
    }

    /// The function called `name`, or nil.
    public subscript(name: String) -> NativeFunction? { byName[name] }

    /// Every function, sorted by name.
    public var functions: [NativeFunction] { byName.values.sorted { $0.name < $1.name } }

    /// The names, sorted (for "did you mean" messages).
    public var names: [String] { byName.keys.sorted() }

    public var isEmpty: Bool { byName.isEmpty }
    public var count: Int { byName.count }
}
