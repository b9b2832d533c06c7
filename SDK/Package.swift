// swift-tools-version:6.0
//
// The Swift plugin kit as a package of its own, for plugin authors: a
// plugin's Package.swift depends on this one alone, and gets the C ABI
// header, the kit and the small modules it uses (JSON and time text, the
// compiler version, typed columns), with no other dependency. See
// swift/README.md.
//
//     .package(path: "/path/to/streamhost/SDK"),
//     ...
//     .target(name: "MyPlugin", dependencies: [.product(name: "StreamhostKit", package: "SDK")])
//
// The host's own Package.swift (one folder up) builds the same sources as
// its own targets; keep the two lists of these six targets in step.
import PackageDescription

let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
]

let package = Package(
    name: "streamhost-sdk",
    products: [
        .library(name: "StreamhostKit", targets: ["StreamhostKit"]),
    ],
    targets: [
        // SDK/include/streamhost.h, with the layout assertions of abi/.
        .target(
            name: "StreamhostABI", path: ".",
            exclude: ["README.md", "Package.swift", "swift", "go", "rust", "abi/layout.tsv"],
            sources: ["abi"],
            publicHeadersPath: "include"),
        .target(name: "JSONText", path: "swift/JSONText", swiftSettings: swiftSettings),
        .target(name: "TimeText", path: "swift/TimeText", swiftSettings: swiftSettings),
        .target(name: "SwiftToolchain", path: "swift/SwiftToolchain", swiftSettings: swiftSettings),
        .target(name: "Columns", dependencies: ["StreamhostABI"], path: "swift/Columns", swiftSettings: swiftSettings),
        .target(
            name: "StreamhostKit", dependencies: ["StreamhostABI", "JSONText", "TimeText", "SwiftToolchain", "Columns"],
            path: "swift/StreamhostKit", swiftSettings: swiftSettings),
    ]
)
