#!/usr/bin/env python3
"""A deliberately small HTTP/1.1 server for the HTTPTransport tests, with misbehaving modes.

Binds 127.0.0.1 on a free port, prints "PORT <n>" once listening, and exits when its stdin closes
(so it never outlives the test process). With --tls it speaks HTTPS with a freshly made self-signed
certificate (which clients rightly refuse). Parsing is hand-written on purpose: the bad modes need
byte-level control that http.server would hide.

Routes:
  /echo                 JSON: method, path, headers, body length/sha256/base64 (small bodies), chunked?
  /bytes/N              N bytes of the pattern byte[i] = i % 251, with Content-Length
  /stream/N             the same bytes, chunked (no Content-Length)
  /close-after          answers like /echo, then closes the connection without announcing it
  /connections          JSON {"accepted": TCP connections accepted so far}
  /status/CODE          that status with a short text body ("Location" for 3xx)
  /continue             an unsolicited "100 Continue", then 200 with a body
  /save?path=P          writes the request body to P, answers like /echo
  /file?path=P          serves the file P
  /garbage              bytes that are not HTTP, then close
  /truncated            Content-Length 100000, 1000 bytes, then close
  /reset                closes with SO_LINGER 0 (the client sees a reset)
  /hang                 reads the request and never answers
"""
import base64
import hashlib
import json
import os
import socket
import struct
import sys
import threading
import urllib.parse

accepted = 0
accepted_lock = threading.Lock()


def pattern(start, count):
    return bytes((i % 251) for i in range(start, start + count))


PATTERN_BLOCK = pattern(0, 251 * 256)  # a whole number of periods, so slices repeat cleanly


def pattern_chunks(n):
    sent = 0
    while sent < n:
        size = min(len(PATTERN_BLOCK), n - sent)
        yield PATTERN_BLOCK[:size]
        sent += size


class Connection:
    def __init__(self, sock):
        self.sock = sock
        self.buffer = b""

    def read_until(self, marker):
        while marker not in self.buffer:
            data = self.sock.recv(65536)
            if not data:
                return None
            self.buffer += data
        head, _, self.buffer = self.buffer.partition(marker)
        return head

    def read_exact_chunks(self, n):
        while n > 0:
            if not self.buffer:
                self.buffer = self.sock.recv(min(1 << 20, max(n, 65536)))
                if not self.buffer:
                    raise ConnectionError("body ended early")
            piece, self.buffer = self.buffer[:n], self.buffer[n:]
            n -= len(piece)
            yield piece

    def read_chunked(self):
        while True:
            size_line = self.read_until(b"\r\n")
            if size_line is None:
                raise ConnectionError("chunked body ended early")
            size = int(size_line.split(b";")[0], 16)
            if size == 0:
                self.read_until(b"\r\n")
                return
            yield from self.read_exact_chunks(size)
            self.read_until(b"\r\n")

    def send(self, data):
        self.sock.sendall(data)


def respond(conn, status, headers, body=b"", head_only=False):
    reasons = {100: "Continue", 200: "OK", 201: "Created", 204: "No Content", 301: "Moved Permanently",
               307: "Temporary Redirect", 404: "Not Found", 500: "Internal Server Error", 503: "Service Unavailable"}
    lines = [f"HTTP/1.1 {status} {reasons.get(status, 'Status')}"]
    if not any(k.lower() == "content-length" for k, _ in headers):
        headers = headers + [("Content-Length", str(len(body)))]
    lines += [f"{k}: {v}" for k, v in headers]
    conn.send(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + (b"" if head_only else body))


def body_report(method, target, headers, chunks, chunked, save_path=None):
    digest = hashlib.sha256()
    length = 0
    small = bytearray()
    out = open(save_path, "wb") if save_path else None
    try:
        for piece in chunks:
            digest.update(piece)
            length += len(piece)
            if len(small) <= 65536:
                small += piece
            if out:
                out.write(piece)
    finally:
        if out:
            out.close()
    report = {"method": method, "path": target, "headers": headers, "bodyLength": length,
              "bodySHA256": digest.hexdigest(), "chunked": chunked}
    if length <= 65536:
        report["bodyBase64"] = base64.b64encode(bytes(small)).decode()
    return json.dumps(report).encode()


def handle(sock):
    conn = Connection(sock)
    while True:
        head = conn.read_until(b"\r\n\r\n")
        if head is None:
            return
        request_line, *header_lines = head.decode("latin-1").split("\r\n")
        method, target, _version = request_line.split(" ", 2)
        headers = [list(map(str.strip, line.split(":", 1))) for line in header_lines if ":" in line]
        lookup = {k.lower(): v for k, v in headers}
        url = urllib.parse.urlsplit(target)
        query = dict(urllib.parse.parse_qsl(url.query))
        path = url.path
        chunked = lookup.get("transfer-encoding", "").lower() == "chunked"
        if chunked:
            body = conn.read_chunked()
        else:
            body = conn.read_exact_chunks(int(lookup.get("content-length", "0")))
        head_only = method == "HEAD"

        if path == "/hang":
            for _ in body:
                pass
            while sock.recv(65536):  # wait for the client to give up
                pass
            return
        if path == "/reset":
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            sock.close()
            return
        if path == "/garbage":
            conn.send(b"this is not HTTP at all\r\n\x00\x01\x02 nor is this\r\n\r\n")
            return
        if path == "/truncated":
            for _ in body:
                pass
            conn.send(b"HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n" + pattern(0, 1000))
            return

        if path in ("/echo", "/save", "/close-after"):
            payload = body_report(method, target, headers, body, chunked, query.get("path") if path == "/save" else None)
            respond(conn, 200, [("Content-Type", "application/json")], payload, head_only)
        else:
            for _ in body:
                pass
            if path.startswith("/bytes/"):
                n = int(path[len("/bytes/"):])
                respond(conn, 200, [("Content-Length", str(n))], b"", True)
                if not head_only:
                    for piece in pattern_chunks(n):
                        conn.send(piece)
            elif path.startswith("/stream/"):
                n = int(path[len("/stream/"):])
                conn.send(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n")
                for piece in pattern_chunks(n):
                    conn.send(b"%x\r\n" % len(piece) + piece + b"\r\n")
                conn.send(b"0\r\n\r\n")
            elif path == "/file":
                size = os.path.getsize(query["path"])
                respond(conn, 200, [("Content-Length", str(size))], b"", True)
                if not head_only:
                    with open(query["path"], "rb") as f:
                        while piece := f.read(1 << 20):
                            conn.send(piece)
            elif path == "/connections":
                with accepted_lock:
                    count = accepted
                respond(conn, 200, [("Content-Type", "application/json")], json.dumps({"accepted": count}).encode(), head_only)
            elif path.startswith("/status/"):
                code = int(path[len("/status/"):])
                extra = [("Location", "http://127.0.0.1:1/elsewhere")] if 300 <= code < 400 else []
                respond(conn, code, extra, f"status {code}".encode(), head_only)
            elif path == "/continue":
                conn.send(b"HTTP/1.1 100 Continue\r\n\r\n")
                respond(conn, 200, [("X-Final", "yes")], b"after continue", head_only)
            else:
                respond(conn, 404, [], b"no such route", head_only)
        if lookup.get("connection", "").lower() == "close" or path == "/close-after":
            return


def self_signed_context():
    import datetime
    import tempfile
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID
    import ipaddress
    import ssl

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(days=1))
            .not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), False)
            .sign(key, hashes.SHA256()))
    with tempfile.TemporaryDirectory() as directory:
        cert_path, key_path = f"{directory}/cert.pem", f"{directory}/key.pem"
        with open(cert_path, "wb") as f:
            f.write(cert.public_bytes(serialization.Encoding.PEM))
        with open(key_path, "wb") as f:
            f.write(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                      serialization.NoEncryption()))
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(cert_path, key_path)
    return context


tls_context = None


def serve_connection(sock):
    try:
        if tls_context:
            sock = tls_context.wrap_socket(sock, server_side=True)
        handle(sock)
    except (ConnectionError, OSError, ValueError):
        pass
    finally:
        try:
            sock.close()
        except OSError:
            pass


def exit_when_stdin_closes():
    sys.stdin.buffer.read()
    os._exit(0)


def main():
    global accepted, tls_context
    if "--tls" in sys.argv:
        tls_context = self_signed_context()
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", 0))
    listener.listen(256)
    threading.Thread(target=exit_when_stdin_closes, daemon=True).start()
    print(f"PORT {listener.getsockname()[1]}", flush=True)
    while True:
        sock, _ = listener.accept()
        with accepted_lock:
            accepted += 1
        threading.Thread(target=serve_connection, args=(sock,), daemon=True).start()


if __name__ == "__main__":
    main()
