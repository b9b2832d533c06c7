#if canImport(Glibc)
import Glibc
#endif
import ArgumentParser
import Server

/// `streamhost users`: the SASL users of `serve` (`sasl.credentials.file`).
/// Passwords are read from standard input or a prompt, never from the
/// command line (where `ps` and shell history would show them), and only
/// their salted SCRAM-SHA-256 keys are written.
struct UsersCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "users", abstract: "Manage the SASL users of `streamhost serve` (sasl.credentials.file).",
        subcommands: [Add.self, Remove.self, List.self])

    struct FileOption: ParsableArguments {
        @Option(help: ArgumentHelp("The credentials file (sasl.credentials.file of serve).", valueName: "file"))
        var file: String
    }

    struct Add: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Add a user, or change a user's password.",
            discussion: """
                The password is read from standard input with --password-stdin, else asked for on the terminal \
                (twice). The file keeps SCRAM-SHA-256's salt, iterations, stored key and server key, which serve \
                checks both SCRAM-SHA-256 and PLAIN logins against; a running serve reads the change on the next login.
                """)

        @Argument(help: "The user name.") var name: String
        @OptionGroup var file: FileOption
        @Flag(help: "Read the password from the first line of standard input.") var passwordStdin = false
        @Option(help: ArgumentHelp(
            "PBKDF2 iterations (\(ScramCredential.iterationsRange.lowerBound)-\(ScramCredential.iterationsRange.upperBound)).",
            valueName: "n"))
        var iterations = ScramCredential.iterationsDefault

        func validate() throws {
            guard ScramCredential.iterationsRange.contains(iterations) else {
                throw ValidationError(
                    "--iterations must lie in \(ScramCredential.iterationsRange.lowerBound)..."
                        + "\(ScramCredential.iterationsRange.upperBound)")
            }
        }

        func run() throws {
            let password = try readPassword(for: name, fromStandardInput: passwordStdin)
            try withServerErrors {
                var credentials = try CredentialsFile.read(path: file.file, missingIsEmpty: true)
                try credentials.set(name, ScramCredential.make(password: password, iterations: iterations))
                try credentials.write(path: file.file)
            }
        }
    }

    struct Remove: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Remove a user.")
        @Argument(help: "The user name.") var name: String
        @OptionGroup var file: FileOption

        func run() throws {
            try withServerErrors {
                var credentials = try CredentialsFile.read(path: file.file)
                guard credentials.remove(name) else {
                    throw ServerError.credentials(path: file.file, reason: "there is no user \(name)")
                }
                try credentials.write(path: file.file)
            }
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the users (names and iterations).")
        @OptionGroup var file: FileOption

        func run() throws {
            let credentials = try withServerErrors { try CredentialsFile.read(path: file.file) }
            for (name, credential) in credentials.users.sorted(by: { $0.key < $1.key }) {
                print("\(name)\tSCRAM-SHA-256\titerations=\(credential.iterations)")
            }
        }
    }
}

/// The longest password read, so a wrong redirect cannot fill memory.
private let passwordBytesMax = 1024

/// Reads a password from the first line of standard input, or from the
/// terminal with echo off (asked twice).
private func readPassword(for user: String, fromStandardInput: Bool) throws -> String {
    if fromStandardInput {
        guard let line = readLine(strippingNewline: true) else {
            writeStderr("error: --password-stdin: standard input is empty; pipe the password in\n")
            throw ExitCode(1)
        }
        return try checkedPassword(line.hasSuffix("\r") ? String(line.dropLast()) : line)
    }
    guard isatty(STDIN_FILENO) != 0 else {
        writeStderr("error: standard input is not a terminal to ask for the password on; pass --password-stdin and pipe it in\n")
        throw ExitCode(1)
    }
    let first = try checkedPassword(promptWithoutEcho("Password for \(user): "))
    guard try promptWithoutEcho("Again: ") == first else {
        writeStderr("error: the two passwords differ; nothing was changed\n")
        throw ExitCode(1)
    }
    return first
}

private func checkedPassword(_ password: String) throws -> String {
    guard !password.isEmpty, password.utf8.count <= passwordBytesMax else {
        writeStderr("error: the password is empty or longer than \(passwordBytesMax) bytes\n")
        throw ExitCode(1)
    }
    return password
}

/// Asks on stderr and reads a line from the terminal with echo turned
/// off (and back on, whatever happens).
private func promptWithoutEcho(_ prompt: String) throws -> String {
    writeStderr(prompt)
    var saved = termios()
    tcgetattr(STDIN_FILENO, &saved)
    var silent = saved
    silent.c_lflag &= ~tcflag_t(ECHO)
    tcsetattr(STDIN_FILENO, TCSAFLUSH, &silent)
    defer {
        tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved)
        writeStderr("\n")
    }
    guard let line = readLine(strippingNewline: true) else {
        writeStderr("\nerror: no password given\n")
        throw ExitCode(1)
    }
    return line
}

/// Runs work on the credentials file, turning a ServerError into a
/// message and exit status 1.
private func withServerErrors<T>(_ body: () throws -> T) throws -> T {
    do {
        return try body()
    } catch let error as ServerError {
        writeStderr("error: \(error)\n")
        throw ExitCode(1)
    }
}
