#!/usr/bin/env python3
"""Counts the build context a client sends to the Docker Engine, exactly.

Usage: ctxproxy.py LISTEN_SOCKET ENGINE_SOCKET LOG_FILE [BODY_DIR]

Serves LISTEN_SOCKET (a unix socket) and forwards every connection to ENGINE_SOCKET
unchanged. It reads the client-to-engine HTTP stream as it passes and, for every
`POST .../build` request, appends one JSON line to LOG_FILE:

    {"n": 1, "path": "/v1.41/build?...", "body_bytes": N, "chunked": true, "prefix_file": "..."}

body_bytes is the request body after removing HTTP chunk framing: the tar stream of the
build context as the client produced it (compressed if the client compressed it; neither
devenv nor `docker build` without --compress does). The first 8 MiB of build body n also
go to BODY_DIR/build-<n>.tar (when BODY_DIR is given), so `tar -tvf` can show what was in
it.

Point a client at it with DOCKER_HOST=unix://LISTEN_SOCKET. Ends on SIGTERM.
"""
import json
import os
import socket
import sys
import threading

PREFIX_LIMIT = 8 << 20


class RequestStream:
    """A streaming parser for the HTTP/1.1 requests on one connection."""

    def __init__(self, log_path, body_dir, counter):
        self.log_path = log_path
        self.body_dir = body_dir
        self.counter = counter
        self.state = "head"
        self.buf = b""
        self.passthrough = False  # after an Upgrade (hijacked stream): stop parsing
        self._reset_request()

    def _reset_request(self):
        self.path = ""
        self.is_build = False
        self.body = 0
        self.chunked = False
        self.remaining = 0
        self.prefix = bytearray()

    def feed(self, data):
        if self.passthrough:
            return
        self.buf += data
        while self.buf and not self.passthrough:
            if not self._step():
                return

    def _body_bytes(self, chunk):
        self.body += len(chunk)
        if self.is_build and len(self.prefix) < PREFIX_LIMIT:
            self.prefix += chunk[: PREFIX_LIMIT - len(self.prefix)]

    def _step(self):
        """Consumes what it can from self.buf; False when it needs more bytes."""
        if self.state == "head":
            end = self.buf.find(b"\r\n\r\n")
            if end < 0:
                return False
            head, self.buf = self.buf[:end].decode("latin-1"), self.buf[end + 4:]
            lines = head.split("\r\n")
            parts = lines[0].split(" ")
            method, self.path = parts[0], parts[1] if len(parts) > 1 else ""
            headers = {}
            for line in lines[1:]:
                k, _, v = line.partition(":")
                headers[k.strip().lower()] = v.strip()
            route = self.path.split("?", 1)[0]
            self.is_build = method == "POST" and (route == "/build" or route.endswith("/build"))
            if "upgrade" in headers or "upgrade" in headers.get("connection", "").lower():
                self.passthrough = True
                return False
            if "chunked" in headers.get("transfer-encoding", "").lower():
                self.chunked = True
                self.state = "chunk-size"
            elif int(headers.get("content-length", "0") or 0) > 0:
                self.remaining = int(headers["content-length"])
                self.state = "body"
            else:
                self._finish()
            return True
        if self.state == "body":
            take = self.buf[: self.remaining]
            self.buf = self.buf[len(take):]
            self._body_bytes(take)
            self.remaining -= len(take)
            if self.remaining == 0:
                self._finish()
            return True
        if self.state == "chunk-size":
            end = self.buf.find(b"\r\n")
            if end < 0:
                return False
            size = int(self.buf[:end].split(b";")[0].strip() or b"0", 16)
            self.buf = self.buf[end + 2:]
            if size == 0:
                self.state = "trailer"
            else:
                self.remaining = size
                self.state = "chunk-data"
            return True
        if self.state == "chunk-data":
            take = self.buf[: self.remaining]
            self.buf = self.buf[len(take):]
            self._body_bytes(take)
            self.remaining -= len(take)
            if self.remaining == 0:
                self.state = "chunk-end"
            return True
        if self.state == "chunk-end":
            if len(self.buf) < 2:
                return False
            self.buf = self.buf[2:]
            self.state = "chunk-size"
            return True
        if self.state == "trailer":
            # Trailer fields (rare) then an empty line.
            end = self.buf.find(b"\r\n")
            if end < 0:
                return False
            line, self.buf = self.buf[:end], self.buf[end + 2:]
            if line == b"":
                self._finish()
            return True
        raise AssertionError(self.state)

    def _finish(self):
        if self.is_build:
            n = self.counter.next()
            rec = {"n": n, "path": self.path, "body_bytes": self.body, "chunked": self.chunked}
            if self.body_dir:
                rec["prefix_file"] = os.path.join(self.body_dir, "build-%d.tar" % n)
                with open(rec["prefix_file"], "wb") as f:
                    f.write(self.prefix)
            with open(self.log_path, "a") as f:
                f.write(json.dumps(rec) + "\n")
        self.state = "head"
        self._reset_request()


class Counter:
    def __init__(self):
        self.n = 0
        self.lock = threading.Lock()

    def next(self):
        with self.lock:
            self.n += 1
            return self.n


def pump(src, dst, parser=None):
    try:
        while True:
            data = src.recv(1 << 16)
            if not data:
                break
            if parser is not None:
                parser.feed(data)
            dst.sendall(data)
    except OSError:
        pass
    finally:
        try:
            dst.shutdown(socket.SHUT_WR)
        except OSError:
            pass


def serve(listen, engine, log_path, body_dir):
    if os.path.exists(listen):
        os.unlink(listen)
    srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    srv.bind(listen)
    srv.listen(64)
    counter = Counter()
    while True:
        client, _ = srv.accept()
        upstream = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        upstream.connect(engine)
        parser = RequestStream(log_path, body_dir, counter)
        up = threading.Thread(target=pump, args=(client, upstream, parser), daemon=True)
        down = threading.Thread(target=pump, args=(upstream, client), daemon=True)
        up.start()
        down.start()


if __name__ == "__main__":
    if len(sys.argv) not in (4, 5):
        sys.exit(__doc__)
    serve(sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4] if len(sys.argv) == 5 else None)
