import Core
import Foundation
import PluginHost
import Runtime
import State
import Testing
import TestKit

/// Keyed state and timers through the ABI in real jobs, on both backends:
/// the C fixture-keyed-count counts records per key and window in map state
/// and emits each count from an event-time timer.
@Suite("Keyed state and timers in jobs")
struct KeyedStateJobTests {
    let directory: TemporaryDirectory

    init() throws { directory = try TemporaryDirectory(prefix: "keyed-state") }

    func backend(_ name: String) -> any StateBackend {
        name == "memory" ? MemoryStateBackend() : RocksDBStateBackend(directory: directory.file("rocks-\(UUID().uuidString)"))
    }

    func run(_ yaml: String, backend: any StateBackend) throws -> (JobResult, [String]) {
        let output = directory.file("out-\(UUID().uuidString).jsonl")
        let plan = try makePlan(yaml.replacingOccurrences(of: "OUTPUT", with: output), fixtures: ["event_time"], in: directory)
        var options = RunOptions(workers: 2, deadLetterPath: directory.file("dlq.jsonl"))
        options.stateBackend = backend
        let result = try JobExecution(plan: plan, options: options).run()
        let lines = ((try? String(contentsOfFile: output, encoding: .utf8)) ?? "").split(separator: "\n").map(String.init)
        return (result, lines)
    }

    @Test(arguments: ["memory", "rocksdb"])
    func eventTimeTimersFireInOrderWithTheirState(backend name: String) throws {
        // Keys a, b, c cycle over timestamps 0..59 one ms apart, out of
        // order by up to 3 ms; windows of 10 ms; parallelism 2 behind key_by.
        var random = SeededRandom(seed: 3)
        let stamps = (0..<60).map { Int64($0) + Int64.random(in: 0...3, using: &random) }
        let (result, lines) = try run("""
            name: keyed-count
            parallelism: 2
            pipeline:
              - id: src
                source: fixture-ts-source
                parallelism: 1
                config: {timestamps: "\(stamps.map(String.init).joined(separator: ","))", keys: "a,b,c", per_poll: 4}
                watermarks: {strategy: bounded_out_of_orderness, max_out_of_orderness_ms: 3}
              - {id: by, key_by: $key}
              - {id: count, operator: fixture-keyed-count, config: {window_ms: 10}}
              - {id: out, sink: file, parallelism: 1, config: {path: "OUTPUT"}}
            """, backend: backend(name))
        #expect(result.failure == nil, "\(String(describing: result.failure))")
        #expect(result.rejectedRecords == 0)
        var expected: [String: Int] = [:]
        for (index, stamp) in stamps.enumerated() {
            let key = ["a", "b", "c"][index % 3]
            expected["{\"key\":\"\(key)\",\"end\":\((stamp / 10 + 1) * 10),", default: 0] += 1
        }
        let got = Dictionary(uniqueKeysWithValues: lines.map { line -> (String, Int) in
            let cut = line.range(of: "\"count\":")!
            return (String(line[..<cut.lowerBound]), Int(line[cut.upperBound...].dropLast())!)
        })
        #expect(got == expected)
        // Per key, windows come out in time order.
        for key in ["a", "b", "c"] {
            let ends = lines.filter { $0.contains("\"key\":\"\(key)\"") }.map { line in
                Int(line.split(separator: ",")[1].dropFirst("\"end\":".count))!
            }
            #expect(ends == ends.sorted(), "\(key): \(ends)")
        }
    }

    @Test func processingTimeTimersFire() throws {
        let (result, lines) = try run("""
            name: processing-timers
            pipeline:
              - id: src
                source: fixture-ts-source
                config: {timestamps: "1,2,3", keys: "x,y,x", idle_ms: 400}
              - {id: count, operator: fixture-keyed-count, config: {window_ms: 1000000, processing_ms: 50}}
              - {id: out, sink: file, config: {path: "OUTPUT"}}
            """, backend: MemoryStateBackend())
        #expect(result.failure == nil)
        // One processing-time timer per key (registered on its first record),
        // fired while the source idles; then the event-time windows at the end.
        #expect(lines.filter { $0.contains("\"fired\":\"processing\"") }.sorted() == [
            #"{"key":"x","fired":"processing"}"#, #"{"key":"y","fired":"processing"}"#,
        ])
        #expect(lines.filter { $0.contains("\"count\"") }.count == 2)
    }

    @Test func theMemoryBackendPastItsBoundFailsTheJobNamingTheState() throws {
        let output = directory.file("bound.jsonl")
        let plan = try makePlan("""
            name: bounded
            state: {backend: memory, memory_bytes_max: 65536}
            pipeline:
              - {id: gen, source: datagen, config: {count: 200000, key: order_id}}
              - {id: count, operator: fixture-keyed-count, config: {window_ms: 1000000000}}
              - {id: out, sink: file, config: {path: "\(output)"}}
            """, fixtures: ["event_time"], in: directory)
        var options = RunOptions(workers: 2, deadLetterPath: directory.file("dlq.jsonl"))
        options.stateBackend = MemoryStateBackend(memoryBytesMax: plan.spec.state.memoryBytesMax)
        let result = try JobExecution(plan: plan, options: options).run()
        let failure = try #require(result.failure)
        let message = "\(failure)"
        #expect(message.contains("state 'counts'"), "\(message)")
        #expect(message.contains("65536"))
        #expect(message.contains("rocksdb"))
        #expect(message.contains("step 'count' instance 0"))
    }

    @Test func stateCallsOutsideKeyGroupsAndWithoutRegistrationAreRefused() throws {
        // A keyed-count at parallelism 2 fed round-robin (no key_by): some
        // keys land on an instance that does not own their key group.
        let (result, _) = try run("""
            name: unkeyed
            parallelism: 2
            pipeline:
              - {id: src, source: fixture-ts-source, parallelism: 1, config: {timestamps: "1,2,3,4,5,6,7,8", keys: "a,b,c,d,e,f,g,h"}}
              - {id: count, operator: fixture-keyed-count}
              - {id: out, sink: blackhole, parallelism: 1}
            """, backend: MemoryStateBackend())
        let failure = try #require(result.failure)
        #expect("\(failure)".contains("which this instance does not own"), "\(failure)")
        #expect("\(failure)".contains("keyed state needs records that came through key_by"))
    }
}
