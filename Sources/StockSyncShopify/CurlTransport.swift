import CCurl
import StockSyncRuntime

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// HTTP over one libcurl easy handle, reused so that the connection to the shop stays
/// open between requests. Not thread-safe: owned by the thread that pushes for one shop.
package final class CurlTransport: HTTPTransport {
    private let handle: UnsafeMutableRawPointer
    private let totalTimeout: Duration
    private let downloadStall: Duration
    private let downloadTimeout: Duration
    /// Response headers kept in each `HTTPResponse`.
    private let keptHeaders: [String]

    /// Takes a response body through libcurl's write callback: into memory, or into a file.
    private final class Sink {
        var bytes: [UInt8] = []
        var file: UnsafeMutablePointer<FILE>?
    }

    private static let globalInit: Void = { _ = ccurl_global_init() }()

    /// `verifyTLS` is off only for development servers with self-signed certificates. A
    /// download may take longer than a call (a bulk result is tens of megabytes), up to
    /// `downloadTimeout`, but is abandoned once no byte has arrived for `downloadStall`.
    package init(connectTimeout: Duration = .seconds(5), totalTimeout: Duration = .seconds(30),
                downloadStall: Duration = .seconds(30), downloadTimeout: Duration = .seconds(3_600),
                verifyTLS: Bool = true, keptHeaders: [String] = []) throws(TransportError) {
        _ = Self.globalInit
        guard let handle = curl_easy_init() else { throw TransportError(.other, "libcurl could not create a handle") }
        self.handle = handle
        self.totalTimeout = totalTimeout
        self.downloadStall = downloadStall
        self.downloadTimeout = downloadTimeout
        self.keptHeaders = keptHeaders
        ccurl_setopt_long(handle, CURLOPT_CONNECTTIMEOUT_MS, Int(connectTimeout.wholeMilliseconds))
        ccurl_setopt_long(handle, CURLOPT_TIMEOUT_MS, Int(totalTimeout.wholeMilliseconds))
        ccurl_setopt_long(handle, CURLOPT_NOSIGNAL, 1)
        ccurl_setopt_long(handle, CURLOPT_TCP_KEEPALIVE, 1)
        ccurl_setopt_long(handle, CURLOPT_SSL_VERIFYPEER, verifyTLS ? 1 : 0)
        ccurl_setopt_long(handle, CURLOPT_SSL_VERIFYHOST, verifyTLS ? 2 : 0)
        ccurl_setopt_string(handle, CURLOPT_ACCEPT_ENCODING, "")
        ccurl_setopt_write_callback(handle, CURLOPT_WRITEFUNCTION) { data, size, count, context in
            let length = size * count
            guard let data, let context else { return length }
            let sink = Unmanaged<Sink>.fromOpaque(context).takeUnretainedValue()
            if let file = sink.file { return fwrite(data, 1, length, file) }
            data.withMemoryRebound(to: UInt8.self, capacity: length) {
                sink.bytes.append(contentsOf: UnsafeBufferPointer(start: $0, count: length))
            }
            return length
        }
    }

    deinit {
        curl_easy_cleanup(handle)
    }

    package func post(_ url: String, headers: [(String, String)], body: [UInt8]) throws(TransportError) -> HTTPResponse {
        ccurl_setopt_long(handle, CURLOPT_POST, 1)
        return try body.withUnsafeBufferPointer { buffer throws(TransportError) in
            ccurl_setopt_long(handle, CURLOPT_POSTFIELDSIZE, buffer.count)
            ccurl_setopt_pointer(handle, CURLOPT_POSTFIELDS, UnsafeMutableRawPointer(mutating: buffer.baseAddress))
            defer { ccurl_setopt_pointer(handle, CURLOPT_POSTFIELDS, nil) }
            return try perform(url, headers: headers)
        }
    }

    package func get(_ url: String, headers: [(String, String)]) throws(TransportError) -> HTTPResponse {
        ccurl_setopt_long(handle, CURLOPT_HTTPGET, 1)
        return try perform(url, headers: headers)
    }

    package func download(_ url: String, to path: String) throws(TransportError) -> Int {
        guard let file = fopen(path, "wb") else { throw TransportError(.other, "cannot write \(path)") }
        defer { fclose(file) }
        let sink = Sink()
        sink.file = file
        ccurl_setopt_long(handle, CURLOPT_HTTPGET, 1)
        ccurl_setopt_long(handle, CURLOPT_TIMEOUT_MS, Int(downloadTimeout.wholeMilliseconds))
        // Under one byte a second for the whole stall time: curl gives up (a timeout).
        ccurl_setopt_long(handle, CURLOPT_LOW_SPEED_LIMIT, 1)
        ccurl_setopt_long(handle, CURLOPT_LOW_SPEED_TIME, max(1, Int(downloadStall.components.seconds)))
        defer {
            ccurl_setopt_long(handle, CURLOPT_TIMEOUT_MS, Int(totalTimeout.wholeMilliseconds))
            ccurl_setopt_long(handle, CURLOPT_LOW_SPEED_TIME, 0)
        }
        return try perform(url, headers: [], into: sink).status
    }

    private func perform(_ url: String, headers: [(String, String)], into sink: Sink = Sink()) throws(TransportError)
        -> HTTPResponse
    {
        var list: UnsafeMutablePointer<curl_slist>? = nil
        // An empty Expect: stops curl from waiting for `100 Continue` on larger bodies.
        for line in headers.map({ "\($0.0): \($0.1)" }) + ["Expect:"] {
            list = curl_slist_append(list, line)
        }
        defer { curl_slist_free_all(list) }
        let context = Unmanaged.passUnretained(sink).toOpaque()
        ccurl_setopt_string(handle, CURLOPT_URL, url)
        ccurl_setopt_slist(handle, CURLOPT_HTTPHEADER, list)
        ccurl_setopt_pointer(handle, CURLOPT_WRITEDATA, context)
        let code = withExtendedLifetime(sink) { curl_easy_perform(handle) }
        ccurl_setopt_pointer(handle, CURLOPT_WRITEDATA, nil)
        guard code == CURLE_OK else {
            // curl's message names the host at most, never a header: tokens stay out of it.
            let message = String(cString: curl_easy_strerror(code))
            switch code {
            case CURLE_OPERATION_TIMEDOUT: throw TransportError(.timeout, message)
            case CURLE_COULDNT_CONNECT, CURLE_COULDNT_RESOLVE_HOST, CURLE_SEND_ERROR, CURLE_RECV_ERROR,
                 CURLE_GOT_NOTHING, CURLE_SSL_CONNECT_ERROR:
                throw TransportError(.connection, message)
            default: throw TransportError(.other, message)
            }
        }
        var status = 0
        ccurl_getinfo_long(handle, CURLINFO_RESPONSE_CODE, &status)
        var kept: [String: String] = [:]
        for name in keptHeaders {
            if let value = ccurl_response_header(handle, name) { kept[name.lowercased()] = String(cString: value) }
        }
        return HTTPResponse(status: status, body: sink.bytes, headers: kept)
    }

}
