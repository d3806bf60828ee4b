#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A bulk operation's result on disk while it is downloaded and read (tens of megabytes for
/// a large catalogue): removed when this object goes, whether the read succeeded or not.
/// For as long as it lives the file carries a shared `flock`, which the kernel drops when
/// the process dies however it dies; `removeAbandoned(in:)` removes the files no process
/// holds, left by one that was killed.
package final class BulkResultFile {
    package let path: String
    private let descriptor: Int32

    static let prefix = "stocksync-bulk-"
    static let suffix = ".jsonl"

    /// `TMPDIR`, or `/tmp`.
    package static var defaultDirectory: String {
        ProcessInfo.processInfo.environment["TMPDIR"].flatMap { $0.isEmpty ? nil : $0 } ?? "/tmp"
    }

    package init(in directory: String = BulkResultFile.defaultDirectory) throws(TransportError) {
        path = "\(directory)/\(Self.prefix)\(UUID().uuidString.lowercased())\(Self.suffix)"
        descriptor = open(path, O_CREAT | O_EXCL | O_RDWR | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw TransportError(.other, "cannot create the bulk result file \(path)") }
        _ = flock(descriptor, LOCK_SH)
    }

    deinit {
        unlink(path)
        close(descriptor)
    }

    /// Removes the result files in `directory` that no live process holds and that are older
    /// than `minimumAge` (a file is locked just after it is made: a young one may be in that
    /// instant). Returns how many it removed.
    @discardableResult
    package static func removeAbandoned(in directory: String = BulkResultFile.defaultDirectory,
                                        olderThan minimumAge: Duration = .seconds(60)) -> Int {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: directory) else { return 0 }
        let cutoff = Date().timeIntervalSince1970 - Double(minimumAge.components.seconds)
        var removed = 0
        for name in names where name.hasPrefix(prefix) && name.hasSuffix(suffix) {
            let path = "\(directory)/\(name)"
            var status = stat()
            guard stat(path, &status) == 0, Double(status.st_mtim.tv_sec) < cutoff else { continue }
            let descriptor = open(path, O_RDONLY | O_CLOEXEC)
            guard descriptor >= 0 else { continue }
            if flock(descriptor, LOCK_EX | LOCK_NB) == 0, unlink(path) == 0 { removed += 1 }
            close(descriptor)
        }
        return removed
    }
}
