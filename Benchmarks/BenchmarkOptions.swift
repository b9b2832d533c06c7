/// The command line of streamhost-bench.
struct BenchmarkOptions {
    /// Benchmarks that can be chosen with `--only`.
    enum Group: String, CaseIterable {
        case pipeline, abi, log, compaction, state, window
        case expressions
        case stateRSS = "state-rss"
        case checkpointOverhead = "checkpoint-overhead"
        /// Native UDFs through libffi (Benchmark 8).
        case ffi
    }

    /// What a run without `--only` measures: everything but `state-rss`,
    /// which wants a process of its own.
    static let defaultGroups: [Group] = [.pipeline, .abi, .log, .compaction, .state, .window, .expressions, .ffi]

    /// Fewer records and repetitions: a smoke run, not figures to quote.
    var quick = false
    var repetitions = 5
    var warmups = 1
    var groups: [Group] = BenchmarkOptions.defaultGroups
    /// Print the usage and measure nothing.
    var showHelp = false

    static let usage = """
        usage: streamhost-bench [--quick] [--repetitions N] [--only pipeline|abi|log|compaction|state|window|state-rss|ffi|checkpoint-overhead|expressions]

          --quick            a short smoke run (fewer records, 3 repetitions); not for quoting
          --repetitions N    measured repetitions per case (default 5; medians are quoted)
          --only GROUP       run one benchmark: pipeline (throughput of whole jobs),
                             abi (the cost of crossing the plugin ABI), log (append,
                             read and catch-up of the durable log, against dd),
                             compaction (one compaction pass, against dd copying
                             the same segments), state (keyed-state get/put per
                             operation on the memory and RocksDB backends), window
                             (a tumbling window over 100k keys through whole jobs,
                             on both backends) or state-rss (resident memory after
                             10M puts into RocksDB; not part of a plain run),
                             ffi (native UDFs: libffi calls, scalar and
                             vectorized, against direct function-pointer calls) or
                             checkpoint-overhead (the window job with checkpoints
                             every second vs none; not part of a plain run) or
                             expressions (filter + map as expressions against the
                             same logic hand-written in C; needs streamhost-expressions)

        Build it and the plugins it loads with
          swift build -c release --product streamhost-bench
          swift build -c release --product streamhost-datagen
          swift build -c release --product streamhost-blackhole
          swift build -c release --product streamhost-window
          swift build -c release --product streamhost-expressions
        """

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
                    throw BenchmarkError(description: "--only takes pipeline, abi, log, compaction, state, window, state-rss, ffi, checkpoint-overhead or expressions, got '\(text)'")
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
