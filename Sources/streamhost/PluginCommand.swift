import ArgumentParser
import Core
import Foundation
import NativeFunctions
import PluginHost

struct PluginCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plugin", abstract: "Inspect, compare and test plugins.", subcommands: [Inspect.self, Diff.self, Test.self])

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
            do throws(PluginLoadError) {
                if paths.isEmpty {
                    try registry.loadAllBuiltins(
                        directories: PluginRegistry.builtinDirectories(executablePath: PluginRegistry.executablePath))
                } else {
                    try registry.loadExplicit(paths: paths, environmentPath: nil)
                }
            } catch {
                writeStderr("error: \(error)\n")
                if case .componentProvidedTwice = error {
                    writeStderr("note: to compare two builds of one plugin, run `streamhost plugin diff OLD.so NEW.so`\n")
                }
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

    struct Diff: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Compare two builds of one plugin and say what a hot swap from OLD to NEW would meet.",
            discussion: """
                Loads both files (they are never run) and compares the plugins' versions and ABI, their \
                functions, and per component (matched by kind and name) the state version, the config \
                schema, the callbacks it implements and its other metadata. For each component it says \
                whether a swap from OLD to NEW keeps the state as it is, needs the new build's `migrate` \
                (its state_version grew) and whether NEW declares one, or is refused (NEW is older than \
                the state). Exit status: 0 when compared (whatever the differences), 2 when a file \
                cannot be loaded.
                """)

        @Argument(help: "The running (old) build.")
        var old: String

        @Argument(help: "The new build.")
        var new: String

        @Flag(help: "Print JSON.")
        var json = false

        func run() throws {
            let diff: PluginDiff
            do throws(PluginLoadError) {
                diff = PluginDiff(old: try PluginLoader.load(path: old), new: try PluginLoader.load(path: new))
            } catch {
                writeStderr("error: \(error)\n")
                throw ExitCode(2)
            }
            print(json ? Self.jsonReport(diff).serialized() : Self.text(diff), terminator: json ? "\n" : "")
        }

        /// The comparison as lines of text.
        static func text(_ diff: PluginDiff) -> String {
            var out = ""
            func line(_ text: String) { out += text + "\n" }
            let (old, new) = (diff.old, diff.new)
            line("old: \(old.name) \(old.version), ABI \(old.abiMajor).\(old.abiMinor)  (\(old.path))")
            line("new: \(new.name) \(new.version), ABI \(new.abiMajor).\(new.abiMinor)  (\(new.path))")
            if !diff.samePlugin {
                line("warning: these are two plugins ('\(old.name)' and '\(new.name)'): a swap replaces a plugin by "
                    + "name, so NEW cannot replace OLD")
            }
            if old.version == new.version { line("note: both builds say version \(old.version)") }
            for change in diff.functionChanges { line(change) }
            for component in diff.components {
                line("\(component.kind) \(component.name):")
                switch (component.old, component.new) {
                case (let was?, let now?):
                    line("  state_version \(was.stateVersion) -> \(now.stateVersion)")
                    line("  callbacks: " + now.providedCallbacks.joined(separator: ", "))
                    if !component.callbacksAdded.isEmpty {
                        line("    added: " + component.callbacksAdded.joined(separator: ", "))
                    }
                    if !component.callbacksRemoved.isEmpty {
                        line("    removed: " + component.callbacksRemoved.joined(separator: ", "))
                    }
                    let schema = component.configSchemaChanges
                    line("  config schema: " + (schema.isEmpty ? "unchanged" : "changed"))
                    for change in schema { line("    " + change) }
                    for change in component.otherChanges { line("  " + change) }
                case (let was?, nil):
                    line("  only in old (state_version \(was.stateVersion); callbacks: "
                        + was.providedCallbacks.joined(separator: ", ") + ")")
                case (nil, let now?):
                    line("  only in new (state_version \(now.stateVersion); callbacks: "
                        + now.providedCallbacks.joined(separator: ", ") + ")")
                case (nil, nil):
                    preconditionFailure("a compared component is in at least one build")
                }
                line("  swap: " + component.swapVerdict)
            }
            return out
        }

        static func jsonReport(_ diff: PluginDiff) -> JSONValue {
            func side(_ plugin: LoadedPlugin) -> JSONValue {
                .object(JSONObject([
                    ("path", .string(plugin.path)), ("name", .string(plugin.name)), ("version", .string(plugin.version)),
                    ("abi", .string("\(plugin.abiMajor).\(plugin.abiMinor)")),
                ]))
            }
            func component(_ component: Component?) -> JSONValue {
                guard let component else { return .null }
                return .object(JSONObject([
                    ("state_version", .int(Int64(component.stateVersion))),
                    ("callbacks", .array(component.providedCallbacks.map(JSONValue.string))),
                    ("config_schema", component.configSchemaText.flatMap { try? JSONValue.parse($0) } ?? .null),
                ]))
            }
            var root = JSONObject()
            root["old"] = side(diff.old)
            root["new"] = side(diff.new)
            root["same_plugin"] = .bool(diff.samePlugin)
            root["function_changes"] = .array(diff.functionChanges.map(JSONValue.string))
            root["components"] = .array(diff.components.map { c in
                var object = JSONObject()
                object["kind"] = .string(c.kind.rawValue)
                object["name"] = .string(c.name)
                object["old"] = component(c.old)
                object["new"] = component(c.new)
                object["needs_migrate"] = .bool(c.needsMigrate)
                object["new_declares_migrate"] = .bool(c.newDeclaresMigrate)
                object["swap_refused"] = .bool({
                    if case .olderThanState? = c.stateChange { return true }
                    return c.new == nil
                }())
                object["config_schema_changes"] = .array(c.configSchemaChanges.map(JSONValue.string))
                object["callbacks_added"] = .array(c.callbacksAdded.map(JSONValue.string))
                object["callbacks_removed"] = .array(c.callbacksRemoved.map(JSONValue.string))
                object["other_changes"] = .array(c.otherChanges.map(JSONValue.string))
                object["swap"] = .string(c.swapVerdict)
                return .object(object)
            })
            return .object(root)
        }
    }
}
