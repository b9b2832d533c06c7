/// A unit of time in an interval or in EXTRACT.
public enum SQLTimeUnit: String, Sendable, Equatable, CaseIterable {
    case year = "YEAR"
    case month = "MONTH"
    case day = "DAY"
    case hour = "HOUR"
    case minute = "MINUTE"
    case second = "SECOND"

    /// Order from the largest unit, for checking `start TO end`.
    var rank: Int { Self.allCases.firstIndex(of: self)! }
}

/// `INTERVAL [-]'text' unit [TO unit]`: the text as written and checked
/// against the units (`'10'` for SECOND, `'10:00'` for MINUTE TO SECOND).
public struct SQLInterval: Sendable, Equatable {
    /// `INTERVAL -'5' SECOND`.
    public var negative: Bool
    public var text: String
    public var start: SQLTimeUnit
    /// Digits allowed in the leading field (`DAY(3)`); nil when not written.
    public var startPrecision: Int?
    /// The last unit of a range (`MINUTE TO SECOND`); nil for a single unit.
    public var end: SQLTimeUnit?
    /// Digits of the fraction of seconds (`SECOND(3)`); nil when not written.
    public var fractionPrecision: Int?

    public init(negative: Bool = false, text: String, start: SQLTimeUnit, startPrecision: Int? = nil,
                end: SQLTimeUnit? = nil, fractionPrecision: Int? = nil) {
        self.negative = negative
        self.text = text
        self.start = start
        self.startPrecision = startPrecision
        self.end = end
        self.fractionPrecision = fractionPrecision
    }

    /// The ranges SQL allows: within year-month or within day-time.
    static func isValidRange(_ start: SQLTimeUnit, _ end: SQLTimeUnit) -> Bool {
        if start == .year { return end == .month }
        if start == .month { return false }
        return end.rank > start.rank
    }

    /// What the text must look like for these units, for messages.
    static func expectedForm(_ start: SQLTimeUnit, _ end: SQLTimeUnit?) -> String {
        guard let end else { return start == .second ? "'n' or 'n.fff'" : "'n'" }
        switch (start, end) {
        case (.year, .month): return "'years-months'"
        case (.day, .hour): return "'days hours'"
        case (.day, .minute): return "'days hours:minutes'"
        case (.day, .second): return "'days hours:minutes:seconds'"
        case (.hour, .minute): return "'hours:minutes'"
        case (.hour, .second): return "'hours:minutes:seconds'"
        default: return "'minutes:seconds'"
        }
    }

    /// Whether `text` has the form the units need: digits in each field,
    /// the separators of `expectedForm`, an optional leading sign and an
    /// optional fraction on the seconds.
    static func textFits(_ text: String, _ start: SQLTimeUnit, _ end: SQLTimeUnit?) -> Bool {
        var body = Substring(text)
        if body.first == "-" || body.first == "+" { body = body.dropFirst() }
        let separators: [Character]
        switch (start, end) {
        case (_, nil): separators = []
        case (.year, .month): separators = ["-"]
        case (.day, .hour): separators = [" "]
        case (.day, .minute): separators = [" ", ":"]
        case (.day, .second): separators = [" ", ":", ":"]
        case (.hour, .minute), (.minute, .second): separators = [":"]
        case (.hour, .second): separators = [":", ":"]
        default: return false
        }
        var fields: [Substring] = []
        var rest = body
        for separator in separators {
            guard let index = rest.firstIndex(of: separator) else { return false }
            fields.append(rest[..<index])
            rest = rest[rest.index(after: index)...]
        }
        let lastIsSeconds = (end ?? start) == .second
        if lastIsSeconds, let dot = rest.firstIndex(of: ".") {
            let fraction = rest[rest.index(after: dot)...]
            guard !fraction.isEmpty, fraction.allSatisfy(\.isASCIIDigit) else { return false }
            rest = rest[..<dot]
        }
        fields.append(rest)
        return fields.allSatisfy { !$0.isEmpty && $0.count <= 18 && $0.allSatisfy(\.isASCIIDigit) }
    }
}

extension Character {
    var isASCIIDigit: Bool { ("0"..."9").contains(self) }
}
