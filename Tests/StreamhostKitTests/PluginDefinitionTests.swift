import Foundation
import StreamhostKit
import Testing

@Suite struct PluginDefinitionTests {
    @Test func descriptorHeaderMatchesTheABI() {
        let descriptor = testDescriptor.pointee
        #expect(descriptor.magic == SH_PLUGIN_MAGIC)
        #expect(descriptor.magic == 0x3150_4853)
        #expect(descriptor.struct_size == UInt32(MemoryLayout<sh_plugin_descriptor>.size))
        #expect(descriptor.abi_major == UInt16(SH_ABI_MAJOR))
        #expect(descriptor.abi_minor == UInt16(SH_ABI_MINOR))
        #expect(String(cString: descriptor.name) == "kit-test")
        #expect(String(cString: descriptor.version) == "0.0.1")
        #expect(descriptor.component_count == 3)
        #expect(descriptor.function_count == 0)
        #expect(descriptor.functions == nil)
    }

    @Test func componentsCarryTheTypesMetadata() throws {
        let echo = try #require(component(testDescriptor, SH_KIND_OPERATOR, "echo")).pointee
        #expect(echo.struct_size == UInt32(MemoryLayout<sh_component>.size))
        #expect(String(cString: echo.description) == "Forwards its input")
        #expect(echo.state_version == 3)
        #expect(echo.input_count == 2)
        #expect(String(cString: try #require(echo.config_schema)) == EchoOperator.configSchema)

        let source = try #require(component(testDescriptor, SH_KIND_SOURCE, "scripted")).pointee
        #expect(source.config_schema == nil)
        #expect(source.state_version == 2)
        #expect(source.input_count == 0)

        let sink = try #require(component(testDescriptor, SH_KIND_SINK, "lifecycle")).pointee
        #expect(sink.input_count == 1)
    }

    @Test func vtablesHaveTheKindsCallbacksAndOnlyTheOptionalOnesTheTypeImplements() throws {
        let source = try #require(component(testDescriptor, SH_KIND_SOURCE, "scripted")).pointee.vtable.pointee
        #expect(source.struct_size == UInt32(MemoryLayout<sh_component_vtable>.size))
        #expect(source.create != nil && source.destroy != nil && source.open != nil && source.close != nil)
        #expect(source.poll != nil)
        #expect(source.process == nil)
        // ScriptedSource conforms to Snapshotting and Migrating.
        #expect(source.snapshot != nil && source.restore != nil && source.migrate != nil)
        // Sources never get on_timer/on_watermark; the rest is NULL (the
        // header's defaults apply) because the type implements none of it.
        #expect(source.on_timer == nil && source.on_watermark == nil)
        #expect(source.on_checkpoint == nil && source.on_checkpoint_complete == nil && source.on_checkpoint_abort == nil)

        // EchoOperator conforms to no optional protocol.
        let echo = try #require(component(testDescriptor, SH_KIND_OPERATOR, "echo")).pointee.vtable.pointee
        #expect(echo.process != nil)
        #expect(echo.poll == nil)
        #expect(echo.on_timer == nil && echo.on_watermark == nil)
        #expect(echo.snapshot == nil && echo.restore == nil && echo.migrate == nil)
        #expect(echo.on_checkpoint == nil && echo.on_checkpoint_complete == nil && echo.on_checkpoint_abort == nil)

        // A type with timers, watermarks and checkpoint hooks (two of them
        // the protocol's defaults) gets those and no more.
        let hooked = try #require(component(hooksDescriptor, SH_KIND_SINK, "hooked")).pointee.vtable.pointee
        #expect(hooked.process != nil && hooked.on_timer != nil && hooked.on_watermark != nil)
        #expect(hooked.on_checkpoint != nil && hooked.on_checkpoint_complete != nil && hooked.on_checkpoint_abort != nil)
        #expect(hooked.snapshot == nil && hooked.restore == nil && hooked.migrate == nil)
        #expect(OptionalCallbacks.implemented(by: HookedSink.self) == [.timer, .watermark, .checkpointHooks])
        #expect(OptionalCallbacks.implemented(by: ScriptedSource.self) == [.snapshot, .migrate])
        #expect(OptionalCallbacks.implemented(by: EchoOperator.self) == [])
    }

    @Test func theHookedSinksCallbacksReachItsOwnMethodsAndTheDefaults() throws {
        let harness = Harness(try #require(component(hooksDescriptor, SH_KIND_SINK, "hooked")))
        #expect(harness.create() == SH_OK)
        #expect(harness.vtable.on_checkpoint!(harness.instance, harness.fake.raw, 7) == SH_OK)
        #expect(harness.vtable.on_checkpoint_complete!(harness.instance, harness.fake.raw, 7) == SH_ERROR)
        #expect(harness.lastError == "hooked: complete 7")
        // The protocol's default: nothing.
        #expect(harness.vtable.on_checkpoint_abort!(harness.instance, harness.fake.raw, 7) == SH_OK)
        #expect(harness.vtable.on_watermark!(harness.instance, harness.fake.raw, 5) == SH_ERROR)
        #expect(harness.lastError == "hooked: watermark 5")
        harness.destroy()
    }

    @Test func oneCreateAndOneMigrateServeEveryComponent() throws {
        let components = try [
            component(testDescriptor, SH_KIND_OPERATOR, "echo"),
            component(testDescriptor, SH_KIND_SOURCE, "scripted"),
            component(testDescriptor, SH_KIND_SINK, "lifecycle"),
            component(fileDescriptor, SH_KIND_SOURCE, "file"),
            component(fileDescriptor, SH_KIND_SINK, "file"),
        ].map { try #require($0).pointee }
        let creates = components.compactMap { $0.vtable.pointee.create.map { unsafeBitCast($0, to: UInt.self) } }
        let migrates = components.compactMap { $0.vtable.pointee.migrate.map { unsafeBitCast($0, to: UInt.self) } }
        #expect(creates.count == 5 && Set(creates).count == 1)
        // Only the Migrating types (ScriptedSource, the file sink) have migrate.
        #expect(migrates.count == 2 && Set(migrates).count == 1)
        // One vtable per component: each has its own optional callbacks.
        #expect(Set(components.map { UInt(bitPattern: $0.vtable) }).count == 5)
    }

    @Test func registeringATypeAgainReusesItsComponent() throws {
        let again = PluginDefinition(name: "again", version: "1", components: [.operator(EchoOperator.self)])
        let first = try #require(component(testDescriptor, SH_KIND_OPERATOR, "echo"))
        #expect(again.descriptor.pointee.components[0] == first)
        #expect(again.entry(FakeHost.table) == again.descriptor)
    }

    @Test func entryReturnsTheSameDescriptorEveryTime() {
        #expect(testPlugin.entry(FakeHost.table) == testDescriptor)
        #expect(testPlugin.entry(FakeHost.table) == testPlugin.descriptor)
    }

    @Test func entryRefusesIncompatibleHosts() {
        #expect(testPlugin.entry(nil) == nil)
        let newerMajor = FakeHost.make { $0.abi_major = UInt16(SH_ABI_MAJOR) + 1 }
        #expect(testPlugin.entry(newerMajor) == nil)
        #expect(PluginDefinition.incompatibility(of: newerMajor)?.contains("host ABI 2.\(SH_ABI_MINOR)") == true)
        let truncated = FakeHost.make { $0.struct_size = 64 }
        #expect(testPlugin.entry(truncated) == nil)
        let noCore = FakeHost.make { $0.services = 0 }
        #expect(testPlugin.entry(noCore) == nil)
        let noEmit = FakeHost.make { $0.emit = nil }
        #expect(testPlugin.entry(noEmit) == nil)
        // A newer minor version of the same major is fine.
        let newerMinor = FakeHost.make { $0.abi_minor = UInt16(SH_ABI_MINOR) + 1 }
        #expect(testPlugin.entry(newerMinor) == testDescriptor)
        #expect(PluginDefinition.incompatibility(of: FakeHost.table) == nil)
    }

    @Test func schemasAreValidJSON() throws {
        for descriptor in [testDescriptor, fileDescriptor] {
            for index in 0..<Int(descriptor.pointee.component_count) {
                guard let schema = descriptor.pointee.components[index]!.pointee.config_schema else { continue }
                let object = try JSONSerialization.jsonObject(with: Data(String(cString: schema).utf8))
                #expect(object is [String: Any])
            }
        }
    }
}
