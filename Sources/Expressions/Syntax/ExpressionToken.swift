/// One token of an expression, with where it starts.
struct ExpressionToken: Sendable, Equatable {
    enum Kind: Sendable, Equatable {
        /// A name: a field's first segment, a function, a keyword (keywords
        /// are recognized by the parser, case-insensitively).
        case identifier(String)
        /// A name written in backquotes: never a keyword.
        case quotedIdentifier(String)
        /// Number text as written (`12`, `0.92`, `1e3`).
        case number(String)
        /// A string literal's content (quotes removed, `''` resolved).
        case string(String)
        /// An operator or punctuation: `+ - * / % = == != <> < <= > >= ( ) , . [ ] ||`.
        case symbol(String)
        case end
    }

    let kind: Kind
    let position: ExpressionPosition
    /// The byte offset just past the token.
    let endOffset: Int

    /// The keyword this token spells (lowercased), if it is a plain identifier.
    var keyword: String? {
        if case .identifier(let name) = kind { return name.lowercased() }
        return nil
    }

    func isSymbol(_ text: String) -> Bool {
        if case .symbol(let symbol) = kind { return symbol == text }
        return false
    }

    func isKeyword(_ word: String) -> Bool { keyword == word }
}
