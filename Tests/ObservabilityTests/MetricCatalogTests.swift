import Foundation
import Observability
import PluginHost
import Testing

/// The catalog and its reference page agree, and every name follows the
/// one naming rule.
@Suite struct MetricCatalogTests {
    static var reference: String {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        return (try? String(contentsOfFile: root.path + "/docs/METRICS.md", encoding: .utf8)) ?? ""
    }

    @Test func everyMetricIsDocumentedWithItsTypeAndLabels() {
        let page = Self.reference
        #expect(!page.isEmpty, "docs/METRICS.md is missing")
        for metric in StreamhostMetrics.all {
            // One table row per metric: | `name` | type | labels | meaning |
            let row = page.split(separator: "\n").first { $0.hasPrefix("| `\(metric.name)` |") }
            #expect(row != nil, "docs/METRICS.md has no row for \(metric.name)")
            guard let row else { continue }
            let cells = row.split(separator: "|").map { $0.trimmingCharacters(in: .whitespaces) }
            #expect(cells.count >= 4)
            #expect(cells[1] == metric.kind.rawValue, "\(metric.name): documented as \(cells[1])")
            let labels = metric.labels.isEmpty ? "" : metric.labels.map { "`\($0)`" }.joined(separator: ", ")
            #expect(cells[2] == labels, "\(metric.name): documented labels \(cells[2]), declared \(labels)")
        }
    }

    @Test func theReferenceListsNoMetricTheCatalogLacks() {
        let names = Set(StreamhostMetrics.all.map(\.name))
        for line in Self.reference.split(separator: "\n") where line.hasPrefix("| `streamhost_") {
            let name = line.dropFirst(3).prefix { $0 != "`" }
            #expect(names.contains(String(name)), "docs/METRICS.md lists \(name), which no code exports")
        }
    }

    @Test func namesFollowTheRule() {
        var seen = Set<String>()
        for metric in StreamhostMetrics.all {
            #expect(seen.insert(metric.name).inserted, "\(metric.name) declared twice")
            #expect(metric.name.hasPrefix("streamhost_"))
            #expect(metric.name.allSatisfy { $0.isLowercase || $0.isNumber || $0 == "_" }, "\(metric.name) is not snake case")
            #expect((metric.kind == .counter) == metric.name.hasSuffix("_total"),
                    "\(metric.name): counters and only counters end in _total")
        }
    }
}

@Suite struct DeadLetterReasonTests {
    /// The label values the metric pre-creates are the classes the host
    /// gives rejected records.
    @Test func theCatalogKnowsEveryReasonClass() {
        #expect(StreamhostMetrics.deadLetterReasons == RejectedRecord.ReasonClass.allCases.map(\.rawValue))
    }
}
