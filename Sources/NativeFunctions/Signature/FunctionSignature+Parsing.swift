extension FunctionSignature {
    /// Parses a signature string; `function` names the function in errors.
    ///
    /// Spaces are allowed between tokens (`const char *`, `double (double, double)`);
    /// `()` and `(void)` both declare no parameters.
    public init(parsing text: String, function: String) throws(NativeFunctionError) {
        var parser = SignatureParser(text: text, function: function)
        self = try parser.signature()
    }
}

/// A recursive-descent parser over the characters of one signature string.
/// Columns are 1-based character positions, as an editor shows them.
struct SignatureParser {
    private let characters: [Character]
    private let text: String
    private let function: String
    private var position = 0

    init(text: String, function: String) {
        self.characters = Array(text)
        self.text = text
        self.function = function
    }

    private static let typeList = "int32, int64, double, float, bool, const char* (and char* for results)"

    /// Hints for C spellings people write by habit.
    private static let spellingHints: [String: String] = [
        "int": "int32", "int32_t": "int32", "long": "int64", "int64_t": "int64", "_Bool": "bool",
        "double_t": "double", "float_t": "float", "boolean": "bool", "string": "const char*",
        "str": "const char*", "i32": "int32", "i64": "int64", "f64": "double", "f32": "float",
    ]

    private func fail(_ column: Int, _ problem: String, hint: String = "") -> NativeFunctionError {
        .malformedSignature(function: function, signature: text, column: column, problem: problem, hint: hint)
    }

    private var column: Int { position + 1 }

    private mutating func skipSpaces() {
        while position < characters.count, characters[position].isWhitespace { position += 1 }
    }

    private func peek() -> Character? { position < characters.count ? characters[position] : nil }

    /// Reads an identifier, or returns nil when none starts here.
    private mutating func word() -> (String, Int)? {
        skipSpaces()
        let start = position
        while position < characters.count,
              characters[position].isLetter || characters[position].isNumber || characters[position] == "_" {
            position += 1
        }
        guard position > start else { return nil }
        return (String(characters[start..<position]), start + 1)
    }

    /// Consumes `character` after optional spaces.
    private mutating func accept(_ character: Character) -> Bool {
        skipSpaces()
        if peek() == character {
            position += 1
            return true
        }
        return false
    }

    private func describeNext() -> String {
        guard let next = peek() else { return "the end of the signature" }
        return "'\(next)'"
    }

    mutating func signature() throws(NativeFunctionError) -> FunctionSignature {
        skipSpaces()
        guard peek() != nil else {
            throw fail(1, "the signature is empty", hint: "write RESULT(PARAMETERS), e.g. double(double,double)")
        }
        let (result, resultColumn) = try type(role: "result")
        if result == nil {
            throw fail(resultColumn, "void results are not supported",
                       hint: "a native function returns one of " + Self.typeList)
        }
        let fallible = accept("!")
        guard accept("(") else {
            throw fail(column, "expected '(' after the result type, found \(describeNext())",
                       hint: "write RESULT(PARAMETERS), e.g. double(double,double)")
        }
        var parameters: [NativeType] = []
        if !accept(")") {
            while true {
                let (parameter, parameterColumn) = try type(role: "parameter \(parameters.count + 1)")
                guard let parameter else {
                    // `void` alone declares no parameters, as in C.
                    guard parameters.isEmpty, accept(")") else {
                        throw fail(parameterColumn, "'void' is not a parameter type",
                                   hint: "write () or (void) for no parameters")
                    }
                    break
                }
                if parameter == .ownedString {
                    throw fail(parameterColumn, "parameter \(parameters.count + 1) is 'char*'",
                               hint: "string parameters are 'const char*': the host lends them read-only")
                }
                guard parameters.count < FunctionSignature.parametersMax else {
                    throw fail(parameterColumn, "more than \(FunctionSignature.parametersMax) parameters",
                               hint: "pass fewer values, or use the vectorized form over columns")
                }
                parameters.append(parameter)
                if accept(")") { break }
                guard accept(",") else {
                    throw fail(column, "expected ',' or ')' after parameter \(parameters.count), found \(describeNext())")
                }
            }
        }
        skipSpaces()
        if peek() != nil {
            throw fail(column, "unexpected \(describeNext()) after ')'", hint: "a signature ends with its parameter list")
        }
        return FunctionSignature(result: result!, parameters: parameters, isFallible: fallible)
    }

    /// Reads one type; nil means `void`. Returns the column it started at.
    private mutating func type(role: String) throws(NativeFunctionError) -> (NativeType?, Int) {
        skipSpaces()
        let start = column
        guard let (name, nameColumn) = word() else {
            throw fail(start, "expected a type for the \(role), found \(describeNext())", hint: "types: " + Self.typeList)
        }
        switch name {
        case "int32": return (.int32, nameColumn)
        case "int64": return (.int64, nameColumn)
        case "double": return (.double, nameColumn)
        case "float": return (.float, nameColumn)
        case "bool": return (.bool, nameColumn)
        case "void": return (nil, nameColumn)
        case "const":
            guard let (next, nextColumn) = word() else {
                throw fail(column, "expected 'char' after 'const', found \(describeNext())",
                           hint: "the only const type is 'const char*'")
            }
            guard next == "char" else {
                throw fail(nextColumn, "unknown type 'const \(next)'", hint: "the only const type is 'const char*'")
            }
            guard accept("*") else {
                throw fail(column, "expected '*' after 'const char', found \(describeNext())",
                           hint: "strings are 'const char*'; single characters are not supported")
            }
            return (.borrowedString, nameColumn)
        case "char":
            guard accept("*") else {
                throw fail(column, "expected '*' after 'char', found \(describeNext())",
                           hint: "strings are 'const char*' (parameters) or 'char*' (results)")
            }
            return (.ownedString, nameColumn)
        default:
            let hint = Self.spellingHints[name].map { "did you mean \($0)? types: " } ?? "types: "
            throw fail(nameColumn, "unknown type '\(name)'", hint: hint + Self.typeList)
        }
    }
}
