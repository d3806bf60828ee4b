import Foundation
import StockSyncShopify
import Testing

/// Bulk result files: gone with their owner, and swept only when no process holds them.
@Suite("Bulk result files")
struct BulkResultFileTests {
    let directory: String

    init() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("bulk-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    }

    private var names: Set<String> { Set((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []) }

    /// A file named like a result, last written `age` ago, that no process holds.
    private func leftOver(_ name: String, age: TimeInterval) throws -> String {
        let path = "\(directory)/\(name)"
        #expect(FileManager.default.createFile(atPath: path, contents: Data("{}\n".utf8)))
        try FileManager.default.setAttributes([.modificationDate: Date(timeIntervalSinceNow: -age)], ofItemAtPath: path)
        return name
    }

    @Test("a result file is removed when its owner lets it go, having read it or not")
    func removedWithItsOwner() throws {
        var file: BulkResultFile? = try BulkResultFile(in: directory)
        #expect(names.count == 1)
        _ = file
        file = nil
        #expect(names.isEmpty)
    }

    @Test("the sweep removes old files no process holds, and keeps held and young ones")
    func sweepRemovesOnlyAbandonedFiles() throws {
        let abandoned = try leftOver("stocksync-bulk-abandoned.jsonl", age: 600)
        let young = try leftOver("stocksync-bulk-young.jsonl", age: 0)
        let unrelated = try leftOver("other.jsonl", age: 600)
        let held = try BulkResultFile(in: directory)
        let heldName = URL(fileURLWithPath: held.path).lastPathComponent
        try FileManager.default.setAttributes([.modificationDate: Date(timeIntervalSinceNow: -600)], ofItemAtPath: held.path)

        #expect(BulkResultFile.removeAbandoned(in: directory) == 1)
        #expect(names == [young, unrelated, heldName], "only \(abandoned) goes")
        withExtendedLifetime(held) {}
    }
}
