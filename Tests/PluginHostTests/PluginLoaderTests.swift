import Foundation
import PluginHost
import SwiftToolchain
import Testing
import TestKit

/// Loads `path` and returns the refusal, or nil if it loaded.
private func refusal(_ path: String) -> PluginLoadError? {
    do {
        _ = try PluginLoader.load(path: path)
        return nil
    } catch {
        return error
    }
}

@Suite("PluginLoader")
struct PluginLoaderTests {
    let directory: TemporaryDirectory

    init() throws {
        directory = try TemporaryDirectory(prefix: "loader")
    }

    @Test func loadsAValidPlugin() throws {
        let plugin = try PluginLoader.load(path: try CPluginBuilder.fixture("pass", into: directory))
        #expect(plugin.name == "fixture-pass")
        #expect(plugin.abiMajor == PluginABI.major)
        #expect(plugin.components.map(\.name) == ["fixture-pass"])
        #expect(plugin.components[0].kind == .operator)
        #expect(plugin.components[0].providedCallbacks.contains("process"))
    }

    /// SH_PLUGIN_HOST and SH_PLUGIN_ENTRY_WITH_FUNCTIONS make the whole
    /// descriptor and entry point; the fixture is built with plain cc,
    /// pedantic, warnings as errors, as a plugin author would.
    @Test func loadsAPluginWrittenWithTheEntryMacro() throws {
        let output = directory.file("libentry_macro.so")
        try CPluginBuilder.build(
            source: BuildProducts.packageRoot + "/Tests/PluginHostTests/Fixtures/entry_macro.c", output: output,
            extraFlags: ["-Wpedantic", "-Werror"])
        let plugin = try PluginLoader.load(path: output)
        #expect(plugin.name == "fixture-macro" && plugin.version == "2.3.4")
        #expect(plugin.abiMajor == PluginABI.major && plugin.abiMinor == PluginABI.minor)
        #expect(plugin.components.map(\.name) == ["fixture-macro"])
        #expect(plugin.components[0].providedCallbacks.contains("process"))
        #expect(plugin.functions.map(\.name) == ["twice", "half"])
        #expect(plugin.functions.map(\.isVectorized) == [true, false])
    }

    @Test func refusesAMissingFile() {
        let error = refusal(directory.file("nope.so"))
        #expect(error == .unreadable(path: directory.file("nope.so"), reason: "No such file or directory"))
        #expect(error?.description.contains("cannot read plugin") == true)
    }

    @Test func refusesATextFile() throws {
        let path = try directory.write("notes.so", "this is not a library\n")
        let error = try #require(refusal(path))
        #expect(error == .notASharedObject(path: path, detail: "it is a text file"))
        #expect(error.description.contains("is not a shared object (it is a text file)"))
    }

    @Test func refusesEmptyAndTruncatedFiles() throws {
        let empty = try directory.write("libempty.so", "")
        #expect(refusal(empty) == .notASharedObject(path: empty, detail: "the file is empty"))
        let original = try CPluginBuilder.fixture("pass", into: directory)
        let head = try Data(contentsOf: URL(fileURLWithPath: original)).prefix(10)
        let cut = directory.file("libcut.so")
        try head.write(to: URL(fileURLWithPath: cut))
        #expect(refusal(cut) == .notASharedObject(path: cut, detail: "the ELF header is cut short: the file has 10 bytes"))
        let binary = directory.file("libbinary.so")
        try Data([0, 1, 2, 3, 255, 254]).write(to: URL(fileURLWithPath: binary))
        #expect(refusal(binary) == .notASharedObject(path: binary, detail: "it has no ELF header"))
    }

    @Test func refusesAnObjectFile() throws {
        let object = directory.file("pass.o")
        let outcome = try ProcessRunner.run("cc", ["-c", "-fPIC", "-I", BuildProducts.sdkInclude, "-o", object,
                                                   BuildProducts.packageRoot + "/Tests/PluginHostTests/Fixtures/pass.c"])
        #expect(outcome.status == 0)
        let error = try #require(refusal(object))
        #expect(error.description.contains("it is an object file (.o); link it with -shared"))
    }

    @Test func refusesAnExecutable() throws {
        let error = try #require(refusal(BuildProducts.streamhost))
        guard case .notASharedObject(_, let detail) = error else {
            Issue.record("expected notASharedObject, got \(error)")
            return
        }
        #expect(detail.contains("executable"))
    }

    @Test func refusesAnotherArchitecture() throws {
        let original = try CPluginBuilder.fixture("pass", into: directory)
        var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: original)))
        bytes[18] = 183  // EM_AARCH64, little endian
        bytes[19] = 0
        let patched = directory.file("libpass-aarch64.so")
        try Data(bytes).write(to: URL(fileURLWithPath: patched))
        let error = try #require(refusal(patched))
        #expect(error == .wrongArchitecture(path: patched, fileArchitecture: "aarch64", hostArchitecture: "x86_64"))
        #expect(error.description.contains("was built for aarch64, but this host is x86_64"))
    }

    @Test func refusesAMissingEntryPoint() throws {
        let path = try CPluginBuilder.fixture("no_entry", into: directory)
        let error = try #require(refusal(path))
        guard case .missingEntryPoint = error else {
            Issue.record("expected missingEntryPoint, got \(error)")
            return
        }
        #expect(error.description.hasPrefix("no entry point [streamhost_plugin_entry] in shared library [\(path)]"))
    }

    @Test func refusesANullDescriptor() throws {
        let path = try CPluginBuilder.fixture("null_descriptor", into: directory)
        #expect(refusal(path) == .entryReturnedNull(path: path))
    }

    @Test func refusesABadMagic() throws {
        let path = try CPluginBuilder.fixture("bad_magic", into: directory)
        let error = try #require(refusal(path))
        guard case .badMagic = error else {
            Issue.record("expected badMagic, got \(error)")
            return
        }
        #expect(error.description.contains("expected 0x31504853 (SH_PLUGIN_MAGIC)"))
    }

    @Test func refusesAnotherABIMajor() throws {
        let path = try CPluginBuilder.fixture("abi_major", into: directory)
        let error = try #require(refusal(path))
        let minor = PluginABI.minor
        #expect(error == .abiMajorMismatch(path: path, plugin: "2.\(minor)", host: PluginABI.versionString))
        #expect(error.description.contains("was built for ABI 2.\(minor), this host speaks ABI \(PluginABI.versionString)"))
        #expect(error.description.contains("rebuild the plugin"))
    }

    @Test func refusesANewerABIMinor() throws {
        let path = try CPluginBuilder.fixture("abi_minor", into: directory)
        let error = try #require(refusal(path))
        #expect(error == .abiMinorNewer(path: path, plugin: "1.\(PluginABI.minor + 5)", host: PluginABI.versionString))
        #expect(error.description.contains("newer than this host's ABI \(PluginABI.versionString); upgrade streamhost"))
    }

    /// Swift has no stable ABI on Linux: a kit plugin built by another
    /// toolchain is refused, naming both versions, before its entry point
    /// runs (the kit exports the compiler version; this C fixture fakes 5.8).
    @Test func refusesASwiftPluginOfAnotherToolchain() throws {
        let path = try CPluginBuilder.fixture("other_swift", into: directory)
        let error = try #require(refusal(path))
        #expect(error == .swiftToolchainMismatch(path: path, plugin: "5.8", host: "\(SwiftToolchain.compilerVersion)"))
        #expect(error.description.contains("built with Swift 5.8, this host with Swift \(SwiftToolchain.compilerVersion)"))
        let handle = try #require(dlopen(path, RTLD_NOW | RTLD_NOLOAD))
        let calls = try #require(dlsym(handle, "fixture_entry_calls")).assumingMemoryBound(to: Int32.self)
        #expect(calls.pointee == 0, "the entry point of a refused Swift plugin ran")
    }

    @Test func refusesDuplicateComponentNames() throws {
        let path = try CPluginBuilder.fixture("duplicate_component", into: directory)
        #expect(refusal(path) == .duplicateComponent(path: path, kind: "operator", name: "fixture-dup"))
    }

    @Test func refusesAMissingRequiredCallback() throws {
        let path = try CPluginBuilder.fixture("missing_callback", into: directory)
        let error = try #require(refusal(path))
        #expect(error == .missingCallback(path: path, component: "fixture-noprocess", callback: "process"))
        #expect(error.description.contains("component 'fixture-noprocess' has no process callback"))
    }

    @Test func refusesAConfigSchemaThatIsNotJSON() throws {
        let path = try CPluginBuilder.fixture("bad_schema", into: directory)
        let error = try #require(refusal(path))
        guard case .invalidConfigSchema(_, let component, let detail) = error else {
            Issue.record("expected invalidConfigSchema, got \(error)")
            return
        }
        #expect(component == "fixture-badschema")
        #expect(detail.hasPrefix("not valid JSON"))
    }

    @Test func refusesTheSameComponentFromTwoPlugins() throws {
        let first = try CPluginBuilder.fixture("same_name_a", into: directory)
        let second = try CPluginBuilder.fixture("same_name_b", into: directory)
        var registry = PluginRegistry()
        try registry.load(path: first)
        do {
            try registry.load(path: second)
            Issue.record("loading both plugins succeeded")
        } catch {
            #expect(error == .componentProvidedTwice(kind: "operator", name: "fixture-same",
                                                     firstPath: first, secondPath: second))
            #expect(error.description.contains(first) && error.description.contains(second))
        }
    }

    @Test func loadsTheSameFileOnlyOnce() throws {
        let path = try CPluginBuilder.fixture("pass", into: directory)
        var registry = PluginRegistry()
        try registry.load(path: path)
        #expect(try registry.load(path: path) == nil)
        #expect(registry.plugins.count == 1)
    }

    @Test func findsBuiltinPluginsForMissingComponentsOnly() throws {
        var registry = PluginRegistry()
        try registry.loadBuiltins(providing: [(.source, "datagen")], directories: [BuildProducts.directory])
        #expect(registry.component(.source, named: "datagen")?.pluginPath.hasSuffix("libstreamhost-datagen.so") == true)
        // Search stops once everything needed is there.
        #expect(registry.component(.sink, named: "stdout") == nil)
    }
}
