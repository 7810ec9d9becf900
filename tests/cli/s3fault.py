#!/usr/bin/env python3
"""A fault-injecting proxy in front of the S3 test server, on 127.0.0.1.

Usage: s3fault.py PORT UPSTREAM_HOST:PORT FAILS
The first FAILS PUT requests get 500 InternalError (their bodies read and
dropped); everything else is passed to UPSTREAM with its headers as sent
(the Host header too, so a SigV4 signature still matches). Every request
is logged to stdout as "METHOD PATH STATUS".
"""
import http.client
import http.server
import socketserver
import sys
import threading

PORT, UPSTREAM, FAILS = int(sys.argv[1]), sys.argv[2], int(sys.argv[3])
failed = 0
lock = threading.Lock()


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        pass

    def handle_any(self):
        global failed
        n = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(n) if n else b""
        with lock:
            fail = self.command == "PUT" and failed < FAILS
            if fail:
                failed += 1
        if fail:
            err = b"<Error><Code>InternalError</Code><Message>injected</Message></Error>"
            self.send_response(500)
            self.send_header("Content-Type", "application/xml")
            self.send_header("Content-Length", str(len(err)))
            self.end_headers()
            self.wfile.write(err)
            print(f"{self.command} {self.path} 500", flush=True)
            return
        host, port = UPSTREAM.split(":")
        c = http.client.HTTPConnection(host, int(port), timeout=30)
        c.putrequest(self.command, self.path, skip_host=True, skip_accept_encoding=True)
        for k, v in self.headers.items():
            if k.lower() not in ("connection", "expect"):
                c.putheader(k, v)
        c.endheaders(body)
        r = c.getresponse()
        data = r.read()
        self.send_response(r.status)
        for k, v in r.getheaders():
            if k.lower() not in ("connection", "transfer-encoding", "content-length"):
                self.send_header(k, v)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)
        print(f"{self.command} {self.path} {r.status}", flush=True)

    do_GET = do_PUT = do_POST = do_DELETE = do_HEAD = handle_any


class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    allow_reuse_address = True


Server(("127.0.0.1", PORT), Handler).serve_forever()
