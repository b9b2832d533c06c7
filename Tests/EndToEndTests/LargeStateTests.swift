import Foundation
import Testing
import TestKit

/// State larger than a memory backend would hold comfortably, on RocksDB,
/// through the CLI: 10 million distinct keys under a stated RSS bound.
@Suite("Large state")
struct LargeStateTests {
    /// The bound README states for this run; the peak measured is written
    /// in docs/BENCHMARKS.md.
    static let rssBoundMiB = 1024

    @Test func tenMillionKeysOnRocksDBStayUnderTheRSSBound() throws {
        let directory = try TemporaryDirectory(prefix: "large-state")
        let job = try directory.write("large.yaml", """
            name: large-state
            state: {backend: rocksdb}
            pipeline:
              - {id: gen, source: datagen, config: {count: 10000000, seed: 9, key: order_id, schema: bytes, value_size: 16}}
              - {id: by, key_by: $key}
              - {id: once, operator: dedup, config: {ttl_ms: 86400000, time: processing}}
              - {id: out, sink: blackhole}
            """)
        let outcome = try CLI.run(["run", job, "--data-dir", directory.file("data")], in: directory.path,
                                  timeoutSeconds: 1800)
        #expect(outcome.status == 0, "\(outcome.standardError)")
        // Every key is new: all 10M records pass dedup, so the state held 10M keys.
        #expect(outcome.standardError.contains("10000000 records in, 10000000 into sinks, 0 rejected"),
                "\(outcome.standardError.suffix(400))")
        #expect(outcome.maxResidentKiB < Self.rssBoundMiB * 1024, "peak RSS \(outcome.maxResidentKiB) KiB")
        // The run's RocksDB files are removed when it ends.
        let stateDirectory = directory.file("data/state/large-state")
        let left = (try? FileManager.default.contentsOfDirectory(atPath: stateDirectory)) ?? []
        #expect(left.isEmpty, "left behind: \(left)")
    }
}
