#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import CNativeSupport
import Synchronization

/// Opens the shared libraries native functions live in and looks up their
/// symbols.
///
/// Libraries load with `RTLD_NOW | RTLD_LOCAL | RTLD_NODELETE` and are never
/// closed, like plugins: a function pointer the host holds must stay valid
/// for the life of the process, and opening a plugin's file again returns
/// the handle the plugin loader already has.
///
/// # Thread safety
/// Any thread may call; each dlopen/dlsym and the `dlerror()` that explains
/// it run under one lock, so that no other call in between can replace the
/// message.
enum SharedLibraries {
    private static let lock = Mutex(())

    /// Opens `path` (a path containing '/', or a soname the dynamic loader
    /// searches for).
    static func open(_ path: String) -> Result<UnsafeMutableRawPointer, LoaderMessage> {
        // Addresses leave the lock as integers: raw pointers are not Sendable.
        let outcome: Result<UInt, LoaderMessage> = lock.withLock { _ in
            _ = dlerror()
            if let handle = dlopen(path, RTLD_NOW | RTLD_LOCAL | RTLD_NODELETE) { return .success(UInt(bitPattern: handle)) }
            return .failure(LoaderMessage(dlerror().map { String(cString: $0) } ?? "dlopen failed without a message"))
        }
        return outcome.map { UnsafeMutableRawPointer(bitPattern: $0)! }
    }

    /// Looks `symbol` up in the library `handle` (and, as dlsym does, in the
    /// libraries it depends on).
    static func lookup(_ symbol: String, in handle: UnsafeMutableRawPointer) -> Result<UnsafeMutableRawPointer, LoaderMessage> {
        let handleBits = UInt(bitPattern: handle)
        let outcome: Result<UInt, LoaderMessage> = lock.withLock { _ in
            _ = dlerror()
            let address = dlsym(UnsafeMutableRawPointer(bitPattern: handleBits), symbol)
            // Read dlerror() before anything else: a NULL address is a valid
            // symbol value only when dlerror() stays silent.
            if let message = dlerror() { return .failure(LoaderMessage(String(cString: message))) }
            guard let address else { return .failure(LoaderMessage("the symbol's address is NULL")) }
            return .success(UInt(bitPattern: address))
        }
        return outcome.map { UnsafeMutableRawPointer(bitPattern: $0)! }
    }

    /// What the dynamic symbol table says `address` is: nil when it is a
    /// function or cannot be told, else a description of what it is instead.
    static func nonFunctionKind(at address: UnsafeRawPointer) -> String? {
        switch sh_symbol_kind_at(address) {
        case SH_SYMBOL_OBJECT: return "a data object (ELF symbol type STT_OBJECT)"
        case SH_SYMBOL_TLS: return "thread-local data (ELF symbol type STT_TLS)"
        case SH_SYMBOL_OTHER: return "not code (its ELF symbol type is neither STT_FUNC nor STT_GNU_IFUNC)"
        default: return nil
        }
    }
}

/// What the dynamic loader said about a failure (`dlerror()`'s text).
struct LoaderMessage: Error, CustomStringConvertible {
    let description: String
    init(_ text: String) { description = text }
}
