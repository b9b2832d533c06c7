import ArgumentParser
import Core
import Foundation
import NativeFunctions
import PluginHost

struct PluginCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plugin", abstract: "Inspect and test plugins.", subcommands: [Inspect.self, Test.self])

    struct Inspect: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Load a plugin and print its name, version, ABI, components and config schemas.",
            discussion: "Without a path, inspects the plugins built with streamhost.")

        @Argument(help: "Plugin files (.so) or directories.")
        var paths: [String] = []

        @Flag(help: "Print JSON.")
        var json = false

        func run() throws {
            var registry = PluginRegistry()
            do {
                if paths.isEmpty {
                    try registry.loadAllBuiltins(
                        directories: PluginRegistry.builtinDirectories(executablePath: PluginRegistry.executablePath))
                } else {
                    try registry.loadExplicit(paths: paths, environmentPath: nil)
                }
            } catch {
                writeStderr("error: \(error)\n")
                throw ExitCode(2)
            }
            if json {
                print(jsonReport(registry.plugins).serialized())
            } else {
                printText(registry.plugins)
            }
        }

        private func printText(_ plugins: [LoadedPlugin]) {
            for plugin in plugins {
                print("\(plugin.name) \(plugin.version)  (\(plugin.path))")
                print("  ABI \(plugin.abiMajor).\(plugin.abiMinor) (host speaks \(PluginABI.versionString))")
                for component in plugin.components {
                    print("  \(component.kind) \(component.name): \(component.description)")
                    print("    state_version \(component.stateVersion); callbacks: "
                        + component.providedCallbacks.joined(separator: ", "))
                    if component.kind != .source { print("    takes: \(component.inputFormats)") }
                    if component.kind != .sink { print("    emits: \(component.outputFormats)") }
                    if let schema = component.configSchemaText {
                        print("    config schema: \(schema)")
                    } else {
                        print("    config: none")
                    }
                }
                for function in plugin.functions {
                    print("  function \(function.name): \(function.signature)"
                        + (function.isVectorized ? " vectorized" : "") + " (symbol \(function.symbol)"
                        + (function.freeSymbol.map { ", free \($0)" } ?? "") + ")")
                    // The C prototype the host will call, or why the signature is refused.
                    do {
                        let signature = try FunctionSignature(parsing: function.signature, function: function.name)
                        print("    C: \(signature.cPrototype(symbol: function.symbol, vectorized: function.isVectorized))")
                    } catch {
                        print("    error: \(error)")
                    }
                }
            }
            print("host services (streamhost \(HostAPI.hostVersion)):")
            for service in HostAPI.serviceList {
                print("  \(service.implemented ? "yes" : "no ")  \(service.name)"
                    + (service.implemented ? "" : "  (answers SH_UNSUPPORTED until \(service.arrivesWith))"))
            }
        }

        private func jsonReport(_ plugins: [LoadedPlugin]) -> JSONValue {
            var root = JSONObject()
            root["host_version"] = .string(HostAPI.hostVersion)
            root["host_abi"] = .string(PluginABI.versionString)
            root["services"] = .object(JSONObject(HostAPI.serviceList.map { ($0.name, JSONValue.bool($0.implemented)) }))
            root["plugins"] = .array(plugins.map { plugin in
                var object = JSONObject()
                object["path"] = .string(plugin.path)
                object["name"] = .string(plugin.name)
                object["version"] = .string(plugin.version)
                object["abi"] = .string("\(plugin.abiMajor).\(plugin.abiMinor)")
                object["components"] = .array(plugin.components.map { component in
                    var c = JSONObject()
                    c["kind"] = .string(component.kind.rawValue)
                    c["name"] = .string(component.name)
                    c["description"] = .string(component.description)
                    c["state_version"] = .int(Int64(component.stateVersion))
                    c["inputs"] = .int(Int64(component.inputCount))
                    c["callbacks"] = .array(component.providedCallbacks.map(JSONValue.string))
                    c["takes"] = .string(component.inputFormats.description)
                    c["emits"] = .string(component.outputFormats.description)
                    if let text = component.configSchemaText, let schema = try? JSONValue.parse(text) {
                        c["config_schema"] = schema
                    } else {
                        c["config_schema"] = .null
                    }
                    return .object(c)
                })
                object["functions"] = .array(plugin.functions.map { f in
                    .object(JSONObject([("name", .string(f.name)), ("symbol", .string(f.symbol)),
                                        ("signature", .string(f.signature)), ("vectorized", .bool(f.isVectorized)),
                                        ("free", f.freeSymbol.map(JSONValue.string) ?? .null)]))
                })
                return .object(object)
            })
            return .object(root)
        }
    }
}
