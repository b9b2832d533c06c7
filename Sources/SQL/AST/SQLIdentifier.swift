/// A name as written: plain (`bidder`) or backquoted (`` `dateTime` ``).
///
/// Flink compares names case-sensitively, so `name` keeps the spelling;
/// `quoted` only says how it was written (a quoted name may be a keyword).
public struct SQLIdentifier: Sendable, Equatable {
    public var name: String
    public var quoted: Bool
    public var position: SQLPosition

    public init(_ name: String, quoted: Bool = false, at position: SQLPosition) {
        self.name = name
        self.quoted = quoted
        self.position = position
    }
}

/// A dotted name: `catalog.database.table`, `B.price`, `person.name`.
public struct SQLName: Sendable, Equatable {
    /// At least one part.
    public var parts: [SQLIdentifier]
    public var position: SQLPosition { parts[0].position }

    public init(_ parts: [SQLIdentifier]) {
        precondition(!parts.isEmpty, "a name has at least one part")
        self.parts = parts
    }

    /// The parts joined with dots, as the user would write them unquoted.
    public var dotted: String { parts.map(\.name).joined(separator: ".") }
    /// The last part: a table's or a column's own name.
    public var last: SQLIdentifier { parts[parts.count - 1] }
}

/// A string literal where the grammar wants text (an option's key or
/// value, a function's symbol, a library path), with where it starts.
public struct SQLString: Sendable, Equatable {
    public var value: String
    public var position: SQLPosition

    public init(_ value: String, at position: SQLPosition) {
        self.value = value
        self.position = position
    }
}
