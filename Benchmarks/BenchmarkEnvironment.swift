#if canImport(Glibc)
import Glibc
#endif
import Foundation
import PluginHost
import StreamhostABI

/// `uint64_t bench_sum_value_lengths(const sh_batch *batch)`.
typealias DirectSumFunction = @convention(c) (UnsafePointer<sh_batch>?) -> UInt64

/// A benchmark that cannot run: what is missing and what to do.
struct BenchmarkError: Error, CustomStringConvertible {
    let description: String
}

/// Where things are: the package, the built plugins, a scratch directory;
/// and the plugin registry every benchmark loads its components from.
///
/// # Ownership
/// Owns `scratchDirectory` and removes it in `removeScratch()`.
struct BenchmarkEnvironment {
    /// The package root (the directory holding Package.swift).
    let packageRoot: String
    /// The directory of the running executable, where SwiftPM puts the
    /// plugin libraries of the same build configuration.
    let buildDirectory: String
    /// A fresh directory for the compiled benchmark plugin and dead letters.
    let scratchDirectory: String
    /// The first line of `cc --version`.
    let compilerVersion: String
    /// The git commit of the package, and whether the measured code has
    /// uncommitted changes.
    let sourceRevision: String
    let registry: PluginRegistry
    /// bench_sum_lengths' loop, called without the host (see
    /// `BenchmarkPluginSource.directText`).
    let sumValueLengthsDirect: DirectSumFunction

    var deadLetterPath: String { scratchDirectory + "/dead-letter.jsonl" }

    /// The built-in plugins the benchmarks need, by product name.
    static let builtinPlugins = ["datagen", "blackhole", "window"]

    /// Finds the package and the built plugins, compiles the benchmark
    /// plugin and loads everything.
    static func prepare() throws -> BenchmarkEnvironment {
        let executable = PluginRegistry.executablePath
        let buildDirectory = (executable as NSString).deletingLastPathComponent
        guard let packageRoot = findPackageRoot(startingAt: [#filePath, executable]) else {
            throw BenchmarkError(description: "cannot find Package.swift above \(#filePath) or \(executable); "
                + "run the benchmark from the package's build directory")
        }

        var registry = PluginRegistry()
        for name in builtinPlugins {
            let path = "\(buildDirectory)/libstreamhost-\(name).so"
            guard FileManager.default.fileExists(atPath: path) else {
                throw BenchmarkError(description: "\(path) is missing: build it with "
                    + "`swift build -c release --product streamhost-\(name)` (the benchmark loads the plugins "
                    + "of its own build configuration)")
            }
            do {
                try registry.load(path: path)
            } catch {
                throw BenchmarkError(description: "cannot load \(path): \(error)")
            }
        }

        var template = Array("/tmp/streamhost-bench-XXXXXX".utf8CString)
        guard let created = template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) else {
            throw BenchmarkError(description: "cannot create a scratch directory in /tmp: "
                + String(cString: strerror(errno)))
        }
        let scratch = String(cString: created)
        do {
            return try prepare(packageRoot: packageRoot, buildDirectory: buildDirectory, scratch: scratch,
                               registry: registry)
        } catch {
            try? FileManager.default.removeItem(atPath: scratch)
            throw error
        }
    }

    /// Compiles the benchmark libraries into `scratch` and loads them.
    private static func prepare(
        packageRoot: String, buildDirectory: String, scratch: String, registry: PluginRegistry
    ) throws -> BenchmarkEnvironment {
        var registry = registry
        let sdkInclude = packageRoot + "/SDK/include"
        let library = try compile(
            BenchmarkPluginSource.text, named: BenchmarkPluginSource.fileName,
            into: BenchmarkPluginSource.libraryName, scratch: scratch, sdkInclude: sdkInclude)
        do {
            try registry.load(path: library)
        } catch {
            throw BenchmarkError(description: "cannot load the benchmark plugin \(library): \(error)")
        }

        let directLibrary = try compile(
            BenchmarkPluginSource.directText, named: BenchmarkPluginSource.directFileName,
            into: BenchmarkPluginSource.directLibraryName, scratch: scratch, sdkInclude: sdkInclude)
        guard let handle = dlopen(directLibrary, RTLD_NOW | RTLD_LOCAL) else {
            throw BenchmarkError(description: "cannot dlopen \(directLibrary): \(String(cString: dlerror()))")
        }
        guard let symbol = dlsym(handle, BenchmarkPluginSource.directSymbol) else {
            throw BenchmarkError(description: "\(directLibrary) has no \(BenchmarkPluginSource.directSymbol)")
        }
        let version = (try? runProcess("cc", ["--version"]).output) ?? "unknown"
        let commit = (try? runProcess("git", ["-C", packageRoot, "rev-parse", "--short", "HEAD"]))
            .flatMap { $0.status == 0 ? $0.output.trimmingCharacters(in: .whitespacesAndNewlines) : nil } ?? "unknown"
        // Uncommitted changes to what the benchmarks run make the commit
        // alone an incomplete description of it.
        func changes(_ paths: [String]) -> String {
            guard let status = try? runProcess("git", ["-C", packageRoot, "status", "--porcelain", "--"] + paths),
                  status.status == 0 else { return "unknown" }
            let count = status.output.split(separator: "\n").count
            return count == 0 ? "clean" : "\(count) uncommitted change\(count == 1 ? "" : "s")"
        }
        let revision = "\(commit); host (Sources, Plugins, SDK/include) \(changes(["Sources", "Plugins", "SDK/include"])), "
            + "Benchmarks \(changes(["Benchmarks"]))"

        return BenchmarkEnvironment(
            packageRoot: packageRoot, buildDirectory: buildDirectory, scratchDirectory: scratch,
            compilerVersion: version.split(separator: "\n").first.map(String.init) ?? "unknown",
            sourceRevision: revision,
            registry: registry,
            sumValueLengthsDirect: unsafeBitCast(symbol, to: DirectSumFunction.self))
    }

    /// Flags for both benchmark libraries; the report prints them.
    static let compilerFlags = ["-shared", "-fPIC", "-O2", "-std=c11", "-Wall", "-Wextra", "-Werror"]

    /// How the benchmark libraries were compiled, for the report.
    var pluginBuildCommand: String {
        "cc \(Self.compilerFlags.joined(separator: " ")) -I SDK/include"
    }

    /// Writes `text` to the scratch directory and compiles it into a shared
    /// library there; returns the library's path.
    private static func compile(
        _ text: String, named fileName: String, into libraryName: String, scratch: String, sdkInclude: String
    ) throws -> String {
        let source = scratch + "/" + fileName
        let library = scratch + "/" + libraryName
        try text.write(toFile: source, atomically: true, encoding: .utf8)
        let arguments = compilerFlags + ["-I", sdkInclude, "-o", library, source]
        let build = try runProcess("cc", arguments)
        guard build.status == 0 else {
            throw BenchmarkError(description: "cc \(arguments.joined(separator: " ")) failed:\n\(build.output)")
        }
        return library
    }

    func removeScratch() {
        try? FileManager.default.removeItem(atPath: scratchDirectory)
    }

    private static func findPackageRoot(startingAt paths: [String]) -> String? {
        for path in paths {
            var directory = (path as NSString).deletingLastPathComponent
            while directory != "/" && !directory.isEmpty {
                if FileManager.default.fileExists(atPath: directory + "/Package.swift")
                    && FileManager.default.fileExists(atPath: directory + "/SDK/include/streamhost.h") {
                    return directory
                }
                directory = (directory as NSString).deletingLastPathComponent
            }
        }
        return nil
    }
}

/// Runs a program found on PATH and returns its exit status and its
/// standard output and error together.
func runProcess(_ program: String, _ arguments: [String]) throws -> (status: Int32, output: String) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = [program] + arguments
    let pipe = Pipe()
    process.standardOutput = pipe
    process.standardError = pipe
    try process.run()
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (process.terminationStatus, String(decoding: data, as: UTF8.self))
}
