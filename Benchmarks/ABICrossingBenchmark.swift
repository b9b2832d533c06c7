import Core
import PluginHost
import StreamhostABI

/// Benchmark 2: what crossing the plugin ABI costs, outside the runtime.
///
/// One prebuilt batch of 1024 records (100-byte JSON values, null keys,
/// like datagen's) is handed to C operators through
/// `ComponentInstance.process`, the call the runtime makes, over and over:
///
/// - `abi.c.empty`: process returns at once; the bare per-call cost
///   (the host's wrapper, the `sh_batch` it fills, the indirect call).
/// - `abi.c.sum` against `abi.swift.sum`: the C operator sums the value
///   lengths from the offsets column; the Swift loop does the same over the
///   same batch through `withColumns`. Their difference is the boundary
///   cost per record plus whatever the two compilers do differently with
///   the loop, so `abi.c.sum.direct` calls the same C loop without the
///   host (a plain C function pointer) to tell the two apart.
/// - `abi.c.emit_each` against `abi.c.emit_batch`: the operator re-emits
///   every record with `host->emit`, or the whole batch with one
///   `host->emit_batch`; after each call the output is taken as the runtime
///   takes it (`takeOutput`). `abi.swift.append_each` and
///   `abi.swift.append_batch` do the same appends into a fresh
///   `RecordBatch` without crossing the ABI; `abi.swift.append_each.presized`
///   starts that batch with room for all its value bytes, which shows what
///   growing the output's value buffer costs.
///
/// - `abi.host.emit` against `abi.host.emit.unchecked`: host->emit called
///   from Swift inside a callback, through the host table (which checks
///   ABI rule 8 first: one thread-local load and compare) and through a
///   function pointer to the same emit without the check; their
///   difference is what the check costs per emit.
///
/// Instances are created and opened outside the timed loop; every case
/// checks its result (sums, emitted counts) after the loop.
struct ABICrossingBenchmark {
    let environment: BenchmarkEnvironment
    /// process calls per repetition for the cases that only read the batch.
    let readCalls: Int
    /// process calls per repetition for the cases that emit.
    let emitCalls: Int

    static let batchRecords = 1024
    static let valueSize = 100
    /// The value-buffer capacity `InstanceContext` starts each output batch
    /// with (RecordBatch's own default).
    static let outputValueCapacity = 64 * 1024

    /// 1024 records of exactly 100-byte JSON values, null keys.
    static func makeBatch() -> RecordBatch {
        let batch = RecordBatch(recordCapacity: batchRecords, valueBytesCapacity: batchRecords * valueSize)
        for index in 0..<batchRecords {
            var text = "{\"order_id\":\(index),\"customer_id\":\(1 + index % 1000),\"pad\":\""
            text += String(repeating: "x", count: valueSize - text.utf8.count - 2) + "\"}"
            precondition(text.utf8.count == valueSize)
            Array(text.utf8).withUnsafeBytes { value in
                batch.append(timestamp: 1_767_225_600_000 + Int64(index), key: nil, value: value)
            }
        }
        batch.seal()
        return batch
    }

    private func instance(_ name: String) throws -> ComponentInstance {
        guard let component = environment.registry.component(.operator, named: name) else {
            throw BenchmarkError(description: "the benchmark plugin has no operator '\(name)'")
        }
        let context = InstanceContext(
            jobName: "bench-abi", stepID: name, instance: 0, kind: .operator, componentName: name,
            config: .object(JSONObject()), batchRecordsMax: Self.batchRecords, batchBytesMax: 1 << 20)
        let instance = try ComponentInstance(component: component, context: context)
        try instance.open(instance: 0, parallelism: 1, maxParallelism: 128, keyGroups: 0...127, inputCount: 1)
        return instance
    }

    func cases() -> [BenchmarkCase] {
        let batch = Self.makeBatch()
        let valueBytes = batch.valueBytesCount
        let records = Self.batchRecords
        let readCalls = self.readCalls
        let emitCalls = self.emitCalls
        let input = "1 batch x \(records) records, \(Self.valueSize)-byte JSON values, null keys"

        var cases: [BenchmarkCase] = []

        cases.append(BenchmarkCase(
            name: "abi.c.empty", input: "\(input); C process returns at once",
            records: readCalls * records, calls: readCalls
        ) {
            let instance = try self.instance("bench_empty")
            defer { instance.destroy() }
            return try Sample.measure {
                for _ in 0..<readCalls { try instance.process(batch, input: 0) }
            }
        })

        cases.append(BenchmarkCase(
            name: "abi.c.sum", input: "\(input); C process sums value lengths",
            records: readCalls * records, calls: readCalls
        ) {
            let instance = try self.instance("bench_sum_lengths")
            defer { instance.destroy() }
            let sample = try Sample.measure {
                for _ in 0..<readCalls { try instance.process(batch, input: 0) }
            }
            try instance.close()
            let context = instance.context
            let sum = context.counterNames.firstIndex(of: "value_bytes").map { context.counterValues[$0] }
            guard sum == Int64(readCalls * valueBytes) else {
                throw BenchmarkError(description: "abi.c.sum: the C operator summed \(sum.map(String.init) ?? "nothing"), "
                    + "expected \(readCalls * valueBytes)")
            }
            return sample
        })

        let direct = environment.sumValueLengthsDirect
        cases.append(BenchmarkCase(
            name: "abi.c.sum.direct",
            input: "\(input); the same C loop called directly through a function pointer, no host",
            records: readCalls * records, calls: readCalls
        ) {
            var total: UInt64 = 0
            let sample = batch.withColumns { columns in
                var raw = sh_batch(columns)
                return Sample.measure {
                    for _ in 0..<readCalls { total &+= direct(&raw) }
                }
            }
            guard total == UInt64(readCalls * valueBytes) else {
                throw BenchmarkError(description: "abi.c.sum.direct: summed \(total), expected \(readCalls * valueBytes)")
            }
            return sample
        })

        cases.append(BenchmarkCase(
            name: "abi.swift.sum", input: "\(input); Swift loop over withColumns sums value lengths",
            records: readCalls * records, calls: readCalls
        ) {
            var total: UInt64 = 0
            let sample = Sample.measure {
                for _ in 0..<readCalls { total &+= sumValueLengths(opaque(batch)) }
            }
            guard total == UInt64(readCalls * valueBytes) else {
                throw BenchmarkError(description: "abi.swift.sum: summed \(total), expected \(readCalls * valueBytes)")
            }
            return sample
        })

        for (name, component, how) in [
            ("abi.c.emit_batch", "bench_passthrough", "C process forwards the batch with one emit_batch"),
            ("abi.c.emit_each", "bench_emit_each", "C process re-emits each record with emit"),
        ] {
            cases.append(BenchmarkCase(
                name: name, input: "\(input); \(how); output taken after each call",
                records: emitCalls * records, calls: emitCalls
            ) {
                let instance = try self.instance(component)
                defer { instance.destroy() }
                let context = instance.context
                var taken = 0
                let sample = try Sample.measure {
                    for _ in 0..<emitCalls {
                        try instance.process(batch, input: 0)
                        for output in context.takeOutput() { taken += output.count }
                    }
                }
                guard taken == emitCalls * records, context.emittedCount == emitCalls * records else {
                    throw BenchmarkError(description: "\(name): took \(taken) records, emitted "
                        + "\(context.emittedCount), expected \(emitCalls * records)")
                }
                return sample
            })
        }

        // The thread-rule check of every host call valid only inside a
        // callback: host->emit from the callback's thread, with the check
        // (the table's emit) and without it (the same body, also through
        // a C function pointer), 100-byte values, output taken per batch.
        for (name, emitFunction, how) in [
            ("abi.host.emit", HostAPI.table.pointee.emit!, "the host table's emit (thread-rule check, then append)"),
            ("abi.host.emit.unchecked", HostAPI.emitWithoutThreadCheck, "the same emit without the thread-rule check"),
        ] {
            cases.append(BenchmarkCase(
                name: name, input: "\(records) x host->emit of a 100-byte value per call, from Swift inside a callback; "
                    + "\(how); output taken after each call",
                records: emitCalls * records, calls: emitCalls
            ) {
                let context = InstanceContext(
                    jobName: "bench-abi", stepID: name, instance: 0, kind: .operator, componentName: name,
                    config: .object(JSONObject()), batchRecordsMax: records, batchBytesMax: 1 << 20)
                let emit = opaque(emitFunction)
                let value = [UInt8](repeating: UInt8(ascii: "x"), count: Self.valueSize)
                var taken = 0
                var failed = 0
                let sample = value.withUnsafeBufferPointer { buffer in
                    var record = sh_record(timestamp: 1, key: nil, key_len: 0, value: buffer.baseAddress,
                                           value_len: buffer.count)
                    return context.runCallback {
                        Sample.measure {
                            for _ in 0..<emitCalls {
                                for _ in 0..<records where emit(context.opaque, &record) != Status.ok { failed += 1 }
                                for output in context.takeOutput() { taken += output.count }
                            }
                        }
                    }
                }
                guard failed == 0, taken == emitCalls * records else {
                    throw BenchmarkError(description: "\(name): \(failed) emits failed, took \(taken), expected "
                        + "\(emitCalls * records)")
                }
                return sample
            })
        }

        for (name, capacity, each, how) in [
            ("abi.swift.append_batch", Self.outputValueCapacity, false,
             "Swift append(contentsOf:) into a fresh RecordBatch (64 KiB value buffer)"),
            ("abi.swift.append_each", Self.outputValueCapacity, true,
             "Swift append per record into a fresh RecordBatch (64 KiB value buffer)"),
            ("abi.swift.append_each.presized", valueBytes, true,
             "Swift append per record into a fresh RecordBatch sized for the batch's \(valueBytes) value bytes"),
        ] {
            cases.append(BenchmarkCase(
                name: name, input: "\(input); \(how)", records: emitCalls * records, calls: emitCalls
            ) {
                var taken = 0
                let sample = Sample.measure {
                    var current = RecordBatch(recordCapacity: records, valueBytesCapacity: capacity)
                    for _ in 0..<emitCalls {
                        let source = opaque(batch)
                        if each {
                            for index in 0..<source.count { current.append(recordAt: index, of: source) }
                        } else {
                            current.append(contentsOf: source)
                        }
                        // As InstanceContext seals a batch: the next one is
                        // allocated before the sealed one is freed. The
                        // order matters to malloc (see docs/BENCHMARKS.md).
                        current.seal()
                        let sealed = current
                        current = RecordBatch(recordCapacity: records, valueBytesCapacity: capacity)
                        taken += opaque(sealed).count
                    }
                }
                guard taken == emitCalls * records else {
                    throw BenchmarkError(description: "\(name): appended \(taken), expected \(emitCalls * records)")
                }
                return sample
            })
        }
        return cases
    }

    /// Runs the cases and prints the boundary costs derived from them.
    func run(options: BenchmarkOptions, report: Report) throws {
        print("== Benchmark 2: ABI crossing cost ==")
        print("load average  \(Machine.loadAverage()) (at start)")
        print("")
        let measurements = try measureInterleaved(cases(), repetitions: options.repetitions, warmups: options.warmups)
        for measurement in measurements { report.block(measurement) }
        let byName = Dictionary(uniqueKeysWithValues: measurements.map { ($0.benchmark.name, $0) })
        func nsPerRecord(_ name: String) -> Double { byName[name]!.nanosecondsPerRecord }

        if let empty = byName["abi.c.empty"], let perCall = empty.nanosecondsPerCall {
            report.derived("boundary cost per process call (abi.c.empty)",
                "\(Format.fixed(perCall, 1)) ns/call = \(Format.fixed(perCall / Double(Self.batchRecords), 3)) "
                + "ns/record at \(Self.batchRecords) records per batch")
        }
        let sumDifference = nsPerRecord("abi.c.sum") - nsPerRecord("abi.swift.sum")
        report.derived("abi.c.sum - abi.swift.sum",
            "\(Format.fixed(sumDifference, 3)) ns/record (ratio \(Format.fixed(nsPerRecord("abi.c.sum") / nsPerRecord("abi.swift.sum"), 2)))")
        report.derived("abi.c.sum - abi.c.sum.direct",
            "\(Format.fixed(nsPerRecord("abi.c.sum") - nsPerRecord("abi.c.sum.direct"), 3)) ns/record "
            + "(the host between caller and loop)")
        report.derived("abi.c.sum.direct - abi.swift.sum",
            "\(Format.fixed(nsPerRecord("abi.c.sum.direct") - nsPerRecord("abi.swift.sum"), 3)) ns/record "
            + "(the same loop from cc -O2 and from swiftc -O)")
        let emitDifference = nsPerRecord("abi.c.emit_each") - nsPerRecord("abi.c.emit_batch")
        report.derived("abi.c.emit_each - abi.c.emit_batch",
            "\(Format.fixed(emitDifference, 2)) ns/record (ratio \(Format.fixed(nsPerRecord("abi.c.emit_each") / nsPerRecord("abi.c.emit_batch"), 2)))")
        report.derived("abi.c.emit_each - abi.swift.append_each",
            "\(Format.fixed(nsPerRecord("abi.c.emit_each") - nsPerRecord("abi.swift.append_each"), 2)) ns/record "
            + "(host->emit per record beyond RecordBatch.append)")
        report.derived("abi.c.emit_batch - abi.swift.append_batch",
            "\(Format.fixed(nsPerRecord("abi.c.emit_batch") - nsPerRecord("abi.swift.append_batch"), 3)) ns/record "
            + "(process + emit_batch + takeOutput beyond RecordBatch.append(contentsOf:))")
        report.derived("abi.host.emit - abi.host.emit.unchecked",
            "\(Format.fixed(nsPerRecord("abi.host.emit") - nsPerRecord("abi.host.emit.unchecked"), 3)) ns/emit "
            + "(the thread-rule check)")
        report.derived("abi.swift.append_each - abi.swift.append_each.presized",
            "\(Format.fixed(nsPerRecord("abi.swift.append_each") - nsPerRecord("abi.swift.append_each.presized"), 3)) "
            + "ns/record (growing a 64 KiB value buffer to fit ~100 KiB)")
        print("")
        report.table(measurements)
    }
}

/// Sums the value lengths of a batch: the Swift twin of bench_sum_lengths.
@inline(never)
func sumValueLengths(_ batch: RecordBatch) -> UInt64 {
    batch.withColumns { columns in
        let offsets = columns.valueOffsets
        var sum: UInt64 = 0
        for index in 0..<columns.count {
            sum &+= UInt64(offsets[index + 1] &- offsets[index])
        }
        return sum
    }
}

/// Returns its argument through a function the optimizer cannot see into,
/// so work on the result is not hoisted out of a timed loop.
@inline(never) @_optimize(none)
func opaque<T>(_ value: T) -> T { value }
