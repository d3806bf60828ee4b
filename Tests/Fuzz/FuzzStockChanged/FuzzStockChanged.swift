import StockSyncDomain

/// libFuzzer entry: any bytes as a `stock-changed` message body; a refusal is fine, a crash
/// or a sanitizer report is not.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    _ = try? StockChangedContract.decode(UnsafeBufferPointer(start: data, count: size))
    return 0
}
