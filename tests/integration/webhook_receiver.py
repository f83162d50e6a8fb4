#!/usr/bin/python3
# Test harness: a webhook receiver, a real HTTP(S) server in its own process.
# It records every request it accepts (answers 2xx) to a file, one JSON object
# a line, and can be told to fail (500) or to hang (answer nothing until told
# otherwise), then to recover. Tests drive it through /control/...:
#
#   GET /control/mode?set=ok|fail|hang      answer deliveries this way from now on
#   GET /control/records?wait_for=N&timeout=S
#       the accepted requests, once there are at least N (200), or what there
#       is when S seconds pass first (408): tests await this, never sleep
#   GET /control/attempts?wait_for=N&timeout=S
#       the same for every request received, whatever it was answered
#
# Every other request is a delivery: {"id", "timestamp", "signature", "body",
# "path"} with the webhook-* headers and the body as sent.
#
#   webhook_receiver.py --records FILE [--mode ok] [--tls-cert C --tls-key K]
# prints "webhook-receiver listening on PORT" once it listens on 127.0.0.1.
# Python 3 standard library only.

import argparse
import json
import ssl
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit


class state:
    lock = threading.Condition()
    mode = "ok"
    records = []
    attempts = []
    records_file = None


def wait_list(which, wanted, timeout):
    deadline = time.monotonic() + timeout
    with state.lock:
        while len(which) < wanted:
            left = deadline - time.monotonic()
            if left <= 0:
                return False, list(which)
            state.lock.wait(left)
        return True, list(which)


class handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        sys.stderr.write("webhook-receiver: " + (fmt % args) + "\n")

    def answer(self, status, body=b"", content_type="application/json"):
        try:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Connection", "close")
            self.end_headers()
            self.wfile.write(body)
            self.wfile.flush()
        except OSError:
            pass   # the sender gave up (timed out, or was killed): nothing to tell it
        self.close_connection = True

    def do_GET(self):
        url = urlsplit(self.path)
        query = {k: v[-1] for k, v in parse_qs(url.query).items()}
        if url.path == "/control/mode":
            with state.lock:
                state.mode = query.get("set", "ok")
                state.lock.notify_all()
            return self.answer(200, json.dumps({"mode": state.mode}).encode())
        if url.path in ("/control/records", "/control/attempts"):
            which = state.records if url.path.endswith("records") else state.attempts
            ok, items = wait_list(which, int(query.get("wait_for", "0")), float(query.get("timeout", "30")))
            return self.answer(200 if ok else 408, json.dumps(items).encode())
        return self.answer(404, b'{"error":"not a control path"}')

    def do_POST(self):
        length = int(self.headers.get("Content-Length", "0"))
        body = self.rfile.read(length).decode("utf-8", "replace")
        request = {
            "id": self.headers.get("webhook-id", ""),
            "timestamp": self.headers.get("webhook-timestamp", ""),
            "signature": self.headers.get("webhook-signature", ""),
            "content_type": self.headers.get("Content-Type", ""),
            "path": self.path,
            "body": body,
        }
        with state.lock:
            mode = state.mode
            request["mode"] = mode
            state.attempts.append(request)
            state.lock.notify_all()
            if mode == "hang":
                # Held until the mode changes: the sender times out (or dies)
                # first. Never recorded: it was not accepted.
                while state.mode == "hang":
                    state.lock.wait()
        if mode == "hang":
            return self.answer(503, b'{"error":"was hanging"}')
        if mode == "fail":
            return self.answer(500, b'{"error":"told to fail"}')
        with state.lock:
            state.records.append(request)
            with open(state.records_file, "a", encoding="utf-8") as f:
                f.write(json.dumps(request) + "\n")
            state.lock.notify_all()
        return self.answer(200, b'{"ok":true}')


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--records", required=True)
    parser.add_argument("--mode", default="ok", choices=["ok", "fail", "hang"])
    parser.add_argument("--tls-cert")
    parser.add_argument("--tls-key")
    args = parser.parse_args()
    state.mode = args.mode
    state.records_file = args.records
    open(args.records, "a").close()
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    if args.tls_cert:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(args.tls_cert, args.tls_key)
        server.socket = context.wrap_socket(server.socket, server_side=True)
    print(f"webhook-receiver listening on {server.server_address[1]}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
