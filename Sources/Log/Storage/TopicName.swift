/// Kafka's rules for topic names: 1 to 249 characters from
/// `[A-Za-z0-9._-]`, and not "." or "..". A name is also a directory
/// name under `<data>/topics/`, which these rules keep safe.
///
/// # Thread safety
/// Stateless.
public enum TopicName {
    /// The topics the server keeps for itself (Kafka's `Topic.isInternal`):
    /// committed group offsets and the transaction registry. Clients see
    /// them in Metadata, marked internal, and may not produce to them.
    public static let internalNames: Set<String> = [ConsumerGroups.topicName, TransactionCoordinator.topicName]

    /// Whether `name` is one of `internalNames`.
    public static func isInternal(_ name: String) -> Bool { internalNames.contains(name) }

    public static func validate(_ name: String) throws(LogError) {
        guard !name.isEmpty else { throw .invalidTopicName(name, reason: "the name is empty") }
        guard name != "." && name != ".." else {
            throw .invalidTopicName(name, reason: "'.' and '..' are not allowed")
        }
        let count = name.utf8.count
        guard count <= TopicLimits.nameLengthMax else {
            throw .invalidTopicName(
                name, reason: "it is \(count) characters long, more than \(TopicLimits.nameLengthMax)")
        }
        if let bad = name.unicodeScalars.first(where: { !isAllowed($0) }) {
            let shown = bad.isASCII && bad.value >= 0x20 && bad.value < 0x7F
                ? "'\(Character(bad))'" : "U+" + String(bad.value, radix: 16, uppercase: true)
            throw .invalidTopicName(name, reason: "it holds \(shown)")
        }
    }

    private static func isAllowed(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar {
        case "a" ... "z", "A" ... "Z", "0" ... "9", ".", "_", "-": return true
        default: return false
        }
    }
}
