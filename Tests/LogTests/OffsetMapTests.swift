import Testing
import TestKit
@testable import Log

@Suite struct OffsetMapTests {
    @Test(arguments: [1, 2, 3] as [UInt64])
    func answersLikeADictionary(seed: UInt64) {
        var generator = SeededRandom(seed: seed)
        var map = OffsetMap(capacity: 4)
        var model: [[UInt8]: Int64] = [:]
        // Keys of every length up to 40 bytes (including empty), few enough
        // to repeat often; the table grows many times.
        let keys: [[UInt8]] = (0 ..< 3000).map { _ in
            (0 ..< Int.random(in: 0 ... 40, using: &generator)).map { _ in UInt8.random(in: 0 ... 3, using: &generator) }
        }
        for offset in Int64(0) ..< 40_000 {
            let key = keys.randomElement(using: &generator)!
            key.withUnsafeBytes { map.put($0, offset: offset) }
            model[key] = offset
        }
        #expect(map.count == model.count)
        for key in Set(keys) {
            #expect(key.withUnsafeBytes { map.offset(for: $0) } == model[key], "\(key)")
        }
        let absent: [UInt8] = Array(repeating: 9, count: 5)
        #expect(absent.withUnsafeBytes { map.offset(for: $0) } == nil)
        #expect(map.byteCount >= map.count * OffsetMap.slotBytes)
    }

    @Test func keysThatShareAHashStayApart() {
        // Same length and 8-byte words rearranged: different keys, compared byte for byte.
        var map = OffsetMap()
        let first: [UInt8] = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16]
        let second = Array(first[8...] + first[..<8])
        first.withUnsafeBytes { map.put($0, offset: 1) }
        second.withUnsafeBytes { map.put($0, offset: 2) }
        #expect(first.withUnsafeBytes { map.offset(for: $0) } == 1)
        #expect(second.withUnsafeBytes { map.offset(for: $0) } == 2)
        #expect(map.count == 2)
    }
}
