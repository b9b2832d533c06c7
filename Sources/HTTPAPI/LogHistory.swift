import Core
import Dispatch
import Foundation
import Observability

/// The server-side history of the log for the dashboard: once a second,
/// each topic's size and its records and bytes per second (from the
/// change of its end offsets and size), and each consumer group's lag per
/// partition; kept for `capacity` samples (10 minutes) in a
/// `SampleHistory`, so it is the same size however long the server runs.
/// Served as `GET /v1/dashboard/log`.
///
/// # Thread safety
/// `sample` runs on the timer's queue; `json` may be called from any
/// thread. Both take the lock.
public final class LogHistory: @unchecked Sendable {
    public static let capacity = 600
    public static let intervalMs = 1_000
    /// Bounds on what one sample reads and keeps.
    public static let topicsMax = 256
    public static let groupsMax = 64
    public static let seriesMax = 4_000

    enum Key: Hashable, Sendable {
        case topicBytes(String)
        case topicRecordsPerSecond(String)
        case topicBytesPerSecond(String)
        case lag(group: String, topic: String, partition: Int)
    }

    /// A topic's totals at the latest sample.
    struct TopicNow {
        var view: LogInspection.TopicView
        var endOffsets: Int64
        var atNanoseconds: UInt64
    }

    private let log: LogInspection
    private let lock = NSLock()
    private var history = SampleHistory<Key>(capacity: LogHistory.capacity, seriesMax: LogHistory.seriesMax)
    private var topics: [String: TopicNow] = [:]
    private var groups: [LogInspection.GroupView] = []
    private var timer: (any DispatchSourceTimer)?

    public init(log: LogInspection) {
        self.log = log
    }

    /// Samples once per `intervalMs` until `stop`.
    public func start() {
        let timer = DispatchSource.makeTimerSource(queue: DispatchQueue(label: "streamhost.dashboard.log"))
        timer.schedule(deadline: .now(), repeating: .milliseconds(Self.intervalMs))
        timer.setEventHandler { [weak self] in self?.sample() }
        lock.withLock { self.timer = timer }
        timer.resume()
    }

    public func stop() {
        lock.withLock {
            timer?.cancel()
            timer = nil
        }
    }

    /// One sample of every topic and group (bounded by `topicsMax` and
    /// `groupsMax`, in name order).
    func sample(nowMs: Int64 = Int64(Date().timeIntervalSince1970 * 1000),
                nowNanoseconds: UInt64 = DispatchTime.now().uptimeNanoseconds) {
        let views = log.topics().sorted { $0.name < $1.name }.prefix(Self.topicsMax)
        var current: [String: TopicNow] = [:]
        for view in views {
            current[view.name] = TopicNow(view: view, endOffsets: log.endOffsetSum(topic: view.name),
                                          atNanoseconds: nowNanoseconds)
        }
        let groupViews = log.groupList().prefix(Self.groupsMax).compactMap { log.group(id: $0.groupId) }
        lock.withLock {
            var values: [Key: Double] = [:]
            for (name, now) in current {
                values[.topicBytes(name)] = Double(now.view.bytes)
                if let before = topics[name], now.atNanoseconds > before.atNanoseconds {
                    let seconds = Double(now.atNanoseconds - before.atNanoseconds) / 1e9
                    values[.topicRecordsPerSecond(name)] = Double(max(0, now.endOffsets - before.endOffsets)) / seconds
                    values[.topicBytesPerSecond(name)] = Double(max(0, now.view.bytes - before.view.bytes)) / seconds
                }
            }
            for group in groupViews {
                for offset in group.offsets ?? [] {
                    guard let lag = offset.lag else { continue }
                    values[.lag(group: group.groupId, topic: offset.topic, partition: offset.partition)] = Double(lag)
                }
            }
            history.append(timeMs: nowMs, values: values)
            topics = current
            groups = groupViews
        }
    }

    /// The last `seconds` of the history, with the latest figures:
    /// `{"times": [...], "topics": [{"name", "isInternal", "partitionCount",
    /// "bytes", "history": {"bytes", "recordsPerSecond", "bytesPerSecond"}}],
    /// "groups": [{"groupId", "state", "totalLag", "partitions": [{"topic",
    /// "partition", "committedOffset", "endOffset", "lag", "lagHistory"}]}],
    /// "seriesLeftOut": N}`; values missing at an instant are null.
    public func json(seconds: Int) -> JSONValue {
        lock.withLock { () -> JSONValue in
            let count = max(1, min(seconds * 1000 / Self.intervalMs, Self.capacity))
            let times = history.times(last: count)
            func series(_ key: Key) -> JSONValue {
                let values = history.values(key, last: count) ?? Array(repeating: nil, count: times.count)
                return .array(values.map { $0.map(JSONValue.double) ?? .null })
            }
            let topicValues = topics.values.sorted { $0.view.name < $1.view.name }.map { now -> JSONValue in
                let name = now.view.name
                return .object(JSONObject([
                    ("name", .string(name)), ("isInternal", .bool(now.view.isInternal)),
                    ("partitionCount", .int(Int64(now.view.partitionCount))), ("bytes", .int(Int64(now.view.bytes))),
                    ("endOffsets", .int(now.endOffsets)),
                    ("history", .object(JSONObject([
                        ("bytes", series(.topicBytes(name))), ("recordsPerSecond", series(.topicRecordsPerSecond(name))),
                        ("bytesPerSecond", series(.topicBytesPerSecond(name))),
                    ]))),
                ]))
            }
            let groupValues = groups.map { group -> JSONValue in
                let partitions = (group.offsets ?? []).sorted { ($0.topic, $0.partition) < ($1.topic, $1.partition) }
                    .map { offset -> JSONValue in
                        .object(JSONObject([
                            ("topic", .string(offset.topic)), ("partition", .int(Int64(offset.partition))),
                            ("committedOffset", .int(offset.committedOffset)),
                            ("endOffset", offset.endOffset.map(JSONValue.int) ?? .null),
                            ("lag", offset.lag.map(JSONValue.int) ?? .null),
                            ("lagHistory", series(.lag(group: group.groupId, topic: offset.topic, partition: offset.partition))),
                        ]))
                    }
                return .object(JSONObject([
                    ("groupId", .string(group.groupId)), ("state", .string(group.state)),
                    ("totalLag", group.totalLag.map(JSONValue.int) ?? .null), ("partitions", .array(partitions)),
                ]))
            }
            return .object(JSONObject([
                ("times", .array(times.map(JSONValue.int))), ("topics", .array(topicValues)), ("groups", .array(groupValues)),
                ("seriesLeftOut", .int(Int64(history.seriesRefused))),
            ]))
        }
    }
}
