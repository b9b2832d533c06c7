import Foundation
import PluginHost
import Testing
import TestKit

/// streamhost has one version string (STREAMHOST_VERSION): the CLI, the
/// host-API table and every first-party C plugin report the same one.
@Suite("Version")
struct VersionTests {
    static let firstPartyCPlugins = ["datagen", "stdout", "blackhole", "logsource", "logsink", "nexmark"]

    func streamhost(_ arguments: [String]) throws -> ProcessOutcome {
        try ProcessRunner.run(BuildProducts.streamhost, arguments, environment: ["STREAMHOST_PLUGIN_PATH": ""],
                              timeoutSeconds: 120)
    }

    @Test func theCLIThePluginsAndTheHostTableAgree() throws {
        let version = HostAPI.hostVersion
        #expect(!version.isEmpty)
        #expect(String(cString: HostAPI.table.pointee.host_version) == version)

        let cli = try streamhost(["--version"])
        #expect(cli.status == 0, "\(cli.standardError)")
        #expect(cli.standardOutput.trimmingCharacters(in: .whitespacesAndNewlines)
            == "streamhost \(version) (plugin ABI \(PluginABI.versionString))")

        let paths = Self.firstPartyCPlugins.map(BuildProducts.plugin)
        let inspect = try streamhost(["plugin", "inspect", "--json"] + paths)
        #expect(inspect.status == 0, "\(inspect.standardError)")
        let report = try #require(
            try JSONSerialization.jsonObject(with: Data(inspect.standardOutput.utf8)) as? [String: Any])
        #expect(report["host_version"] as? String == version)
        let plugins = try #require(report["plugins"] as? [[String: Any]])
        #expect(plugins.count == paths.count)
        for plugin in plugins {
            #expect(plugin["version"] as? String == version, "\(plugin["name"] ?? "?"): \(plugin["version"] ?? "?")")
        }
    }
}
