import Foundation
import Log
import Logging
import Synchronization
import TestKit

/// Log lines captured from a `Logger`, for tests that check what recovery
/// reported.
final class LogCapture: Sendable {
    private let lines = Mutex<[(level: Logger.Level, text: String)]>([])

    var logger: Logger {
        Logger(label: "test.log") { _ in CapturingLogHandler(capture: self) }
    }

    func append(_ level: Logger.Level, _ text: String) {
        lines.withLock { $0.append((level, text)) }
    }

    /// Every captured line at `level` or above, as "level: text".
    func messages(atLeast level: Logger.Level = .trace) -> [String] {
        lines.withLock { $0.filter { $0.level >= level }.map { "\($0.level): \($0.text)" } }
    }

    func clear() { lines.withLock { $0.removeAll() } }
}

struct CapturingLogHandler: LogHandler {
    let capture: LogCapture
    var metadata: Logger.Metadata = [:]
    var metadataProvider: Logger.MetadataProvider?
    var logLevel: Logger.Level = .trace

    func log(event: LogEvent) {
        capture.append(event.level, event.message.description)
    }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }
}


enum StorageFixtures {
    /// A RecordBatch v2 of `count` records with `valueBytes`-byte values,
    /// timestamps `timestamp`, `timestamp + 1`, …
    static func batch(records count: Int = 1, valueBytes: Int = 16, timestamp: Int64 = 1_000, fill: UInt8 = 0x61) -> [UInt8] {
        let records = (0 ..< count).map { index in
            LogRecord(
                timestamp: timestamp + Int64(index), key: Array("k\(index)".utf8),
                value: [UInt8](repeating: fill &+ UInt8(truncatingIfNeeded: index), count: valueBytes))
        }
        return try! RecordBatchV2.encode(records, baseOffset: 0)
    }

    /// A config from Kafka-style properties; the test fails loudly on a typo.
    static func config(_ properties: [String: String]) -> TopicConfig {
        do {
            return try TopicConfig(properties)
        } catch {
            fatalError("bad test config: \(error)")
        }
    }

    /// The batches of a slice, split at their lengths.
    static func batches(in bytes: [UInt8]) -> [[UInt8]] {
        var result: [[UInt8]] = []
        var cursor = 0
        while cursor + 12 <= bytes.count {
            let length = Int(bytes[cursor + 8]) << 24 | Int(bytes[cursor + 9]) << 16
                | Int(bytes[cursor + 10]) << 8 | Int(bytes[cursor + 11])
            result.append(Array(bytes[cursor ..< cursor + 12 + length]))
            cursor += 12 + length
        }
        return result
    }

    /// nil when the byte strings are equal, else where they first differ
    /// (a short text, so a failed expectation does not print kilobytes).
    static func difference(_ actual: [UInt8], _ expected: [UInt8]) -> String? {
        if actual == expected { return nil }
        let common = min(actual.count, expected.count)
        let index = (0 ..< common).first { actual[$0] != expected[$0] } ?? common
        return "\(actual.count) bytes differ from the expected \(expected.count) bytes at byte \(index)"
    }

    /// The base offset stored in a batch's first 8 bytes.
    static func baseOffset(of batch: [UInt8]) -> Int64 {
        batch[0 ..< 8].reduce(0) { $0 << 8 | Int64($1) }
    }

    /// The segment files of a partition directory with the given suffix, sorted.
    static func files(in directory: String, suffix: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? [])
            .filter { $0.hasSuffix(suffix) }.sorted().map { directory + "/" + $0 }
    }

    static func fileSize(_ path: String) -> Int {
        ((try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? NSNumber)?.intValue ?? -1
    }

    static func truncateFile(_ path: String, to size: Int) {
        precondition(truncate(path, off_t(size)) == 0, "truncate \(path) failed")
    }

    static func appendBytes(_ bytes: [UInt8], to path: String) {
        let handle = FileHandle(forWritingAtPath: path)!
        handle.seekToEndOfFile()
        handle.write(Data(bytes))
        try! handle.close()
    }

    /// Flips every bit of the byte at `position`.
    static func flipByte(in path: String, at position: Int) {
        var data = try! Data(contentsOf: URL(fileURLWithPath: path))
        data[position] ^= 0xFF
        try! data.write(to: URL(fileURLWithPath: path))
    }
}
