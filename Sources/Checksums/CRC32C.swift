import CChecksums

/// CRC-32C (Castagnoli): the checksum Kafka RecordBatch v2 stores over a
/// batch's attributes-to-end bytes, and the one the log's metadata files,
/// state snapshots and checkpoint files carry. The only Swift wrapper of
/// `sh_crc32c`: every module checksums through it.
///
/// Backed by C (`sh_crc32c.h`): the CPU's crc32 instruction when it has one,
/// a slicing-by-8 table otherwise.
///
/// # Thread safety
/// Every function may be called from any thread.
public enum CRC32C {
    /// The CRC-32C of `bytes`, continuing from `seed`.
    ///
    /// A seed of 0 starts a new checksum; passing the checksum of `a` as the
    /// seed for `b` gives the checksum of `a` followed by `b`.
    @inline(__always)
    public static func checksum(_ bytes: UnsafeRawBufferPointer, seed: UInt32 = 0) -> UInt32 {
        sh_crc32c(seed, bytes.baseAddress, bytes.count)
    }

    /// The CRC-32C of `bytes`, continuing from `seed`.
    public static func checksum(_ bytes: [UInt8], seed: UInt32 = 0) -> UInt32 {
        bytes.withUnsafeBytes { checksum($0, seed: seed) }
    }

    /// The table-driven implementation, whatever the CPU has.
    public static func softwareChecksum(_ bytes: UnsafeRawBufferPointer, seed: UInt32 = 0) -> UInt32 {
        sh_crc32c_software(seed, bytes.baseAddress, bytes.count)
    }

    /// The instruction-based implementation; nil when the CPU has none.
    public static func hardwareChecksum(_ bytes: UnsafeRawBufferPointer, seed: UInt32 = 0) -> UInt32? {
        guard isHardwareAccelerated else { return nil }
        return sh_crc32c_hardware(seed, bytes.baseAddress, bytes.count)
    }

    /// Whether `checksum` uses a CPU instruction on this machine.
    public static var isHardwareAccelerated: Bool { sh_crc32c_hardware_available() != 0 }
}
