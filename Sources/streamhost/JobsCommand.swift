import ArgumentParser
import Core
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import JobService
import KafkaClient

/// `streamhost jobs ...`: the jobs of a running `streamhost serve`, over its
/// HTTP API (found through DATA/server.json, with the token file it names).
struct JobsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "jobs", abstract: "Submit, list, describe, savepoint, swap, rescale and cancel the jobs of a server.",
        discussion: """
            Talks to the `streamhost serve` that holds --data-dir, over its HTTP API (start it with --http-listen). \
            Exit status: 0 done, 1 refused or failed, 2 a mistake in the job file or a plugin the server cannot read.
            """,
        subcommands: [Submit.self, List.self, Describe.self, Cancel.self, Savepoint.self, Swap.self, Rescale.self])

    struct Submit: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Submit a job file; prints the job's id.")
        @Argument(help: "The job file (YAML).") var job: String
        @OptionGroup var plugins: PluginOptions
        @Option(name: .customLong("set"), help: ArgumentHelp("Overrides, as for run.", valueName: "step.key=value"))
        var overrides: [String] = []
        @Option(help: ArgumentHelp("Start from this savepoint directory.", valueName: "dir")) var fromSavepoint: String?
        @OptionGroup var data: DataDirectoryOptions

        func run() throws {
            let text: String
            do {
                text = try String(contentsOfFile: job, encoding: .utf8)
            } catch {
                writeStderr("error: \(job): cannot read the job file: \(error.localizedDescription)\n")
                throw ExitCode(2)
            }
            let request = JobSubmitRequest(
                jobText: text, fileName: job, plugins: plugins.plugins.map(absolute), overrides: overrides,
                fromSavepoint: fromSavepoint.map(absolute))
            let created = try JobsAPI(data: data).call("POST", "/v1/jobs", body: request.json, JobOverview.init(json:))
            print(created.id)
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the jobs: id, state, restarts, name.")
        @Flag(help: "Print the API's JSON.") var json = false
        @OptionGroup var data: DataDirectoryOptions

        func run() throws {
            let api = try JobsAPI(data: data)
            if json { return print(try api.raw("GET", "/v1/jobs")) }
            let list = try api.call("GET", "/v1/jobs") { (answer) throws(JSONFieldError) in
                try answer.objects("jobs").map { (job) throws(JSONFieldError) in try JobOverview(json: job) }
            }
            for job in list {
                print("\(job.id)  \(job.state.rawValue.padding(toLength: 9, withPad: " ", startingAt: 0))  "
                    + "restarts \(job.restarts)  \(job.name)")
            }
        }
    }

    struct Describe: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Describe a job: state, steps with counts, attempts, checkpoints, exceptions.")
        @Argument(help: "The job's id (as `jobs list` shows).") var id: String
        @Flag(help: "Print the API's JSON.") var json = false
        @OptionGroup var data: DataDirectoryOptions

        func run() throws {
            let api = try JobsAPI(data: data)
            let path = "/v1/jobs/\(try checkedID(id))"
            if json { return print(try api.raw("GET", path)) }
            let job = try api.call("GET", path, JobDescription.init(json:))
            print("job \(job.overview.id) '\(job.overview.name)': \(job.overview.state.rawValue), "
                + "\(job.overview.attempts) attempts, \(job.overview.restarts) restarts")
            for step in job.steps {
                let counts = step.recordsIn.map { " in \($0), out \(step.recordsOut ?? 0), rejected \(step.rejected ?? 0)" } ?? ""
                let inputs = step.inputs.isEmpty ? "" : " <= \(step.inputs.joined(separator: ", "))"
                print("  step \(step.id) (\(step.kind) \(step.component) x\(step.parallelism))\(inputs)\(counts)")
                if let live = step.live { print("    now: \(LiveFigures.line(live))") }
            }
            for attempt in job.attempts {
                print("  attempt \(attempt.number)" + (attempt.restoredFrom.map { " (restored from \($0))" } ?? "")
                    + ": \(attempt.sourceRecords) records in, \(attempt.sinkRecords) into sinks"
                    + (attempt.failure.map { "; failed: \($0)" } ?? ""))
            }
            for checkpoint in job.checkpoints {
                print("  \(checkpoint.kind) \(checkpoint.id): \(checkpoint.bytes) bytes, \(checkpoint.directory)")
            }
            for exception in job.exceptions {
                print("  exception" + (exception.step.map { " in step \($0)" } ?? "")
                    + (exception.instance.map { " instance \($0)" } ?? "") + ": \(exception.message)")
            }
        }
    }

    struct Cancel: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Cancel a job: its sources stop and the pipeline drains; with --savepoint, stop with a savepoint.")
        @Argument(help: "The job's id.") var id: String
        @Flag(help: "Stop with a savepoint (prints its directory).") var savepoint = false
        @OptionGroup var data: DataDirectoryOptions

        func run() throws {
            let result = try JobsAPI(data: data).call(
                "POST", "/v1/jobs/\(try checkedID(id))/cancel", body: ["savepoint": .bool(savepoint)], JobActionResult.init(json:))
            printAction(result)
        }
    }

    struct Savepoint: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Take a savepoint of a running job; prints its directory.")
        @Argument(help: "The job's id.") var id: String
        @OptionGroup var data: DataDirectoryOptions

        func run() throws {
            let result = try JobsAPI(data: data).call(
                "POST", "/v1/jobs/\(try checkedID(id))/savepoints", JobActionResult.init(json:))
            printAction(result)
        }
    }

    struct Swap: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Hot-swap a running job to a new plugin build, through a savepoint.")
        @Argument(help: "The job's id.") var id: String
        @Option(help: ArgumentHelp("The new plugin build.", valueName: "NEW.so")) var plugin: String
        @OptionGroup var data: DataDirectoryOptions

        func run() throws {
            let result = try JobsAPI(data: data).call(
                "POST", "/v1/jobs/\(try checkedID(id))/swap", body: ["plugin": .string(absolute(plugin))],
                JobActionResult.init(json:))
            printAction(result)
        }
    }

    struct Rescale: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Rescale a running job through a savepoint (stop with a savepoint, start from it).")
        @Argument(help: "The job's id.") var id: String
        @Option(help: "The new parallelism.") var parallelism: Int
        @OptionGroup var data: DataDirectoryOptions

        func run() throws {
            let result = try JobsAPI(data: data).call(
                "POST", "/v1/jobs/\(try checkedID(id))/rescale", body: ["parallelism": .int(Int64(parallelism))],
                JobActionResult.init(json:))
            printAction(result)
        }
    }
}

private func printAction(_ result: JobActionResult) {
    print("job \(result.id): \(result.message)" + (result.savepoint.map { "; savepoint \($0)" } ?? ""))
}

private func absolute(_ path: String) -> String {
    path.hasPrefix("/") ? path : FileManager.default.currentDirectoryPath + "/" + path
}

/// An id is checked here too, so that no text reaches the URL's path unchecked.
private func checkedID(_ id: String) throws -> String {
    guard JobID.isValid(id) else {
        writeStderr("error: '\(id)' is not a job id (\(JobID.length) hex digits, as `jobs list` shows)\n")
        throw ExitCode(2)
    }
    return id
}

/// The HTTP API of the server that holds the data directory.
struct JobsAPI {
    let base: String
    let token: String?
    /// How long one call may take: savepoints and rescales wait for a
    /// checkpoint and a restart.
    static let requestTimeoutSeconds: TimeInterval = 300

    init(data: DataDirectoryOptions) throws {
        guard let server = ServerDiscovery.read(dataDirectory: data.path) else {
            writeStderr("error: no `streamhost serve` holds \(data.path): start one with "
                + "`streamhost serve --data-dir \(data.path) --http-listen 127.0.0.1:8081`\n")
            throw ExitCode(1)
        }
        guard let http = server.http else {
            writeStderr("error: the server holding \(data.path) (pid \(server.pid)) has no HTTP API: restart it with "
                + "--http-listen 127.0.0.1:8081\n")
            throw ExitCode(1)
        }
        // A wildcard listener is reached on loopback.
        var host = http
        if http.hasPrefix("0.0.0.0:") {
            host = "127.0.0.1" + http.dropFirst("0.0.0.0".count)
        } else if http.hasPrefix("[::]:") {
            host = "[::1]" + http.dropFirst("[::]".count)
        }
        base = "http://\(host)"
        token = server.httpTokenFile
            .flatMap { FileManager.default.contents(atPath: $0) }
            .map { String(decoding: $0, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines) }
    }

    /// Sends `body` (if any) and reads the answer's JSON object with `read`.
    func call<Answer>(_ method: String, _ path: String, body: JSONValue? = nil,
                      _ read: (JSONFields) throws(JSONFieldError) -> Answer) throws -> Answer {
        try decode(send(method, path, body: body.map { Data($0.serializedBytes()) }), read)
    }

    func raw(_ method: String, _ path: String) throws -> String {
        String(decoding: try send(method, path, body: nil), as: UTF8.self)
    }

    private func decode<Answer>(_ data: Data, _ read: (JSONFields) throws(JSONFieldError) -> Answer) throws -> Answer {
        do throws(JSONFieldError) {
            return try read(try JSONFields(parsing: Array(data)))
        } catch {
            writeStderr("error: the server's answer is not what this streamhost expects (\(error)); is it the same version?\n")
            throw ExitCode(1)
        }
    }

    /// Sends one request and waits; an answer other than 2xx prints the
    /// server's error and exits (2 for a 400: a mistake in what was sent).
    private func send(_ method: String, _ path: String, body: Data?) throws -> Data {
        var request = URLRequest(url: URL(string: base + path)!, timeoutInterval: Self.requestTimeoutSeconds)
        request.httpMethod = method
        if let body {
            request.httpBody = body
            request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        }
        if let token { request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization") }
        let box = AnswerBox()
        let done = DispatchSemaphore(value: 0)
        URLSession.shared.dataTask(with: request) { data, response, error in
            box.set(data, (response as? HTTPURLResponse)?.statusCode, error)
            done.signal()
        }.resume()
        done.wait()
        let (data, status, error) = box.get()
        guard let status else {
            writeStderr("error: cannot reach the server's HTTP API at \(base): \(error.map { "\($0.localizedDescription)" } ?? "no answer")\n")
            throw ExitCode(1)
        }
        let payload = data ?? Data()
        guard (200..<300).contains(status) else {
            let message = (try? JSONFields(parsing: Array(payload)).read("error") as String)
                ?? String(decoding: payload, as: UTF8.self)
            writeStderr("error: \(message)\n")
            throw ExitCode(status == 400 ? 2 : 1)
        }
        return payload
    }
}

private final class AnswerBox: @unchecked Sendable {
    // Written once by URLSession's callback before the semaphore is signalled.
    private var value: (Data?, Int?, (any Error)?) = (nil, nil, nil)
    func set(_ data: Data?, _ status: Int?, _ error: (any Error)?) { value = (data, status, error) }
    func get() -> (Data?, Int?, (any Error)?) { value }
}
