import Core
import Testing

@Suite("KeyGroups")
struct KeyGroupsTests {
    @Test func murmur2MatchesKafka() {
        // Values of Kafka's Utils.murmur2 for these keys.
        #expect(Int32(bitPattern: Murmur2.hash(Array("21".utf8))) == -973_932_308)
        #expect(Int32(bitPattern: Murmur2.hash(Array("foobar".utf8))) == -790_332_482)
        #expect(Int32(bitPattern: Murmur2.hash(Array("a-little-bit-long-string".utf8))) == -985_981_536)
        #expect(Int32(bitPattern: Murmur2.hash(Array("abc".utf8))) == 479_470_107)
    }

    @Test func rangesCoverEveryKeyGroupOnce() {
        for maxParallelism in [1, 7, 128] {
            let groups = KeyGroups(maxParallelism: maxParallelism)
            for parallelism in 1...min(maxParallelism, 9) {
                var covered: [Int] = []
                for instance in 0..<parallelism {
                    let range = groups.range(ofInstance: instance, parallelism: parallelism)
                    for group in range {
                        #expect(groups.instance(owning: group, parallelism: parallelism) == instance)
                    }
                    covered += Array(range)
                }
                #expect(covered == Array(0..<maxParallelism))
            }
        }
    }
}
