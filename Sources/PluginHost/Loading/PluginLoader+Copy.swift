#if canImport(Glibc)
import Glibc
#endif
import Foundation

extension PluginLoader {
    /// Loads a private copy of the plugin at `path`, made at `copy` (see
    /// `copyName(for:)`).
    ///
    /// A hot swap loads the new build *beside* the old one (plugins are never
    /// unloaded). dlopen finds an already loaded object by its path, so a
    /// build written over the old file at the same path would hand back the
    /// old code; a copy under a fresh name is always loaded anew, and later
    /// changes to the original file cannot touch the code that runs. The
    /// plugin is reported as `path`; its `loadedPath` is the copy.
    public static func loadCopy(path: String, as copy: String) throws(PluginLoadError) -> LoadedPlugin {
        guard FileManager.default.fileExists(atPath: path) else {
            throw .unreadable(path: path, reason: "no such file")
        }
        let directory = copy.split(separator: "/", omittingEmptySubsequences: false).dropLast().joined(separator: "/")
        do {
            if !directory.isEmpty {
                try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            }
            try FileManager.default.copyItem(atPath: path, toPath: copy)
        } catch {
            throw .unreadable(path: path, reason: "cannot copy it to \(copy) to load it beside the running build: "
                + "\(error.localizedDescription)")
        }
        return try load(path: copy, reportedAs: path)
    }

    /// A fresh file name for a private copy of the plugin at `path`:
    /// `<stem>-<pid>-<µs since the epoch>.so`, unique per process and call.
    public static func copyName(for path: String) -> String {
        let base = (path.split(separator: "/").last.map(String.init) ?? "plugin")
        let stem = base.hasSuffix(".so") ? String(base.dropLast(3)) : base
        return "\(stem)-\(getpid())-\(Int64(Date().timeIntervalSince1970 * 1_000_000)).so"
    }
}
