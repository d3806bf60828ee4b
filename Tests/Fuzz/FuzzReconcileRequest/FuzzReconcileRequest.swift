import StockSyncDomain

/// libFuzzer entry: any bytes as a `reconcile-requested` message body.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    _ = try? ReconcileRequest.decode(Array(UnsafeBufferPointer(start: data, count: size)))
    return 0
}
