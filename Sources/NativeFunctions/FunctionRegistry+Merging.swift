#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

extension FunctionRegistry {
    /// Combines the functions a job file declares with those loaded plugins
    /// export, checking them against each other before anything is loaded.
    ///
    /// - A name may be used once among the exports, and once among the
    ///   declarations.
    /// - A declaration of the same library and symbol a plugin exports (by
    ///   the plugin's name or another) must agree with the plugin's
    ///   descriptor: signature, vectorized flag and free function.
    /// - A declaration that reuses an export's name for another library or
    ///   symbol is a clash, named with both places.
    ///
    /// Returns the declarations to resolve: every export, then the job's
    /// declarations that are not the same function under the same name.
    public static func merge(
        declared: [FunctionDeclaration], exported: [FunctionDeclaration]
    ) throws(NativeFunctionError) -> [FunctionDeclaration] {
        var exportsByName: [String: FunctionDeclaration] = [:]
        var exportsByTarget: [String: FunctionDeclaration] = [:]
        for export in exported {
            if let first = exportsByName[export.name] {
                throw .duplicateName(function: export.name, first: first.origin.description,
                                     second: export.origin.description)
            }
            exportsByName[export.name] = export
            exportsByTarget[target(export)] = export
        }
        var result = exported
        var declaredNames: [String: FunctionDeclaration] = [:]
        for declaration in declared {
            if let first = declaredNames[declaration.name] {
                throw .duplicateName(function: declaration.name, first: first.origin.description,
                                     second: declaration.origin.description)
            }
            declaredNames[declaration.name] = declaration
            let sameTarget = exportsByTarget[target(declaration)]
            if let sameTarget { try check(declaration, against: sameTarget) }
            if let namesake = exportsByName[declaration.name] {
                guard let sameTarget, sameTarget.name == namesake.name else {
                    throw .duplicateName(function: declaration.name, first: declaration.origin.description,
                                         second: namesake.origin.description)
                }
                // The same function under the same name: the plugin's entry
                // stands for both.
                continue
            }
            result.append(declaration)
        }
        return result
    }

    /// Refuses a declaration that disagrees with the plugin's descriptor.
    static func check(_ declaration: FunctionDeclaration, against export: FunctionDeclaration)
        throws(NativeFunctionError)
    {
        let exportedSignature: FunctionSignature
        do {
            exportedSignature = try FunctionSignature(parsing: export.signature, function: export.name)
        } catch {
            throw .invalidDeclaration(function: export.name, problem: "as \(export.origin) exports it: \(error)")
        }
        let declaredSignature = try FunctionSignature(parsing: declaration.signature, function: declaration.name)
        let plugin = export.origin.description
        if declaredSignature != exportedSignature {
            throw .exportMismatch(function: declaration.name, field: "signature", declared: "\(declaredSignature)",
                                  exported: "\(exportedSignature)", plugin: plugin)
        }
        if declaration.isVectorized != export.isVectorized {
            throw .exportMismatch(function: declaration.name, field: "vectorized",
                                  declared: "\(declaration.isVectorized)", exported: "\(export.isVectorized)",
                                  plugin: plugin)
        }
        if declaration.freeSymbol != export.freeSymbol {
            throw .exportMismatch(function: declaration.name, field: "free", declared: declaration.freeSymbol ?? "none",
                                  exported: export.freeSymbol ?? "none", plugin: plugin)
        }
    }

    /// The library (by real path when it is a file) and symbol a
    /// declaration points at.
    private static func target(_ declaration: FunctionDeclaration) -> String {
        var library = declaration.libraryPath
        if library.contains("/"), let resolved = realpath(library, nil) {
            library = String(cString: resolved)
            free(resolved)
        }
        return library + "\u{0}" + declaration.symbol
    }
}
