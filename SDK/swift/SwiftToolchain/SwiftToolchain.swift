/// The Swift compiler a binary was built with, as "MAJOR.MINOR".
///
/// Swift has no stable ABI on Linux: a plugin written with the kit must be
/// built by the same Swift toolchain as the host that loads it, or the two
/// halves disagree about the runtime's layouts and the process crashes at
/// some later, unrelated point. The kit exports this version from every
/// Swift plugin (the C symbol `streamhost_swift_compiler`) and the host
/// compares it with its own before calling the plugin's entry point, so a
/// mismatch is refused with both versions named instead.
///
/// The version is read at compile time, from `#if compiler(...)`, which
/// gives major and minor only; patch releases of one minor share their
/// runtime in practice. Both sides compile this same file, so they agree on
/// the table; a compiler newer than its last line reports that line with a
/// "+" (extend the table when a toolchain is added).
public enum SwiftToolchain {
    /// This binary's compiler version ("6.3", or "6.5+" past the table).
    public static let compilerVersion: StaticString = {
        #if compiler(>=6.5)
        return "6.5+"
        #elseif compiler(>=6.4)
        return "6.4"
        #elseif compiler(>=6.3)
        return "6.3"
        #elseif compiler(>=6.2)
        return "6.2"
        #elseif compiler(>=6.1)
        return "6.1"
        #elseif compiler(>=6.0)
        return "6.0"
        #else
        return "5.x"
        #endif
    }()

    /// The C symbol a Swift plugin exports: `const char *streamhost_swift_compiler(void)`.
    public static let exportedSymbol = "streamhost_swift_compiler"
}
