/// A path into a JSON record: `customer.id`, `items[0].price`.
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

    /// A path of member names only, split at dots: `"customer.id"`.
    public init(dotted text: String) {
        self.init(text.split(separator: ".", omittingEmptySubsequences: false).map { .member(String($0)) })
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
