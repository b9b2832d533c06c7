/// Bounds on topics, named so that messages and checks agree.
///
/// # Thread safety
/// Constants.
public enum TopicLimits {
    /// The longest topic name, as in Kafka (a partition directory name must
    /// still fit the file system's 255-byte limit in Kafka's layout).
    public static let nameLengthMax = 249
    /// The most partitions one topic may have here: each is a directory
    /// with open files, so the bound keeps a typo from creating millions.
    public static let partitionsMax = 10_000
}
