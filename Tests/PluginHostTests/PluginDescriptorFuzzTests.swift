import StreamhostABI
import Testing
import TestKit
@testable import PluginHost

/// Mutated plugin descriptors, checked by the loader's `check(descriptor:)`
/// as it checks what a plugin's entry point returns: each is refused with a
/// `PluginLoadError` that names the plugin file, or loads with what it
/// declares. The fuzzer mutates a byte encoding of a descriptor
/// (`DescriptorBytes`), which is built into real C structs with every
/// pointer either NULL or valid: counts, strings, versions, flags, kinds and
/// struct sizes are fuzzed, addresses never are. A pointer array always
/// holds as many entries as its count says (counts above
/// `DescriptorBytes.countMax` are cut to it, still above the loader's
/// limits).
@Suite struct PluginDescriptorFuzzTests {
    static let iterations = 4_000
    static let seed: UInt64 = 0x5EED_D35C
    static let path = "/plugins/libfuzzed.so"

    /// The seeds: a one-operator plugin, a source and a sink with schemas
    /// and two functions, and the smallest plugin.
    static var seeds: [[UInt8]] {
        var operatorPlugin = DescriptorBytes.header(name: "fixture-pass", version: "1.0.0", componentCount: 1)
        operatorPlugin += DescriptorBytes.component(kind: SH_KIND_OPERATOR, name: "pass", schema: nil)
        operatorPlugin += DescriptorBytes.functions(count: 0, [])
        var mixed = DescriptorBytes.header(name: "mixed", version: "2.3.4", componentCount: 2)
        mixed += DescriptorBytes.component(
            kind: SH_KIND_SOURCE, name: "gen",
            schema: #"{"type":"object","properties":{"count":{"type":"integer","minimum":0,"default":1}}}"#)
        mixed += DescriptorBytes.component(
            kind: SH_KIND_SINK, name: "out", schema: #"{"type":"object","required":["path"]}"#)
        mixed += DescriptorBytes.functions(count: 2, [
            DescriptorBytes.function(name: "twice", symbol: "twice_v", signature: "double(double)", vectorized: true),
            DescriptorBytes.function(name: "half", symbol: "half", signature: "int64(int64)", vectorized: false),
        ])
        var empty = DescriptorBytes.header(name: "e", version: "0", componentCount: 0)
        empty += DescriptorBytes.functions(count: 0, [])
        return [operatorPlugin, mixed, empty]
    }

    /// Whether the descriptor in `bytes` loaded, and what is wrong with the
    /// loader's answer, if anything.
    static func outcome(checking bytes: [UInt8]) -> (loaded: Bool, problem: String?) {
        let built = DescriptorBytes.Built(bytes)
        do {
            let plugin = try PluginLoader.check(descriptor: built.descriptor, path: path)
            if plugin.components.count != Int(built.descriptor.pointee.component_count) {
                return (true, "\(plugin.components.count) components loaded of \(built.descriptor.pointee.component_count)")
            }
            if plugin.functions.count != Int(built.descriptor.pointee.function_count) {
                return (true, "\(plugin.functions.count) functions loaded of \(built.descriptor.pointee.function_count)")
            }
            if plugin.functions.count > Int(PluginABI.descriptorEntriesMax) {
                return (true, "\(plugin.functions.count) functions loaded, more than any descriptor may list")
            }
            // The host must not read past a struct's declared size.
            if let small = built.functionSizes.first(where: { $0 < MemoryLayout<sh_function>.size }),
               plugin.functions.count > 0
            {
                return (true, "a function of struct_size \(small) was read as \(MemoryLayout<sh_function>.size) bytes")
            }
            return (true, nil)
        } catch {
            return (false, error.description.contains(path) ? nil : "a refusal that does not name the file: \(error)")
        }
    }

    @Test(.timeLimit(.minutes(10))) func mutatedDescriptorsAreRefusedWithTheFileOrLoad() {
        let seeds = Self.seeds
        for seed in seeds { #expect(Self.outcome(checking: seed) == (true, nil)) }
        var fuzzer = MutationFuzzer(seed: Self.seed, seeds: seeds, tokens: [[0xFF, 0xFF]])
        var loaded = 0
        var failures: [String] = []
        for iteration in 0..<MutationFuzzer.iterations(Self.iterations) {
            let mutant = fuzzer.next()
            let outcome = Self.outcome(checking: mutant)
            if outcome.loaded { loaded += 1 }
            if let problem = outcome.problem, failures.count < 10 {
                failures.append("seed \(fuzzer.seed) iteration \(iteration): \(problem): \(MutationFuzzer.describe(mutant))")
            }
        }
        #expect(failures.isEmpty, "\(failures.joined(separator: "\n"))")
        #expect(loaded > 0 && loaded < MutationFuzzer.iterations(Self.iterations))
    }

    /// Found by the fuzzer: a function entry whose struct_size is smaller
    /// than ABI 1.0's sh_function was read in full (past the plugin's struct).
    @Test func aFunctionSmallerThanABI10IsRefused() throws {
        var bytes = DescriptorBytes.header(name: "p", version: "1", componentCount: 0)
        bytes += DescriptorBytes.functions(count: 1, [
            DescriptorBytes.function(name: "f", symbol: "f", signature: "double(double)", vectorized: false, structSize: 8),
        ])
        let built = DescriptorBytes.Built(bytes)
        #expect(throws: PluginLoadError.invalidDescriptor(
            path: Self.path, detail: "function #0 has struct_size 8, smaller than ABI 1.0's \(MemoryLayout<sh_function>.size)")) {
            try PluginLoader.check(descriptor: built.descriptor, path: Self.path)
        }
    }

    /// Found by the fuzzer: function_count had no bound (component_count
    /// has 10,000), so a descriptor could make the loader walk ~4 billion
    /// entries.
    @Test func anImplausibleFunctionCountIsRefused() throws {
        var bytes = DescriptorBytes.header(name: "p", version: "1", componentCount: 0)
        bytes += DescriptorBytes.functions(count: 10_001, [
            DescriptorBytes.function(name: "f", symbol: "f", signature: "double(double)", vectorized: false),
        ])
        let built = DescriptorBytes.Built(bytes)
        #expect(throws: PluginLoadError.invalidDescriptor(path: Self.path, detail: "function_count 10001 is implausible")) {
            try PluginLoader.check(descriptor: built.descriptor, path: Self.path)
        }
    }
}

/// A byte encoding of a plugin descriptor for the fuzzer, and its building
/// into C structs. Reads past the end give zeros, so every byte string is
/// some descriptor. Little-endian.
///
///     descriptor: u32 magic, u32 struct_size, u16 abi_major, u16 abi_minor,
///                 u8 present (1 name, 2 version, 4 components, 8 functions),
///                 string name, string version,
///                 u32 component_count, u8 k, k × component,
///                 u32 function_count, u8 m, m × function
///     component:  u8 present (1 entry, 2 name, 4 description, 8 schema,
///                 16 vtable), u32 struct_size, u32 kind, string name,
///                 string description, long string schema, u32 state_version,
///                 u32 input_count, u32 vtable struct_size,
///                 u8 callbacks (1 create, 2 destroy, 4 poll, 8 process)
///     function:   u8 present (1 entry, 2 name, 4 symbol, 8 signature,
///                 16 free_symbol), u32 struct_size, u32 flags, 4 strings
///     string:     u8 length, bytes; long string: u16 length, bytes
///
/// Entry i of a pointer array is spec i mod k (NULL when k is 0 or the
/// spec's entry bit is clear).
enum DescriptorBytes {
    /// The most entries a pointer array gets; a larger count is cut to it.
    static let countMax = Int(PluginABI.descriptorEntriesMax) + 1

    static func u16(_ value: UInt16) -> [UInt8] { withUnsafeBytes(of: value.littleEndian, Array.init) }
    static func u32(_ value: UInt32) -> [UInt8] { withUnsafeBytes(of: value.littleEndian, Array.init) }
    static func string(_ text: String) -> [UInt8] { [UInt8(text.utf8.count)] + Array(text.utf8) }
    static func longString(_ text: String) -> [UInt8] { u16(UInt16(text.utf8.count)) + Array(text.utf8) }

    /// The descriptor's fields up to its component specs: `componentCount`
    /// entries, one spec each (follow it with that many `component`s).
    static func header(name: String, version: String, componentCount: UInt8) -> [UInt8] {
        u32(PluginABI.magic) + u32(UInt32(MemoryLayout<sh_plugin_descriptor>.size)) + u16(PluginABI.major)
            + u16(PluginABI.minor) + [0x0F] + string(name) + string(version) + u32(UInt32(componentCount))
            + [componentCount]
    }

    static func component(kind: sh_component_kind, name: String, schema: String?) -> [UInt8] {
        [0x17 | (schema == nil ? 0 : 0x08)] + u32(UInt32(MemoryLayout<sh_component>.size)) + u32(kind.rawValue)
            + string(name) + string("does \(name)") + longString(schema ?? "") + u32(1) + u32(1)
            + u32(UInt32(MemoryLayout<sh_component_vtable>.size)) + [0x0F]
    }

    static func functions(count: UInt32, _ specs: [[UInt8]]) -> [UInt8] {
        u32(count) + [UInt8(specs.count)] + specs.flatMap { $0 }
    }

    static func function(
        name: String, symbol: String, signature: String, vectorized: Bool,
        structSize: UInt32 = UInt32(MemoryLayout<sh_function>.size)
    ) -> [UInt8] {
        [0x0F] + u32(structSize) + u32(vectorized ? UInt32(SH_FUNCTION_VECTORIZED) : 0) + string(name)
            + string(symbol) + string(signature) + string("")
    }

    /// Reads the encoding; past the end, zeros.
    struct Reader {
        let bytes: [UInt8]
        var position = 0

        mutating func u8() -> UInt8 {
            defer { position += 1 }
            return position < bytes.count ? bytes[position] : 0
        }

        mutating func u16() -> UInt16 { UInt16(u8()) | UInt16(u8()) << 8 }
        mutating func u32() -> UInt32 { UInt32(u16()) | UInt32(u16()) << 16 }
        mutating func raw(_ count: Int) -> [UInt8] {
            let start = min(position, bytes.count)
            let available = bytes[start..<min(start + count, bytes.count)]
            position += count
            return Array(available) + [UInt8](repeating: 0, count: count - available.count)
        }
    }

    /// A callback that is never called: the loader only checks for NULL.
    static let neverCalled: @convention(c) () -> Void = { preconditionFailure("a fuzzed callback was called") }

    static func callback<T>() -> T { unsafeBitCast(neverCalled, to: T.self) }

    /// The C structs an encoding describes, alive as long as this value.
    final class Built {
        private(set) var descriptor: UnsafeMutablePointer<sh_plugin_descriptor>
        /// The struct_size of every function entry the array points to.
        private(set) var functionSizes: [UInt32] = []
        private var allocations: [UnsafeMutableRawPointer] = []

        init(_ bytes: [UInt8]) {
            var reader = Reader(bytes: bytes)
            descriptor = .allocate(capacity: 1)
            descriptor.initialize(to: sh_plugin_descriptor())
            allocations.append(UnsafeMutableRawPointer(descriptor))
            var d = sh_plugin_descriptor()
            d.magic = reader.u32()
            d.struct_size = reader.u32()
            d.abi_major = reader.u16()
            d.abi_minor = reader.u16()
            let present = reader.u8()
            let name = cString(&reader, long: false)
            let version = cString(&reader, long: false)
            if present & 1 != 0 { d.name = name }
            if present & 2 != 0 { d.version = version }
            d.component_count = reader.u32()
            let components: [UnsafePointer<sh_component>?] = (0..<Int(reader.u8())).map { _ in component(&reader) }
            d.function_count = reader.u32()
            let functions: [UnsafePointer<sh_function>?] = (0..<Int(reader.u8())).map { _ in function(&reader) }
            if present & 4 != 0 {
                d.components = UnsafePointer(array(count: d.component_count, of: components))
                d.component_count = min(d.component_count, UInt32(countMax))
            }
            if present & 8 != 0 {
                d.functions = UnsafePointer(array(count: d.function_count, of: functions))
                d.function_count = min(d.function_count, UInt32(countMax))
            }
            functionSizes = functions.prefix(Int(d.function_count)).compactMap { $0?.pointee.struct_size }
            descriptor.pointee = d
        }

        deinit { for pointer in allocations { pointer.deallocate() } }

        private func allocate<T>(_ value: T) -> UnsafeMutablePointer<T> {
            let pointer = UnsafeMutablePointer<T>.allocate(capacity: 1)
            pointer.initialize(to: value)
            allocations.append(UnsafeMutableRawPointer(pointer))
            return pointer
        }

        private func cString(_ reader: inout Reader, long: Bool) -> UnsafePointer<CChar> {
            let count = long ? Int(reader.u16()) : Int(reader.u8())
            let text = reader.raw(count)
            let pointer = UnsafeMutablePointer<CChar>.allocate(capacity: count + 1)
            text.withUnsafeBytes { UnsafeMutableRawPointer(pointer).copyMemory(from: $0.baseAddress!, byteCount: count) }
            pointer[count] = 0
            allocations.append(UnsafeMutableRawPointer(pointer))
            return UnsafePointer(pointer)
        }

        /// An array of min(count, countMax) entries cycling through `specs`.
        private func array<T>(count: UInt32, of specs: [UnsafePointer<T>?]) -> UnsafeMutablePointer<UnsafePointer<T>?> {
            let entries = Int(min(count, UInt32(countMax)))
            let pointer = UnsafeMutablePointer<UnsafePointer<T>?>.allocate(capacity: max(entries, 1))
            if specs.count <= 1 {
                pointer.initialize(repeating: specs.first ?? nil, count: max(entries, 1))
            } else {
                for index in 0..<max(entries, 1) { (pointer + index).initialize(to: specs[index % specs.count]) }
            }
            allocations.append(UnsafeMutableRawPointer(pointer))
            return pointer
        }

        private func component(_ reader: inout Reader) -> UnsafePointer<sh_component>? {
            let present = reader.u8()
            var c = sh_component()
            c.struct_size = reader.u32()
            c.kind = sh_component_kind(rawValue: reader.u32())
            let name = cString(&reader, long: false)
            let description = cString(&reader, long: false)
            let schema = cString(&reader, long: true)
            if present & 2 != 0 { c.name = name }
            if present & 4 != 0 { c.description = description }
            if present & 8 != 0 { c.config_schema = schema }
            c.state_version = reader.u32()
            c.input_count = reader.u32()
            var v = sh_component_vtable()
            v.struct_size = reader.u32()
            let callbacks = reader.u8()
            if callbacks & 1 != 0 { v.create = callback() }
            if callbacks & 2 != 0 { v.destroy = callback() }
            if callbacks & 4 != 0 { v.poll = callback() }
            if callbacks & 8 != 0 { v.process = callback() }
            if present & 16 != 0 { c.vtable = UnsafePointer(allocate(v)) }
            return present & 1 != 0 ? UnsafePointer(allocate(c)) : nil
        }

        private func function(_ reader: inout Reader) -> UnsafePointer<sh_function>? {
            let present = reader.u8()
            var f = sh_function()
            f.struct_size = reader.u32()
            f.flags = reader.u32()
            let name = cString(&reader, long: false)
            let symbol = cString(&reader, long: false)
            let signature = cString(&reader, long: false)
            let free = cString(&reader, long: false)
            if present & 2 != 0 { f.name = name }
            if present & 4 != 0 { f.symbol = symbol }
            if present & 8 != 0 { f.signature = signature }
            if present & 16 != 0 { f.free_symbol = free }
            return present & 1 != 0 ? UnsafePointer(allocate(f)) : nil
        }
    }
}
