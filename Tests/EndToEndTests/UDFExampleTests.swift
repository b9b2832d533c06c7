import Foundation
import Testing
import TestKit

/// examples/udf's jobs through the CLI: expressions in filter and map call
/// native functions (the example library's vectorized distance and its
/// allocated-string bearing; libm's cbrt and pow by soname), against a
/// reference computed here.
@Suite("UDF examples")
struct UDFExampleTests {
    let directory: TemporaryDirectory

    init() throws {
        directory = try TemporaryDirectory(prefix: "udf-example")
        let build = try ProcessRunner.run(
            "make", ["-C", BuildProducts.packageRoot + "/examples/udf", "OUT=\(directory.path)", "CFLAGS=-Werror"])
        try #require(build.status == 0, "make failed: \(build.standardError)")
        // The jobs read orders.jsonl from the directory they run in, and find
        // ./libgeo.so beside the job file: run copies where make put the library.
        for file in ["job.yaml", "job-libm.yaml", "orders.jsonl"] {
            try FileManager.default.copyItem(atPath: BuildProducts.packageRoot + "/examples/udf/" + file,
                                             toPath: directory.file(file))
        }
    }

    static func objects(_ lines: [String]) throws -> [[String: Any]] {
        try lines.map { try #require(try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]) }
    }

    /// geo.c's haversine, written again here.
    static func distance(_ lat1: Double, _ lon1: Double, _ lat2: Double, _ lon2: Double) -> Double {
        let radians = { (degrees: Double) in degrees * .pi / 180 }
        let dlat = radians(lat2 - lat1), dlon = radians(lon2 - lon1)
        let a = sin(dlat / 2) * sin(dlat / 2) + cos(radians(lat1)) * cos(radians(lat2)) * sin(dlon / 2) * sin(dlon / 2)
        return 2 * 6371.0088 * asin(min(1, a.squareRoot()))
    }

    /// geo.c's initial bearing, as a compass point.
    static func bearing(_ lat1: Double, _ lon1: Double, _ lat2: Double, _ lon2: Double) -> String {
        let radians = { (degrees: Double) in degrees * .pi / 180 }
        let y = sin(radians(lon2 - lon1)) * cos(radians(lat2))
        let x = cos(radians(lat1)) * sin(radians(lat2)) - sin(radians(lat1)) * cos(radians(lat2)) * cos(radians(lon2 - lon1))
        let degrees = fmod(atan2(y, x) * 180 / .pi + 360, 360)
        return ["N", "NE", "E", "SE", "S", "SW", "W", "NW"][Int((degrees + 22.5) / 45) % 8]
    }

    /// The exact text of a number field in a JSON line, read back correctly rounded.
    static func number(_ field: String, in line: String) -> Double? {
        guard let range = line.range(of: "\"\(field)\":") else { return nil }
        return Double(String(line[range.upperBound...].prefix { "-+.eE0123456789".contains($0) }))
    }

    @Test func nearbyOrdersByTheLibrarysDistance() throws {
        let outcome = try CLI.run(["run", directory.file("job.yaml")], in: directory.path)
        #expect(outcome.status == 0, "\(outcome.standardError)")
        let orders = try Self.objects(CLI.lines(directory.file("orders.jsonl")))
        let expected = orders.filter {
            Self.distance(48.8566, 2.3522, $0["lat"] as! Double, $0["lon"] as! Double) < 50
        }
        let output = try Self.objects(CLI.lines(directory.file("nearby-orders.jsonl")))
        #expect(expected.count == 3)
        #expect(output.map { $0["order_id"] as? Int } == expected.map { $0["order_id"] as? Int })
        for (line, order) in zip(output, expected) {
            let want = Self.distance(48.8566, 2.3522, order["lat"] as! Double, order["lon"] as! Double)
            let got = try #require(line["distance_km"] as? Double)
            #expect(abs(got - want) < 1e-9 * want, "order \(order["order_id"]!)")
            #expect(line["direction"] as? String
                == Self.bearing(48.8566, 2.3522, order["lat"] as! Double, order["lon"] as! Double))
        }
    }

    /// A native function that returns an error code sends that record to
    /// the dead-letter destination, naming the function and the code; the
    /// other records go on.
    @Test func aUDFErrorCodeSendsTheRecordToTheDeadLetters() throws {
        let input = try directory.write("points.jsonl", """
            {"id":1,"point":"48.8606,2.3376"}
            {"id":2,"point":"not a point"}
            {"id":3,"point":"95.0,2.0"}
            {"id":4,"point":"51.5074,-0.1278"}

            """)
        let job = try directory.write("depot.yaml", """
            name: udf-depot
            dead_letter: \(directory.file("depot-dlq.jsonl"))
            functions:
              - {name: depot_km, library: ./libgeo.so, symbol: geo_depot_distance_km, signature: "double!(const char*)"}
            pipeline:
              - {id: points, source: file, config: {path: \(input)}}
              - {id: measure, operator: map, config: {set: {km: "depot_km(point)"}}}
              - {id: out, sink: file, config: {path: \(directory.file("depot.jsonl"))}}
            """)
        let outcome = try CLI.run(["run", job], in: directory.path)
        #expect(outcome.status == 0, "\(outcome.standardError)")
        let output = try Self.objects(CLI.lines(directory.file("depot.jsonl")))
        #expect(output.map { $0["id"] as? Int } == [1, 4])
        let rejected = try Self.objects(CLI.lines(directory.file("depot-dlq.jsonl")))
        #expect(rejected.count == 2)
        let reasons = rejected.map { $0["reason"] as? String ?? "" }
        #expect(reasons.allSatisfy { $0.contains("depot_km") }, "\(reasons)")
        #expect(reasons[0].contains("returned error code 1") && reasons[1].contains("returned error code 2"), "\(reasons)")
    }

    @Test func libmBySoname() throws {
        let outcome = try CLI.run(["run", directory.file("job-libm.yaml")], in: directory.path)
        #expect(outcome.status == 0, "\(outcome.standardError)")
        let orders = try Self.objects(CLI.lines(directory.file("orders.jsonl")))
        let output = CLI.lines(directory.file("amount-roots.jsonl"))
        #expect(output.count == orders.count)
        for (line, order) in zip(output, orders) {
            // The doubles are written in full: they read back exactly.
            let amount = Double(order["amount"] as! Int)
            #expect(Self.number("amount_cbrt", in: line) == cbrt(amount), "\(line)")
            #expect(Self.number("amount_squared", in: line) == pow(amount, 2), "\(line)")
        }
    }

    @Test func aTypeMistakeAgainstANativeSignatureIsReportedAtPlanTime() throws {
        let job = try directory.write("bad.yaml", """
            name: udf-bad
            functions:
              - {name: cube_root, library: libm.so.6, symbol: cbrt, signature: double(double)}
            pipeline:
              - {id: orders, source: file, config: {path: orders.jsonl}}
              - id: roots
                operator: map
                config: {set: {r: "cube_root(customer, 2)"}}
              - {id: out, sink: blackhole}
            """)
        let outcome = try CLI.run(["run", job], in: directory.path)
        #expect(outcome.status != 0)
        #expect(outcome.standardError.contains("bad.yaml:8:24:") && outcome.standardError.contains("cube_root takes 1 argument, got 2"),
                "\(outcome.standardError)")
        let shadow = try directory.write("shadow.yaml", """
            name: udf-shadow
            functions:
              - {name: lower, library: libm.so.6, symbol: cbrt, signature: double(double)}
            pipeline:
              - {id: orders, source: file, config: {path: orders.jsonl}}
              - {id: out, sink: blackhole}
            """)
        let refused = try CLI.run(["run", shadow], in: directory.path)
        #expect(refused.status != 0)
        #expect(refused.standardError.contains("'lower' is a built-in expression function"), "\(refused.standardError)")
    }
}
