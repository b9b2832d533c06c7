import Foundation
import Plugin_file
import StreamhostKit
import Testing

/// The file plugin's descriptor and its exported symbol.
@Suite struct FilePluginTests {
    @Test func descriptor() throws {
        let descriptor = fileDescriptor.pointee
        #expect(descriptor.magic == SH_PLUGIN_MAGIC)
        #expect(descriptor.struct_size == 56)
        #expect(descriptor.abi_major == 1)
        #expect(descriptor.abi_minor == UInt16(SH_ABI_MINOR))
        #expect(String(cString: descriptor.name) == "file")
        #expect(String(cString: descriptor.version) == "1.0.0")
        #expect(descriptor.component_count == 2)
        let kinds = (0..<2).map { descriptor.components[$0]!.pointee.kind }
        let names = (0..<2).map { String(cString: descriptor.components[$0]!.pointee.name) }
        #expect(kinds == [SH_KIND_SOURCE, SH_KIND_SINK])
        #expect(names == ["file", "file"])
        #expect(streamhost_plugin_entry(FakeHost.table) == fileDescriptor)
        #expect(streamhost_plugin_entry(nil) == nil)
    }

    @Test func schemasAreJSONObjectsThatRequireAPath() throws {
        for kind in [SH_KIND_SOURCE, SH_KIND_SINK] {
            let schemaText = String(cString: try #require(component(fileDescriptor, kind, "file")?.pointee.config_schema))
            let schema = try #require(
                try JSONSerialization.jsonObject(with: Data(schemaText.utf8)) as? [String: Any])
            #expect(schema["type"] as? String == "object")
            #expect(schema["required"] as? [String] == ["path"])
            let properties = try #require(schema["properties"] as? [String: Any])
            #expect(properties["path"] != nil && properties["format"] != nil && properties["header"] != nil)
            #expect(schema["additionalProperties"] as? Bool == false)
        }
        let source = String(cString: component(fileDescriptor, SH_KIND_SOURCE, "file")!.pointee.config_schema!)
        let sourceSchema = try JSONSerialization.jsonObject(with: Data(source.utf8)) as! [String: Any]
        let sourceProperties = (sourceSchema["properties"] as! [String: Any]).keys.sorted()
        #expect(sourceProperties == ["delimiter", "format", "header", "infer_types", "key_field", "path", "timestamp_field"])
        #expect((sourceSchema["description"] as? String)?.contains("instance 0 only") == true)
        let sink = String(cString: component(fileDescriptor, SH_KIND_SINK, "file")!.pointee.config_schema!)
        let sinkSchema = try JSONSerialization.jsonObject(with: Data(sink.utf8)) as! [String: Any]
        #expect((sinkSchema["properties"] as! [String: Any]).keys.sorted() == ["columns", "format", "header", "path", "rolling_interval_ms", "rolling_max_bytes"])
    }

    /// The built library exports the entry point (`nm -D --defined-only`).
    @Test func sharedLibraryExportsTheEntryPoint() throws {
        let library = try #require(
            FilePluginTests.findBuiltLibrary("libstreamhost-file.so"),
            "libstreamhost-file.so not found next to the test binary: swift build --product streamhost-file")
        let nm = Process()
        nm.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        nm.arguments = ["nm", "-D", "--defined-only", library]
        let pipe = Pipe()
        nm.standardOutput = pipe
        try nm.run()
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        nm.waitUntilExit()
        #expect(nm.terminationStatus == 0)
        let exported = output.split(separator: "\n").compactMap { line -> String? in
            let fields = line.split(separator: " ")
            guard fields.count == 3, fields[1] == "T" else { return nil }
            return String(fields[2])
        }
        #expect(exported.contains("streamhost_plugin_entry"))
    }

    /// The directory of the test binary or one above it (an .xctest bundle).
    static func findBuiltLibrary(_ name: String) -> String? {
        var buffer = [CChar](repeating: 0, count: 4096)
        let count = readlink("/proc/self/exe", &buffer, buffer.count - 1)
        guard count > 0 else { return nil }
        var url = URL(fileURLWithPath: String(decoding: buffer[0..<count].map { UInt8(bitPattern: $0) }, as: UTF8.self))
        for _ in 0..<4 {
            url.deleteLastPathComponent()
            let candidate = url.path + "/" + name
            if FileManager.default.fileExists(atPath: candidate) { return candidate }
        }
        return nil
    }
}
