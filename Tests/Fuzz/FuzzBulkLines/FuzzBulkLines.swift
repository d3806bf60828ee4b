import StockSyncDomain
import StockSyncShopify

#if canImport(Glibc)
import Glibc
#endif

/// libFuzzer entry: any bytes as a bulk operation's JSON-lines result, read from a file as
/// the reconcile-worker and the catalogue sync read it.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let path = "/dev/shm/stocksync-fuzz-bulk-\(getpid()).jsonl"
    guard let file = fopen(path, "w") else { return 0 }
    fwrite(data, 1, size, file)
    fclose(file)
    try? BulkInventoryLine.read(path) { _ in }
    unlink(path)
    return 0
}
