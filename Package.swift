// swift-tools-version:6.0
//
// One package builds the host, the first-party plugins (each its own .so),
// the Swift plugin kit, the examples, the tests and the benchmarks. Every
// target is declared once, with all its dependencies, in layers from the
// bottom up: this file is the module graph of docs/ARCHITECTURE.md.
// Targets under Plugins/ use explicit `path:`: SwiftPM also gives that folder
// name to package plugins, and there are none here.
import PackageDescription

let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
]
let logging = Target.Dependency.product(name: "Logging", package: "swift-log")
let system = Target.Dependency.product(name: "SystemPackage", package: "swift-system")

/// A first-party plugin written in C: one dynamic library per plugin, with
/// the shared helpers of Plugins/common linked in (hidden).
func cPlugin(_ name: String, linking: [LinkerSetting] = []) -> (Product, Target) {
    let target = "Plugin_\(name)"
    return (
        .library(name: "streamhost-\(name)", type: .dynamic, targets: [target]),
        .target(
            name: target, dependencies: ["StreamhostABI", "PluginSupport"], path: "Plugins/\(name)",
            publicHeadersPath: ".", cSettings: [.unsafeFlags(["-O2", "-fvisibility=hidden"])], linkerSettings: linking)
    )
}

/// A first-party plugin written with the Swift plugin kit: one dynamic
/// library per plugin.
func swiftPlugin(_ name: String, also: [Target.Dependency] = []) -> (Product, Target) {
    let target = "Plugin_\(name)"
    return (
        .library(name: "streamhost-\(name)", type: .dynamic, targets: [target]),
        .target(name: target, dependencies: ["StreamhostKit"] + also, path: "Plugins/\(name)", swiftSettings: swiftSettings)
    )
}

let plugins = ["datagen", "stdout", "blackhole", "logsource", "logsink"].map { cPlugin($0) } + [
    swiftPlugin("file", also: ["DurableFiles"]), swiftPlugin("window", also: ["Columns", "Core"]), swiftPlugin("dedup"), swiftPlugin("join"),
    // filter, map and project: the expression language, with native functions.
    swiftPlugin("expressions", also: ["Expressions", "ExpressionUDFs", "NativeFunctions", "Columns", "Core"]),
    // nexmark: the Nexmark benchmark's events (issue 16); libm for its prices.
    cPlugin("nexmark", linking: [.linkedLibrary("m")]),
]

let package = Package(
    name: "streamhost",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "streamhost", targets: ["streamhost"]),
        .executable(name: "streamhost-bench", targets: ["StreamhostBenchmarks"]),
        .library(name: "StreamhostKit", targets: ["StreamhostKit"]),
        .library(name: "big-orders-swift", type: .dynamic, targets: ["BigOrdersSwift"]),
    ] + plugins.map(\.0),
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.0.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.6.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.81.0"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.37.0"),
        .package(url: "https://github.com/apple/swift-crypto", from: "4.0.0"),
        .package(url: "https://github.com/apple/swift-system", from: "1.4.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        // Metrics (docs/METRICS.md): the swift-metrics API and its Prometheus backend.
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
    ],
    targets: [
        // MARK: The contract and the pieces both sides of it share.

        // The C ABI: SDK/include/streamhost.h, plus layout checks compiled
        // into a tiny C target so that an accidental layout change fails the
        // build.
        .target(
            name: "StreamhostABI", path: "SDK",
            exclude: ["README.md", "Package.swift", "swift", "go", "rust", "abi/layout.tsv"],
            sources: ["abi"],
            publicHeadersPath: "include"),
        // The one version string, a C header that the host and the
        // first-party C plugins both read.
        .target(name: "StreamhostVersion"),
        // JSON text: scanning, field paths, numbers, escaping, UTF-8 checks
        // under one strictness rule (docs/ARCHITECTURE.md, "JSON"); no
        // dependencies, so that the host, the plugin kit, the expressions and
        // every Swift plugin link the same code. It lives under SDK/swift
        // because SDK/Package.swift (the kit as a package of its own, for
        // plugin authors) builds it too.
        .target(name: "JSONText", path: "SDK/swift/JSONText", swiftSettings: swiftSettings),
        // One rule for time text (epoch ms or ISO 8601, no zone = UTC), for
        // the host's CLI and the plugin kit alike.
        .target(name: "TimeText", path: "SDK/swift/TimeText", swiftSettings: swiftSettings),
        // The Swift compiler version, compiled into the host and into every
        // kit plugin: Swift has no stable ABI on Linux, so the loader
        // refuses a Swift plugin built by another toolchain.
        .target(name: "SwiftToolchain", path: "SDK/swift/SwiftToolchain", swiftSettings: swiftSettings),
        // CRC-32C in C (SSE4.2 when the CPU has it), and its one Swift
        // wrapper, for the log, state snapshots and checkpoints.
        .target(name: "CChecksums", path: "Sources/CChecksums", cSettings: [.unsafeFlags(["-O2"])]),
        .target(name: "Checksums", dependencies: ["CChecksums"], swiftSettings: swiftSettings),
        // Durable files on swift-system: full reads and writes, fsync,
        // atomic replace, mkdir -p, tree removal, behind the `FileSystem`
        // seam that TestKit's fault-injecting twin also implements.
        .target(name: "DurableFiles", dependencies: [system], swiftSettings: swiftSettings),

        // MARK: System libraries (Debian's -dev packages).

        .systemLibrary(name: "CLZ4", path: "Sources/CSystem/CLZ4", pkgConfig: "liblz4", providers: [.apt(["liblz4-dev"])]),
        .systemLibrary(name: "CZstd", path: "Sources/CSystem/CZstd", pkgConfig: "libzstd", providers: [.apt(["libzstd-dev"])]),
        .systemLibrary(name: "CZlib", path: "Sources/CSystem/CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),
        .systemLibrary(name: "CSnappy", path: "Sources/CSystem/CSnappy", pkgConfig: "snappy", providers: [.apt(["libsnappy-dev"])]),
        .systemLibrary(
            name: "CRocksDB", path: "Sources/CSystem/CRocksDB", pkgConfig: "rocksdb",
            providers: [.apt(["librocksdb-dev"])]),
        .systemLibrary(
            name: "CFFI", path: "Sources/CSystem/CFFI", pkgConfig: "libffi", providers: [.apt(["libffi-dev"])]),
        .target(name: "CNativeSupport", path: "Sources/CNativeSupport", cSettings: [.unsafeFlags(["-O2"])]),

        // MARK: Host modules, bottom up.

        // The Kafka wire protocol as values and bytes: primitives, headers,
        // one schema per API, a generic codec and Kafka's error codes (the
        // log answers with them); no sockets, no log.
        .target(name: "KafkaProtocol", swiftSettings: swiftSettings),
        // Typed columns in Arrow's layout, with export and import over the
        // Arrow C Data Interface of SDK/include/streamhost.h; no I/O.
        .target(name: "Columns", dependencies: ["StreamhostABI"], path: "SDK/swift/Columns", swiftSettings: swiftSettings),
        // Records, batches, key groups, JSON values; no I/O.
        .target(name: "Core", dependencies: ["JSONText", "TimeText", "Columns"], swiftSettings: swiftSettings),
        // The expression language: parser, type checker, compiled evaluation,
        // built-in functions; no I/O.
        .target(name: "Expressions", dependencies: ["JSONText", "TimeText", "Columns", "Core"], swiftSettings: swiftSettings),
        // Flink SQL's front end: lexer, parser, syntax tree with positions,
        // printer and the planner that compiles it to a job (docs/SQL.md); no I/O.
        .target(name: "SQL", dependencies: ["TimeText", "Expressions"], swiftSettings: swiftSettings),
        // Native functions: dlopen/dlsym and calls through Debian's libffi
        // with signatures known only at run time.
        .target(name: "NativeFunctions", dependencies: ["CFFI", "CNativeSupport"], swiftSettings: swiftSettings),
        // Native functions as an expression function library.
        .target(name: "ExpressionUDFs", dependencies: ["Expressions", "NativeFunctions"], swiftSettings: swiftSettings),
        // The durable log: Kafka RecordBatch v2 segments, groups, transactions.
        .target(
            name: "Log",
            dependencies: ["Core", "KafkaProtocol", "Checksums", "DurableFiles", "CLZ4", "CZstd", "CZlib", "CSnappy", logging],
            swiftSettings: swiftSettings),
        // Keyed state: the protocols, the in-memory backend and the RocksDB
        // backend (through its C API).
        .target(name: "State", dependencies: ["Core", "CRocksDB", "Checksums", "DurableFiles", system], swiftSettings: swiftSettings),
        // Checkpoint manifests (JSON through Core) and the checkpoint store.
        .target(name: "Checkpoint", dependencies: ["Core", "Checksums", "DurableFiles", system], swiftSettings: swiftSettings),
        // The thread-local behind the host's check of ABI rule 8 (which
        // instance's callback this thread runs), in C: Swift has no
        // thread-locals it can read inline.
        .target(name: "CHostThread", path: "Sources/CHostThread", cSettings: [.unsafeFlags(["-O2"])]),
        // dlopen, ABI checks, the host-API table handed to plugins.
        .target(
            name: "PluginHost",
            dependencies: [
                "Core", "Columns", "StreamhostABI", "StreamhostVersion", "CHostThread", "SwiftToolchain", logging,
            ],
            swiftSettings: swiftSettings),
        // Metrics: the catalog of every metric (docs/METRICS.md), the
        // Prometheus registry and exposition, the job metrics the runtime
        // publishes per interval, and the small /metrics listener on
        // SwiftNIO's HTTP/1 codec.
        .target(
            name: "Observability",
            dependencies: [
                .product(name: "CoreMetrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "NIOCore", package: "swift-nio"), .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings),
        // Job files, plans, tasks, channels, checkpointing, supervision.
        .target(
            name: "Runtime",
            dependencies: [
                "Observability", "Core", "Columns", "PluginHost", "StreamhostABI", "Yams", "Log", "State", "Checkpoint", "DurableFiles",
                "Expressions", "ExpressionUDFs", "NativeFunctions", "TimeText", "SQL", logging,
            ],
            swiftSettings: swiftSettings),
        // The plugin test harness: one instance of a component driven by a
        // test, with in-memory keyed state and a manual clock (the
        // deterministic twin of a job's task), over the runtime's own host API.
        .target(
            name: "PluginTesting", dependencies: ["Core", "Columns", "PluginHost", "Runtime", "State", "StreamhostABI", "TimeText"],
            swiftSettings: swiftSettings),
        // The admin socket of a running host (a Unix socket in the data
        // directory).
        .target(name: "Admin", dependencies: ["Core", logging], swiftSettings: swiftSettings),
        // `streamhost serve`: the Kafka listeners on SwiftNIO (TLS through
        // swift-nio-ssl), SASL PLAIN and SCRAM-SHA-256 (HMAC and SHA-256 from
        // swift-crypto) and the broker answering requests over the log.
        .target(
            name: "Server",
            dependencies: [
                "KafkaProtocol", "Log", "Core", "DurableFiles", system, "Yams", "Observability", .product(name: "Prometheus", package: "swift-prometheus"),
                logging,
                .product(name: "NIOCore", package: "swift-nio"), .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"), .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: swiftSettings),
        // A minimal synchronous Kafka client over KafkaProtocol, the
        // discovery file of a running server, and the log's `LogClient`
        // over them: how the CLI and `run` work through `streamhost serve`
        // while it holds the data directory.
        .target(name: "KafkaClient", dependencies: ["KafkaProtocol", "Log", "Core", "DurableFiles"], swiftSettings: swiftSettings),
        // Jobs inside `streamhost serve`: submitted jobs kept under the data
        // directory, each run by a supervisor process (`run`, with its
        // attempts in worker processes), and the operations on them.
        .target(
            name: "JobService", dependencies: ["Runtime", "Checkpoint", "Admin", "Core", "DurableFiles", "Observability", logging],
            swiftSettings: swiftSettings),
        // The HTTP API of `streamhost serve` (/v1 on Hummingbird 2): jobs,
        // topics, consumer groups, plugins, health, the OpenAPI document.
        .target(
            name: "HTTPAPI",
            dependencies: [
                "JobService", "Log", "KafkaProtocol", "Core", "Observability", logging,
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings),
        // The command-line tool: parses, calls the modules, prints.
        .executableTarget(
            name: "streamhost",
            dependencies: [
                "Core", "PluginHost", "Runtime", "Log", "Admin", "Server", "KafkaClient", "NativeFunctions", "TimeText",
                "PluginTesting", "JobService", "HTTPAPI", "Observability", "SQL",
                .product(name: "ArgumentParser", package: "swift-argument-parser"), logging,
            ],
            swiftSettings: swiftSettings),

        // MARK: The plugin side: the Swift kit, the C plugins' helpers, the
        // first-party plugins (in `plugins`) and the Swift example.

        .target(
            name: "StreamhostKit", dependencies: ["StreamhostABI", "JSONText", "TimeText", "SwiftToolchain", "Columns"],
            path: "SDK/swift/StreamhostKit", swiftSettings: swiftSettings),
        .target(
            name: "PluginSupport", dependencies: ["StreamhostABI", "StreamhostVersion"], path: "Plugins/common",
            cSettings: [.unsafeFlags(["-O2", "-fvisibility=hidden"])]),
        .target(
            name: "BigOrdersSwift", dependencies: ["StreamhostKit"], path: "examples/swift-operator",
            exclude: ["job.yaml", "README.md"],
            swiftSettings: swiftSettings),

        // MARK: Benchmarks: their own executable; nothing depends on them.

        .executableTarget(
            name: "StreamhostBenchmarks",
            dependencies: [
                "Core", "Log", "Checksums", "PluginHost", "Runtime", "State", "StreamhostABI", "StreamhostKit",
                "NativeFunctions", "KafkaProtocol", "Server", "Observability", logging,
            ],
            path: "Benchmarks",
            exclude: ["clients"],
            swiftSettings: swiftSettings),

        // MARK: Tests mirror the modules; EndToEndTests drive the built
        // binary and load every plugin through dlopen.

        .target(name: "TestKit", dependencies: ["Core", "KafkaProtocol", "DurableFiles", system], swiftSettings: swiftSettings),
        .testTarget(name: "DurableFilesTests", dependencies: ["DurableFiles", "TestKit", system], swiftSettings: swiftSettings),
        .testTarget(
            name: "JSONTextTests", dependencies: ["JSONText", "Core", "StreamhostKit", "TestKit"],
            exclude: ["Corpus", "CHelper"], swiftSettings: swiftSettings),
        .testTarget(name: "TimeTextTests", dependencies: ["TimeText", "PluginSupport"], swiftSettings: swiftSettings),
        .testTarget(name: "ChecksumsTests", dependencies: ["Checksums", "TestKit"], swiftSettings: swiftSettings),
        .testTarget(name: "CoreTests", dependencies: ["Core", "TestKit"], swiftSettings: swiftSettings),
        .testTarget(name: "ColumnsTests", dependencies: ["Columns", "StreamhostABI"], swiftSettings: swiftSettings),
        .testTarget(
            name: "ExpressionsTests",
            dependencies: ["Expressions", "ExpressionUDFs", "NativeFunctions", "JSONText", "TestKit", "Columns", "Core"],
            swiftSettings: swiftSettings),
        .testTarget(name: "SQLTests", dependencies: ["SQL", "TestKit"], swiftSettings: swiftSettings),
        .testTarget(
            name: "NativeFunctionsTests", dependencies: ["NativeFunctions", "TestKit"], exclude: ["Fixtures"],
            swiftSettings: swiftSettings),
        .testTarget(
            name: "LogTests",
            dependencies: [
                "Log", "KafkaProtocol", "Checksums", "Core", "DurableFiles", "CLZ4", "CZstd", "CZlib", "CSnappy", logging,
                "TestKit",
            ],
            exclude: ["Fixtures"], swiftSettings: swiftSettings),
        .testTarget(name: "StateTests", dependencies: ["Core", "State", "DurableFiles", "TestKit"], swiftSettings: swiftSettings),
        .testTarget(
            name: "CheckpointTests", dependencies: ["Checkpoint", "Core", "DurableFiles", "TestKit"], exclude: ["Fixtures"],
            swiftSettings: swiftSettings),
        .testTarget(
            name: "PluginHostTests", dependencies: ["PluginHost", "Core", "StreamhostABI", "TestKit", "SwiftToolchain"],
            exclude: ["Fixtures"], swiftSettings: swiftSettings),
        .testTarget(
            name: "RuntimeTests",
            dependencies: ["Runtime", "PluginHost", "Log", "State", "Checkpoint", "Core", "NativeFunctions", "TestKit"],
            swiftSettings: swiftSettings),
        .testTarget(
            name: "PluginTestingTests", dependencies: ["PluginTesting", "PluginHost", "Core", "Columns", "StreamhostABI", "TestKit"],
            swiftSettings: swiftSettings),
        .testTarget(name: "AdminTests", dependencies: ["Admin", "Core", "TestKit"], swiftSettings: swiftSettings),
        .testTarget(name: "KafkaProtocolTests", dependencies: ["KafkaProtocol", "TestKit"], swiftSettings: swiftSettings),
        .testTarget(
            name: "ServerTests",
            dependencies: [
                "Server", "KafkaProtocol", "KafkaClient", "Log", logging, "TestKit",
                .product(name: "NIOCore", package: "swift-nio"), .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings),
        .testTarget(
            name: "StreamhostKitTests", dependencies: ["StreamhostKit", "Plugin_file", "TestKit", "Columns"],
            swiftSettings: swiftSettings),
        .testTarget(name: "EndToEndTests", dependencies: ["TestKit"], swiftSettings: swiftSettings),
        .testTarget(name: "HTTPAPITests", dependencies: ["HTTPAPI", "TestKit"], swiftSettings: swiftSettings),
        .testTarget(
            name: "ObservabilityTests", dependencies: ["Observability", "Runtime", "PluginHost", "TestKit"],
            swiftSettings: swiftSettings),
    ] + plugins.map(\.1),
    swiftLanguageModes: [.v6]
)
