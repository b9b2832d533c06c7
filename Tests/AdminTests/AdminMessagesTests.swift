import Admin
import Core
import Testing

/// Admin messages in the host's own JSON.
@Suite struct AdminMessagesTests {
    /// What a client in another language sends (spaces, keys in any order,
    /// a key this host does not know) reads as the request it means.
    @Test func aRequestFromAnotherClientReads() throws {
        let line = Array(#"{ "plugin": "/tmp/p \"v2\".so", "command": "swap", "client": "python" }"#.utf8)
        #expect(try AdminRequest(jsonBytes: line) == AdminRequest(command: .swap, plugin: "/tmp/p \"v2\".so"))
        #expect(try AdminRequest(jsonBytes: Array(#"{"command":"savepoint","stop":true}"#.utf8))
            == AdminRequest(command: .savepoint, stop: true))
    }

    @Test func requestsAndResponsesReadBackAsWritten() throws {
        let request = AdminRequest(command: .savepoint, stop: false)
        #expect(try AdminRequest(jsonBytes: request.jsonBytes) == request)
        var response = AdminResponse(ok: true)
        response.job = "orders"
        response.savepoint = "/data/savepoints/orders/sp-000003"
        response.checkpointID = 3
        response.durationMs = 12.5
        response.pauseMs = 40
        response.checkpointsCompleted = 2
        #expect(try AdminResponse(jsonBytes: response.jsonBytes) == response)
        #expect(String(decoding: AdminResponse.failure("no").jsonBytes, as: UTF8.self) == #"{"error":"no","ok":false}"#)
    }

    /// A command this host does not know, or a request that is not JSON,
    /// is refused with what is wrong.
    @Test func aBadRequestSaysWhatIsWrong() {
        #expect(throws: JSONFieldError(path: "command", problem: "is \"resume\", which this host does not know")) {
            try AdminRequest(jsonBytes: Array(#"{"command":"resume"}"#.utf8))
        }
        #expect(throws: JSONFieldError(path: "command", problem: "is missing")) {
            try AdminRequest(jsonBytes: Array(#"{"stop":true}"#.utf8))
        }
        #expect(throws: JSONFieldError.self) { try AdminRequest(jsonBytes: Array("{command: swap}".utf8)) }
    }
}
