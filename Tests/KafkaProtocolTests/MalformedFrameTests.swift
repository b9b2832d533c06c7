import Testing
import TestKit
@testable import KafkaProtocol

@Suite struct MalformedFrameTests {
    func decodeError(_ frame: GoldenFrame) -> ProtocolError? {
        do {
            _ = try Request.decode(frame: Array(frame.framed.dropFirst(4)))
            return nil
        } catch {
            return error
        }
    }

    @Test func truncatedFieldIsNamedWithItsPath() {
        let produce = request(.produce, 3).string(nil).i16(1).i32(100)
            .count(1).string("orders").count(1).i32(0).i32(100).raw([1, 2, 3, 4, 5])
        #expect(
            decodeError(produce)
                == .malformed(
                    message: "ProduceRequest", version: 3, field: "TopicData[0].PartitionData[0].Records",
                    reason: "bytes needs 100 bytes at byte 43, 5 left"))
        // An array whose elements cannot fit is refused at the array.
        let fetch = request(.fetch, 4).i32(-1).i32(500).i32(1).i32(1000).i8(0)
            .count(1).string("orders").count(1).i32(0).raw([0, 0, 0])
        #expect(
            decodeError(fetch)
                == .malformed(
                    message: "FetchRequest", version: 4, field: "Topics[0].Partitions",
                    reason: "array of 1 elements of at least 16 bytes cannot fit in 7 bytes"))
    }

    @Test func hugeArrayCountIsRefusedBeforeAllocating() {
        let frame = request(.metadata, 4).count(Int32.max).bool(true)
        guard case .malformed(_, _, let field, let reason) = decodeError(frame) else {
            Issue.record("expected a malformed-frame error")
            return
        }
        #expect(field == "Topics")
        #expect(reason.contains("cannot fit"))
    }

    @Test func negativeLengthOtherThanNullIsRefused() {
        let frame = request(.findCoordinator, 1).i16(-5).i8(0)
        guard case .malformed(_, _, let field, let reason) = decodeError(frame) else {
            Issue.record("expected a malformed-frame error")
            return
        }
        #expect(field == "Key")
        #expect(reason.contains("negative length -5"))
    }

    @Test func nullWhereNotNullableIsRefused() {
        let frame = request(.findCoordinator, 1).string(nil).i8(0)
        guard case .malformed(_, _, "Key", let reason) = decodeError(frame) else {
            Issue.record("expected a malformed-frame error on Key")
            return
        }
        #expect(reason.contains("not nullable"))
    }

    @Test func trailingBytesAreRefused() {
        let frame = request(.heartbeat, 1).string("g").i32(1).string("m").raw([0])
        #expect(decodeError(frame) == .malformed(message: "HeartbeatRequest", version: 1, field: "", reason: "1 bytes left after the last field"))
    }

    @Test func invalidUTF8IsRefused() {
        let frame = request(.findCoordinator, 1).i16(2).raw([0xC3, 0x28]).i8(0)
        guard case .malformed(_, _, "Key", let reason) = decodeError(frame) else {
            Issue.record("expected a malformed-frame error on Key")
            return
        }
        #expect(reason.contains("UTF-8"))
    }

    @Test func unknownApiAndVersionAreTheirOwnErrors() {
        #expect(decodeError(GoldenFrame().i16(9999).i16(0).i32(1).string(nil)) == .unknownApiKey(9999))
        #expect(
            decodeError(GoldenFrame().i16(18).i16(99).i32(1).string(nil))
                == .unsupportedVersion(api: .apiVersions, version: 99))
        #expect(RequestHeader.peek([0, 18, 0, 99, 0, 0, 0, 42]) == .init(apiKey: 18, apiVersion: 99, correlationId: 42))
    }

    /// Truncated and mutated frames of every API and version decode to an
    /// error or to a value that re-encodes consistently; nothing crashes.
    /// Deterministic: a failure names its seed and iteration.
    @Test func mutatedFramesOfEveryApiNeverCrash() {
        let seed: UInt64 = 0x5EED_13
        var random = SeededRandom(seed: seed)
        let iterationsPerFrame = 40
        for (api, version, framed) in KafkaSampleValues.requestFrames() {
            let frame = Array(framed.dropFirst(4))
            for iteration in 0..<iterationsPerFrame {
                var mutated = frame
                switch iteration % 4 {
                case 0:
                    mutated.removeLast(Int.random(in: 1...mutated.count, using: &random))
                case 1:
                    for _ in 0..<Int.random(in: 1...4, using: &random) {
                        mutated[Int.random(in: 0..<mutated.count, using: &random)] = UInt8.random(in: 0...255, using: &random)
                    }
                case 2:
                    // A huge length or count somewhere after the header.
                    let at = Int.random(in: 8..<max(9, mutated.count - 4), using: &random)
                    if at + 4 <= mutated.count { mutated.replaceSubrange(at..<(at + 4), with: [0x7F, 0xFF, 0xFF, 0xF0]) }
                default:
                    let at = Int.random(in: 8...mutated.count, using: &random)
                    mutated.insert(contentsOf: [0xFF, 0xFF, 0xFF, 0xFF, 0x0F], at: at)
                }
                do {
                    let decoded = try Request.decode(frame: mutated)
                    let again = try Request.decode(frame: Array(decoded.encodeFrame().dropFirst(4)))
                    #expect(again == decoded, "\(api) v\(version) seed \(seed) iteration \(iteration)")
                } catch {
                    // An error is the expected outcome; it must name the message.
                    #expect(!error.description.isEmpty)
                }
            }
        }
    }
}
