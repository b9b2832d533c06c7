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

    /// A huge length or count, and a varint that does not end in 4 bytes.
    static let hugeLengths: [[UInt8]] = [[0x7F, 0xFF, 0xFF, 0xF0], [0xFF, 0xFF, 0xFF, 0xFF, 0x0F]]

    /// Truncated and mutated frames of every API and version decode to an
    /// error or to a value that re-encodes consistently; nothing crashes.
    /// Deterministic: a failure names its seed and iteration.
    @Test func mutatedFramesOfEveryApiNeverCrash() {
        let iterationsPerFrame = MutationFuzzer.iterations(40)
        for (api, version, framed) in KafkaSampleValues.requestFrames() {
            let frame = Array(framed.dropFirst(4))
            // Keep the api key and version: with them mutated, nearly every
            // mutant is an unknown api, which `unknownApiAndVersion...` covers.
            var fuzzer = MutationFuzzer(
                seed: 0x5EED_13 ^ UInt64(api.rawValue) << 16 ^ UInt64(version), seeds: [frame],
                tokens: Self.hugeLengths, fixedPrefix: 4)
            for iteration in 0..<iterationsPerFrame {
                let mutated = fuzzer.next()
                do {
                    let decoded = try Request.decode(frame: mutated)
                    let again = try Request.decode(frame: Array(decoded.encodeFrame().dropFirst(4)))
                    #expect(again == decoded, "\(api) v\(version) seed \(fuzzer.seed) iteration \(iteration)")
                } catch {
                    // An error is the expected outcome; it must name the message.
                    #expect(!error.description.isEmpty)
                }
            }
        }
    }
}
