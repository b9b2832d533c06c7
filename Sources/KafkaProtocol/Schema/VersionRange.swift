/// The versions of a message a field (or flexibility, or nullability)
/// applies to, written as in Kafka's message definitions: "0+", "3-7",
/// "none".
public struct VersionRange: Sendable, Equatable, CustomStringConvertible {
    public let lowest: Int16
    public let highest: Int16

    public static let none = VersionRange(lowest: 1, highest: 0)

    public init(lowest: Int16, highest: Int16) {
        self.lowest = lowest
        self.highest = highest
    }

    /// Parses "N+", "N-M", "N" or "none"; anything else is a mistake in a
    /// schema written in this module (a programmer error).
    public init(_ text: String) {
        if text == "none" {
            self = .none
        } else if text.hasSuffix("+"), let low = Int16(text.dropLast()) {
            self.init(lowest: low, highest: .max)
        } else if let dash = text.firstIndex(of: "-"), let low = Int16(text[..<dash]),
            let high = Int16(text[text.index(after: dash)...])
        {
            self.init(lowest: low, highest: high)
        } else if let only = Int16(text) {
            self.init(lowest: only, highest: only)
        } else {
            preconditionFailure("version range '\(text)' is not N+, N-M, N or none")
        }
    }

    @inline(__always)
    public func contains(_ version: Int16) -> Bool { version >= lowest && version <= highest }

    public var description: String {
        if lowest > highest { return "none" }
        if highest == .max { return "\(lowest)+" }
        return lowest == highest ? "\(lowest)" : "\(lowest)-\(highest)"
    }
}
