#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The few fields of an ELF header the loader checks before calling dlopen,
/// so that "not a shared object" and "wrong architecture" get their own
/// messages instead of dlopen's terse ones.
struct ELFHeader {
    enum FileType { case relocatable, executable, sharedObject, core, other(UInt16) }

    let is64Bit: Bool
    let isLittleEndian: Bool
    let fileType: FileType
    let machine: UInt16

    /// Reads the header of the file at `path`.
    /// Throws `notASharedObject` saying what the file is when it is not ELF.
    static func read(path: String) throws(PluginLoadError) -> ELFHeader {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw .unreadable(path: path, reason: String(cString: strerror(errno))) }
        defer { close(fd) }
        var stats = stat()
        if fstat(fd, &stats) == 0, (stats.st_mode & S_IFMT) == S_IFDIR {
            throw .notASharedObject(path: path, detail: "it is a directory")
        }
        var bytes = [UInt8](repeating: 0, count: 64)
        let count = bytes.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, 64) }
        guard count >= 0 else { throw .unreadable(path: path, reason: String(cString: strerror(errno))) }
        let head = bytes[0..<count]
        guard count >= 4, head.starts(with: [0x7f, UInt8(ascii: "E"), UInt8(ascii: "L"), UInt8(ascii: "F")]) else {
            if count == 0 { throw .notASharedObject(path: path, detail: "the file is empty") }
            let isText = head.allSatisfy { $0 == 9 || $0 == 10 || $0 == 13 || (32..<127).contains($0) }
            throw .notASharedObject(path: path, detail: isText ? "it is a text file" : "it has no ELF header")
        }
        guard count >= 20 else {
            throw .notASharedObject(path: path, detail: "the ELF header is cut short: the file has \(count) bytes")
        }
        let littleEndian = bytes[5] == 1
        func u16(_ offset: Int) -> UInt16 {
            littleEndian ? UInt16(bytes[offset]) | UInt16(bytes[offset + 1]) << 8
                : UInt16(bytes[offset]) << 8 | UInt16(bytes[offset + 1])
        }
        let type: FileType
        switch u16(16) {
        case 1: type = .relocatable
        case 2: type = .executable
        case 3: type = .sharedObject
        case 4: type = .core
        case let other: type = .other(other)
        }
        return ELFHeader(is64Bit: bytes[4] == 2, isLittleEndian: littleEndian, fileType: type, machine: u16(18))
    }

    static func machineName(_ machine: UInt16, is64Bit: Bool) -> String {
        switch machine {
        case 3: return "i386"
        case 8: return "mips"
        case 20: return "powerpc"
        case 21: return "powerpc64"
        case 22: return "s390x"
        case 40: return "arm (32-bit)"
        case 62: return is64Bit ? "x86_64" : "x32"
        case 183: return "aarch64"
        case 243: return is64Bit ? "riscv64" : "riscv32"
        case 258: return "loongarch64"
        default: return "ELF machine \(machine)"
        }
    }

    /// This process's ELF machine number.
    static var hostMachine: UInt16 {
        #if arch(x86_64)
        return 62
        #elseif arch(arm64)
        return 183
        #elseif arch(i386)
        return 3
        #elseif arch(arm)
        return 40
        #elseif arch(riscv64)
        return 243
        #elseif arch(s390x)
        return 22
        #elseif arch(powerpc64le) || arch(powerpc64)
        return 21
        #else
        return 0
        #endif
    }
}
