import Foundation

/// A TCP proxy on a loopback port in front of moto that can drop every connection (new and open ones) until told
/// to pass traffic again: an S3 endpoint that goes away for a while, seen by libcurl as real broken connections.
final class FlakyProxy: Sendable {
    let port: Int
    private let process: Process
    private let control: FileHandle

    init(upstreamPort: Int, dropping: Bool) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-u", "-c", Self.script, String(upstreamPort), dropping ? "drop" : "pass"]
        let stdin = Pipe(), stdout = Pipe()
        process.standardInput = stdin
        process.standardOutput = stdout
        process.standardError = FileHandle.nullDevice
        try process.run()
        var line = Data()
        while !line.contains(UInt8(ascii: "\n")) {
            let chunk = stdout.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            line.append(chunk)
        }
        guard let port = Int(String(decoding: line, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines))
        else {
            process.terminate()
            throw HarnessError("proxy did not start")
        }
        self.port = port
        self.process = process
        self.control = stdin.fileHandleForWriting
    }

    func drop() { control.write(Data("drop\n".utf8)) }
    func pass() { control.write(Data("pass\n".utf8)) }

    deinit {
        try? control.close()
        if process.isRunning { process.terminate() }
    }

    private static let script = #"""
        import socket, sys, threading
        upstream = int(sys.argv[1])
        state = {"drop": sys.argv[2] == "drop"}
        open_sockets = set()
        lock = threading.Lock()

        def pipe(src, dst):
            try:
                while True:
                    data = src.recv(65536)
                    if not data:
                        break
                    dst.sendall(data)
            except OSError:
                pass
            for s in (src, dst):
                try: s.shutdown(socket.SHUT_RDWR)
                except OSError: pass
                try: s.close()
                except OSError: pass
                with lock: open_sockets.discard(s)

        def serve(listener):
            while True:
                client, _ = listener.accept()
                if state["drop"]:
                    client.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
                    client.close()
                    continue
                try:
                    server = socket.create_connection(("127.0.0.1", upstream))
                except OSError:
                    client.close()
                    continue
                with lock: open_sockets.update((client, server))
                threading.Thread(target=pipe, args=(client, server), daemon=True).start()
                threading.Thread(target=pipe, args=(server, client), daemon=True).start()

        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", 0))
        listener.listen(64)
        threading.Thread(target=serve, args=(listener,), daemon=True).start()
        print(listener.getsockname()[1], flush=True)
        for line in sys.stdin:
            command = line.strip()
            if command == "drop":
                state["drop"] = True
                with lock:
                    sockets = list(open_sockets)
                for s in sockets:
                    try: s.shutdown(socket.SHUT_RDWR)
                    except OSError: pass
            elif command == "pass":
                state["drop"] = False
        """#
}
