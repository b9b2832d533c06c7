import CLogSupport

/// CRC-32C (Castagnoli) for snapshot files: the Log module's C
/// implementation (`sh_crc32c`, hardware-accelerated where the CPU can).
enum SnapshotChecksum {
    /// The CRC-32C of `bytes`, continuing from `seed` (0 starts afresh).
    @inline(__always)
    static func crc32c(_ bytes: UnsafeRawBufferPointer, seed: UInt32 = 0) -> UInt32 {
        sh_crc32c(seed, bytes.baseAddress, bytes.count)
    }
}
