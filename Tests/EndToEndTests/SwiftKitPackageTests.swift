import Foundation
import Testing
import TestKit

/// The Swift kit as a plugin author uses it: a package of one's own that
/// depends on SDK/ (SDK/Package.swift) alone, built with `swift build`,
/// loaded by the host with --plugin.
@Suite("Swift kit package", .serialized)
struct SwiftKitPackageTests {
    let directory: TemporaryDirectory
    init() throws { directory = try TemporaryDirectory(prefix: "kit-package") }

    @Test func aPluginPackageDependsOnTheKitAloneAndRuns() throws {
        let package = directory.file("my-plugin")
        let sources = package + "/Sources/BigOrders"
        try FileManager.default.createDirectory(atPath: sources, withIntermediateDirectories: true)
        // The Package.swift lines of SDK/swift/README.md.
        try Data("""
            // swift-tools-version:6.0
            import PackageDescription

            let package = Package(
                name: "my-plugin",
                products: [.library(name: "my-big-orders", type: .dynamic, targets: ["BigOrders"])],
                dependencies: [.package(path: "\(BuildProducts.packageRoot)/SDK")],
                targets: [
                    .target(name: "BigOrders", dependencies: [.product(name: "StreamhostKit", package: "SDK")]),
                ]
            )

            """.utf8).write(to: URL(fileURLWithPath: package + "/Package.swift"))
        for file in ["BigOrders.swift", "Plugin.swift"] {
            try FileManager.default.copyItem(
                atPath: BuildProducts.packageRoot + "/examples/swift-operator/" + file, toPath: sources + "/" + file)
        }

        let build = try ProcessRunner.run(
            "swift", ["build", "--package-path", package], timeoutSeconds: 900)
        try #require(build.status == 0, "\(build.standardOutput)\(build.standardError)")
        // Nothing but the SDK: no CLI, YAML or logging packages resolved.
        let dependencies = try ProcessRunner.run(
            "swift", ["package", "--package-path", package, "show-dependencies", "--format", "flatlist"])
        #expect(dependencies.status == 0, "\(dependencies.standardError)")
        let names = dependencies.standardOutput.split(separator: "\n").map(String.init).filter { !$0.isEmpty }
        #expect(names == ["sdk"], "\(dependencies.standardOutput)")

        let library = package + "/.build/debug/libmy-big-orders.so"
        let job = try directory.write("job.yaml", """
            name: kit-package
            pipeline:
              - {id: orders, source: datagen, config: {count: 10000, seed: 7}}
              - {id: big, operator: big-orders-swift, config: {min_amount: 500}}
              - {id: out, sink: file, config: {path: "\(directory.file("out.jsonl"))"}}
            """)
        let outcome = try CLI.run(["run", job, "--plugin", library])
        #expect(outcome.status == 0, "\(outcome.standardError)")
        let expected = try Reference.orders(count: 10000, seed: 7, in: directory).filter { (Reference.amount($0) ?? -1) >= 500 }
        #expect(CLI.lines(directory.file("out.jsonl")) == expected)
    }
}
