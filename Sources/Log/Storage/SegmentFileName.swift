/// The names of a segment's files, as Kafka names them: the segment's base
/// offset in 20 decimal digits, then `.log`, `.index` or `.timeindex`.
///
/// For example `00000000000000368769.log` holds the batches from offset
/// 368769 on. Zero padding makes a directory listing sort by offset.
///
/// # Thread safety
/// Stateless.
enum SegmentFileName {
    static let logSuffix = ".log"
    static let offsetIndexSuffix = ".index"
    static let timeIndexSuffix = ".timeindex"
    /// A `.log` file being deleted: renamed first, so that a crash between
    /// the rename and the unlink does not bring the segment back.
    static let deletedSuffix = ".deleted"

    static let digits = 20

    /// "00000000000000368769" for 368769.
    static func stem(_ baseOffset: Int64) -> String {
        precondition(baseOffset >= 0, "negative base offset \(baseOffset)")
        let text = String(baseOffset)
        return String(repeating: "0", count: digits - text.count) + text
    }

    static func log(_ directory: String, _ baseOffset: Int64) -> String {
        directory + "/" + stem(baseOffset) + logSuffix
    }

    static func offsetIndex(_ directory: String, _ baseOffset: Int64) -> String {
        directory + "/" + stem(baseOffset) + offsetIndexSuffix
    }

    static func timeIndex(_ directory: String, _ baseOffset: Int64) -> String {
        directory + "/" + stem(baseOffset) + timeIndexSuffix
    }

    /// The base offset and suffix of a segment file name, or nil when the
    /// name is not one (20 digits, then a known suffix).
    static func parse(_ name: String) -> (baseOffset: Int64, suffix: String)? {
        let utf8 = Array(name.utf8)
        guard utf8.count > digits, utf8[0 ..< digits].allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") })
        else { return nil }
        let suffix = String(decoding: utf8[digits...], as: UTF8.self)
        guard [logSuffix, offsetIndexSuffix, timeIndexSuffix, logSuffix + deletedSuffix,
               offsetIndexSuffix + deletedSuffix, timeIndexSuffix + deletedSuffix].contains(suffix),
              let baseOffset = Int64(String(decoding: utf8[0 ..< digits], as: UTF8.self))
        else { return nil }
        return (baseOffset, suffix)
    }
}
