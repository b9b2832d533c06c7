/// The command line of streamhost-bench.
struct BenchmarkOptions {
    /// Benchmarks that can be chosen with `--only`.
    enum Group: String, CaseIterable {
        case pipeline, abi, log, compaction, state, window
        case expressions
        case stateRSS = "state-rss"
        /// Native UDFs through libffi (Benchmark 8).
        case ffi
        case checkpoint
        case checkpointOverhead = "checkpoint-overhead"
        case swap
        /// Finding one field in a JSON record (Benchmark 10).
        case json
        /// Produce and fetch through the Kafka protocol against the log (Benchmark 12).
        case server
        /// Metrics on vs off, and the /metrics scrape (Benchmark 20).
        case metrics

        /// One line per group for the usage text.
        var summary: String {
            switch self {
            case .pipeline: return "throughput of whole jobs"
            case .abi: return "the cost of crossing the plugin ABI"
            case .log: return "append, read and catch-up of the durable log, against dd"
            case .compaction: return "one compaction pass, against dd copying the same segments"
            case .state: return "keyed-state get/put per operation on the memory and RocksDB backends"
            case .window: return "a tumbling window over 100k keys through whole jobs, on both backends"
            case .stateRSS: return "resident memory after 10M puts into RocksDB (not in a plain run)"
            case .ffi: return "native UDFs: libffi calls, scalar and vectorized, against direct calls"
            case .checkpoint: return "keyed-state snapshots and restores of 1M and 10M keys on both backends (not in a plain run)"
            case .checkpointOverhead: return "the window job with checkpoints every second vs none (not in a plain run)"
            case .swap: return "the pause of a hot swap with 1M keys on both backends (not in a plain run)"
            case .expressions: return "filter + map as expressions against the same logic hand-written in C"
            case .json: return "finding one field in a ~100-byte JSON record, host scanner and plugin kit"
            case .server: return "produce and fetch over loopback to an in-process server, against direct append/read (not in a plain run)"
            case .metrics: return "pipelines with metrics on vs off, and one /metrics scrape of a large registry (not in a plain run)"
            }
        }
    }

    /// What a run without `--only` measures: everything but `state-rss`,
    /// which wants a process of its own.
    static let defaultGroups: [Group] = [.pipeline, .abi, .log, .compaction, .state, .window, .expressions, .ffi, .json]

    /// Fewer records and repetitions: a smoke run, not figures to quote.
    var quick = false
    var repetitions = 5
    var warmups = 1
    var groups: [Group] = BenchmarkOptions.defaultGroups
    /// Print the usage and measure nothing.
    var showHelp = false

    static let usage: String = {
        let names = Group.allCases.map(\.rawValue).joined(separator: "|")
        let groups = Group.allCases.map { "                       \($0.rawValue.padding(toLength: 20, withPad: " ", startingAt: 0)) \($0.summary)" }
        return """
            usage: streamhost-bench [--quick] [--repetitions N] [--only \(names)]

              --quick            a short smoke run (fewer records, 3 repetitions); not for quoting
              --repetitions N    measured repetitions per case (default 5; medians are quoted)
              --only GROUP       run one benchmark:
            \(groups.joined(separator: "\n"))

            Build it and the plugins it loads with
              swift build -c release --product streamhost-bench
              swift build -c release --product streamhost-datagen
              swift build -c release --product streamhost-blackhole
              swift build -c release --product streamhost-window
              swift build -c release --product streamhost-expressions   # for --only expressions
            """
    }()

    static func parse(_ arguments: [String]) throws -> BenchmarkOptions {
        var options = BenchmarkOptions()
        var explicitRepetitions: Int?
        var index = 0
        func value(_ flag: String) throws -> String {
            index += 1
            guard index < arguments.count else { throw BenchmarkError(description: "\(flag) needs a value") }
            return arguments[index]
        }
        while index < arguments.count {
            let argument = arguments[index]
            switch argument {
            case "--quick":
                options.quick = true
            case "--repetitions":
                let text = try value(argument)
                guard let count = Int(text), count >= 1 else {
                    throw BenchmarkError(description: "--repetitions must be a whole number >= 1, got '\(text)'")
                }
                explicitRepetitions = count
            case "--only":
                let text = try value(argument)
                guard let group = Group(rawValue: text) else {
                    throw BenchmarkError(description: "--only takes one of "
                        + Group.allCases.map(\.rawValue).joined(separator: ", ") + ", got '\(text)'")
                }
                options.groups = [group]
            case "-h", "--help":
                options.showHelp = true
            default:
                throw BenchmarkError(description: "unknown argument '\(argument)'")
            }
            index += 1
        }
        if options.quick { options.repetitions = 3 }
        if let explicitRepetitions { options.repetitions = explicitRepetitions }
        return options
    }
}
