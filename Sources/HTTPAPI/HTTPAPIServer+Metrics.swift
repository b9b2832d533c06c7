import Hummingbird
import NIOCore
import Observability

extension HTTPAPIServer {
    /// `GET /metrics` on the HTTP API's listener (Flink's REST port serves
    /// the dashboard and the API; Prometheus scrapes the same address): the
    /// scrape of `MetricsEndpoint`, under the API's token rule (off
    /// loopback, Prometheus sends the token as `authorization.credentials`).
    public static func metricsRoute(_ endpoint: MetricsEndpoint) -> RouteRegistration {
        { router in
            router.get(.init(stringLiteral: MetricsEndpoint.path)) { request, _ in
                let answer = endpoint.respond(method: "GET", path: MetricsEndpoint.path)
                return Response(
                    status: .init(code: answer.status), headers: [.contentType: answer.contentType],
                    body: .init(byteBuffer: ByteBuffer(bytes: answer.body)))
            }
        }
    }
}
