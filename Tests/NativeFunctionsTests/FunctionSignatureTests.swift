import NativeFunctions
import Testing

/// Parses `text`, expecting a refusal, and returns it.
private func refusal(_ text: String, function: String = "dist") -> NativeFunctionError? {
    do {
        _ = try FunctionSignature(parsing: text, function: function)
        return nil
    } catch {
        return error
    }
}

@Suite("FunctionSignature")
struct FunctionSignatureTests {
    @Test func parsesEveryType() throws {
        let signature = try FunctionSignature(
            parsing: "double(int32,int64,double,float,bool,const char*)", function: "f")
        #expect(signature.result == .double)
        #expect(signature.parameters == [.int32, .int64, .double, .float, .bool, .borrowedString])
        #expect(!signature.isFallible)
        for result in NativeType.resultTypes {
            let parsed = try FunctionSignature(parsing: "\(result)(int32)", function: "f")
            #expect(parsed.result == result)
        }
    }

    @Test func acceptsSpacesAndPrintsCanonically() throws {
        let signature = try FunctionSignature(parsing: "  char * ( const  char *, int32 ) ", function: "f")
        #expect(signature.result == .ownedString)
        #expect(signature.parameters == [.borrowedString, .int32])
        #expect(signature.description == "char*(const char*,int32)")
        let parsedAgain = try FunctionSignature(parsing: signature.description, function: "f")
        #expect(parsedAgain == signature)
    }

    @Test func noParametersAsEmptyOrVoid() throws {
        #expect(try FunctionSignature(parsing: "int64()", function: "f").parameters.isEmpty)
        #expect(try FunctionSignature(parsing: "int64(void)", function: "f").parameters.isEmpty)
    }

    @Test func fallibleSuffix() throws {
        let signature = try FunctionSignature(parsing: "double!(double)", function: "f")
        #expect(signature.isFallible)
        #expect(signature.description == "double!(double)")
    }

    @Test func cPrototypes() throws {
        let plain = try FunctionSignature(parsing: "double(double,const char*)", function: "f")
        #expect(plain.cPrototype(symbol: "f", vectorized: false) == "double f(double a1, const char *a2)")
        #expect(plain.cPrototype(symbol: "f", vectorized: true)
            == "int32_t f(size_t n, const double *a1, const char *const *a2, double *out)")
        let fallible = try FunctionSignature(parsing: "char*!(int32)", function: "f")
        #expect(fallible.cPrototype(symbol: "f", vectorized: false) == "int32_t f(int32_t a1, char **out)")
        #expect(fallible.cPrototype(symbol: "f", vectorized: true)
            == "int32_t f(size_t n, const int32_t *a1, char **out, int32_t *errors)")
        let none = try FunctionSignature(parsing: "bool()", function: "f")
        #expect(none.cPrototype(symbol: "f", vectorized: false) == "bool f(void)")
    }

    @Test func unknownTypeNamesItsColumn() {
        let error = refusal("double(doubel)")
        #expect(error?.description.hasPrefix("signature of function 'dist': unknown type 'doubel' at column 8") == true)
        guard case .malformedSignature(let function, _, let column, _, _) = error else {
            Issue.record("expected malformedSignature, got \(String(describing: error))")
            return
        }
        #expect(function == "dist")
        #expect(column == 8)
    }

    @Test func hintsForCSpellings() {
        #expect(refusal("int(int)")?.description.contains("did you mean int32?") == true)
        #expect(refusal("double(long)")?.description.contains("column 8") == true)
    }

    @Test(arguments: [
        ("", 1, "the signature is empty"),
        ("void(double)", 1, "void results are not supported"),
        ("double", 7, "expected '(' after the result type, found the end of the signature"),
        ("double double", 8, "expected '(' after the result type, found 'd'"),
        ("double(double", 14, "expected ',' or ')' after parameter 1, found the end of the signature"),
        ("double(double;int32)", 14, "expected ',' or ')' after parameter 1, found ';'"),
        ("double(double,)", 15, "expected a type for the parameter 2, found ')'"),
        ("double(,)", 8, "expected a type for the parameter 1, found ','"),
        ("double(char*)", 8, "parameter 1 is 'char*'"),
        ("double(const char)", 18, "expected '*' after 'const char', found ')'"),
        ("double(const int)", 14, "unknown type 'const int'"),
        ("double(double, void)", 16, "'void' is not a parameter type"),
        ("double(double) x", 16, "unexpected 'x' after ')'"),
        ("double(char)", 12, "expected '*' after 'char', found ')'"),
        ("double!!(double)", 8, "expected '(' after the result type, found '!'"),
        ("uint32(double)", 1, "unknown type 'uint32'"),
    ])
    func malformed(_ text: String, column: Int, problem: String) {
        let error = refusal(text)
        guard case .malformedSignature(_, let signature, let foundColumn, let foundProblem, _) = error else {
            Issue.record("\"\(text)\": expected malformedSignature, got \(String(describing: error))")
            return
        }
        #expect(signature == text)
        #expect(foundColumn == column, "\"\(text)\"")
        #expect(foundProblem == problem, "\"\(text)\"")
    }

    @Test func boundsTheParameterCount() throws {
        let sixteen = Array(repeating: "int32", count: FunctionSignature.parametersMax).joined(separator: ",")
        #expect(try FunctionSignature(parsing: "int32(\(sixteen))", function: "f").parameters.count == 16)
        let error = refusal("int32(\(sixteen),int32)")
        guard case .malformedSignature(_, _, let column, let problem, _) = error else {
            Issue.record("expected malformedSignature, got \(String(describing: error))")
            return
        }
        #expect(problem == "more than 16 parameters")
        #expect(column == 7 + 16 * 6)
    }
}
