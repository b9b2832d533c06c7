import Admin
import ArgumentParser
import Foundation

struct SavepointCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "savepoint",
        abstract: "Take a savepoint of the job running on a data directory (through its admin socket).",
        discussion: """
            Prints the savepoint's directory; restore it with `streamhost run JOB --from-savepoint DIR`. \
            With --stop the sources stop at the savepoint's barrier and the job ends once the savepoint is \
            complete, without draining (no end-of-input timers fire): nothing is lost and nothing is \
            repeated when it is restored. Exit status 1 when no job runs there or the savepoint failed.
            """)

    @Flag(help: "End the job once the savepoint is complete.")
    var stop = false

    @OptionGroup var data: DataDirectoryOptions

    func run() throws {
        let response = try send(AdminRequest(command: .savepoint, stop: stop), dataDirectory: data.path)
        print(response.savepoint ?? "")
        writeStderr("savepoint \(response.checkpointID ?? 0) of job '\(response.job ?? "")' written in "
            + "\(String(format: "%.1f", response.durationMs ?? 0)) ms\(stop ? "; the job is stopping" : "")\n")
    }
}

struct SwapCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "swap",
        abstract: "Hot-swap a plugin of the running job: stop with a savepoint, load the new build, restore, go on.",
        discussion: """
            The new build must have the same plugin name as the one it replaces. Its components migrate \
            the savepoint's state when their state_version is newer. The new build is checked before the \
            job stops: a step whose state_version went back is refused, and when a version is newer the \
            migration is tried on a savepoint taken without stopping. A refusal (then, or after the stop) \
            leaves the job running on the old build, and this command fails with the reason. Prints the pause.
            """)

    @Option(help: ArgumentHelp("The new build of the plugin (.so).", valueName: "path"))
    var plugin: String

    @OptionGroup var data: DataDirectoryOptions

    func run() throws {
        let path = plugin.hasPrefix("/") ? plugin : FileManager.default.currentDirectoryPath + "/" + plugin
        let response = try send(AdminRequest(command: .swap, plugin: path), dataDirectory: data.path)
        print("swapped job '\(response.job ?? "")' to \(plugin) through savepoint \(response.savepoint ?? ""): "
            + "paused \(String(format: "%.1f", response.pauseMs ?? 0)) ms")
    }
}

/// Sends one admin request; prints the error and exits 1 on failure.
private func send(_ request: AdminRequest, dataDirectory: String) throws -> AdminResponse {
    let response: AdminResponse
    do {
        response = try AdminClient.send(request, socket: AdminClient.socketPath(dataDirectory: dataDirectory))
    } catch {
        writeStderr("error: \(error)\n")
        throw ExitCode(1)
    }
    guard response.ok else {
        writeStderr("error: \(response.error ?? "the host refused without saying why")\n")
        throw ExitCode(1)
    }
    return response
}
