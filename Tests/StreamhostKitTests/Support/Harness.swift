import Foundation
import Plugin_file
import StreamhostKit
import Testing

/// The file plugin's descriptor, through its exported entry function.
nonisolated(unsafe) let fileDescriptor: UnsafePointer<sh_plugin_descriptor> = streamhost_plugin_entry(FakeHost.table)!

/// The component of `descriptor` with that kind and name.
func component(
    _ descriptor: UnsafePointer<sh_plugin_descriptor>, _ kind: sh_component_kind, _ name: String
) -> UnsafePointer<sh_component>? {
    for index in 0..<Int(descriptor.pointee.component_count) {
        guard let component = descriptor.pointee.components[index] else { continue }
        if component.pointee.kind == kind && String(cString: component.pointee.name) == name { return component }
    }
    return nil
}

/// One component instance driven through its C vtable, as the host would.
final class Harness {
    let component: UnsafePointer<sh_component>
    let fake: FakeContext
    private(set) var instance: UnsafeMutableRawPointer?
    private var taskStrings: [UnsafeMutablePointer<CChar>] = []

    init(_ component: UnsafePointer<sh_component>, config: [String: ConfigValue] = [:]) {
        self.component = component
        self.fake = FakeContext(config: config)
    }

    /// An instance over an existing fake context: its keyed state and
    /// timers, as a restored instance finds the state of the one before.
    init(_ component: UnsafePointer<sh_component>, sharing fake: FakeContext) {
        self.component = component
        self.fake = fake
    }

    deinit {
        destroy()
        for pointer in taskStrings { free(pointer) }
    }

    var vtable: sh_component_vtable { component.pointee.vtable.pointee }

    /// The last message given to set_error, or "".
    var lastError: String { fake.errors.last ?? "" }

    @discardableResult
    func create() -> sh_status {
        var json = fake.configJSON()
        return json.withUTF8 { bytes in
            bytes.withMemoryRebound(to: CChar.self) { text in
                // The very pointer of the descriptor, as the header promises.
                vtable.create!(fake.raw, component, text.baseAddress, text.count, &instance)
            }
        }
    }

    @discardableResult
    func open(instance index: UInt32 = 0, parallelism: UInt32 = 1) -> sh_status {
        let job = strdup("test-job")!
        let step = strdup("step-\(index)")!
        taskStrings += [job, step]
        var info = sh_task_info()
        info.struct_size = UInt32(MemoryLayout<sh_task_info>.size)
        info.instance = index
        info.parallelism = parallelism
        info.max_parallelism = 128
        info.key_group_first = 0
        info.key_group_last = 127
        info.input_count = component.pointee.kind == SH_KIND_SOURCE ? 0 : max(component.pointee.input_count, 1)
        info.job_name = UnsafePointer(job)
        info.step_id = UnsafePointer(step)
        return vtable.open!(instance, fake.raw, &info)
    }

    @discardableResult
    func poll(max: UInt32 = 1024) -> sh_status {
        vtable.poll!(instance, fake.raw, max)
    }

    @discardableResult
    func process(_ records: [SeenRecord], input: UInt32 = 0) -> sh_status {
        withBatch(records, input: input) { vtable.process!(instance, fake.raw, $0) }
    }

    /// Moves event time to `watermark` as the host does: fires the event-time
    /// timers at or before it through on_timer in (time, key) order, those
    /// registered meanwhile included, then calls on_watermark. Stops at the
    /// first status that is not SH_OK and returns it.
    @discardableResult
    func advanceWatermark(to watermark: Int64) -> sh_status {
        fake.watermark = watermark
        while let timer = fake.keyedState.popEventTimer(notAfter: watermark) {
            let status = timer.key.withUnsafeBufferPointer { key in
                var fired = sh_timer(
                    struct_size: UInt32(MemoryLayout<sh_timer>.size), domain: timer.domain, time: timer.time,
                    key: key.baseAddress ?? FakeHost.emptyBytes, key_len: key.count)
                return vtable.on_timer!(instance, fake.raw, &fired)
            }
            guard status == SH_OK else { return status }
        }
        // Without on_watermark the host forwards the watermark all the same.
        guard let onWatermark = vtable.on_watermark else { return sh_status(SH_OK) }
        return onWatermark(instance, fake.raw, watermark)
    }

    @discardableResult
    func close() -> sh_status {
        vtable.close!(instance, fake.raw)
    }

    /// Calls the component's migrate, which needs no instance. Returns the
    /// status and, after SH_OK, the blob's bytes (the blob is freed with
    /// host->free, as the host would).
    func migrate(
        kind: sh_migration_kind = SH_MIGRATE_OPERATOR_BLOB, from: UInt32, to: UInt32, stateName: String? = nil,
        key: [UInt8]? = nil, data: [UInt8], structSize: Int = MemoryLayout<sh_migration>.size
    ) -> (status: sh_status, data: [UInt8]?) {
        let name = stateName.map { strdup($0)! }
        let pluginVersion = strdup("0.0.0")!
        defer {
            free(name)
            free(pluginVersion)
        }
        return data.withUnsafeBufferPointer { bytes in
            (key ?? []).withUnsafeBufferPointer { keyBytes in
                var migration = sh_migration()
                migration.struct_size = UInt32(structSize)
                migration.kind = kind
                migration.from_version = from
                migration.to_version = to
                migration.state_name = name.map { UnsafePointer($0) }
                migration.from_plugin_version = UnsafePointer(pluginVersion)
                migration.key = key == nil ? nil : keyBytes.baseAddress
                migration.key_len = keyBytes.count
                migration.data = bytes.baseAddress
                migration.len = bytes.count
                var blob = sh_blob(data: nil, len: 0)
                let status = vtable.migrate!(fake.raw, component, &migration, &blob)
                guard status == SH_OK, let data = blob.data else { return (status, nil) }
                defer { FakeHost.table.pointee.free!(data) }
                return (status, Array(UnsafeBufferPointer(start: data, count: blob.len)))
            }
        }
    }

    func destroy() {
        guard let instance else { return }
        vtable.destroy!(instance)
        self.instance = nil
    }

    /// Creates, opens and polls a source until it ends; returns the final
    /// status (SH_END, or the first other status that stopped it).
    @discardableResult
    func runSource(instance index: UInt32 = 0, parallelism: UInt32 = 1, max: UInt32 = 1024) -> sh_status {
        var status = create()
        guard status == SH_OK else { return status }
        status = open(instance: index, parallelism: parallelism)
        guard status == SH_OK else { return status }
        for _ in 0..<1_000_000 {
            status = poll(max: max)
            if status != SH_OK { break }
        }
        guard status == SH_END else { return status }
        return close() == SH_OK ? sh_status(SH_END) : sh_status(SH_ERROR)
    }
}

/// A fresh temporary directory for one test.
final class Scratch {
    let path: String

    init() {
        var template = Array((NSTemporaryDirectory() + "/streamhost-kit-XXXXXX").utf8CString)
        path = String(cString: mkdtemp(&template)!)
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }

    func file(_ name: String) -> String { path + "/" + name }

    @discardableResult
    func write(_ name: String, _ text: String) -> String {
        write(name, Array(text.utf8))
    }

    @discardableResult
    func write(_ name: String, _ bytes: [UInt8]) -> String {
        let target = file(name)
        _ = FileManager.default.createFile(atPath: target, contents: Data(bytes))
        return target
    }

    func read(_ name: String) -> String? {
        FileManager.default.contents(atPath: file(name)).map { String(decoding: $0, as: UTF8.self) }
    }

    func exists(_ name: String) -> Bool { FileManager.default.fileExists(atPath: file(name)) }

    /// Every entry of the directory, hidden ones included.
    func entries() -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []).sorted()
    }
}


/// The file source and sink components.
var fileSource: UnsafePointer<sh_component> { component(fileDescriptor, SH_KIND_SOURCE, "file")! }
var fileSink: UnsafePointer<sh_component> { component(fileDescriptor, SH_KIND_SINK, "file")! }

/// The descriptor of a plugin library built next to the test binary,
/// loaded with dlopen as the host loads plugins (the library carries its
/// own copy of the kit), its entry called with the fake host's table.
func builtPluginDescriptor(_ library: String) throws -> UnsafePointer<sh_plugin_descriptor> {
    let product = String(library.dropFirst("lib".count).dropLast(".so".count))
    let path = try #require(
        FilePluginTests.findBuiltLibrary(library),
        "\(library) not found next to the test binary: swift build --product \(product)")
    let handle = try #require(dlopen(path, RTLD_NOW | RTLD_LOCAL | RTLD_NODELETE), "\(String(cString: dlerror()))")
    let symbol = try #require(dlsym(handle, SH_PLUGIN_ENTRY_SYMBOL))
    let entry = unsafeBitCast(symbol, to: sh_plugin_entry_fn.self)
    return try #require(
        entry(FakeHost.table), "the entry refused the fake host: \(PluginDefinition.incompatibility(of: FakeHost.table) ?? "no reason")")
}
