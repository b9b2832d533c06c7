import Foundation
import Synchronization
import Testing
import TestKit
@testable import Log

/// A wall clock a test sets by hand.
final class TestClock: Sendable {
    private let milliseconds: Mutex<Int64>

    init(_ start: Int64) { milliseconds = Mutex(start) }

    var now: Int64 { milliseconds.withLock { $0 } }

    func advance(by delta: Int64) { milliseconds.withLock { $0 += delta } }

    var function: @Sendable () -> Int64 { { [self] in now } }
}

/// The simple model compaction is checked against: every record appended,
/// and which of them compaction may have removed.
///
/// A pass that compacts every offset below `end` at time `now` keeps, of
/// the offsets below `end`, each key's latest record; a kept tombstone gets
/// a delete horizon of `now + delete.retention.ms` at the first pass that
/// keeps it, and the first pass at or after that horizon removes it.
/// Records without a key are always kept. Offsets at or above `end` are
/// untouched.
struct CompactionModel {
    struct Record: Equatable {
        let offset: Int64
        let timestamp: Int64
        let key: [UInt8]?
        let value: [UInt8]?
    }

    let deleteRetentionMs: Int64
    private(set) var appended: [Record] = []
    private var removed: Set<Int64> = []
    private var horizons: [Int64: Int64] = [:]

    init(deleteRetentionMs: Int64) { self.deleteRetentionMs = deleteRetentionMs }

    mutating func append(_ records: [Record]) { appended += records }

    mutating func pass(end: Int64, now: Int64) {
        var latest: [[UInt8]: Int64] = [:]
        for record in appended where record.offset < end {
            if let key = record.key { latest[key] = record.offset }
        }
        for record in appended where record.offset < end && !removed.contains(record.offset) {
            guard let key = record.key else { continue }
            if latest[key] != record.offset {
                removed.insert(record.offset)
            } else if record.value == nil {
                if let horizon = horizons[record.offset] {
                    if horizon <= now { removed.insert(record.offset) }
                } else {
                    horizons[record.offset] = now + deleteRetentionMs
                }
            }
        }
    }

    /// A truncation: every record at or above `end` goes.
    mutating func truncate(to end: Int64) {
        appended.removeAll { $0.offset >= end }
        // Later appends reuse these offsets.
        removed = removed.filter { $0 < end }
        horizons = horizons.filter { $0.key < end }
    }

    /// What a reader should see.
    var visible: [Record] { appended.filter { !removed.contains($0.offset) } }

    func visible(from offset: Int64) -> [Record] { visible.filter { $0.offset >= offset } }
}

enum CompactionFixtures {
    /// A compacted-topic config for tests: small segments, no fsync on append.
    static func config(_ extra: [String: String] = [:]) -> TopicConfig {
        var properties = ["cleanup.policy": "compact", "segment.bytes": "2048", "flush.mode": "never",
                          "index.interval.bytes": "300", "delete.retention.ms": "0"]
        properties.merge(extra) { $1 }
        return StorageFixtures.config(properties)
    }

    /// Random keyed records: keys from a small set so that they repeat, some
    /// tombstones, and the timestamp `timestamp` (plus the record's index).
    static func records(
        count: Int, keys: Int, tombstoneShare: Int = 5, timestamp: Int64, generator: inout SeededRandom
    ) -> [LogRecord] {
        (0 ..< count).map { index in
            let key = Array("key-\(Int.random(in: 0 ..< keys, using: &generator))".utf8)
            let isTombstone = Int.random(in: 0 ..< 100, using: &generator) < tombstoneShare
            let value: [UInt8]? = isTombstone ? nil
                : Array("value-\(timestamp)-\(index)-".utf8) + [UInt8](repeating: 0x7A, count: Int.random(in: 0 ... 60, using: &generator))
            return LogRecord(timestamp: timestamp + Int64(index), key: key, value: value)
        }
    }

    /// Appends `records` as one batch compressed with `codec`; returns them
    /// as the model records them.
    @discardableResult
    static func append(
        _ records: [LogRecord], to log: PartitionLog, codec: CompressionCodec = .none,
        model: inout CompactionModel
    ) throws -> [CompactionModel.Record] {
        var batch = try RecordBatchV2.encode(records, compression: codec)
        let (first, _) = try log.append(&batch)
        let stored = records.enumerated().map { index, record in
            CompactionModel.Record(offset: first + Int64(index), timestamp: record.timestamp, key: record.key,
                                   value: record.value)
        }
        model.append(stored)
        return stored
    }

    /// Reads from `offset` to the end, slice by slice, with reads of at most
    /// `maxBytes`; every slice must make progress.
    static func read(_ log: PartitionLog, from offset: Int64, maxBytes: Int = 1 << 20) throws -> [CompactionModel.Record] {
        var position = offset
        var result: [CompactionModel.Record] = []
        let end = log.endOffset
        while position < end {
            let slice = try log.read(from: position, maxBytes: maxBytes)
            guard slice.nextOffset > position else {
                Issue.record("a read from \(position) made no progress")
                break
            }
            let records = try slice.bytes.withUnsafeBytes { try RecordBatchV2.decode(batchesIn: $0) }
            result += records.filter { $0.offset >= position }.map {
                CompactionModel.Record(offset: $0.offset, timestamp: $0.timestamp, key: $0.key, value: $0.value)
            }
            position = slice.nextOffset
        }
        return result
    }

    /// A short text of how two record lists differ (not kilobytes of dump).
    static func difference(_ actual: [CompactionModel.Record], _ expected: [CompactionModel.Record]) -> String? {
        if actual == expected { return nil }
        let index = zip(actual, expected).enumerated().first { $0.element.0 != $0.element.1 }?.offset
            ?? min(actual.count, expected.count)
        func describe(_ list: [CompactionModel.Record]) -> String {
            guard index < list.count else { return "nothing" }
            let record = list[index]
            return "offset \(record.offset) key \(record.key.map { String(decoding: $0, as: UTF8.self) } ?? "null") "
                + (record.value == nil ? "tombstone" : "value")
        }
        return "\(actual.count) records instead of \(expected.count); at index \(index): \(describe(actual)) "
            + "instead of \(describe(expected))"
    }

    /// Files in `directory` whose names end with `suffix`.
    static func names(in directory: String, suffix: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []).filter { $0.hasSuffix(suffix) }.sorted()
    }

    /// Copies a directory tree.
    static func copy(_ source: String, to destination: String) throws {
        try? FileManager.default.removeItem(atPath: destination)
        try FileManager.default.createDirectory(
            atPath: (destination as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: source, toPath: destination)
    }
}
