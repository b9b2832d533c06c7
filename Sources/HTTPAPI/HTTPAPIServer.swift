import Core
import Dispatch
import Foundation
import Hummingbird
import JobService
import Logging
import NIOCore

/// The request context of the API: Hummingbird's core storage plus the
/// peer's address, which the token rule needs.
public struct APIRequestContext: RequestContext, RemoteAddressRequestContext {
    public var coreContext: CoreRequestContextStorage
    public let remoteAddress: SocketAddress?

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        remoteAddress = source.channel.remoteAddress
    }

    /// Bodies are read with `HTTPAPIServer.Configuration.requestBodyBytesMax`
    /// by the handlers; this bounds Hummingbird's own decoding the same way.
    public var maxUploadSize: Int { HTTPAPIServer.Configuration.requestBodyBytesMaxDefault }
}

/// The HTTP API of `streamhost serve`: JSON under `/v1` on Hummingbird 2
/// (docs/SERVER.md, "HTTP API"; the OpenAPI document is
/// `OpenAPIDocument.json`, served at `/v1/openapi.json`).
///
/// Other modules add routes of their own (the metrics endpoint, the
/// dashboard) through `RouteRegistration`s given to `init`: each is called
/// once with the router, after the API's routes and under the same token
/// rule (`AccessRule`).
///
/// # Thread safety
/// `run` is called once; the handlers run on Swift concurrency's executor
/// and hand every blocking call (job operations, which wait for
/// checkpoints, and log reads) to a global dispatch queue.
public final class HTTPAPIServer: Sendable {
    public struct Configuration: Sendable {
        public static let requestBodyBytesMaxDefault = 2 << 20

        public var host: String
        public var port: Int
        /// The bearer token (nil: requests that need one are refused).
        public var token: String?
        public var requestBodyBytesMax: Int

        public init(host: String, port: Int, token: String?, requestBodyBytesMax: Int = requestBodyBytesMaxDefault) {
            self.host = host
            self.port = port
            self.token = token
            self.requestBodyBytesMax = requestBodyBytesMax
        }
    }

    /// Adds routes to the API's router (see the type's comment).
    public typealias RouteRegistration = @Sendable (Router<APIRequestContext>) -> Void
    /// Inspects the plugins the server can run: the JSON report `streamhost
    /// plugin inspect --json` prints (run in a process of its own, so that
    /// no plugin code runs in the server).
    public typealias PluginInspector = @Sendable (_ paths: [String]) throws -> [UInt8]

    let configuration: Configuration
    let jobs: JobManager
    let log: LogInspection
    let inspectPlugins: PluginInspector
    let isReady: @Sendable () -> Bool
    let extraRoutes: [RouteRegistration]
    let logger: Logger

    public init(configuration: Configuration, jobs: JobManager, log: LogInspection, inspectPlugins: @escaping PluginInspector,
                isReady: @escaping @Sendable () -> Bool, extraRoutes: [RouteRegistration] = [], logger: Logger) {
        self.configuration = configuration
        self.jobs = jobs
        self.log = log
        self.inspectPlugins = inspectPlugins
        self.isReady = isReady
        self.extraRoutes = extraRoutes
        self.logger = logger
    }

    /// Serves until the task is cancelled; `onBound` gets the address
    /// bound (the port chosen when 0 was asked for).
    public func run(onBound: @escaping @Sendable (_ host: String, _ port: Int) async -> Void) async throws {
        let router = makeRouter()
        let host = configuration.host
        let app = Application(
            router: router,
            configuration: .init(address: .hostname(host, port: configuration.port), serverName: "streamhost"),
            onServerRunning: { channel in
                await onBound(host, channel.localAddress?.port ?? 0)
            },
            logger: logger)
        try await app.run()
    }

    func makeRouter() -> Router<APIRequestContext> {
        let router = Router(context: APIRequestContext.self)
        router.add(middleware: APIErrorMiddleware())
        router.add(middleware: TokenMiddleware(token: configuration.token))
        addHealthRoutes(router)
        addJobRoutes(router)
        addLogRoutes(router)
        for registration in extraRoutes { registration(router) }
        return router
    }

    private func addHealthRoutes(_ router: Router<APIRequestContext>) {
        router.get("/v1/health") { _, _ in Self.json(["status": "ok"]) }
        router.get("/v1/ready") { [isReady] _, _ in
            isReady() ? Self.json(["status": "ready"]) : Self.json(["status": "stopping"], status: .serviceUnavailable)
        }
        router.get("/v1/openapi.json") { _, _ in
            Response(status: .ok, headers: [.contentType: "application/json"],
                     body: .init(byteBuffer: ByteBuffer(string: OpenAPIDocument.json)))
        }
        router.get("/v1/plugins") { [jobs, inspectPlugins] _, _ in
            let paths = jobs.pluginPaths()
            // `plugin inspect --json`'s report as it is: the host's
            // version, ABI and services, and every plugin with its components.
            let inspected = try await Self.offload { try inspectPlugins(paths) }
            return Response(status: .ok, headers: [.contentType: "application/json"],
                            body: .init(byteBuffer: ByteBuffer(bytes: inspected)))
        }
    }

    private func addJobRoutes(_ router: Router<APIRequestContext>) {
        let limit = configuration.requestBodyBytesMax
        router.get("/v1/jobs") { [jobs] _, _ in Self.json(["jobs": .array(jobs.list().map(\.json))]) }
        router.post("/v1/jobs") { [jobs] request, _ in
            let submission = try await Self.decode(from: request, limit: limit, JobSubmitRequest.init(json:))
            let created = try await Self.offload { try jobs.submit(submission) }
            return Self.json(created.json, status: .created)
        }
        router.get("/v1/jobs/:id") { [jobs] _, context in
            let id = try Self.jobID(context)
            return Self.json(try await Self.offload { try jobs.describe(id: id) }.json)
        }
        router.post("/v1/jobs/:id/cancel") { [jobs] request, context in
            let id = try Self.jobID(context)
            let body = try await Self.decode(from: request, limit: limit, emptyAs: CancelRequest(), CancelRequest.init(json:))
            return Self.json(try await Self.offload { try jobs.cancel(id: id, savepoint: body.savepoint ?? false) }.json)
        }
        router.post("/v1/jobs/:id/savepoints") { [jobs] _, context in
            let id = try Self.jobID(context)
            return Self.json(try await Self.offload { try jobs.savepoint(id: id) }.json, status: .created)
        }
        router.post("/v1/jobs/:id/swap") { [jobs] request, context in
            let id = try Self.jobID(context)
            let body = try await Self.decode(from: request, limit: limit, SwapRequest.init(json:))
            return Self.json(try await Self.offload { try jobs.swap(id: id, plugin: body.plugin) }.json)
        }
        router.post("/v1/jobs/:id/rescale") { [jobs] request, context in
            let id = try Self.jobID(context)
            let body = try await Self.decode(from: request, limit: limit, RescaleRequest.init(json:))
            return Self.json(try await Self.offload { try jobs.rescale(id: id, parallelism: body.parallelism) }.json)
        }
    }

    private func addLogRoutes(_ router: Router<APIRequestContext>) {
        router.get("/v1/topics") { [log] _, _ in Self.json(["topics": .array(try await Self.offload { log.topics() }.map(\.json))]) }
        router.get("/v1/topics/:topic") { [log] _, context in
            let name = Self.parameter("topic", context)
            guard PathParameter.isTopicName(name) else {
                throw APIError(.badRequest, "'\(name.prefix(64))' is not a topic name (letters, digits, '.', '_', '-'; "
                    + "at most 249 bytes; not '.' or '..')")
            }
            guard let topic = try await Self.offload({ log.topic(named: name) }) else {
                throw APIError(.notFound, "no topic '\(name)'; GET /v1/topics lists them")
            }
            return Self.json(topic.json)
        }
        router.get("/v1/groups") { [log] _, _ in Self.json(["groups": .array(try await Self.offload { log.groupList() }.map(\.json))]) }
        router.get("/v1/groups/:group") { [log] _, context in
            let id = Self.parameter("group", context)
            guard PathParameter.isGroupID(id) else {
                throw APIError(.badRequest, "'\(id.prefix(64))' is not a group id this API takes (printable, no '/' or "
                    + "'\\', not '.' or '..', at most \(PathParameter.bytesMax) bytes)")
            }
            guard let group = try await Self.offload({ log.group(id: id) }) else {
                throw APIError(.notFound, "no consumer group '\(id)'; GET /v1/groups lists them")
            }
            return Self.json(group.json)
        }
    }

    // MARK: Bodies and answers

    // The bodies of the operations, read with Core's JSON (the OpenAPI
    // document's request bodies); unknown keys are ignored.

    struct CancelRequest {
        var savepoint: Bool?
        init(savepoint: Bool? = nil) { self.savepoint = savepoint }
        init(json fields: JSONFields) throws(JSONFieldError) { savepoint = try fields.readIfPresent("savepoint") }
    }

    struct SwapRequest {
        var plugin: String
        init(json fields: JSONFields) throws(JSONFieldError) { plugin = try fields.read("plugin") }
    }

    struct RescaleRequest {
        var parallelism: Int
        init(json fields: JSONFields) throws(JSONFieldError) { parallelism = try fields.read("parallelism") }
    }

    /// A path parameter, percent-decoded, so that the checks see what it
    /// stands for (`a%2F..` is `a/..`); text that does not decode is kept
    /// as it is, and refused by them.
    static func parameter(_ name: String, _ context: APIRequestContext) -> String {
        let raw = context.parameters.get(name) ?? ""
        return raw.removingPercentEncoding ?? raw
    }

    static func jobID(_ context: APIRequestContext) throws -> String {
        let id = parameter("id", context)
        guard JobID.isValid(id) else {
            throw APIError(.badRequest, "'\(id.prefix(64))' is not a job id (\(JobID.length) hex digits, as GET /v1/jobs shows)")
        }
        return id
    }

    /// Reads at most `limit` bytes of body (more is 413) and reads its
    /// JSON object with `read`; an empty body is `empty` when there is one.
    static func decode<Value>(
        from request: Request, limit: Int, emptyAs empty: Value? = nil,
        _ read: (JSONFields) throws(JSONFieldError) -> Value
    ) async throws -> Value {
        var request = request
        let buffer: ByteBuffer
        do {
            buffer = try await request.collectBody(upTo: limit)
        } catch is NIOTooManyBytesError {
            throw APIError(.contentTooLarge, "the request body is over the \(limit) bytes this API takes")
        }
        if buffer.readableBytes == 0, let empty { return empty }
        do throws(JSONFieldError) {
            return try read(try JSONFields(parsing: Array(buffer.readableBytesView)))
        } catch {
            throw APIError(.badRequest, "the request body is not the JSON this endpoint takes: \(error) "
                + "(see /v1/openapi.json)")
        }
    }

    /// `value` as the answer's compact JSON.
    static func json(_ value: JSONValue, status: HTTPResponse.Status = .ok) -> Response {
        Response(status: status, headers: [.contentType: "application/json"],
                 body: .init(byteBuffer: ByteBuffer(bytes: value.serializedBytes())))
    }

    /// Runs blocking work on a dispatch queue, off the concurrency pool.
    static func offload<Value: Sendable>(_ body: @escaping @Sendable () throws -> Value) async throws -> Value {
        try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global().async {
                continuation.resume(with: Result { try body() })
            }
        }
    }
}

/// An API failure with its status; the middleware renders it as
/// `{"error": message}`.
struct APIError: Error {
    let status: HTTPResponse.Status
    let message: String

    init(_ status: HTTPResponse.Status, _ message: String) {
        self.status = status
        self.message = message
    }
}

/// Renders every failure as JSON `{"error": "..."}` with its status: the
/// service's refusals (400, 404, 409, 500), the API's own, and
/// Hummingbird's (an unknown route is a 404).
struct APIErrorMiddleware: RouterMiddleware {
    typealias Context = APIRequestContext

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as APIError {
            return Self.render(error.status, error.message)
        } catch let error as JobServiceError {
            let status: HTTPResponse.Status = switch error {
            case .badRequest: .badRequest
            case .notFound: .notFound
            case .conflict: .conflict
            case .failed: .internalServerError
            }
            return Self.render(status, error.description)
        } catch let error as HTTPError {
            let message = error.body ?? (error.status == .notFound
                ? "no such endpoint: \(request.method) \(request.uri.path); see /v1/openapi.json" : error.status.reasonPhrase)
            return Self.render(error.status, message)
        } catch {
            context.logger.error("\(request.method) \(request.uri.path) failed: \(error)")
            return Self.render(.internalServerError, "\(error)")
        }
    }

    static func render(_ status: HTTPResponse.Status, _ message: String) -> Response {
        HTTPAPIServer.json(["error": .string(message)], status: status)
    }
}

/// Applies `AccessRule` to every request.
struct TokenMiddleware: RouterMiddleware {
    typealias Context = APIRequestContext
    let token: String?

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let decision = AccessRule.decide(
            method: request.method.rawValue, path: request.uri.path,
            remoteIsLoopback: AccessRule.isLoopback(ip: context.remoteAddress?.ipAddress),
            configuredToken: token, authorization: request.headers[.authorization])
        switch decision {
        case .allow: return try await next(request, context)
        case .unauthorized(let message):
            var response = APIErrorMiddleware.render(.unauthorized, message)
            response.headers[.wwwAuthenticate] = "Bearer"
            return response
        case .forbidden(let message): return APIErrorMiddleware.render(.forbidden, message)
        }
    }
}
