#!/usr/bin/env python3
"""A misbehaving HTTP server for costctl's fetch tests, on 127.0.0.1 only.

It serves a directory in the price list's URL layout. The first path
segment picks a fault, applied to offer files (".../<region>/index.json",
not the indexes); the rest of the path is the file:

  /ok/...          plain 200s, with ETag and Range support
  /500once/...     500 on the first request for a file, then 200
  /500always/...   500 every time
  /429once/...     429 with Retry-After: 1 first, then 200
  /cutonce/...     first: Content-Length of the whole file, half the body, close
  /stallonce/...   first: headers and a few bytes, then silence for 20 s
  /shortlenonce/.. first: a Content-Length 100 bytes short (truncated JSON)
  /truncjson/...   200 with a truncated JSON body, every time
  /404/...         404 for offer files
  /endless/...     200 with no length, the file's bytes then spaces without end
                   (stopped after 64 MiB, so the test itself is bounded)
  /drip/...        200, the file at 2,000 bytes a second (above the stall limit)
  /bomb/...        Content-Encoding: gzip, 64 MiB of spaces squeezed small
  /huge/...        Content-Length: 20 GiB
  /badetag/...     an ETag header with a bare CR inside it

Usage: faultserver.py ROOT PORTFILE   (writes the chosen port to PORTFILE)
Every request is logged to stdout as "METHOD PATH STATUS [range]".
"""
import hashlib
import http.server
import os
import socketserver
import sys
import threading
import time

ROOT = sys.argv[1]
seen = {}
lock = threading.Lock()


def first_time(key):
    with lock:
        n = seen.get(key, 0)
        seen[key] = n + 1
        return n == 0


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        pass

    def note(self, status, extra=""):
        print(f"{self.command} {self.path} {status} {extra}".strip(), flush=True)

    def send_body(self, status, body, headers=(), length=None):
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body) if length is None else length))
        for k, v in headers:
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(body)
        self.wfile.flush()

    def do_GET(self):
        parts = self.path.split("/", 2)
        if len(parts) < 3:
            self.note(404)
            return self.send_body(404, b"{}")
        mode, rel = parts[1], parts[2]
        path = os.path.join(ROOT, rel)
        try:
            with open(path, "rb") as f:
                data = f.read()
        except OSError:
            self.note(404)
            return self.send_body(404, b'{"message":"not found"}')
        offer_file = rel.endswith("/index.json") and not rel.endswith("region_index.json") \
            and rel.count("/") >= 5
        etag = '"' + hashlib.sha256(data).hexdigest()[:16] + '"'
        key = (mode, rel)
        if offer_file:
            if mode == "500always" or (mode == "500once" and first_time(key)):
                self.note(500)
                return self.send_body(500, b'{"message":"internal error"}')
            if mode == "429once" and first_time(key):
                self.note(429)
                return self.send_body(429, b'{"message":"slow down"}', [("Retry-After", "1")])
            if mode == "404":
                self.note(404)
                return self.send_body(404, b'{"message":"not found"}')
            if mode == "cutonce" and first_time(key):
                self.note(200, "cut")
                self.send_response(200)
                self.send_header("Content-Length", str(len(data)))
                self.send_header("ETag", etag)
                self.send_header("Accept-Ranges", "bytes")
                self.end_headers()
                self.wfile.write(data[: len(data) // 2])
                self.wfile.flush()
                self.close_connection = True
                return
            if mode == "stallonce" and first_time(key):
                self.note(200, "stall")
                self.send_response(200)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data[:10])
                self.wfile.flush()
                time.sleep(20)
                self.close_connection = True
                return
            if mode == "shortlenonce" and first_time(key):
                self.note(200, "short-length")
                return self.send_body(200, data[:-100], [("ETag", etag)])
            if mode == "endless":
                self.note(200, "endless")
                self.send_response(200)
                self.send_header("Connection", "close")
                self.end_headers()
                self.wfile.write(data[:-2])
                chunk = b" " * 65536
                try:
                    for _ in range(1024):
                        self.wfile.write(chunk)
                except OSError:
                    pass
                self.close_connection = True
                return
            if mode == "drip":
                self.note(200, "drip")
                self.send_response(200)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                try:
                    for i in range(0, len(data), 200):
                        self.wfile.write(data[i:i + 200])
                        self.wfile.flush()
                        time.sleep(0.1)
                except OSError:
                    pass
                self.close_connection = True
                return
            if mode == "bomb":
                import gzip
                body = gzip.compress(data[:-2] + b" " * (64 << 20) + b"}\n", 9)
                self.note(200, f"bomb {len(body)}")
                return self.send_body(200, body, [("Content-Encoding", "gzip")])
            if mode == "huge":
                self.note(200, "huge")
                self.send_response(200)
                self.send_header("Content-Length", str(20 << 30))
                self.end_headers()
                self.close_connection = True
                return
            if mode == "badetag":
                self.note(200, "bad-etag")
                self.send_response(200)
                self.send_header("Content-Length", str(len(data)))
                self.send_header("ETag", '"abc\rInjected: yes"')
                self.end_headers()
                self.wfile.write(data)
                self.wfile.flush()
                return
            if mode == "truncjson":
                self.note(200, "truncated-json")
                return self.send_body(200, data[: len(data) - 40])
        rng = self.headers.get("Range")
        if rng and rng.startswith("bytes=") and rng.endswith("-") and offer_file:
            if_range = self.headers.get("If-Range")
            start = int(rng[6:-1])
            if (not if_range or if_range == etag) and start < len(data):
                self.note(206, rng)
                return self.send_body(206, data[start:], [
                    ("ETag", etag),
                    ("Content-Range", f"bytes {start}-{len(data) - 1}/{len(data)}"),
                ])
        if self.headers.get("If-None-Match") == etag:
            self.note(304)
            self.send_response(304)
            self.send_header("ETag", etag)
            self.end_headers()
            return
        self.note(200)
        return self.send_body(200, data, [("ETag", etag), ("Accept-Ranges", "bytes")])


class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    allow_reuse_address = True


srv = Server(("127.0.0.1", 0), Handler)
with open(sys.argv[2] + ".tmp", "w") as f:
    f.write(str(srv.server_address[1]))
os.rename(sys.argv[2] + ".tmp", sys.argv[2])
srv.serve_forever()
