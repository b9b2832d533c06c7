/// Checks of the values that arrive in a URL's path before they are used:
/// none may name a file outside where it belongs (no `/`, `..`, NUL or
/// control characters), and each is bounded.
public enum PathParameter {
    public static let bytesMax = 255

    /// A topic name as Kafka allows it: letters, digits, `.`, `_`, `-`,
    /// not `.` or `..`, at most 249 bytes.
    public static func isTopicName(_ text: String) -> Bool {
        guard !text.isEmpty, text.utf8.count <= 249, text != ".", text != ".." else { return false }
        return text.utf8.allSatisfy { byte in
            (48...57).contains(byte) || (65...90).contains(byte) || (97...122).contains(byte)
                || byte == 46 || byte == 95 || byte == 45
        }
    }

    /// A consumer group id: any printable text without `/` and not `.` or
    /// `..` (ids never name files, but nothing that looks like a path is
    /// taken), at most `bytesMax` bytes.
    public static func isGroupID(_ text: String) -> Bool {
        guard !text.isEmpty, text.utf8.count <= bytesMax, text != ".", text != ".." else { return false }
        return text.utf8.allSatisfy { $0 >= 32 && $0 != 127 && $0 != 47 && $0 != 92 }
    }
}
