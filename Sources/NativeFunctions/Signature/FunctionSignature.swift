/// The C signature of a native function, parsed from strings such as
/// `double(double,double)`, `int64(const char*)` or `char*(const char*,int32)`.
///
/// A `!` after the result type (`double!(double)`) marks a function that can
/// fail: its C function returns an `int32_t` status (0: success) and writes
/// its result through a pointer after the last parameter. See
/// `cPrototype(symbol:vectorized:)` for the exact C shapes, and SDK/README.md
/// ("Native functions (UDFs)") for the conventions plugin authors follow.
public struct FunctionSignature: Sendable, Hashable, CustomStringConvertible {
    /// The most parameters a native function may take. A bound keeps the
    /// per-call argument storage on the stack and catches signatures that
    /// are almost certainly a mistake.
    public static let parametersMax = 16

    public let result: NativeType
    public let parameters: [NativeType]
    /// Whether the function reports failure with an `int32_t` status code
    /// (the `!` suffix).
    public let isFallible: Bool

    /// A signature from its parts; the caller has checked them (the parser
    /// does for strings).
    public init(result: NativeType, parameters: [NativeType], isFallible: Bool = false) {
        precondition(NativeType.resultTypes.contains(result), "\(result) cannot be a result type")
        precondition(parameters.allSatisfy(NativeType.parameterTypes.contains), "a parameter type is not allowed")
        precondition(parameters.count <= Self.parametersMax, "too many parameters")
        self.result = result
        self.parameters = parameters
        self.isFallible = isFallible
    }

    /// The canonical spelling: no spaces, `double!(double,const char*)`.
    public var description: String {
        result.rawValue + (isFallible ? "!" : "") + "(" + parameters.map(\.rawValue).joined(separator: ",") + ")"
    }

    /// The C prototype the host calls for this signature, for error messages
    /// and documentation.
    ///
    /// Scalar: `double f(double a1, double a2)`; fallible:
    /// `int32_t f(double a1, double a2, double *out)`. Vectorized:
    /// `int32_t f(size_t n, const double *a1, const double *a2, double *out)`;
    /// fallible vectorized adds `int32_t *errors` after `out`.
    public func cPrototype(symbol: String, vectorized: Bool) -> String {
        var parts: [String] = []
        if vectorized {
            parts.append("size_t n")
            for (index, parameter) in parameters.enumerated() {
                parts.append(Self.pointer(to: parameter, constant: true) + "a\(index + 1)")
            }
            parts.append(Self.pointer(to: result, constant: false) + "out")
            if isFallible { parts.append("int32_t *errors") }
            return "int32_t \(symbol)(\(parts.joined(separator: ", ")))"
        }
        for (index, parameter) in parameters.enumerated() {
            parts.append(Self.declaration(parameter.cSpelling, name: "a\(index + 1)"))
        }
        if isFallible {
            parts.append(Self.pointer(to: result, constant: false) + "out")
            return "int32_t \(symbol)(\(parts.isEmpty ? "void" : parts.joined(separator: ", ")))"
        }
        let returned = result.cSpelling
        return Self.declaration(returned, name: symbol) + "(\(parts.isEmpty ? "void" : parts.joined(separator: ", ")))"
    }

    /// `double a1`, `const char *a1` (no space after a star).
    private static func declaration(_ type: String, name: String) -> String {
        type.hasSuffix("*") ? type + name : type + " " + name
    }

    /// A pointer to values of `type`: `const double *`, `const char *const *`,
    /// `char **`.
    private static func pointer(to type: NativeType, constant: Bool) -> String {
        let element = type.cSpelling
        if type.isString { return element + (constant ? "const *" : "*") }
        return (constant ? "const " : "") + element + " *"
    }
}
