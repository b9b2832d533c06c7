import Foundation
import StreamhostKit
import Testing

/// The vtable thunks: statuses, errors at the boundary, ownership.
@Suite struct ComponentThunkTests {
    var echo: UnsafePointer<sh_component> { component(testDescriptor, SH_KIND_OPERATOR, "echo")! }
    var scripted: UnsafePointer<sh_component> { component(testDescriptor, SH_KIND_SOURCE, "scripted")! }
    var lifecycle: UnsafePointer<sh_component> { component(testDescriptor, SH_KIND_SINK, "lifecycle")! }

    @Test func createErrorBecomesSHErrorWithTheMessage() {
        let harness = Harness(echo, config: ["mode": .string("refuse")])
        #expect(harness.create() == SH_ERROR)
        #expect(harness.instance == nil)
        #expect(harness.fake.errors == ["echo: refused on purpose"])
    }

    @Test func missingRequiredConfigNamesTheKey() {
        let harness = Harness(scripted)
        #expect(harness.create() == SH_ERROR)
        #expect(harness.lastError == "config key 'count' is required but absent: add it to the step's config")
    }

    @Test func wrongConfigTypeNamesTheKeyAndType() {
        let harness = Harness(scripted, config: ["count": .string("ten")])
        #expect(harness.create() == SH_ERROR)
        #expect(harness.lastError == "config key 'count' must be an integer")
    }

    @Test func processErrorBecomesSHError() {
        let harness = Harness(echo, config: ["mode": .string("throw")])
        #expect(harness.create() == SH_OK)
        #expect(harness.open() == SH_OK)
        #expect(harness.process([SeenRecord(value: "x")]) == SH_ERROR)
        #expect(harness.fake.errors == ["echo: process failed on purpose"])
    }

    @Test func failedHostCallBecomesSHErrorWithTheHostsMessage() {
        let harness = Harness(echo)
        #expect(harness.create() == SH_OK)
        harness.fake.emitStatus = sh_status(SH_CLOSED)
        harness.fake.hostError = "emit after close"
        #expect(harness.process([SeenRecord(value: "x")]) == SH_ERROR)
        #expect(harness.lastError == "host call emit failed with SH_CLOSED: emit after close")
    }

    @Test func closeErrorBecomesSHError() {
        let harness = Harness(lifecycle, config: ["token": .string("fail-close-1")])
        #expect(harness.create() == SH_OK)
        #expect(harness.open() == SH_OK)
        #expect(harness.close() == SH_ERROR)
        #expect(harness.lastError == "lifecycle: close failed for fail-close-1")
    }

    @Test func pollStatusesMapToTheHeader() {
        let harness = Harness(scripted, config: ["count": .int(5), "idle_every": .int(2)])
        #expect(harness.create() == SH_OK)
        #expect(harness.open(instance: 1, parallelism: 3) == SH_OK)
        var statuses: [sh_status] = []
        for _ in 0..<10 {
            let status = harness.poll(max: 10)
            statuses.append(status)
            if status == SH_END { break }
        }
        #expect(statuses == [SH_OK, SH_IDLE, SH_OK, SH_IDLE, SH_OK, SH_END].map { sh_status($0) })
        #expect(harness.fake.wakeups == 2)
        #expect(harness.fake.emittedValues == ["0", "1", "2", "3", "4"])
        #expect(harness.fake.emitted.map(\.keyText) == ["k0", "k1", "k2", "k3", "k4"])
        #expect(harness.fake.emitted.map(\.timestamp) == [0, 1, 2, 3, 4])
        #expect(harness.fake.counterNames == ["emitted"])
        #expect(harness.fake.counterValues == [5])
        #expect(harness.fake.logs.map(\.message) == ["opened step-1 1/3"])
        #expect(harness.fake.logs.first?.level == SH_LOG_DEBUG)
    }

    @Test func openGetsTheTaskInfo() {
        let harness = Harness(scripted, config: ["count": .int(1)])
        #expect(harness.create() == SH_OK)
        #expect(harness.open(instance: 2, parallelism: 4) == SH_OK)
        // The source logs what it got and refuses a wrong job name.
        #expect(harness.fake.logs.map(\.message) == ["opened step-2 2/4"])
    }

    @Test func snapshotAllocatesWithTheHostAndRestoreReadsItBack() throws {
        let first = Harness(scripted, config: ["count": .int(10)])
        #expect(first.create() == SH_OK)
        var blob = sh_blob(data: UnsafeMutablePointer(bitPattern: 1), len: 99)
        #expect(first.vtable.snapshot!(first.instance, first.fake.raw, 1, &blob) == SH_OK)
        #expect(blob.data == nil)  // no state yet: "no state"
        #expect(first.open() == SH_OK)
        #expect(first.poll(max: 3) == SH_OK)
        #expect(first.vtable.snapshot!(first.instance, first.fake.raw, 2, &blob) == SH_OK)
        let data = try #require(blob.data)
        #expect(blob.len == 8)
        defer { free(data) }  // OWNED by the host: allocated with host->alloc (malloc here)

        let second = Harness(scripted, config: ["count": .int(10)])
        #expect(second.create() == SH_OK)
        #expect(second.vtable.restore!(second.instance, second.fake.raw, 1, data, blob.len) == SH_OK)
        #expect(second.open() == SH_OK)
        #expect(second.poll(max: 100) == SH_OK)
        #expect(second.fake.emittedValues == ["3", "4", "5", "6", "7", "8", "9"])

        #expect(second.vtable.restore!(second.instance, second.fake.raw, 1, data, 3) == SH_ERROR)
        #expect(second.lastError == "scripted: state of 3 bytes, expected 8")
        #expect(second.vtable.snapshot!(second.instance, second.fake.raw, -1, &blob) == SH_ERROR)
        #expect(second.lastError == "scripted: negative checkpoint -1")
    }

    @Test func destroyReleasesTheInstanceOnceAndAcceptsNull() {
        let token = "lifecycle-\(UInt64.random(in: 0...UInt64.max))"
        let harness = Harness(lifecycle, config: ["token": .string(token)])
        #expect(harness.create() == SH_OK)
        #expect(harness.open() == SH_OK)
        for _ in 0..<1000 { #expect(harness.process([SeenRecord(value: "x")]) == SH_OK) }
        #expect(harness.close() == SH_OK)
        // No callback released the instance: it lives until destroy.
        #expect(LifecycleSink.deinitCount(token) == 0)
        harness.destroy()
        #expect(LifecycleSink.deinitCount(token) == 1)
        harness.vtable.destroy!(nil)
    }

    @Test func destroyWithoutCloseStillReleases() {
        let token = "lifecycle-\(UInt64.random(in: 0...UInt64.max))"
        let harness = Harness(lifecycle, config: ["token": .string(token)])
        #expect(harness.create() == SH_OK)
        harness.destroy()
        #expect(LifecycleSink.deinitCount(token) == 1)
    }

    @Test func nullArgumentsAreRefusedWithoutCrashing() {
        let harness = Harness(echo)
        #expect(harness.create() == SH_OK)
        #expect(harness.vtable.process!(harness.instance, harness.fake.raw, nil) == SH_INVALID)
        #expect(harness.vtable.process!(nil, harness.fake.raw, nil) == SH_INVALID)
        var out: UnsafeMutableRawPointer? = nil
        #expect(harness.vtable.create!(nil, nil, 0, &out) == SH_INVALID)
    }
}
