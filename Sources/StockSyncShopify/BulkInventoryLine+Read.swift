
import StockSyncDomain
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

extension BulkInventoryLine {
    /// Reads the file a chunk at a time: a result of millions of lines is never in memory.
    package static func read(_ path: String, _ body: (BulkInventoryLine) throws -> Void) throws {
        guard let file = fopen(path, "rb") else {
            throw ShopifyError.malformedResponse("cannot read the bulk result at \(path)")
        }
        defer { fclose(file) }
        let decoder = JSONDecoder()
        var pending: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1 << 20)
        var lineNumber = 0
        func parse(_ line: ArraySlice<UInt8>) throws {
            lineNumber += 1
            guard !line.isEmpty else { return }
            let object: Line
            do {
                object = try decoder.decode(Line.self, from: Data(line))
            } catch {
                throw ShopifyError.malformedResponse("bulk result line \(lineNumber): \(error)")
            }
            if let parent = object.parentID {
                guard let location = object.location?.id, let available = object.quantities?.available else {
                    throw ShopifyError.malformedResponse("bulk result line \(lineNumber) is not an inventory level")
                }
                try body(.level(inventoryItemID: parent, location: location, available: available))
            } else if let id = object.id {
                try body(.item(id: id, sku: StockChangedContract.erpSKU(object.sku)))
            }
        }
        while true {
            let count = chunk.withUnsafeMutableBytes { fread($0.baseAddress, 1, $0.count, file) }
            if count == 0 { break }
            pending.append(contentsOf: chunk[..<count])
            var start = pending.startIndex
            while let newline = pending[start...].firstIndex(of: UInt8(ascii: "\n")) {
                try parse(pending[start..<newline])
                start = newline + 1
            }
            pending.removeSubrange(..<start)
        }
        try parse(pending[...])
    }

    private struct Line: Decodable {
        let id: String?
        let sku: String?
        let location: WireReference?
        let quantities: [WireQuantity]?
        let parentID: String?

        enum CodingKeys: String, CodingKey {
            case id, sku, location, quantities
            case parentID = "__parentId"
        }
    }
}
