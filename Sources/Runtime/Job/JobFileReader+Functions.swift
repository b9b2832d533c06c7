import NativeFunctions
import Yams

extension JobFileReader {
    /// The top-level `functions:` list: native functions (UDFs) expressions
    /// call by name. Checks fields, names and signature syntax; libraries
    /// and symbols are resolved at job start (`JobFunctions`).
    func functions(_ node: Node) throws(JobFileError) -> [FunctionSpec] {
        guard case .sequence(let sequence) = node else {
            throw error(node, "functions", "expected a list of functions, got \(describe(node))")
        }
        var functions: [FunctionSpec] = []
        var firstLines: [String: Int] = [:]
        for (index, entry) in sequence.enumerated() {
            let function = try self.function(entry, index: index)
            if let line = firstLines[function.name] {
                throw error(entry, "functions[\(index)].name",
                            "function '\(function.name)' is declared twice (first at line \(line)); rename one of them")
            }
            firstLines[function.name] = function.location.line
            functions.append(function)
        }
        return functions
    }

    private func function(_ node: Node, index: Int) throws(JobFileError) -> FunctionSpec {
        let prefix = "functions[\(index)]"
        var values: [String: String] = [:]
        var nodes: [String: Node] = [:]
        var vectorized = false
        var fieldLocations: [String: SourceLocation] = [:]
        for (key, keyNode, valueNode) in try entries(node, prefix) {
            let field = "\(prefix).\(key)"
            fieldLocations[key] = location(valueNode) ?? location(keyNode)
            nodes[key] = valueNode
            switch key {
            case "vectorized":
                guard case .bool(let flag) = value(valueNode) else {
                    throw error(valueNode, field, "expected true or false, got \(describe(valueNode))")
                }
                vectorized = flag
            case "name", "library", "symbol", "signature", "free":
                let text = try string(valueNode, field)
                guard !text.isEmpty else { throw error(valueNode, field, "must not be empty") }
                values[key] = text
            default:
                throw error(keyNode, field, "unknown field '\(key)' (allowed: "
                    + FunctionSpec.fields.joined(separator: ", ") + ")")
            }
        }
        for required in ["name", "library", "signature"] where values[required] == nil {
            throw error(node, "\(prefix).\(required)", "missing required field '\(required)'"
                + (required == "signature"
                    ? " (functions a plugin exports need no declaration: load the plugin with --plugin)" : ""))
        }
        let name = values["name"]!
        guard FunctionDeclaration.isValidName(name) else {
            throw error(nodes["name"], "\(prefix).name", "function names start with a letter or '_' and hold only "
                + "letters, digits and '_', got \"\(name)\"")
        }
        let signature = values["signature"]!
        do {
            _ = try FunctionSignature(parsing: signature, function: name)
        } catch {
            throw self.error(nodes["signature"], "\(prefix).signature", "\(error)")
        }
        return FunctionSpec(
            index: index, name: name, library: values["library"]!, symbol: values["symbol"] ?? name,
            signature: signature, isVectorized: vectorized, freeSymbol: values["free"],
            location: location(node) ?? SourceLocation(line: 0, column: 0), fieldLocations: fieldLocations)
    }
}
