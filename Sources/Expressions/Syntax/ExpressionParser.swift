/// Parses expression text into `ExpressionNode`s (recursive descent, one
/// function per precedence level).
///
/// Precedence, loosest first: `or`; `and`; `not`; comparisons (`= != <> <
/// <= > >=`, `is [not] null`, `[not] in (...)`, `[not] between a and b`,
/// not chained); `+ - ||`; `* / %`; unary `-`; `[index]`. Keywords are
/// case-insensitive. A name followed by `(` is a function call; other
/// names start a field path (`customer.id`, `items[0].price`).
///
/// Nesting is bounded (`ExpressionLimits.depthMax`), so that a hostile
/// expression cannot exhaust the stack of the parser or of the passes after it.
struct ExpressionParser {
    private let text: String
    private var tokens: [ExpressionToken]
    private var index = 0
    private var nextID = 0
    private var nesting = 0

    static let keywords: Set<String> = [
        "and", "or", "not", "is", "null", "true", "false", "in", "between", "case", "when", "then", "else", "end", "as",
    ]

    /// Parses one whole expression.
    static func parse(_ text: String) throws(ExpressionError) -> (node: ExpressionNode, nodeCount: Int) {
        guard text.utf8.count <= ExpressionLimits.textBytesMax else {
            throw ExpressionError(.limit, at: ExpressionPosition(offset: 0, line: 1, column: 1),
                                  "the expression is \(text.utf8.count) bytes long; at most \(ExpressionLimits.textBytesMax) are accepted")
        }
        var lexer = ExpressionLexer(text)
        var parser = ExpressionParser(text: text, tokens: try lexer.tokens())
        guard parser.current.kind != .end else {
            throw ExpressionError(.syntax, at: parser.current.position, "the expression is empty")
        }
        let node = try parser.expression()
        guard parser.current.kind == .end else {
            throw ExpressionError(.syntax, at: parser.current.position,
                                  "unexpected \(parser.describe(parser.current)) after a complete expression")
        }
        return (node, parser.nextID)
    }

    private init(text: String, tokens: [ExpressionToken]) {
        self.text = text
        self.tokens = tokens
    }

    private var current: ExpressionToken { tokens[index] }

    private mutating func advance() -> ExpressionToken {
        let token = tokens[index]
        if index < tokens.count - 1 { index += 1 }
        return token
    }

    private func describe(_ token: ExpressionToken) -> String {
        switch token.kind {
        case .end: return "end of the expression"
        case .identifier(let name): return "'\(name)'"
        case .quotedIdentifier(let name): return "`\(name)`"
        case .number(let number): return "number \(number)"
        case .string(let string): return "string '\(string)'"
        case .symbol(let symbol): return "'\(symbol)'"
        }
    }

    private func fail(_ message: String, at token: ExpressionToken? = nil) -> ExpressionError {
        ExpressionError(.syntax, at: (token ?? current).position, message)
    }

    private mutating func expect(symbol: String, _ context: String) throws(ExpressionError) {
        guard current.isSymbol(symbol) else {
            throw fail("expected '\(symbol)' \(context), found \(describe(current))")
        }
        _ = advance()
    }

    private mutating func expect(keyword: String, _ context: String) throws(ExpressionError) {
        guard current.isKeyword(keyword) else {
            throw fail("expected '\(keyword)' \(context), found \(describe(current))")
        }
        _ = advance()
    }

    /// Makes a node spanning from `start` to the previous token.
    private mutating func node(_ kind: ExpressionNode.Kind, from start: ExpressionToken) throws(ExpressionError) -> ExpressionNode {
        let end = tokens[max(index - 1, 0)].endOffset
        let made = ExpressionNode(id: nextID, kind: kind, position: start.position, range: start.position.offset..<max(end, start.position.offset),
                                  depth: 1)
        let depth = 1 + (made.children.map(\.depth).max() ?? 0)
        guard depth <= ExpressionLimits.depthMax else {
            throw ExpressionError(.limit, at: start.position,
                                  "the expression nests deeper than \(ExpressionLimits.depthMax) levels; split it into steps")
        }
        nextID += 1
        return ExpressionNode(id: made.id, kind: kind, position: made.position, range: made.range, depth: depth)
    }

    /// Guards recursion: every level of parentheses, unary operator or
    /// nested call passes through here.
    private mutating func nested<Result>(_ body: (inout ExpressionParser) throws(ExpressionError) -> Result) throws(ExpressionError) -> Result {
        nesting += 1
        defer { nesting -= 1 }
        guard nesting <= ExpressionLimits.depthMax else {
            throw ExpressionError(.limit, at: current.position,
                                  "the expression nests deeper than \(ExpressionLimits.depthMax) levels; split it into steps")
        }
        return try body(&self)
    }

    // MARK: Levels

    mutating func expression() throws(ExpressionError) -> ExpressionNode {
        try nested { (parser: inout ExpressionParser) throws(ExpressionError) in try parser.or() }
    }

    private mutating func or() throws(ExpressionError) -> ExpressionNode {
        let start = current
        var left = try and()
        while current.isKeyword("or") {
            _ = advance()
            let right = try and()
            left = try node(.binary(.or, left, right), from: start)
        }
        return left
    }

    private mutating func and() throws(ExpressionError) -> ExpressionNode {
        let start = current
        var left = try not()
        while current.isKeyword("and") {
            _ = advance()
            let right = try not()
            left = try node(.binary(.and, left, right), from: start)
        }
        return left
    }

    private mutating func not() throws(ExpressionError) -> ExpressionNode {
        let start = current
        if current.isKeyword("not") {
            _ = advance()
            let operand = try nested { (parser: inout ExpressionParser) throws(ExpressionError) in try parser.not() }
            return try node(.unary(.not, operand), from: start)
        }
        return try comparison()
    }

    private static let comparisonSymbols: [String: ExpressionNode.BinaryOperator] = [
        "=": .equal, "==": .equal, "!=": .notEqual, "<>": .notEqual, "<": .less, "<=": .lessOrEqual,
        ">": .greater, ">=": .greaterOrEqual,
    ]

    private mutating func comparison() throws(ExpressionError) -> ExpressionNode {
        let start = current
        let left = try additive()
        if case .symbol(let symbol) = current.kind, let op = Self.comparisonSymbols[symbol] {
            _ = advance()
            let right = try additive()
            let made = try node(.binary(op, left, right), from: start)
            if case .symbol(let next) = current.kind, Self.comparisonSymbols[next] != nil {
                throw fail("comparisons do not chain: write 'a < b and b < c'")
            }
            return made
        }
        if current.isKeyword("is") {
            _ = advance()
            var negated = false
            if current.isKeyword("not") {
                _ = advance()
                negated = true
            }
            try expect(keyword: "null", "after 'is'" + (negated ? " not" : ""))
            return try node(.isNull(left, negated: negated), from: start)
        }
        var negated = false
        if current.isKeyword("not"), let next = tokens.dropFirst(index + 1).first,
           next.isKeyword("in") || next.isKeyword("between") {
            _ = advance()
            negated = true
        }
        if current.isKeyword("in") {
            _ = advance()
            try expect(symbol: "(", "after 'in'")
            var list: [ExpressionNode] = []
            repeat {
                if !list.isEmpty { _ = advance() }
                list.append(try expression())
            } while current.isSymbol(",")
            try expect(symbol: ")", "to close the 'in' list")
            return try node(.inList(left, list, negated: negated), from: start)
        }
        if current.isKeyword("between") {
            _ = advance()
            let low = try additive()
            try expect(keyword: "and", "between the bounds of 'between'")
            let high = try additive()
            // a between l and h is l <= a and a <= h (a is evaluated twice;
            // it has no side effects).
            let lower = try node(.binary(.greaterOrEqual, left, low), from: start)
            let upper = try node(.binary(.lessOrEqual, left, high), from: start)
            let both = try node(.binary(.and, lower, upper), from: start)
            return negated ? try node(.unary(.not, both), from: start) : both
        }
        return left
    }

    private mutating func additive() throws(ExpressionError) -> ExpressionNode {
        let start = current
        var left = try multiplicative()
        while case .symbol(let symbol) = current.kind, symbol == "+" || symbol == "-" || symbol == "||" {
            _ = advance()
            let right = try multiplicative()
            let op: ExpressionNode.BinaryOperator = symbol == "+" ? .add : symbol == "-" ? .subtract : .concatenate
            left = try node(.binary(op, left, right), from: start)
        }
        return left
    }

    private mutating func multiplicative() throws(ExpressionError) -> ExpressionNode {
        let start = current
        var left = try unary()
        while case .symbol(let symbol) = current.kind, symbol == "*" || symbol == "/" || symbol == "%" {
            _ = advance()
            let right = try unary()
            let op: ExpressionNode.BinaryOperator = symbol == "*" ? .multiply : symbol == "/" ? .divide : .remainder
            left = try node(.binary(op, left, right), from: start)
        }
        return left
    }

    private mutating func unary() throws(ExpressionError) -> ExpressionNode {
        let start = current
        if current.isSymbol("-") {
            _ = advance()
            // A minus before a number literal is part of the literal, so that
            // -9223372036854775808 is an integer.
            if case .number(let digits) = current.kind {
                let literal = advance()
                var made = try number("-" + digits, literal)
                made = try node(made.kind, from: start)
                return try postfix(made, start: start)
            }
            let operand = try nested { (parser: inout ExpressionParser) throws(ExpressionError) in try parser.unary() }
            return try node(.unary(.negate, operand), from: start)
        }
        if current.isSymbol("+") {
            throw fail("unary '+' is not part of the language; write the number alone")
        }
        return try postfix(try primary(), start: start)
    }

    private mutating func postfix(_ base: ExpressionNode, start: ExpressionToken) throws(ExpressionError) -> ExpressionNode {
        var value = base
        while current.isSymbol("[") {
            _ = advance()
            let index = try expression()
            try expect(symbol: "]", "to close the index")
            value = try node(.index(value, index), from: start)
        }
        return value
    }

    private mutating func number(_ text: String, _ token: ExpressionToken) throws(ExpressionError) -> ExpressionNode {
        let value: ExpressionValue
        if !text.contains(".") && !text.contains("e") && !text.contains("E") {
            guard let integer = Int64(text) else {
                throw ExpressionError(.type, at: token.position,
                                      "the integer \(text) does not fit in 64 bits; write it as a decimal (\(text).0) or a double (with e)")
            }
            value = .integer(integer)
        } else if let decimal = DecimalNumber.parse(text) {
            value = .decimal(decimal)
        } else if let double = Double(text), double.isFinite {
            value = .double(double)
        } else {
            throw ExpressionError(.type, at: token.position, "the number \(text) is out of range")
        }
        return try node(.literal(value), from: token)
    }

    private mutating func primary() throws(ExpressionError) -> ExpressionNode {
        let start = current
        switch current.kind {
        case .number(let text):
            _ = advance()
            return try number(text, start)
        case .string(let text):
            _ = advance()
            return try node(.literal(.string(text)), from: start)
        case .symbol("("):
            _ = advance()
            let inner = try expression()
            try expect(symbol: ")", "to close the parenthesis opened at \(start.position)")
            return inner
        case .quotedIdentifier:
            return try path()
        case .identifier(let name):
            let keyword = name.lowercased()
            switch keyword {
            case "true", "false":
                _ = advance()
                return try node(.literal(.boolean(keyword == "true")), from: start)
            case "null":
                _ = advance()
                return try node(.literal(.null), from: start)
            case "case":
                return try caseWhen()
            default:
                break
            }
            if tokens[index + 1].isSymbol("(") {
                return try call(keyword)
            }
            if Self.keywords.contains(keyword) {
                throw fail("expected a value, found the keyword '\(name)' (a field with that name is written `\(name)`)")
            }
            return try path()
        case .symbol(let symbol):
            throw fail("expected a value, found '\(symbol)'")
        case .end:
            throw fail("the expression ends where a value was expected")
        }
    }

    private mutating func path() throws(ExpressionError) -> ExpressionNode {
        let start = current
        var segments: [FieldPath.Segment] = []
        func name(_ token: ExpressionToken) -> String? {
            switch token.kind {
            case .identifier(let name), .quotedIdentifier(let name): return name
            default: return nil
            }
        }
        segments.append(.member(name(advance())!))
        while true {
            if current.isSymbol(".") {
                _ = advance()
                guard let member = name(current) else {
                    throw fail("expected a field name after '.', found \(describe(current))")
                }
                _ = advance()
                segments.append(.member(member))
            } else if current.isSymbol("["), case .number(let digits) = tokens[index + 1].kind,
                      tokens[index + 2].isSymbol("]") {
                guard let element = Int(digits), element >= 0 else {
                    throw fail("an array index is a whole number from 0, got \(digits)", at: tokens[index + 1])
                }
                index += 3
                segments.append(.index(element))
            } else {
                break
            }
        }
        guard segments.count <= ExpressionLimits.depthMax else {
            throw ExpressionError(.limit, at: start.position, "the field path has more than \(ExpressionLimits.depthMax) segments")
        }
        return try node(.field(FieldPath(segments)), from: start)
    }

    /// `(p)` or `(p, s)` after `decimal` in a cast: 1 <= p <= 38 (SQL's
    /// largest; the language's values hold 18 digits, so past 18 the
    /// precision only names the type), 0 <= s <= min(p, 18); s defaults to 0.
    private mutating func decimalPrecisionAndScale() throws(ExpressionError) -> (Int, Int) {
        _ = advance()  // (
        func digits(_ what: String, _ range: ClosedRange<Int>) throws(ExpressionError) -> Int {
            guard case .number(let text) = current.kind, let value = Int(text), range.contains(value) else {
                throw fail("expected the \(what) of the decimal, a whole number from \(range.lowerBound) to "
                    + "\(range.upperBound), found \(describe(current))")
            }
            _ = advance()
            return value
        }
        let precision = try digits("precision", 1...38)
        var scale = 0
        if current.isSymbol(",") {
            _ = advance()
            scale = try digits("scale", 0...min(precision, DecimalNumber.scaleMax))
        }
        try expect(symbol: ")", "after decimal(precision, scale)")
        return (precision, scale)
    }

    private mutating func call(_ name: String) throws(ExpressionError) -> ExpressionNode {
        let start = advance()
        _ = advance()  // (
        if name == "cast" || name == "try_cast" {
            let operand = try expression()
            try expect(keyword: "as", "in \(name)(value as type)")
            let typeToken = current
            guard case .identifier(let typeName) = typeToken.kind, let type = ExpressionType.named(typeName) else {
                throw fail("expected a type after 'as' (boolean, integer, decimal, double or string), found \(describe(current))")
            }
            _ = advance()
            if type == .decimal, current.isSymbol("(") {
                let (precision, scale) = try decimalPrecisionAndScale()
                try expect(symbol: ")", "to close \(name)(...)")
                return try node(.castDecimal(operand, precision: precision, scale: scale, isTry: name == "try_cast"), from: start)
            }
            try expect(symbol: ")", "to close \(name)(...)")
            return try node(.cast(operand, type, isTry: name == "try_cast"), from: start)
        }
        var arguments: [ExpressionNode] = []
        if !current.isSymbol(")") {
            repeat {
                if !arguments.isEmpty { _ = advance() }
                arguments.append(try expression())
            } while current.isSymbol(",")
        }
        try expect(symbol: ")", "to close the arguments of \(name)(...)")
        return try node(.call(name: name, arguments: arguments), from: start)
    }

    private mutating func caseWhen() throws(ExpressionError) -> ExpressionNode {
        let start = advance()
        var branches: [(condition: ExpressionNode, result: ExpressionNode)] = []
        while current.isKeyword("when") {
            _ = advance()
            let condition = try expression()
            try expect(keyword: "then", "after the condition of 'when'")
            let result = try expression()
            branches.append((condition, result))
        }
        guard !branches.isEmpty else { throw fail("expected 'when' after 'case'") }
        var otherwise: ExpressionNode?
        if current.isKeyword("else") {
            _ = advance()
            otherwise = try expression()
        }
        try expect(keyword: "end", "to close the 'case' opened at \(start.position)")
        return try node(.caseWhen(branches, otherwise: otherwise), from: start)
    }
}

/// The bounds the compiler enforces.
public enum ExpressionLimits {
    /// Deepest nesting of operators, calls and parentheses; deeper is refused
    /// so that no pass can run out of stack.
    public static let depthMax = 128
    /// Longest expression text, in bytes.
    public static let textBytesMax = 65_536
}
