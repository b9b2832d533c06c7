#if canImport(Glibc)
import Glibc
#endif
import Foundation

/// Where the package and its built products are, seen from a test.
public enum BuildProducts {
    /// The package's root directory (the one holding Package.swift).
    public static let packageRoot: String = {
        var url = URL(fileURLWithPath: #filePath)
        while url.path != "/" {
            url.deleteLastPathComponent()
            if FileManager.default.fileExists(atPath: url.path + "/Package.swift") { return url.path }
        }
        fatalError("Package.swift not found above \(#filePath)")
    }()

    /// The build directory holding the streamhost executable and the plugin
    /// libraries: the directory of the running test binary.
    public static let directory: String = {
        var buffer = [CChar](repeating: 0, count: 4096)
        let count = readlink("/proc/self/exe", &buffer, buffer.count - 1)
        precondition(count > 0, "cannot read /proc/self/exe")
        let exe = String(decoding: buffer[0..<count].map { UInt8(bitPattern: $0) }, as: UTF8.self)
        var url = URL(fileURLWithPath: exe).deletingLastPathComponent()
        // Inside an .xctest bundle directory on some platforms.
        while !FileManager.default.fileExists(atPath: url.path + "/streamhost") && url.path != "/" {
            url.deleteLastPathComponent()
        }
        return url.path
    }()

    /// The streamhost executable.
    public static var streamhost: String { directory + "/streamhost" }

    /// A built plugin library, e.g. `plugin("datagen")` for libstreamhost-datagen.so.
    public static func plugin(_ name: String) -> String { directory + "/libstreamhost-\(name).so" }

    /// The SDK's include directory.
    public static var sdkInclude: String { packageRoot + "/SDK/include" }
}

/// Builds C plugins with the system compiler, as a plugin author would.
public enum CPluginBuilder {
    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    /// Compiles `source` into a shared object at `output`.
    public static func build(source: String, output: String, extraFlags: [String] = []) throws {
        let outcome = try ProcessRunner.run(
            "cc", ["-shared", "-fPIC", "-O2", "-std=c11", "-Wall", "-Wextra", "-I", BuildProducts.sdkInclude]
                + extraFlags + ["-o", output, source])
        guard outcome.status == 0 else {
            throw Failure(description: "cc failed for \(source):\n\(outcome.standardError)")
        }
    }

    /// Compiles a fixture from Tests/PluginHostTests/Fixtures into `directory`.
    public static func fixture(_ name: String, into directory: TemporaryDirectory) throws -> String {
        let output = directory.file("lib\(name).so")
        if !FileManager.default.fileExists(atPath: output) {
            try build(source: BuildProducts.packageRoot + "/Tests/PluginHostTests/Fixtures/\(name).c", output: output)
        }
        return output
    }
}

/// The hot-swap example's plugin (examples/hot-swap/running_total.c), built
/// as its three builds: v1 (state_version 1, no migrate), v2 (2, migrates
/// v1 state) and v3 (3, migrates v2 state and refuses v1's).
public struct HotSwapBuilds: Sendable {
    public let v1: String
    public let v2: String
    public let v3: String

    public init(into directory: TemporaryDirectory) throws {
        let source = BuildProducts.packageRoot + "/examples/hot-swap/running_total.c"
        func build(_ version: Int) throws -> String {
            let output = directory.file("librunning-total-v\(version).so")
            try CPluginBuilder.build(source: source, output: output, extraFlags: ["-DRUNNING_TOTAL_VERSION=\(version)"])
            return output
        }
        v1 = try build(1)
        v2 = try build(2)
        v3 = try build(3)
    }
}
