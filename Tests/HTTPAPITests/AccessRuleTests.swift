import Foundation
import HTTPAPI
import Testing

/// The token rule on its own (a test machine may have no address off
/// loopback to call from): reads from loopback are open; changes always,
/// and reads from off loopback, need the server's token.
@Suite struct AccessRuleTests {
    let token = "s3cret"

    @Test func readsFromLoopbackNeedNoToken() {
        #expect(AccessRule.decide(method: "GET", path: "/v1/jobs", remoteIsLoopback: true, configuredToken: token,
                                  authorization: nil) == .allow)
    }

    @Test func readsFromOffLoopbackNeedTheToken() {
        let without = AccessRule.decide(method: "GET", path: "/v1/jobs", remoteIsLoopback: false, configuredToken: token,
                                        authorization: nil)
        guard case .unauthorized = without else { Issue.record("\(without)"); return }
        let wrong = AccessRule.decide(method: "GET", path: "/v1/topics", remoteIsLoopback: false, configuredToken: token,
                                      authorization: "Bearer s3creT")
        guard case .unauthorized = wrong else { Issue.record("\(wrong)"); return }
        #expect(AccessRule.decide(method: "GET", path: "/v1/jobs", remoteIsLoopback: false, configuredToken: token,
                                  authorization: "Bearer s3cret") == .allow)
    }

    @Test func changesNeedTheTokenEvenFromLoopback() {
        let without = AccessRule.decide(method: "POST", path: "/v1/jobs", remoteIsLoopback: true, configuredToken: token,
                                        authorization: nil)
        guard case .unauthorized = without else { Issue.record("\(without)"); return }
        let prefix = AccessRule.decide(method: "POST", path: "/v1/jobs", remoteIsLoopback: true, configuredToken: token,
                                       authorization: "Bearer s3cretX")
        guard case .unauthorized = prefix else { Issue.record("\(prefix)"); return }
        #expect(AccessRule.decide(method: "POST", path: "/v1/jobs", remoteIsLoopback: true, configuredToken: token,
                                  authorization: "Bearer s3cret") == .allow)
        // The open paths are open to reads only.
        let postHealth = AccessRule.decide(method: "POST", path: "/v1/health", remoteIsLoopback: true, configuredToken: token,
                                           authorization: nil)
        guard case .unauthorized = postHealth else { Issue.record("\(postHealth)"); return }
    }

    @Test func withoutAConfiguredTokenTheGuardedRequestsAreForbidden() {
        let decision = AccessRule.decide(method: "DELETE", path: "/v1/jobs/x", remoteIsLoopback: true, configuredToken: nil,
                                         authorization: "Bearer anything")
        guard case .forbidden(let message) = decision else { Issue.record("\(decision)"); return }
        #expect(message.contains("--http-token-file"))
    }

    @Test func probesAndTheDocumentAreOpenFromAnywhere() {
        for path in ["/v1/health", "/v1/ready", "/v1/openapi.json"] {
            #expect(AccessRule.decide(method: "GET", path: path, remoteIsLoopback: false, configuredToken: token,
                                      authorization: nil) == .allow)
        }
    }

    /// The dashboard's page, script and style hold no data: open from
    /// anywhere. What the page draws comes from the API under the rule.
    @Test func theDashboardsStaticFilesAreOpenItsDataIsNot() {
        for path in ["/", "/dashboard.js", "/dashboard.css"] {
            #expect(AccessRule.decide(method: "GET", path: path, remoteIsLoopback: false, configuredToken: token,
                                      authorization: nil) == .allow, "\(path)")
        }
        for path in ["/v1/dashboard/log", "/v1/dashboard/jobs/0123456789abcdef", "/v1/jobs", "/index.html"] {
            let decision = AccessRule.decide(method: "GET", path: path, remoteIsLoopback: false, configuredToken: token,
                                             authorization: nil)
            guard case .unauthorized = decision else { Issue.record("\(path): \(decision)"); continue }
        }
    }

    @Test func loopbackAddresses() {
        #expect(AccessRule.isLoopback(ip: "127.0.0.1"))
        #expect(AccessRule.isLoopback(ip: "127.3.4.5"))
        #expect(AccessRule.isLoopback(ip: "::1"))
        #expect(AccessRule.isLoopback(ip: "::ffff:127.0.0.1"))
        #expect(!AccessRule.isLoopback(ip: "10.0.0.1"))
        #expect(!AccessRule.isLoopback(ip: "::ffff:10.0.0.1"))
        #expect(!AccessRule.isLoopback(ip: "1127.0.0.1"))
        #expect(!AccessRule.isLoopback(ip: nil))
    }
}

@Suite struct PathParameterTests {
    @Test func topicNamesCannotLeaveTheLog() {
        for bad in ["..", ".", "a/b", "../x", "", "a\u{0}b", "%2e%2e", String(repeating: "a", count: 250)] {
            #expect(!PathParameter.isTopicName(bad), "\(bad)")
        }
        for good in ["orders", "a.b_c-1", "__consumer_offsets"] { #expect(PathParameter.isTopicName(good)) }
    }

    @Test func groupIDsTakeNoPathLikeText() {
        for bad in ["..", ".", "a/b", "a\\b", "", "a\nb", String(repeating: "g", count: 256)] {
            #expect(!PathParameter.isGroupID(bad), "\(bad)")
        }
        for good in ["reader", "my group", "g.1"] { #expect(PathParameter.isGroupID(good)) }
    }
}

@Suite struct OpenAPIDocumentTests {
    /// The document parses and names every route the server registers
    /// (kept in step by hand: a route added without its entry fails here).
    @Test func theDocumentNamesEveryRoute() throws {
        let parsed = try JSONSerialization.jsonObject(with: Data(OpenAPIDocument.json.utf8)) as? [String: Any]
        let paths = try #require(parsed?["paths"] as? [String: Any])
        let expected = [
            "/v1/health", "/v1/ready", "/v1/openapi.json", "/v1/plugins", "/v1/jobs", "/v1/jobs/{id}",
            "/v1/jobs/{id}/cancel", "/v1/jobs/{id}/savepoints", "/v1/jobs/{id}/swap", "/v1/jobs/{id}/rescale",
            "/v1/topics", "/v1/topics/{topic}", "/v1/groups", "/v1/groups/{group}",
            "/v1/dashboard/jobs/{id}", "/v1/dashboard/log",
        ]
        #expect(Set(paths.keys) == Set(expected))
    }
}
