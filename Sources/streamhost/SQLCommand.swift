import ArgumentParser
import Foundation
import Runtime
import SQL

struct SQLCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sql",
        abstract: "Run a Flink SQL script (CREATE TABLE ... WITH, INSERT INTO, SELECT) as a streamhost job.",
        discussion: """
            The script is parsed, checked against its tables and compiled to an ordinary job over the \
            first-party plugins (docs/SQL.md says what plans). --explain prints that job file instead of \
            running it; `streamhost run` runs what it prints, and runs a .sql file itself the same way \
            (what this command does: same options, same exit status). A job file may hold `sql:` steps; \
            `--explain job.yaml` prints it with them expanded. A mistake in the SQL is reported as \
            FILE:LINE:COLUMN: message, with exit status 2.
            """)

    @Argument(help: "The SQL file (with --explain also a YAML job file with sql: steps).")
    var file: String

    @Flag(help: "Print the job file the script compiles to, and do not run it.")
    var explain = false

    @OptionGroup var plugins: PluginOptions

    @Option(help: "Worker threads (default: one per core).")
    var workers: Int?

    @Option(help: "A file for rejected records (default: the topic JOB.dlq in the data directory).")
    var deadLetter: String?

    @Flag(inversion: .prefixedNo, help: "Show records/s once a second (default: when stderr is a terminal).")
    var progress: Bool?

    @OptionGroup var data: DataDirectoryOptions

    @OptionGroup var logging: LoggingOptions

    func run() throws {
        if explain, !file.lowercased().hasSuffix(".sql") {
            // A job file: its sql: steps expanded to the steps they plan to.
            do {
                print(try JobFileParser.expandedSQLSteps(path: file), terminator: "")
            } catch {
                writeStderr("error: \(error)\n")
                throw ExitCode(2)
            }
            return
        }
        if explain {
            let text: String
            do {
                text = try String(contentsOfFile: file, encoding: .utf8)
            } catch {
                writeStderr("error: cannot read \(file): \(error.localizedDescription)\n")
                throw ExitCode(2)
            }
            do {
                print(try SQLPlanner.plan(text, file: file, jobName: SQLPlanner.jobName(file: file),
                                          nativeFunctions: JobFileParser.sqlNativeFunctions(file: file)).yaml, terminator: "")
            } catch {
                writeStderr("error: \(error)\n")
                throw ExitCode(2)
            }
            return
        }
        guard file.lowercased().hasSuffix(".sql") else {
            throw ValidationError("the SQL file's name must end in .sql (\(file))")
        }
        var arguments = [file, "--data-dir", data.path]
        for plugin in plugins.plugins { arguments += ["--plugin", plugin] }
        if let workers { arguments += ["--workers", String(workers)] }
        if let deadLetter { arguments += ["--dead-letter", deadLetter] }
        if let progress { arguments.append(progress ? "--progress" : "--no-progress") }
        if let level = logging.logLevel { arguments += ["--log-level", level] }
        let run = try Run.parse(arguments)
        try run.run()
    }
}
