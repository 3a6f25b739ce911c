#!/usr/bin/env python3
# An OpenAI-compatible chat-completions server on loopback for the tests:
# it replays scripted replies, streamed (server-sent events) or not, tool
# calls included, and records every request it gets.
#
#   llm-server.py --script FILE --log FILE --port-file FILE [--port N]
#
# The script holds one JSON object per line, one per request, in order:
#   {"content": "text"}                    an answer
#   {"tool_calls": [{"id": "c1", "name": "count",
#                    "arguments": {...} or "raw text"}]}
#   {"status": 429, "error": "slow down", "headers": {"Retry-After": "1"}}
#   {"raw": "not json", "content_type": "application/json"}
#   {"delay": 5}                           wait before answering
#   {"stream": false}                      answer plainly even when asked
#                                          to stream (default: as asked)
#   {"chunk": 2}                           characters per streamed piece
#   {"stream_error": "overloaded", "code": 502}  an error event after the
#                                          content, in a stream
#   {"no_index": true}                     tool-call deltas without index
# Requests beyond the script get a 500.  The log gets one JSON line per
# request: {"n", "t" (seconds since the epoch), "method", "path", "headers"
# (lower-case names), "body"}; request n is answered by the script's
# line n, so emptying the log starts the script again (the script is
# read anew for every request).
# Python's standard library only.
import argparse
import http.server
import json
import os
import sys
import threading
import time

lock = threading.Lock()


def load_script(path):
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


class Handler(http.server.BaseHTTPRequestHandler):
    # HTTP/1.0: the end of a streamed body is the end of the connection.
    protocol_version = "HTTP/1.0"

    def log_message(self, fmt, *args):
        pass

    def record(self, body):
        with lock:
            # Requests are counted by the log's lines, so a test starts
            # its script again by emptying the log.
            with open(self.server.log, encoding="utf-8") as f:
                n = sum(1 for _ in f) + 1
            entry = {
                "n": n,
                "t": time.time(),
                "method": self.command,
                "path": self.path,
                "headers": {k.lower(): v for k, v in self.headers.items()},
                "body": body,
            }
            with open(self.server.log, "a", encoding="utf-8") as f:
                f.write(json.dumps(entry, ensure_ascii=False) + "\n")
        return n

    def send_json(self, status, obj, headers=None):
        data = json.dumps(obj).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        self.record(None)
        self.send_json(404, {"error": {"message": "not found"}})

    def do_POST(self):
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length)
        try:
            body = json.loads(raw)
        except ValueError:
            body = raw.decode("utf-8", "replace")
        n = self.record(body)
        if not self.path.endswith("/chat/completions"):
            self.send_json(404, {"error": {"message": "no such path"}})
            return
        script = load_script(self.server.script)
        if n > len(script):
            self.send_json(500, {"error": {"message": "script exhausted"}})
            return
        step = script[n - 1]
        if step.get("delay"):
            time.sleep(step["delay"])
        status = step.get("status", 200)
        headers = step.get("headers", {})
        if "raw" in step:
            data = step["raw"].encode()
            self.send_response(status)
            self.send_header("Content-Type",
                             step.get("content_type", "application/json"))
            for k, v in headers.items():
                self.send_header(k, v)
            self.end_headers()
            self.wfile.write(data)
            return
        if status != 200 or "error" in step:
            err = {"message": step.get("error", "error"),
                   "code": step.get("code", status)}
            self.send_json(status, {"error": err}, headers)
            return
        stream = step.get("stream")
        if stream is None:
            stream = isinstance(body, dict) and body.get("stream") is True
        calls = []
        for i, c in enumerate(step.get("tool_calls", [])):
            args = c.get("arguments", {})
            if not isinstance(args, str):
                args = json.dumps(args)
            calls.append({"id": c.get("id", "call_%d" % (i + 1)),
                          "type": "function",
                          "function": {"name": c["name"],
                                       "arguments": args}})
        content = step.get("content")
        finish = "tool_calls" if calls else "stop"
        if not stream:
            msg = {"role": "assistant", "content": content}
            if calls:
                msg["tool_calls"] = calls
            self.send_json(200, {
                "id": "cmpl-%d" % n, "object": "chat.completion",
                "model": body.get("model") if isinstance(body, dict)
                else None,
                "choices": [{"index": 0, "message": msg,
                             "finish_reason": finish}]}, headers)
            return
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-cache")
        for k, v in headers.items():
            self.send_header(k, v)
        self.end_headers()

        def event(obj):
            self.wfile.write(b"data: " + json.dumps(obj).encode() +
                             b"\n\n")
            self.wfile.flush()

        def chunk(delta, finish_reason=None):
            event({"id": "cmpl-%d" % n,
                   "object": "chat.completion.chunk",
                   "choices": [{"index": 0, "delta": delta,
                                "finish_reason": finish_reason}]})

        # A comment line, as OpenRouter sends while a model warms up.
        self.wfile.write(b": PROCESSING\n\n")
        chunk({"role": "assistant", "content": ""})
        size = step.get("chunk", 3)
        text = content or ""
        for i in range(0, len(text), size):
            chunk({"content": text[i:i + size]})
        if step.get("stream_error"):
            event({"error": {"message": step["stream_error"],
                             "code": step.get("code", 502)}})
            return
        for i, c in enumerate(calls):
            first = {"id": c["id"], "type": "function",
                     "function": {"name": c["function"]["name"],
                                  "arguments": ""}}
            if not step.get("no_index"):
                first["index"] = i
            chunk({"tool_calls": [first]})
            args = c["function"]["arguments"]
            for k in range(0, len(args), 4):
                piece = {"function": {"arguments": args[k:k + 4]}}
                if not step.get("no_index"):
                    piece["index"] = i
                chunk({"tool_calls": [piece]})
        chunk({}, finish)
        self.wfile.write(b"data: [DONE]\n\n")
        self.wfile.flush()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--script", required=True)
    ap.add_argument("--log", required=True)
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--port", type=int, default=0)
    a = ap.parse_args()
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", a.port), Handler)
    srv.daemon_threads = True
    srv.script = a.script
    srv.log = a.log
    open(a.log, "a").close()
    tmp = a.port_file + ".tmp"
    with open(tmp, "w") as f:
        f.write("%d\n" % srv.server_address[1])
    os.rename(tmp, a.port_file)
    try:
        srv.serve_forever()
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
