import Checksums
import Testing
import TestKit

@testable import Checkpoint

/// Mutants of checkpoint manifests (the checksummed envelope and its JSON):
/// each is refused as `.corrupt` naming the manifest's path, or decodes to
/// a manifest whose every derived value can be read and that survives a
/// write and a read. Half the mutants get a fresh envelope (length and
/// CRC-32C recomputed) so that the JSON and the values behind it are
/// fuzzed, not only the checksum.
@Suite struct ManifestFuzzTests {
    static let iterations = 3_000
    static let seed: UInt64 = 0x5EED_C4EC
    static let path = "/checkpoints/chk-000007/MANIFEST"

    static let keyedState =
        #"{"backend":"rocksdb","files":[{"byteSize":10,"crc32c":1,"isNew":true,"relativePath":"000009.sst"}],"#
        + #""firstKeyGroup":0,"format":"native","formatName":"rocksdb-native","formatVersion":1,"lastKeyGroup":63}"#

    /// The seed corpus: a checkpoint of two steps (a blob, keyed state in
    /// files) and a savepoint of a stateless step.
    static let manifests = [
        CheckpointManifest(
            kind: .checkpoint, jobName: "orders", checkpointID: 7, triggeredAtMs: 1_700_000_000_017,
            maxParallelism: 128, stateBackend: "rocksdb",
            steps: [
                StepSnapshot(
                    stepID: "count", componentName: "counter", pluginName: "window", pluginVersion: "1.2.0",
                    stateVersion: 2, parallelism: 2,
                    instances: [
                        InstanceSnapshot(
                            instance: 0, keyGroups: 0...63, blob: SnapshotFile(path: "steps/count/0.blob", bytes: 3,
                                                                               crc32c: 0xDEAD_BEEF),
                            keyedState: keyedState,
                            keyedStateFiles: [SnapshotFile(path: "steps/count/0-state/000009.sst", bytes: 10, crc32c: 1)]),
                        InstanceSnapshot(instance: 1, keyGroups: 64...127, blob: nil, keyedState: nil, keyedStateFiles: []),
                    ]),
                StepSnapshot(stepID: "sink", componentName: "file", pluginName: "file", pluginVersion: "0.1.0",
                             stateVersion: 1, parallelism: 1, instances: []),
            ]),
        CheckpointManifest(
            kind: .savepoint, jobName: "é\"\\\n", checkpointID: Int64.max, triggeredAtMs: 0, maxParallelism: 1,
            stateBackend: "memory",
            steps: [StepSnapshot(stepID: "a", componentName: "b", pluginName: "c", pluginVersion: "d",
                                 stateVersion: UInt32.max, parallelism: 1,
                                 instances: [InstanceSnapshot(instance: 0, keyGroups: 0...0, blob: nil, keyedState: "",
                                                              keyedStateFiles: [])])]),
    ]

    /// JSON pieces that sit on the edges of the manifest's types.
    static let tokens: [[UInt8]] = [
        "-1", "0", "9223372036854775808", "4294967296", "1e3", "1.5", "null", "true", #""""#, #"".."#, #""/etc/x""#,
        #""keyGroupFirst":"#, #""keyGroupLast":"#, #""maxParallelism":"#, #""parallelism":"#, #""instance":"#,
        #""bytes":"#, #""path":"#, #""formatVersion":"#, #""kind":"savepoint""#, "[]", "{}", ",",
    ].map { Array($0.utf8) }

    /// `body` in a fresh envelope, as `ManifestFile.encode` writes one.
    static func envelope(_ body: [UInt8]) -> [UInt8] {
        var bytes = ManifestFile.magic
        withUnsafeBytes(of: ManifestFile.version.littleEndian) { bytes += $0 }
        withUnsafeBytes(of: UInt64(body.count).littleEndian) { bytes += $0 }
        withUnsafeBytes(of: CRC32C.checksum(body).littleEndian) { bytes += $0 }
        return bytes + body
    }

    /// What is wrong with the outcome of reading `bytes`, if anything.
    static func problem(reading bytes: [UInt8]) -> String? {
        let manifest: CheckpointManifest
        do {
            manifest = try ManifestFile.decode(bytes, path: path)
        } catch {
            guard case .corrupt(path, let message) = error, !message.isEmpty else {
                return "not a corrupt-manifest error naming the file: \(error)"
            }
            return nil
        }
        // Everything a restore reads from a manifest can be read.
        for step in manifest.steps {
            _ = step.hasState
            for instance in step.instances { _ = (instance.keyGroups, instance.files) }
        }
        _ = manifest.files
        do {
            guard try ManifestFile.decode(ManifestFile.encode(manifest), path: path) == manifest else {
                return "a manifest that was read reads back differently once written"
            }
        } catch {
            return "a manifest that was read is refused once written: \(error)"
        }
        return nil
    }

    @Test(.timeLimit(.minutes(10))) func mutantsAreRefusedWithThePathOrReadBack() {
        let seeds = Self.manifests.map { ManifestFile.encode($0) }
        for seed in seeds { #expect(Self.problem(reading: seed) == nil) }
        var fuzzer = MutationFuzzer(
            seed: Self.seed, seeds: seeds, edits: MutationFuzzer.binaryEdits,
            interestingBytes: MutationFuzzer.textBytes, tokens: Self.tokens)
        var read = 0
        var failures: [String] = []
        for iteration in 0..<MutationFuzzer.iterations(Self.iterations) {
            var mutant = fuzzer.next()
            if iteration % 2 == 1 && mutant.count >= ManifestFile.headerBytes {
                mutant = Self.envelope(Array(mutant[ManifestFile.headerBytes...]))
            }
            if let problem = Self.problem(reading: mutant), failures.count < 10 {
                failures.append("seed \(fuzzer.seed) iteration \(iteration): \(problem): \(MutationFuzzer.describe(mutant))")
            }
            if (try? ManifestFile.decode(mutant, path: Self.path)) != nil { read += 1 }
        }
        #expect(failures.isEmpty, "\(failures.joined(separator: "\n"))")
        #expect(read > 0)
    }

    /// The first manifest with `change` applied, written and read back.
    static func reading(_ change: (inout CheckpointManifest) -> Void) throws(CheckpointError) -> CheckpointManifest {
        var manifest = manifests[0]
        change(&manifest)
        return try ManifestFile.decode(ManifestFile.encode(manifest), path: path)
    }

    /// Found by the fuzzer ("keyGroupFirst": 64 → 128): the manifest was
    /// read, and `keyGroups` of that instance trapped ("Range requires
    /// lowerBound <= upperBound").
    @Test func keyGroupsThatAreNotARangeAreRefused() {
        #expect(throws: CheckpointError.self) {
            try Self.reading { $0.steps[0].instances[1].keyGroupFirst = 128 }
        }
        do {
            _ = try Self.reading { $0.steps[0].instances[1].keyGroupLast = 128 }
            Issue.record("a key group past maxParallelism was read")
        } catch {
            #expect("\(error)" == "\(Self.path) is damaged: steps[0] ('count').instances[1]: key groups 64...128 are "
                + "not a range inside 0..<128")
        }
    }

    /// Also checked with that fix: counts below one, instances outside the
    /// step, negative sizes and paths out of the checkpoint's directory.
    @Test func impossibleCountsSizesAndPathsAreRefused() throws {
        let changes: [(String, (inout CheckpointManifest) -> Void)] = [
            ("maxParallelism 0 is below 1", { $0.maxParallelism = 0 }),
            ("parallelism 0 is below 1", { $0.steps[1].parallelism = 0 }),
            ("instance 2 is outside 0..<2", { $0.steps[0].instances[1].instance = 2 }),
            ("has a negative size -3", { $0.steps[0].instances[0].blob?.bytes = -3 }),
            ("'../../etc/passwd' is not a path inside", { $0.steps[0].instances[0].blob?.path = "../../etc/passwd" }),
            ("'/etc/passwd' is not a path inside", { $0.steps[0].instances[0].keyedStateFiles[0].path = "/etc/passwd" }),
        ]
        for (message, change) in changes {
            #expect(throws: CheckpointError.self, "\(message)") { try Self.reading(change) }
            do {
                _ = try Self.reading(change)
            } catch {
                #expect("\(error)".contains(message), "\(error)")
            }
        }
        // A step id may be "..": its files stay inside the directory.
        #expect(try Self.reading { $0.steps[0].instances[0].blob?.path = "steps/../0.blob" }.files.count == 2)
    }
}
