import ArgumentParser
import Logging
import PluginHost
import Synchronization

private let loggingBootstrapped = Mutex(false)

@main
struct Streamhost: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "streamhost",
        abstract: "Stream processing in one host: pipelines of plugins loaded with dlopen.",
        discussion: """
            Plugins are found from --plugin, then STREAMHOST_PLUGIN_PATH (colon-separated files or \
            directories), then the plugins built with streamhost.
            """,
        version: "streamhost \(HostAPI.hostVersion) (plugin ABI \(PluginABI.versionString))",
        subcommands: [
            Run.self, Validate.self, SavepointCommand.self, SwapCommand.self, PluginCommand.self, TopicsCommand.self,
            Produce.self, Consume.self, GroupsCommand.self, Serve.self, UsersCommand.self, JobsCommand.self,
            SQLCommand.self,
        ],
        defaultSubcommand: Run.self)
}

/// Options every command that loads plugins shares.
struct PluginOptions: ParsableArguments {
    @Option(name: .customLong("plugin"), help: ArgumentHelp(
        "A plugin .so (or a directory of them) to load; repeatable.", valueName: "path"))
    var plugins: [String] = []
}

struct LoggingOptions: ParsableArguments {
    @Option(help: "Log level: trace, debug, info, warning, error.")
    var logLevel: String?

    func bootstrap(defaultLevel: Logger.Level = .info) {
        let name = logLevel ?? ProcessEnvironment.value("STREAMHOST_LOG_LEVEL")
        bootstrapLogging(level: name.flatMap(Logger.Level.init(rawValue:)) ?? defaultLevel)
    }
}

/// Sends swift-log output through `CompactLogHandler`; the first call wins.
func bootstrapLogging(level: Logger.Level) {
    loggingBootstrapped.withLock { done in
        guard !done else { return }
        done = true
        LoggingSystem.bootstrap { label in
            var handler = CompactLogHandler(label: label)
            handler.logLevel = level
            return handler
        }
    }
}
