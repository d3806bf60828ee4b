import CLibPQ

extension PostgresConnection {
    /// Streams rows into `COPY … FROM STDIN` (text format), the fastest way to load many
    /// rows: `produce` writes them one by one, and they go to the server in large chunks,
    /// so nothing like the whole set is ever held in memory. `statement` is trusted SQL.
    package func copy(_ statement: String, _ produce: (CopyWriter) throws -> Void) throws {
        guard let started = PQexec(handle, statement) else { throw PostgresError.connectionLost(errorText) }
        let status = PQresultStatus(started)
        if status != PGRES_COPY_IN {
            defer { PQclear(started) }
            throw Self.failure(started, handle)
        }
        PQclear(started)
        let writer = CopyWriter(handle)
        do {
            try produce(writer)
            try writer.flush()
            guard PQputCopyEnd(handle, nil) == 1 else { throw PostgresError.connectionLost(errorText) }
        } catch {
            _ = PQputCopyEnd(handle, "aborted by the client")
            _ = try? finishCopy()
            throw error
        }
        try finishCopy()
    }

    private func finishCopy() throws(PostgresError) {
        var failure: PostgresError?
        while let result = PQgetResult(handle) {
            if PQresultStatus(result) != PGRES_COMMAND_OK, failure == nil { failure = Self.failure(result, handle) }
            PQclear(result)
        }
        if let failure { throw failure }
    }

    /// Rows of one `copy`, in COPY's text format.
    package final class CopyWriter {
        private let handle: OpaquePointer
        private var buffer: [UInt8] = []
        private static let chunk = 1 << 20

        fileprivate init(_ handle: OpaquePointer) {
            self.handle = handle
            buffer.reserveCapacity(Self.chunk + 4_096)
        }

        /// One row; nil is NULL.
        package func row(_ values: String?...) throws(PostgresError) {
            for (index, value) in values.enumerated() {
                if index > 0 { buffer.append(UInt8(ascii: "\t")) }
                guard let value else {
                    buffer.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "N")])
                    continue
                }
                for byte in value.utf8 {
                    switch byte {
                    case UInt8(ascii: "\\"): buffer.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\\")])
                    case UInt8(ascii: "\t"): buffer.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "t")])
                    case UInt8(ascii: "\n"): buffer.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "n")])
                    case UInt8(ascii: "\r"): buffer.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "r")])
                    default: buffer.append(byte)
                    }
                }
            }
            buffer.append(UInt8(ascii: "\n"))
            if buffer.count >= Self.chunk { try flush() }
        }

        fileprivate func flush() throws(PostgresError) {
            guard !buffer.isEmpty else { return }
            let sent = buffer.withUnsafeBufferPointer { bytes in
                bytes.withMemoryRebound(to: CChar.self) { PQputCopyData(handle, $0.baseAddress, Int32($0.count)) }
            }
            guard sent == 1 else { throw .connectionLost(String(cString: PQerrorMessage(handle))) }
            buffer.removeAll(keepingCapacity: true)
        }
    }
}
