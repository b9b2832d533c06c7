/// What `<data>/topics/<name>/config.json` holds: the partition count and
/// the topic's config.
///
///     {
///       "config" : { "cleanup.policy" : "delete", "retention.ms" : 604800000, … },
///       "partitions" : 4,
///       "version" : 1
///     }
///
/// # Thread safety
/// A value type.
struct TopicMetadata: Codable, Equatable {
    /// The file format's version; a newer one is refused rather than misread.
    static let currentVersion = 1
    static let fileName = "config.json"

    var version: Int
    var partitions: Int
    var config: TopicConfig

    init(partitions: Int, config: TopicConfig) {
        self.version = Self.currentVersion
        self.partitions = partitions
        self.config = config
    }
}
