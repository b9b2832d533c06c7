import JSONText

/// A path into a JSON record as the expression language writes it:
/// `customer.id`, `items[0].price`, `` `odd key` ``.
///
/// Dotted paths given in configs (`set:` targets, `key_field`, an
/// aggregate's `field`) are parsed by JSONText's `JSONFieldPath`, the one
/// parser and error wording of field paths; `init(_:)` takes one over.
public struct FieldPath: Sendable, Hashable, CustomStringConvertible {
    /// One step of a path.
    public enum Segment: Sendable, Hashable {
        /// An object member, by name.
        case member(String)
        /// An array element, from 0.
        case index(Int)
    }

    public let segments: [Segment]

    public init(_ segments: [Segment]) {
        precondition(!segments.isEmpty, "a field path has at least one segment")
        self.segments = segments
    }

    /// The members of a dotted path, outermost first.
    public init(_ path: JSONFieldPath) {
        self.init(path.segments.map(Segment.member))
    }

    public var description: String {
        var text = ""
        for segment in segments {
            switch segment {
            case .member(let name):
                let plain = !name.isEmpty && name.utf8.allSatisfy(ExpressionLexer.isIdentifierByte)
                    && !isDigit(name.utf8.first!)
                if !text.isEmpty { text += "." }
                text += plain ? name : "`" + name.replacingOccurrences(of: "`", with: "``") + "`"
            case .index(let index):
                text += "[\(index)]"
            }
        }
        return text
    }
}

extension String {
    fileprivate func replacingOccurrences(of target: String, with replacement: String) -> String {
        split(separator: Character(target), omittingEmptySubsequences: false).joined(separator: replacement)
    }
}
