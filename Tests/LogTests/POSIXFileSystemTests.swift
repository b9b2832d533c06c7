import Testing
import TestKit
@testable import Log

@Suite struct POSIXFileSystemTests {
    @Test(arguments: [
        ("data", "."), ("data/", "."), ("a/b", "a"), ("a/b/c/", "a/b"), ("./d", "."), ("/d", "/"), ("/a/b", "/a"), ("/", "/"),
    ])
    func parentOfAPath(path: String, parent: String) {
        #expect(POSIXFileSystem.parent(of: path) == parent)
    }

    @Test func makeDirectoriesCreatesMissingParents() throws {
        let directory = try TemporaryDirectory(prefix: "posix")
        try POSIXFileSystem.makeDirectories(directory.path + "/a/b/c/")
        #expect(POSIXFileSystem.isDirectory(directory.path + "/a/b/c"))
        try POSIXFileSystem.makeDirectories(directory.path + "/a/b/c")
    }
}
