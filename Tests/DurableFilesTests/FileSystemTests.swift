import DurableFiles
import SystemPackage
import Testing
import TestKit

@Suite struct FileSystemTests {
    let files = POSIXFileSystem()

    @Test func atomicReplaceWritesTheNewContentAndLeavesNoTemporary() throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("meta")
        try files.writeAtomically(Array("old".utf8), to: path)
        try files.writeAtomically(Array("new content".utf8), to: path)
        #expect(try files.readAll(path) == Array("new content".utf8))
        #expect(try files.sortedNames(in: directory.path) == ["meta"])
    }

    @Test func shortWritesAreLoopedUntilEveryByteIsStored() throws {
        let directory = try TemporaryDirectory()
        let faulty = FaultyFileSystem()
        faulty.inject(.shortWrite(maxBytes: 3), on: .write, times: nil)
        let bytes = (0 ..< 1000).map { UInt8($0 % 251) }
        try faulty.writeAtomically(bytes, to: directory.file("data"))
        #expect(try files.readAll(directory.file("data")) == bytes)
        #expect(faulty.changes.filter { $0.operation == .write }.count == 334)
    }

    @Test func positionedWritesAndReadsHandleShortCounts() throws {
        let directory = try TemporaryDirectory()
        let faulty = FaultyFileSystem()
        faulty.inject(.shortWrite(maxBytes: 2), on: .write, times: nil)
        let file = try DurableFile.open(directory.file("f"), create: true, in: faulty)
        let bytes: [UInt8] = [1, 2, 3, 4, 5, 6, 7]
        try file.write(bytes, at: 10)
        #expect(try file.size() == 17)
        #expect(try file.read(count: 7, at: 10) == bytes)
        #expect(try file.read(count: 100, at: 15) == [6, 7])
    }

    @Test func fullDiskNamesTheFileAndKeepsTheOldContent() throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("meta")
        try files.writeAtomically(Array("old".utf8), to: path)
        let faulty = FaultyFileSystem()
        faulty.inject(.error(.noSpace), on: .write)
        let error = #expect(throws: FileSystemError.self) {
            try faulty.writeAtomically(Array("new".utf8), to: path)
        }
        #expect(error?.errno == .noSpace)
        #expect(error?.description == "write \(path).tmp failed: No space left on device (errno 28)")
        #expect(try files.readAll(path) == Array("old".utf8))
        #expect(try files.sortedNames(in: directory.path) == ["meta"])
    }

    @Test func fsyncFailureKeepsTheOldContent() throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("meta")
        try files.writeAtomically(Array("old".utf8), to: path)
        let faulty = FaultyFileSystem()
        faulty.inject(.error(.ioError), on: .sync)
        let error = #expect(throws: FileSystemError.self) {
            try faulty.writeAtomically(Array("new".utf8), to: path)
        }
        #expect(error?.operation == "fsync")
        #expect(try files.readAll(path) == Array("old".utf8))
    }

    /// A crash between any two calls of an atomic replace leaves the old
    /// or the new content under the name, never a mix or nothing.
    @Test func atomicReplaceSurvivesACrashAtEveryPoint() throws {
        let old = Array(repeating: UInt8(ascii: "o"), count: 5000)
        let new = Array(repeating: UInt8(ascii: "n"), count: 7000)
        func faultyFileSystem() -> FaultyFileSystem {
            let faulty = FaultyFileSystem()
            faulty.inject(.shortWrite(maxBytes: 4096), on: .write, times: nil)
            return faulty
        }
        let counter = faultyFileSystem()
        let counted = try TemporaryDirectory()
        try counter.writeAtomically(new, to: counted.file("meta"))
        // open, two writes, fsync, rename, directory fsync.
        let count = counter.changes.count
        #expect(count == 6)
        var sawOld = false
        var sawNew = false
        for crashPoint in 0 ... count {
            let directory = try TemporaryDirectory()
            let path = directory.file("meta")
            try files.writeAtomically(old, to: path)
            let faulty = faultyFileSystem()
            faulty.crash(afterChanges: crashPoint)
            do { try faulty.writeAtomically(new, to: path) } catch {}
            #expect(faulty.hasCrashed == (crashPoint < count), "crash point \(crashPoint)")
            let content = try files.readAll(path)
            #expect(content == old || content == new, "crash point \(crashPoint): \(content.count) bytes")
            sawOld = sawOld || content == old
            sawNew = sawNew || content == new
        }
        #expect(sawOld && sawNew)
    }

    @Test func makeDirectoriesCreatesParentsAndSyncsEachOnesDirectory() throws {
        let directory = try TemporaryDirectory()
        let faulty = FaultyFileSystem()
        // The parents are named as `Paths.parent` spells them (normalized).
        let base = Paths.parent(of: directory.path + "/a")
        let path = base + "/a/b/c"
        try faulty.makeDirectories(path, durably: true)
        #expect(files.isDirectory(path))
        #expect(faulty.changes.map(\.description) == [
            "makeDirectory \(base)/a", "sync \(base)",
            "makeDirectory \(base)/a/b", "sync \(base)/a",
            "makeDirectory \(base)/a/b/c", "sync \(base)/a/b",
        ])
        try faulty.makeDirectories(path, durably: true)
        #expect(faulty.changes.count == 6)
    }

    @Test func makeDirectoriesCreatesMissingParentsGivenATrailingSlash() throws {
        let directory = try TemporaryDirectory(prefix: "posix")
        try files.makeDirectories(directory.path + "/a/b/c/")
        #expect(files.isDirectory(directory.path + "/a/b/c"))
        try files.makeDirectories(directory.path + "/a/b/c")
    }

    @Test func makeDirectoriesRefusesAFileInTheWay() throws {
        let directory = try TemporaryDirectory()
        try files.writeFile([1], to: directory.file("x"))
        let error = #expect(throws: FileSystemError.self) { try files.makeDirectories(directory.file("x")) }
        #expect(error?.errno == .notDirectory)
        #expect(throws: FileSystemError.self) { try files.makeDirectories(directory.file("x") + "/y") }
    }

    @Test func removeTreeRemovesEverythingAndAcceptsAMissingPath() throws {
        let directory = try TemporaryDirectory()
        try files.makeDirectories(directory.path + "/t/u")
        try files.writeFile([1, 2], to: directory.path + "/t/u/f")
        try files.writeFile([3], to: directory.path + "/t/g")
        try files.removeTree(directory.path + "/t")
        #expect(!files.exists(directory.path + "/t"))
        try files.removeTree(directory.path + "/t")
    }

    @Test func removeTreeThrowsTheFirstFailure() throws {
        let directory = try TemporaryDirectory()
        try files.makeDirectories(directory.path + "/t")
        try files.writeFile([1], to: directory.path + "/t/f")
        let faulty = FaultyFileSystem()
        faulty.inject(.error(.permissionDenied), on: .removeFile)
        let error = #expect(throws: FileSystemError.self) { try faulty.removeTree(directory.path + "/t") }
        #expect(error?.path == directory.path + "/t/f")
        #expect(files.exists(directory.path + "/t/f"))
    }

    @Test func readChunksReadsEveryByteInBoundedChunks() throws {
        let directory = try TemporaryDirectory()
        let bytes = (0 ..< 10_000).map { UInt8($0 % 256) }
        try files.writeFile(bytes, to: directory.file("f"))
        var seen: [UInt8] = []
        var largest = 0
        let total = try files.readChunks(directory.file("f"), chunkBytes: 4096) { chunk in
            seen.append(contentsOf: chunk)
            largest = max(largest, chunk.count)
        }
        #expect(total == 10_000 && seen == bytes && largest == 4096)
    }

    @Test func aMissingFileNamesTheOperationAndPath() throws {
        let directory = try TemporaryDirectory()
        let error = #expect(throws: FileSystemError.self) { try files.readAll(directory.file("none")) }
        #expect(error?.errno == .noSuchFileOrDirectory)
        #expect(error?.description == "open \(directory.file("none")) failed: No such file or directory (errno 2)")
    }

    @Test func anExclusiveLockExcludesASecondOpen() throws {
        let directory = try TemporaryDirectory()
        let first = try DurableFile.open(directory.file("lock"), create: true)
        let second = try DurableFile.open(directory.file("lock"), create: false)
        #expect(try first.tryLock(shared: false))
        #expect(try !second.tryLock(shared: true))
        try first.unlock()
        #expect(try second.tryLock(shared: true))
    }

    @Test(arguments: [
        ("a", "."), ("a/b", "a"), ("/a", "/"), ("/", "/"), ("a/b/", "a"), ("/x/y/z", "/x/y"), ("", "."),
        ("data", "."), ("data/", "."), ("a/b/c/", "a/b"), ("./d", "."), ("/d", "/"), ("/a/b", "/a"),
    ])
    func parentOfAPath(path: String, parent: String) {
        #expect(Paths.parent(of: path) == parent)
    }
}
