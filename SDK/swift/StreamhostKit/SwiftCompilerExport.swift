import SwiftToolchain

/// The Swift compiler this plugin was built with (SwiftToolchain): the host
/// reads it before calling `streamhost_plugin_entry` and refuses a plugin
/// built by another toolchain, naming both versions. Exported from every
/// plugin built with the kit; returns a static, NUL-terminated string.
@_cdecl("streamhost_swift_compiler")
public func streamhost_swift_compiler() -> UnsafePointer<CChar> {
    UnsafeRawPointer(SwiftToolchain.compilerVersion.utf8Start).assumingMemoryBound(to: CChar.self)
}
