import Checksums

/// Small state files written as text lines followed by a CRC-32C line
/// (`crc32c <hex>` of every byte before it), so that a damaged file is
/// recognised rather than misread: the producer-state snapshot and the log
/// start offset use it.
enum ChecksummedText {
    /// The file's bytes for `lines` (each without its newline).
    static func encode(_ lines: [String]) -> [UInt8] {
        let body = Array(lines.map { $0 + "\n" }.joined().utf8)
        return body + Array("crc32c \(String(CRC32C.checksum(body), radix: 16))\n".utf8)
    }

    /// The lines before the checksum; the reason when the checksum line is
    /// missing or does not match.
    static func decode(_ bytes: [UInt8]) -> Result<[String], Problem> {
        guard bytes.last == UInt8(ascii: "\n") else { return .failure(Problem("it does not end with a newline")) }
        let start = bytes.dropLast().lastIndex(of: UInt8(ascii: "\n")).map { $0 + 1 } ?? 0
        let body = Array(bytes[..<start])
        let line = String(decoding: bytes[start ..< bytes.count - 1], as: UTF8.self)
        guard line.hasPrefix("crc32c "), let stored = UInt32(line.dropFirst(7), radix: 16) else {
            return .failure(Problem("its last line is not a checksum"))
        }
        guard stored == CRC32C.checksum(body) else { return .failure(Problem("its checksum does not match its content")) }
        return .success(String(decoding: body, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false)
            .dropLast().map(String.init))
    }

    /// Why a file was not used.
    struct Problem: Error, Equatable {
        let reason: String
        init(_ reason: String) { self.reason = reason }
    }
}
