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
        #expect(second.vtable.restore!(second.instance, second.fake.raw, 2, data, blob.len) == SH_OK)
        #expect(second.open() == SH_OK)
        #expect(second.poll(max: 100) == SH_OK)
        #expect(second.fake.emittedValues == ["3", "4", "5", "6", "7", "8", "9"])

        #expect(second.vtable.restore!(second.instance, second.fake.raw, 2, data, 3) == SH_ERROR)
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
        #expect(harness.vtable.create!(nil, echo, nil, 0, &out) == SH_INVALID)
        var blob = sh_blob(data: nil, len: 0)
        let migrate = scripted.pointee.vtable.pointee.migrate!
        #expect(migrate(harness.fake.raw, scripted, nil, &blob) == SH_INVALID)
        #expect(migrate(nil, scripted, nil, nil) == SH_INVALID)
    }

    // MARK: One create for every component

    @Test func createFindsTheSwiftTypeFromTheComponentPointer() throws {
        // One C function, taken from the echo operator's vtable, creates a
        // sink and an operator of this plugin: the component pointer alone
        // says which Swift type to make.
        let create = try #require(echo.pointee.vtable.pointee.create)
        #expect(unsafeBitCast(create, to: UInt.self) == unsafeBitCast(lifecycle.pointee.vtable.pointee.create!, to: UInt.self))

        let token = "lifecycle-\(UInt64.random(in: 0...UInt64.max))"
        let sinkFake = FakeContext(config: ["token": .string(token)])
        var sink: UnsafeMutableRawPointer?
        var sinkConfig = sinkFake.configJSON()
        let sinkStatus = sinkConfig.withUTF8 { text in
            text.withMemoryRebound(to: CChar.self) { create(sinkFake.raw, lifecycle, $0.baseAddress, $0.count, &sink) }
        }
        #expect(sinkStatus == SH_OK, "\(sinkFake.errors)")
        // Only a LifecycleSink counts its deinit under this token.
        lifecycle.pointee.vtable.pointee.destroy!(sink)
        #expect(LifecycleSink.deinitCount(token) == 1)

        let echoFake = FakeContext(config: ["mode": .string("describe")])
        var operatorInstance: UnsafeMutableRawPointer?
        var echoConfig = echoFake.configJSON()
        let echoStatus = echoConfig.withUTF8 { text in
            text.withMemoryRebound(to: CChar.self) {
                create(echoFake.raw, echo, $0.baseAddress, $0.count, &operatorInstance)
            }
        }
        #expect(echoStatus == SH_OK)
        defer { echo.pointee.vtable.pointee.destroy!(operatorInstance) }
        let status = withBatch([SeenRecord(key: "k", value: "v")], input: 1) {
            echo.pointee.vtable.pointee.process!(operatorInstance, echoFake.raw, $0)
        }
        #expect(status == SH_OK)
        #expect(echoFake.emittedValues == ["1 key=k value=v"])
    }

    @Test func createRefusesAComponentTheKitDidNotBuild() throws {
        // Another plugin's component: its vtable's create is not the kit's.
        var otherTable = echo.pointee.vtable.pointee
        otherTable.create = { _, _, _, _, _ in sh_status(SH_ERROR) }
        var other = echo.pointee
        let harness = Harness(echo)
        var out: UnsafeMutableRawPointer?
        let foreign = withUnsafePointer(to: &otherTable) { table in
            other.vtable = table
            return withUnsafePointer(to: &other) { harness.vtable.create!(harness.fake.raw, $0, "{}", 2, &out) }
        }
        #expect(foreign == SH_INVALID)
        #expect(out == nil)
        #expect(harness.lastError.hasPrefix("StreamhostKit: create was called with a component that is not in this plugin's descriptor"))

        // A copy of one of its own components (the host must pass the
        // descriptor's pointer): the memory behind the copy is not the kit's.
        let copy = UnsafeMutableRawPointer.allocate(byteCount: 4 * MemoryLayout<sh_component>.stride, alignment: 16)
        defer { copy.deallocate() }
        copy.initializeMemory(as: UInt8.self, repeating: 0, count: 4 * MemoryLayout<sh_component>.stride)
        let copied = copy.bindMemory(to: sh_component.self, capacity: 1)
        copied.pointee = echo.pointee
        #expect(harness.vtable.create!(harness.fake.raw, copied, "{}", 2, &out) == SH_INVALID)
        #expect(harness.vtable.create!(harness.fake.raw, nil, "{}", 2, &out) == SH_INVALID)
        var blob = sh_blob(data: nil, len: 0)
        var migration = sh_migration()
        migration.struct_size = UInt32(MemoryLayout<sh_migration>.size)
        #expect(scripted.pointee.vtable.pointee.migrate!(harness.fake.raw, copied, &migration, &blob) == SH_INVALID)
        #expect(harness.lastError.hasPrefix("StreamhostKit: migrate was called with a component that is not"))
        #expect(out == nil && blob.data == nil)
    }

    // MARK: migrate

    @Test func aComponentThatIsNotMigratingHasNoMigrateAndTheKitsMigrateRefusesIt() {
        // No migrate in echo's vtable: the host's default (refuse every
        // version change, naming the component) applies.
        #expect(echo.pointee.vtable.pointee.migrate == nil)
        // The kit's migrate, reached through another component's vtable,
        // refuses echo instead of guessing.
        let harness = Harness(echo)
        var migration = sh_migration()
        migration.struct_size = UInt32(MemoryLayout<sh_migration>.size)
        var blob = sh_blob(data: nil, len: 0)
        #expect(scripted.pointee.vtable.pointee.migrate!(harness.fake.raw, echo, &migration, &blob) == SH_INVALID)
        #expect(harness.lastError == "StreamhostKit: migrate was called for operator 'echo', which does not conform to "
            + "Migrating (its vtable has no migrate)")
        #expect(blob.data == nil)

        // The file sink's own migrate refuses a version it does not know.
        let file = Harness(fileSink)
        #expect(file.migrate(kind: SH_MIGRATE_KEYED_VALUE, from: 2, to: 1, stateName: "s", key: [1], data: []).status == SH_ERROR)
        #expect(file.lastError.hasPrefix("component 'file' cannot migrate its state from version 2 to version 1:"))
    }

    @Test func migrateCallsTheComponentsOwnAndAllocatesWithTheHost() {
        let harness = Harness(scripted)
        let old = withUnsafeBytes(of: Int32(41).littleEndian) { Array($0) }
        let result = harness.migrate(from: 1, to: 2, data: old)
        #expect(result.status == SH_OK, "\(harness.fake.errors)")
        #expect(result.data == withUnsafeBytes(of: Int64(41).littleEndian) { Array($0) })
        #expect(harness.fake.logs.map(\.message) == ["scripted: state 1 -> 2"])

        // The restore of a migrated blob goes on from there.
        let restored = Harness(scripted, config: ["count": .int(43)])
        #expect(restored.create() == SH_OK)
        let data = result.data ?? []
        #expect(restored.vtable.restore!(restored.instance, restored.fake.raw, 2, data, data.count) == SH_OK)
        #expect(restored.open() == SH_OK)
        #expect(restored.poll() == SH_OK)
        #expect(restored.fake.emittedValues == ["41", "42"])

        #expect(harness.migrate(from: 1, to: 2, data: [1]).status == SH_ERROR)
        #expect(harness.lastError == "scripted: cannot migrate 1 bytes from 1 to 2")
        // Keyed requests carry the state's name, the key and the plugin version.
        #expect(harness.migrate(kind: SH_MIGRATE_MAP_ENTRY, from: 1, to: 2, stateName: "seen", key: Array("k7".utf8), data: []).status == SH_ERROR)
        #expect(harness.lastError == "scripted: no keyed state to migrate ('seen', key k7, from plugin 0.0.0)")
    }

    @Test func migrateRefusesRequestsItCannotRead() {
        let harness = Harness(scripted)
        #expect(harness.migrate(from: 1, to: 2, data: [0, 0, 0, 0], structSize: 16).status == SH_ERROR)
        #expect(harness.lastError.hasPrefix("migrate: the host's sh_migration has 16 bytes"))
        #expect(harness.migrate(kind: sh_migration_kind(rawValue: 9), from: 1, to: 2, data: [0, 0, 0, 0]).status == SH_ERROR)
        #expect(harness.lastError == "migrate: unknown migration kind 9 from the host")
    }
}
