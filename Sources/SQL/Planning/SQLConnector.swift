/// A table's connector, named as in Flink's `WITH ('connector' = ...)`,
/// and the first-party source or sink (and its config) it becomes.
///
/// Every option is checked: an unknown connector or option, a missing
/// required one, or a value the plugin cannot take is an error at the
/// option, listing what is known. docs/SQL.md has the table.
struct SQLConnector {
    /// The options each connector takes (`fields.` options of datagen are
    /// per column and checked apart).
    static let known: [String: [String]] = [
        "datagen": ["connector", "rows-per-second", "number-of-rows"],
        "filesystem": ["connector", "path", "format", "csv.field-delimiter"],
        "kafka": [
            "connector", "topic", "properties.bootstrap.servers", "properties.group.id", "scan.startup.mode",
            "scan.startup.timestamp-millis", "scan.bounded.mode", "format", "value.format", "sink.delivery-guarantee",
        ],
        "blackhole": ["connector"],
        "print": ["connector"],
        "nexmark": nexmarkOptions,
    ]

    /// The columns datagen's `orders` records have, with the SQL types
    /// they fit.
    static let datagenColumns: [String: [SQLType.Family]] = [
        "order_id": [.numeric], "customer_id": [.numeric], "category": [.string], "amount": [.numeric],
        "event_time": [.timestamp, .numeric],
    ]

    let name: String
    let relation: SQLRelation
    let options: [SQLOption]
    let file: String

    /// A source step and what the planner needs to know of its records.
    struct Source {
        var component: String
        var config: [(String, SQLJobValue)]
        /// A `project` rename after the source (CSV's c0, c1, ... to names).
        var rename: [(String, SQLJobValue)]?
        /// The records hold exactly these fields, in order, when known.
        var exactFields: [String]?
        /// Columns whose values are ms since the epoch rather than text.
        var millisColumns: Set<String> = []
        /// Its values are text (JSON, CSV) whose numbers the planner checks
        /// against the table's types (filesystem, kafka); generated and
        /// typed records need no check.
        var checksTypes = false
        /// Its values are JSON objects, which the source step's `schema:`
        /// can read into typed columns (filesystem and kafka, format json).
        var readsJSON = false
        var notes: [String] = []
    }

    /// A sink step.
    struct Sink {
        var component: String
        var config: [(String, SQLJobValue)]
        var notes: [String] = []
    }

    init(relation: SQLRelation, options: [SQLOption], file: String) throws(SQLError) {
        self.relation = relation
        self.options = options
        self.file = file
        let connectors = Self.known.keys.sorted().joined(separator: ", ")
        guard let connector = options.first(where: { $0.key.value == "connector" }) else {
            throw SQLError(.connector, file: file, at: relation.position,
                           "table \(relation.name) has no 'connector' option in WITH (...); known connectors: \(connectors)")
        }
        guard let known = Self.known[connector.value.value] else {
            throw SQLError(.connector, file: file, at: connector.value.position,
                           "unknown connector '\(connector.value.value)' for table \(relation.name); known connectors: \(connectors)")
        }
        name = connector.value.value
        for option in options where !known.contains(option.key.value) {
            if name == "datagen", option.key.value.hasPrefix("fields.") {
                throw SQLError(.connector, file: file, at: option.key.position,
                               "datagen option '\(option.key.value)' is not supported: streamhost's datagen makes its orders records "
                                   + "(order_id, customer_id, category, amount, event_time), with no per-field settings; "
                                   + "datagen takes \(known.dropFirst().joined(separator: ", "))")
            }
            throw SQLError(.connector, file: file, at: option.key.position,
                           "unknown option '\(option.key.value)' for connector \(name) (table \(relation.name)); "
                               + "\(name) takes \(known.joined(separator: ", "))")
        }
    }

    func option(_ key: String) -> SQLOption? { options.first { $0.key.value == key } }

    func required(_ key: String) throws(SQLError) -> SQLOption {
        guard let option = option(key) else {
            throw SQLError(.connector, file: file, at: relation.position,
                           "connector \(name) needs the option '\(key)' (table \(relation.name))")
        }
        return option
    }

    func refuse(_ option: SQLOption, _ allowed: String) -> SQLError {
        SQLError(.connector, file: file, at: option.value.position,
                 "option '\(option.key.value)' of connector \(name) is '\(option.value.value)'; it takes \(allowed)")
    }

    func integer(_ key: String) throws(SQLError) -> Int64? {
        guard let option = option(key) else { return nil }
        guard let value = Int64(option.value.value), value >= 0 else { throw refuse(option, "a whole number >= 0") }
        return value
    }

    /// `format` (or kafka's `value.format`): json or csv.
    func format(allowed: [String]) throws(SQLError) -> String {
        guard let option = option("format") ?? option("value.format") else {
            throw SQLError(.connector, file: file, at: relation.position,
                           "connector \(name) needs the option 'format' (\(allowed.joined(separator: " or "))) (table \(relation.name))")
        }
        guard allowed.contains(option.value.value) else { throw refuse(option, allowed.joined(separator: " or ")) }
        return option.value.value
    }

    // MARK: Sources

    func source(physical: [String], timeColumn: SQLColumn?, watermark: SQLWatermark?) throws(SQLError) -> Source {
        switch name {
        case "filesystem":
            let path = try required("path").value.value
            let format = try format(allowed: ["json", "csv"])
            var config: [(String, SQLJobValue)] = [("path", .string(path)), ("format", .string(format == "json" ? "jsonl" : "csv"))]
            var source = Source(component: "file", config: config)
            source.checksTypes = true
            source.readsJSON = format == "json"
            if format == "csv" {
                // Flink's CSV has no header: fields by position.
                config += [("header", .boolean(false))]
                if let delimiter = option("csv.field-delimiter") {
                    guard delimiter.value.value.utf8.count == 1 else { throw refuse(delimiter, "one ASCII character") }
                    config.append(("delimiter", .string(delimiter.value.value)))
                }
                source.rename = physical.enumerated().map { ("c\($0.offset)", .string($0.element)) }
                source.exactFields = physical
            } else if let delimiter = option("csv.field-delimiter") {
                throw SQLError(.connector, file: file, at: delimiter.key.position, "'csv.field-delimiter' needs 'format' = 'csv'")
            }
            if let timeColumn { config.append(("timestamp_field", .string(timeColumn.name))) }
            source.config = config
            return source
        case "kafka":
            let topic = try required("topic").value.value
            _ = try format(allowed: ["json"])
            var config: [(String, SQLJobValue)] = [("topic", .string(topic))]
            var notes: [String] = []
            if let group = option("properties.group.id") { config.append(("group", .string(group.value.value))) }
            if let mode = option("scan.startup.mode") {
                switch mode.value.value {
                case "earliest-offset": config.append(("start", .string("earliest")))
                case "latest-offset": config.append(("start", .string("latest")))
                case "group-offsets":
                    guard option("properties.group.id") != nil else {
                        throw SQLError(.connector, file: file, at: mode.value.position,
                                       "scan.startup.mode 'group-offsets' needs 'properties.group.id'")
                    }
                case "timestamp":
                    let millis = try required("scan.startup.timestamp-millis")
                    guard let ms = Int64(millis.value.value) else { throw refuse(millis, "ms since the epoch") }
                    config += [("start", .string("time")), ("time", .integer(ms))]
                default:
                    throw refuse(mode, "earliest-offset, latest-offset, group-offsets or timestamp")
                }
            }
            if let bounded = option("scan.bounded.mode") {
                switch bounded.value.value {
                case "unbounded": config.append(("bounded", .boolean(false)))
                case "latest-offset": config.append(("bounded", .boolean(true)))
                default: throw refuse(bounded, "unbounded or latest-offset")
                }
            } else {
                // Flink's Kafka source runs until stopped.
                config.append(("bounded", .boolean(false)))
            }
            if let servers = option("properties.bootstrap.servers") {
                notes.append("Table \(relation.name): topic '\(topic)' is read from the job's data directory (through `streamhost serve` "
                    + "when it holds the directory); properties.bootstrap.servers '\(servers.value.value)' is not used to connect.")
            }
            // A watermark on a column of the value (the seed articles'
            // `WATERMARK FOR event_time`): the log source stamps each record
            // with that field, as the file source does; a record without a
            // time there goes to the dead letters naming the field.
            if let timeColumn, !isRecordTimestamp(timeColumn) { config.append(("timestamp_field", .string(timeColumn.name))) }
            var source = Source(component: "log", config: config, notes: notes)
            source.checksTypes = true
            source.readsJSON = true
            return source
        case "datagen":
            for column in relation.columns where column.origin == .physical {
                guard let families = Self.datagenColumns[column.name] else {
                    throw SQLError(.connector, file: file, at: column.position,
                                   "datagen makes orders records (order_id, customer_id, category, amount, event_time); "
                                       + "table \(relation.name) has a column \(column.name) it cannot fill")
                }
                guard families.contains(column.type.family) else {
                    throw SQLError(.connector, file: file, at: column.position,
                                   "datagen's \(column.name) does not fit \(column.type) (table \(relation.name))")
                }
            }
            if let timeColumn, timeColumn.name != "event_time" {
                throw SQLError(.connector, file: file, at: watermark?.column.position ?? relation.position,
                               "datagen stamps records with event_time; the watermark must be on event_time, not \(timeColumn.name)")
            }
            var config: [(String, SQLJobValue)] = [("count", .integer(try integer("number-of-rows") ?? 0))]
            if let rate = try integer("rows-per-second") { config.append(("rate", .integer(rate))) }
            var source = Source(component: "datagen", config: config)
            if relation.columns.contains(where: { $0.name == "event_time" && $0.type.family == .timestamp }) {
                source.millisColumns = ["event_time"]
            }
            return source
        case "nexmark":
            return try nexmarkSource()
        default:
            throw SQLError(.connector, file: file, at: option("connector")!.value.position,
                           "connector \(name) can only be written to (INSERT INTO \(relation.name)), not read")
        }
    }

    /// Whether a column holds the record's own timestamp (kafka's
    /// `METADATA FROM 'timestamp'`).
    func isRecordTimestamp(_ column: SQLColumn) -> Bool {
        if case .metadata = column.origin { return true }
        return false
    }

    // MARK: Sinks

    func sink(columns: [String]) throws(SQLError) -> Sink {
        switch name {
        case "filesystem":
            let path = try required("path").value.value
            let format = try format(allowed: ["json", "csv"])
            if format == "csv" {
                if let delimiter = option("csv.field-delimiter") {
                    throw SQLError(.connector, file: file, at: delimiter.key.position,
                                   "'csv.field-delimiter' is read by the filesystem source only; the file sink writes commas")
                }
                return Sink(component: "file", config: [
                    ("path", .string(path)), ("format", .string("csv")), ("columns", .list(columns.map(SQLJobValue.string))),
                    ("header", .boolean(false)),
                ])
            }
            return Sink(component: "file", config: [("path", .string(path)), ("format", .string("jsonl"))])
        case "kafka":
            let topic = try required("topic").value.value
            _ = try format(allowed: ["json"])
            var config: [(String, SQLJobValue)] = [("topic", .string(topic))]
            var notes: [String] = []
            switch option("sink.delivery-guarantee")?.value.value {
            case "exactly-once": config.append(("delivery", .string("exactly_once")))
            case nil, "at-least-once": config.append(("delivery", .string("at_least_once")))
            case "none":
                config.append(("delivery", .string("at_least_once")))
                notes.append("Table \(relation.name): sink.delivery-guarantee 'none' is written at least once.")
            default:
                throw refuse(option("sink.delivery-guarantee")!, "exactly-once, at-least-once or none")
            }
            for key in ["properties.group.id", "scan.startup.mode", "scan.startup.timestamp-millis", "scan.bounded.mode"] {
                if let option = option(key) {
                    throw SQLError(.connector, file: file, at: option.key.position,
                                   "'\(key)' is a kafka source option; table \(relation.name) is written here")
                }
            }
            return Sink(component: "log", config: config, notes: notes)
        case "blackhole":
            return Sink(component: "blackhole", config: [("print", .boolean(false))])
        case "print":
            return Sink(component: "stdout", config: [("format", .string("value"))])
        default:
            throw SQLError(.connector, file: file, at: option("connector")!.value.position,
                           "connector \(name) can only be read (FROM \(relation.name)), not written")
        }
    }
}
