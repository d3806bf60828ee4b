import Foundation
import StockSyncDomain
import Testing

@Suite("reconcile-requested/1 contract")
struct ReconcileRequestTests {
    private func reason(_ json: String) -> String? {
        do {
            _ = try ReconcileRequest.decode(Array(json.utf8))
            return nil
        } catch {
            return error.reason
        }
    }

    @Test("a request survives encoding and decoding")
    func roundTrip() throws {
        let request = ReconcileRequest(requestID: "r-1", shop: "brand.myshopify.com", mode: .heal, skus: ["A", "B \"q\""])
        #expect(try ReconcileRequest.decode(request.body) == request)
        let whole = ReconcileRequest(requestID: "r-2", shop: "brand.myshopify.com", mode: .report)
        #expect(try ReconcileRequest.decode(whole.body) == whole)
    }

    @Test("every bad field is refused with its name", arguments: [
        (#"not json"#, "body is not a JSON object"),
        (#"{"schema":"reconcile-requested/2","request_id":"r","shop":"a.myshopify.com","mode":"report"}"#, "unknown schema"),
        (#"{"schema":"reconcile-requested/1","shop":"a.myshopify.com","mode":"report"}"#, "`request_id`"),
        (#"{"schema":"reconcile-requested/1","request_id":"","shop":"a.myshopify.com","mode":"report"}"#, "`request_id`"),
        (#"{"schema":"reconcile-requested/1","request_id":"r","shop":"shop.example.com","mode":"report"}"#, "`shop`"),
        (#"{"schema":"reconcile-requested/1","request_id":"r","shop":"A.myshopify.com","mode":"report"}"#, "`shop`"),
        (#"{"schema":"reconcile-requested/1","request_id":"r","shop":"a.myshopify.com","mode":"fix"}"#, "`mode`"),
        (#"{"schema":"reconcile-requested/1","request_id":"r","shop":"a.myshopify.com","mode":"report","skus":"A"}"#, "`skus`"),
        (#"{"schema":"reconcile-requested/1","request_id":"r","shop":"a.myshopify.com","mode":"report","skus":[]}"#, "`skus`"),
        (#"{"schema":"reconcile-requested/1","request_id":"r","shop":"a.myshopify.com","mode":"report","skus":[""]}"#, "`skus`"),
        (#"{"schema":"reconcile-requested/1","request_id":"r","shop":"a.myshopify.com","mode":"report","skus":[1]}"#, "`skus`"),
        (#"{"schema":"reconcile-requested/1","request_id":"r","shop":"a.myshopify.com","mode":"report","skus":null}"#, "`skus`"),
        (#"{"schema":"reconcile-requested/1","request_id":null,"shop":"a.myshopify.com","mode":"report"}"#, "`request_id`"),
        (#"{"schema":"reconcile-requested/1","request_id":"r\u0000x","shop":"a.myshopify.com","mode":"report"}"#, "`request_id`"),
        (#"{"schema":"reconcile-requested/1","request_id":"r","shop":"a.myshopify.com","mode":"report","skus":["A\u0000"]}"#, "`skus`"),
        (#"{"schema":"reconcile-requested/1","request_id":"r","shop":"a.myshopify.com","mode":"report","skus":["CAFE\u0301"]}"#, "NFC"),
    ])
    func refusals(json: String, mentioned: String) {
        let refusal = reason(json)
        #expect(refusal?.contains(mentioned) == true, "\(refusal ?? "accepted")")
    }

    @Test("the examples in Schemas/ are read as their names say")
    func examples() throws {
        let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("../../Schemas/messages/examples").standardized
        let files = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasPrefix("reconcile-requested") }
        #expect(files.count >= 3)
        for file in files {
            let refusal = reason(String(decoding: try Data(contentsOf: folder.appendingPathComponent(file)), as: UTF8.self))
            #expect((refusal != nil) == file.contains("invalid"), "\(file): \(refusal ?? "accepted")")
        }
    }
}
