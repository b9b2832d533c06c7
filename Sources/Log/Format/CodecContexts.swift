#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import CLZ4
import CZstd

/// Codec contexts kept per thread and reused across batches.
///
/// Making a zstd context costs more than compressing a typical 100 KiB
/// batch with it (it allocates and initializes its tables each time), so
/// each thread that encodes or decodes keeps one of each kind and frees
/// it when the thread exits. A context is used by one call at a time:
/// callers never re-enter a codec while holding one.
///
/// # Thread safety
/// Each thread sees only its own contexts.
///
/// # Ownership
/// The contexts belong to the thread-specific slots; callers borrow them for
/// the duration of one codec call and never free them.
enum CodecContexts {
    private static let zstdCompressionKey = makeKey { ZSTD_freeCCtx(OpaquePointer($0)) }
    private static let zstdDecompressionKey = makeKey { ZSTD_freeDCtx(OpaquePointer($0)) }
    private static let lz4DecompressionKey = makeKey { LZ4F_freeDecompressionContext(OpaquePointer($0)) }

    #if canImport(Darwin)
    private typealias Destructor = @convention(c) (UnsafeMutableRawPointer) -> Void
    #else
    private typealias Destructor = @convention(c) (UnsafeMutableRawPointer?) -> Void
    #endif

    private static func makeKey(_ destroy: Destructor) -> pthread_key_t {
        var key = pthread_key_t()
        let status = pthread_key_create(&key, destroy)
        precondition(status == 0, "pthread_key_create failed: \(status)")
        return key
    }

    private static func cached(_ key: pthread_key_t, create: () -> OpaquePointer?) -> OpaquePointer? {
        if let existing = pthread_getspecific(key) { return OpaquePointer(existing) }
        guard let made = create() else { return nil }
        pthread_setspecific(key, UnsafeRawPointer(made))
        return made
    }

    /// This thread's zstd compression context; nil if zstd cannot allocate one.
    static func zstdCompression() -> OpaquePointer? {
        cached(zstdCompressionKey) { ZSTD_createCCtx() }
    }

    /// This thread's zstd decompression context, reset for a new stream.
    static func zstdDecompression() -> OpaquePointer? {
        guard let context = cached(zstdDecompressionKey, create: { ZSTD_createDCtx() }) else { return nil }
        ZSTD_DCtx_reset(context, ZSTD_reset_session_only)
        return context
    }

    /// This thread's lz4 frame decompression context, reset for a new frame.
    static func lz4Decompression() -> OpaquePointer? {
        let context = cached(lz4DecompressionKey) {
            var made: OpaquePointer?
            guard LZ4F_isError(LZ4F_createDecompressionContext(&made, UInt32(LZ4F_VERSION))) == 0 else { return nil }
            return made
        }
        guard let context else { return nil }
        LZ4F_resetDecompressionContext(context)
        return context
    }
}
