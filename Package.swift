// swift-tools-version:6.0
//
// One package builds the host, the first-party plugins (each its own .so),
// the Swift plugin kit, the examples, the tests and the benchmarks.
// Targets under Plugins/ use explicit `path:`: SwiftPM also gives that folder
// name to package plugins, and there are none here.
import PackageDescription

let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
]

/// A first-party plugin written in C: one dynamic library per plugin.
func cPlugin(_ name: String) -> (Product, Target) {
    let target = "Plugin_\(name)"
    return (
        .library(name: "streamhost-\(name)", type: .dynamic, targets: [target]),
        .target(
            name: target, dependencies: ["StreamhostABI", "PluginSupport"], path: "Plugins/\(name)",
            publicHeadersPath: ".", cSettings: [.unsafeFlags(["-O2", "-fvisibility=hidden"])])
    )
}

/// Helpers the C plugins share (not ABI: linked into each plugin, hidden).
let pluginSupport = Target.target(
    name: "PluginSupport", dependencies: ["StreamhostABI", "StreamhostVersion"], path: "Plugins/common",
    cSettings: [.unsafeFlags(["-O2", "-fvisibility=hidden"])])

let cPlugins = ["datagen", "stdout", "blackhole", "logsource", "logsink"].map(cPlugin)

/// A first-party plugin written with the Swift plugin kit: one dynamic
/// library per plugin.
func swiftPlugin(_ name: String) -> (Product, Target) {
    let target = "Plugin_\(name)"
    return (
        .library(name: "streamhost-\(name)", type: .dynamic, targets: [target]),
        .target(name: target, dependencies: ["StreamhostKit"], path: "Plugins/\(name)", swiftSettings: swiftSettings)
    )
}

let swiftPlugins = ["file", "window", "dedup", "join"].map(swiftPlugin)

let package = Package(
    name: "streamhost",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "streamhost", targets: ["streamhost"]),
        .executable(name: "streamhost-bench", targets: ["StreamhostBenchmarks"]),
        .library(name: "StreamhostKit", targets: ["StreamhostKit"]),
        .library(name: "big-orders-swift", type: .dynamic, targets: ["BigOrdersSwift"]),
    ] + cPlugins.map(\.0) + swiftPlugins.map(\.0),
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.0.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.6.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.81.0"),
    ],
    targets: [
        // The C ABI: SDK/include/streamhost.h, plus layout checks compiled
        // into a tiny C target so that an accidental layout change fails the
        // build.
        .target(
            name: "StreamhostABI", path: "SDK",
            exclude: ["README.md", "swift"],
            sources: ["abi"],
            publicHeadersPath: "include"),

        // Host modules. StreamhostVersion: the one version string, a C
        // header that the host and the first-party C plugins both read.
        .target(name: "StreamhostVersion"),
        .target(name: "Core", swiftSettings: swiftSettings),
        .target(
            name: "PluginHost",
            dependencies: [
                "Core", "State", "StreamhostABI", "StreamhostVersion", .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings),
        // Keyed state: the protocols, the in-memory backend and the RocksDB
        // backend (Debian's librocksdb, through its C API).
        .systemLibrary(
            name: "CRocksDB", path: "Sources/CSystem/CRocksDB", pkgConfig: "rocksdb",
            providers: [.apt(["librocksdb-dev"])]),
        .target(name: "State", dependencies: ["Core", "CRocksDB", "CLogSupport"], swiftSettings: swiftSettings),
        // The admin API of a running host (a Unix socket in the data directory).
        .target(name: "Admin", dependencies: [.product(name: "Logging", package: "swift-log")], swiftSettings: swiftSettings),
        // Checkpoints and savepoints: manifests and the checkpoint store.
        .target(name: "Checkpoint", dependencies: ["Core", "State", "CLogSupport"], swiftSettings: swiftSettings),
        .target(
            name: "Runtime",
            dependencies: [
                "Core", "PluginHost", "StreamhostABI", "Yams", "Log", "State", "Checkpoint",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings),
        .executableTarget(
            name: "streamhost",
            dependencies: [
                "Core", "PluginHost", "Runtime", "Log", "Admin", "Server",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings),
        .target(name: "TestKit", dependencies: ["Core", "KafkaProtocol"], swiftSettings: swiftSettings),
        // The Kafka wire protocol as values and bytes: primitives, headers,
        // one schema per API and a generic codec; no sockets, no log.
        .target(name: "KafkaProtocol", swiftSettings: swiftSettings),
        // `streamhost serve`: the Kafka listener on SwiftNIO and the broker
        // answering requests over the log.
        .target(
            name: "Server",
            dependencies: [
                "KafkaProtocol", "Log", "Yams", .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"), .product(name: "NIOPosix", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings),

        // The durable log: Kafka RecordBatch v2 segments. CRC-32C in C (SSE4.2
        // when the CPU has it); codecs from Debian's libraries.
        .target(name: "CLogSupport", path: "Sources/CLogSupport", cSettings: [.unsafeFlags(["-O2"])]),
        .systemLibrary(name: "CLZ4", path: "Sources/CSystem/CLZ4", pkgConfig: "liblz4", providers: [.apt(["liblz4-dev"])]),
        .systemLibrary(name: "CZstd", path: "Sources/CSystem/CZstd", pkgConfig: "libzstd", providers: [.apt(["libzstd-dev"])]),
        .systemLibrary(name: "CZlib", path: "Sources/CSystem/CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),
        .systemLibrary(name: "CSnappy", path: "Sources/CSystem/CSnappy", pkgConfig: "snappy", providers: [.apt(["libsnappy-dev"])]),
        .target(
            name: "Log",
            dependencies: ["Core", "KafkaProtocol", "CLogSupport", "CLZ4", "CZstd", "CZlib", "CSnappy",
                           .product(name: "Logging", package: "swift-log")],
            swiftSettings: swiftSettings),

        // The Swift plugin kit (its plugins are in swiftPlugins) and the
        // example written with it.
        .target(
            name: "StreamhostKit", dependencies: ["StreamhostABI"], path: "SDK/swift/StreamhostKit",
            swiftSettings: swiftSettings),
        .target(
            name: "BigOrdersSwift", dependencies: ["StreamhostKit"], path: "examples/swift-operator",
            exclude: ["job.yaml", "README.md"],
            swiftSettings: swiftSettings),

        // Benchmarks: their own executable; a plain `swift build` compiles
        // them but nothing depends on them.
        .executableTarget(
            name: "StreamhostBenchmarks",
            dependencies: ["Core", "Log", "PluginHost", "Runtime", "State", "StreamhostABI"],
            path: "Benchmarks",
            swiftSettings: swiftSettings),

        // Tests mirror the modules; EndToEndTests drive the built binary and
        // load every plugin through dlopen.
        .testTarget(name: "CoreTests", dependencies: ["Core", "TestKit"], swiftSettings: swiftSettings),
        .testTarget(name: "LogTests", dependencies: ["Log", "KafkaProtocol", "TestKit"], swiftSettings: swiftSettings),
        .testTarget(name: "KafkaProtocolTests", dependencies: ["KafkaProtocol", "TestKit"], swiftSettings: swiftSettings),
        .testTarget(
            name: "ServerTests",
            dependencies: [
                "Server", "KafkaProtocol", "Log", "TestKit", .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings),
        .testTarget(name: "AdminTests", dependencies: ["Admin", "TestKit"], swiftSettings: swiftSettings),
        .testTarget(name: "CheckpointTests", dependencies: ["Checkpoint", "TestKit"], swiftSettings: swiftSettings),
        .testTarget(name: "StateTests", dependencies: ["Core", "State", "TestKit"], swiftSettings: swiftSettings),
        .testTarget(
            name: "PluginHostTests", dependencies: ["PluginHost", "TestKit"],
            exclude: ["Fixtures"],
            swiftSettings: swiftSettings),
        .testTarget(
            name: "RuntimeTests", dependencies: ["Runtime", "PluginHost", "Log", "State", "TestKit"],
            swiftSettings: swiftSettings),
        .testTarget(
            name: "EndToEndTests", dependencies: ["TestKit"],
            swiftSettings: swiftSettings),
        .testTarget(
            name: "StreamhostKitTests", dependencies: ["StreamhostKit", "Plugin_file", "TestKit"],
            swiftSettings: swiftSettings),
    ] + cPlugins.map(\.1) + swiftPlugins.map(\.1) + [pluginSupport],
    swiftLanguageModes: [.v6]
)

// The expression language (issue 6): parser, type checker, compiled
// evaluation, built-in functions; no I/O. The `expressions` plugin
// (filter, map, project) is built on it, and the host uses it to check
// expressions in job files at plan time.
package.targets.append(.target(name: "Expressions", swiftSettings: swiftSettings))
package.targets.append(.testTarget(name: "ExpressionsTests", dependencies: ["Expressions", "TestKit"], swiftSettings: swiftSettings))
// The filter, map and project operators: a kit plugin that links Expressions.
package.products.append(.library(name: "streamhost-expressions", type: .dynamic, targets: ["Plugin_expressions"]))
package.targets.append(.target(
    name: "Plugin_expressions", dependencies: ["StreamhostKit", "Expressions"], path: "Plugins/expressions",
    swiftSettings: swiftSettings))
// The host checks expressions in job files at plan time (JobValidator).
package.targets.first { $0.name == "Runtime" }?.dependencies.append("Expressions")
// Native UDFs (issue 6): C functions from plugin libraries or system
// libraries, called through Debian's libffi with signatures known only at
// run time. NativeFunctions does the dlopen/dlsym and the calls; the Runtime
// resolves a job's `functions:` into a FunctionRegistry at job start.
package.targets += [
    .systemLibrary(
        name: "CFFI", path: "Sources/CSystem/CFFI", pkgConfig: "libffi", providers: [.apt(["libffi-dev"])]),
    .target(name: "CNativeSupport", path: "Sources/CNativeSupport", cSettings: [.unsafeFlags(["-O2"])]),
    .target(name: "NativeFunctions", dependencies: ["CFFI", "CNativeSupport"], swiftSettings: swiftSettings),
    .testTarget(
        name: "NativeFunctionsTests", dependencies: ["NativeFunctions", "TestKit"],
        exclude: ["Fixtures"],
        swiftSettings: swiftSettings),
]
for target in package.targets
where ["Runtime", "streamhost", "StreamhostBenchmarks", "RuntimeTests"].contains(target.name) {
    target.dependencies.append("NativeFunctions")
}
// Native functions (the ffi work) as an expression function library: used by
// the host to type-check expressions that call them, and by the expressions
// plugin to call them.
package.targets.append(.target(name: "ExpressionUDFs", dependencies: ["Expressions", "NativeFunctions"], swiftSettings: swiftSettings))
for target in package.targets where ["Runtime", "Plugin_expressions", "ExpressionsTests"].contains(target.name) {
    target.dependencies.append("ExpressionUDFs")
}
package.targets.first { $0.name == "ExpressionsTests" }?.dependencies.append("NativeFunctions")
// One rule for time text (epoch ms or ISO 8601, no zone = UTC), shared by
// the host's CLI and the Swift plugin kit (the file source).
package.targets += [
    .target(name: "TimeText", swiftSettings: swiftSettings),
    .testTarget(name: "TimeTextTests", dependencies: ["TimeText"], swiftSettings: swiftSettings),
]
for target in package.targets where ["StreamhostKit", "streamhost"].contains(target.name) {
    target.dependencies.append("TimeText")
}
