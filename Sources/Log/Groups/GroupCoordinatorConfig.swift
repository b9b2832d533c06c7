/// The broker settings of the group coordinator, named and defaulted as
/// Kafka's (`group.*` and `offset.metadata.max.bytes`).
///
/// # Thread safety
/// A value type; `Sendable`.
public struct GroupCoordinatorConfig: Sendable, Equatable {
    /// `group.min.session.timeout.ms`: a JoinGroup with a shorter session
    /// timeout is answered INVALID_SESSION_TIMEOUT.
    public var minSessionTimeoutMs: Int64 = 6_000
    /// `group.max.session.timeout.ms`.
    public var maxSessionTimeoutMs: Int64 = 1_800_000
    /// `group.initial.rebalance.delay.ms`: how long the first rebalance of
    /// an empty group waits for more members before it completes, so that
    /// consumers started together share one generation.
    public var initialRebalanceDelayMs: Int64 = 3_000
    /// `group.max.size`: members per group (Kafka's default is unbounded;
    /// everything here is bounded).
    public var maxGroupSize: Int = 10_000
    /// `offset.metadata.max.bytes`: longer commit metadata is answered
    /// OFFSET_METADATA_TOO_LARGE.
    public var offsetMetadataMaxBytes: Int = 4_096
    /// The most groups the coordinator holds in memory (members or
    /// offsets); a JoinGroup or simple commit that would create one more
    /// is answered COORDINATOR_NOT_AVAILABLE.
    public var groupsMax: Int = 100_000
    /// The longest group id, member id prefix (client id) or instance id
    /// accepted, in UTF-8 bytes.
    public var idBytesMax: Int = 1_024
    /// `offsets.retention.minutes` (Kafka's default, 7 days), in
    /// milliseconds: how long the committed offsets of a group without
    /// members are kept (see `GroupCoordinator.expireOffsets`).
    public var offsetsRetentionMs: Int64 = 7 * 24 * 60 * 60 * 1_000
    /// `offsets.retention.check.interval.ms`: how often the server looks
    /// for expired offsets.
    public var offsetsRetentionCheckIntervalMs: Int64 = 600_000

    public init() {}
}
