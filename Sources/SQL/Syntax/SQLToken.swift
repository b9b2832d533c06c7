/// One token of SQL text, with where it starts.
struct SQLToken: Sendable, Equatable {
    enum Kind: Sendable, Equatable {
        /// A plain name or a keyword (keywords are recognized by the parser,
        /// case-insensitively).
        case identifier(String)
        /// A name in backquotes: never a keyword.
        case quotedIdentifier(String)
        /// Number text as written (`12`, `0.908`, `1e3`).
        case number(String)
        /// A string literal's content (quotes removed, `''` resolved).
        case string(String)
        /// An operator or punctuation.
        case symbol(String)
        case end
    }

    let kind: Kind
    let position: SQLPosition
    /// The byte offset just past the token.
    let endOffset: Int

    /// The keyword this token spells (uppercased), if it is a plain identifier.
    var keyword: String? {
        if case .identifier(let name) = kind { return name.uppercased() }
        return nil
    }

    func isSymbol(_ text: String) -> Bool {
        if case .symbol(let symbol) = kind { return symbol == text }
        return false
    }

    func isKeyword(_ word: String) -> Bool { keyword == word }
}
