#!/usr/bin/env python3
"""In front of DynamoDB Local, a server that goes bad: the first N requests
are passed through, every one after answers 500 InternalServerError, as a
DynamoDB endpoint in trouble does. On 127.0.0.1 only.

Usage: ddb_fault_proxy.py UPSTREAM_PORT N PORTFILE   (writes its port to PORTFILE)
"""
import http.client
import http.server
import sys
import threading

UPSTREAM = int(sys.argv[1])
PASS = int(sys.argv[2])
count = 0
lock = threading.Lock()


class Proxy(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def do_POST(self):
        global count
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        with lock:
            count += 1
            n = count
        if n > PASS:
            out = b'{"__type":"com.amazonaws.dynamodb.v20120810#InternalServerError","message":"the test server went bad"}'
            self.send_response(500)
            self.send_header("Content-Type", "application/x-amz-json-1.0")
            self.send_header("Content-Length", str(len(out)))
            self.end_headers()
            self.wfile.write(out)
            return
        up = http.client.HTTPConnection("127.0.0.1", UPSTREAM, timeout=60)
        headers = {k: v for k, v in self.headers.items() if k.lower() not in ("host", "connection")}
        up.request("POST", self.path, body=body, headers=headers)
        r = up.getresponse()
        data = r.read()
        self.send_response(r.status)
        for k, v in r.getheaders():
            if k.lower() not in ("content-length", "connection", "transfer-encoding", "date", "server"):
                self.send_header(k, v)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)
        up.close()


srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Proxy)
with open(sys.argv[3], "w") as f:
    f.write(str(srv.server_address[1]))
srv.serve_forever()
