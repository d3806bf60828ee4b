#if canImport(Glibc)
import Glibc
#endif

/// A TCP port that takes connections (the kernel completes the handshake) and never says a
/// word: a broker that hangs.
final class SilentListener {
    let port: Int
    private let socket: Int32

    init() throws {
        let socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        self.socket = socket
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { address in
                bind(socket, address, length) == 0 && listen(socket, 16) == 0
                    && getsockname(socket, address, &length) == 0
            }
        }
        guard bound else { throw SocketFailure(call: "bind/listen") }
        port = Int(UInt16(bigEndian: address.sin_port))
    }

    deinit { close(socket) }
}

/// An HTTP client that writes what it is told when it is told: a slow sender.
final class RawHTTPConnection {
    private let socket: Int32

    init(port: Int) throws {
        let socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        self.socket = socket
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = UInt16(port).bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(socket, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0
            }
        }
        guard connected else { throw SocketFailure(call: "connect") }
    }

    deinit { close(socket) }

    func send(_ text: String) throws {
        let bytes = Array(text.utf8)
        guard Glibc.send(socket, bytes, bytes.count, Int32(MSG_NOSIGNAL)) == bytes.count else {
            throw SocketFailure(call: "send")
        }
    }

    /// The status of the response that arrives within `seconds`, nil if none does (or the
    /// connection closes first).
    func responseStatus(within seconds: Int) -> Int? {
        statuses(1, within: seconds).first
    }

    /// The statuses of the first `count` responses, in order (fewer if the peer closes the
    /// connection or `seconds` pass with nothing more).
    func statuses(_ count: Int, within seconds: Int) -> [Int] {
        setReceiveTimeout(seconds)
        var received: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        // A body ending in a bare newline runs into the next status line: split on newlines.
        func parsed() -> [Int] {
            String(decoding: received, as: UTF8.self).split(whereSeparator: \.isNewline)
                .filter { $0.hasPrefix("HTTP/1.1 ") }.compactMap { Int($0.split(separator: " ")[1]) }
        }
        while parsed().count < count {
            let read = recv(socket, &buffer, buffer.count, 0)
            guard read > 0 else { break }
            received += buffer[..<read]
        }
        return Array(parsed().prefix(count))
    }

    /// Whether anything has arrived (an answer, or the peer's close), without waiting.
    var hasAnswered: Bool {
        var descriptor = pollfd(fd: socket, events: Int16(POLLIN), revents: 0)
        return poll(&descriptor, 1, 0) == 1
    }

    /// Whether the peer closes the connection within `seconds` (whatever else it sends first).
    func isClosed(within seconds: Int) -> Bool {
        setReceiveTimeout(seconds)
        var buffer = [UInt8](repeating: 0, count: 512)
        while true {
            let count = recv(socket, &buffer, buffer.count, 0)
            if count <= 0 { return count == 0 }
        }
    }

    private func setReceiveTimeout(_ seconds: Int) {
        var timeout = timeval(tv_sec: seconds, tv_usec: 0)
        setsockopt(socket, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
    }
}

struct SocketFailure: Error {
    var call: String
}
