import Core
import HTTPTypes
import Hummingbird
import JobService
import NIOCore

extension HTTPAPIServer {
    /// The dashboard (docs/SERVER.md, "Dashboard"): the page at `/` with
    /// its script and style (static text from the binary: no data in them,
    /// so they are served without a token from anywhere; the data comes
    /// from the API, with the token the user gives the page), and the
    /// server-side history it plots:
    ///
    /// - `GET /v1/dashboard/jobs/{id}?seconds=N`: the job's per-step
    ///   throughput, watermark lag and busy / back-pressured time, and its
    ///   checkpoint outcomes (`JobManager.history`);
    /// - `GET /v1/dashboard/log?seconds=N`: topics' sizes and rates, and
    ///   consumer groups' lag per partition (`LogHistory`).
    ///
    /// `seconds` is 1 to 600 (the history's 10 minutes), 300 by default.
    public static func dashboardRoutes(jobs: JobManager, log: LogHistory) -> RouteRegistration {
        { router in
            for asset in DashboardPage.assets {
                router.get(.init(stringLiteral: asset.path)) { _, _ in
                    var headers: HTTPFields = [.contentType: asset.contentType, .cacheControl: "no-cache"]
                    for (name, value) in DashboardPage.securityHeaders {
                        if let field = HTTPField.Name(name) { headers[field] = value }
                    }
                    return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: asset.body)))
                }
            }
            router.get("/v1/dashboard/jobs/:id") { request, context in
                let id = try Self.jobID(context)
                let seconds = try Self.historySeconds(request)
                return Self.json(try await Self.offload { try jobs.history(id: id, seconds: seconds) })
            }
            router.get("/v1/dashboard/log") { request, _ in
                let seconds = try Self.historySeconds(request)
                return Self.json(log.json(seconds: seconds))
            }
        }
    }

    static let historySecondsDefault = 300
    static let historySecondsMax = 600

    /// The `seconds` query parameter: 1 to `historySecondsMax`.
    static func historySeconds(_ request: Request) throws -> Int {
        guard let text = request.uri.queryParameters["seconds"].map(String.init) else { return historySecondsDefault }
        guard let seconds = Int(text), (1...historySecondsMax).contains(seconds) else {
            throw APIError(.badRequest, "seconds must be a whole number from 1 to \(historySecondsMax), not "
                + "'\(text.prefix(32))'")
        }
        return seconds
    }
}
