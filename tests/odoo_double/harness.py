"""Helpers for the Odoo double's tests: start/stop the double, talk to it, compare answers."""
import http.client
import http.server
import json
import os
import pathlib
import signal
import socket
import subprocess
import sys
import threading
import xmlrpc.client

HERE = pathlib.Path(__file__).resolve().parent
SOURCE_DIR = pathlib.Path(os.environ.get("PB_SOURCE_DIR") or HERE.parent.parent)
DOUBLE = SOURCE_DIR / "tools" / "odoo_double" / "odoo_double.py"
EXAMPLE_SEED = SOURCE_DIR / "tools" / "odoo_double" / "seed_example.json"


class Double:
    """The double as a child process on a free port; synchronised on its `listening` line."""

    def __init__(self, *args, version=18, db="odoo", api_key="k1", seed=EXAMPLE_SEED, extra_env=None):
        cmd = [sys.executable, str(DOUBLE), "--port", "0", "--version", str(version), "--db", db]
        if api_key:
            cmd += ["--api-key", api_key]
        if seed:
            cmd += ["--seed", str(seed)]
        self.proc = subprocess.Popen(cmd + list(args), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                     env={**os.environ, **(extra_env or {})})
        line = self.proc.stdout.readline()
        if not line.startswith("listening "):
            self.proc.kill()
            raise RuntimeError(f"double did not start: {line!r} {self.proc.stderr.read()}")
        host, port = line.split()[1].rsplit(":", 1)
        self.host, self.port = host, int(port)
        self.version, self.db, self.api_key = version, db, api_key

    def stop(self):
        """SIGTERM by pid; returns the exit code (the double must exit cleanly)."""
        if self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGTERM)
        code = self.proc.wait(timeout=10)
        self.proc.stdout.close()
        self.proc.stderr.close()
        return code

    # --- raw HTTP ----------------------------------------------------------------
    def http(self, method, path, body=None, headers=None):
        """Returns (status, headers dict, body bytes, HTTP version)."""
        conn = http.client.HTTPConnection(self.host, self.port, timeout=30)
        data = body if isinstance(body, (bytes, type(None))) else json.dumps(body).encode()
        conn.request(method, path, data, headers or {})
        resp = conn.getresponse()
        result = resp.status, dict(resp.getheaders()), resp.read(), resp.version
        conn.close()
        return result

    # --- control endpoints -------------------------------------------------------------
    def control(self, method, path, body=None):
        status, _, data, _ = self.http(method, f"/__double/{path}", body, {"Content-Type": "application/json"})
        assert status == 200, (path, status, data)
        return json.loads(data)

    def state(self, models=None):
        return self.control("GET", "state" + (f"?models={models}" if models else ""))

    def records(self, model):
        return {r["id"]: r for r in self.state(model)["models"].get(model, [])}

    def counters(self):
        return self.state("none")["counters"]

    def reset(self, seed=None):
        return self.control("POST", "reset", {"seed": seed} if seed is not None else {})

    def fault(self, **spec):
        return self.control("POST", "faults", spec)["ids"][0]

    def clock(self, when=None, freeze=True, advance_s=0):
        body = {"freeze": freeze, "advance_s": advance_s}
        if when:
            body["set"] = when
        return self.control("POST", "clock", body)["now"]

    def set_ids(self, next_ids):
        return self.control("POST", "ids", {"next_ids": next_ids})

    # --- JSON-RPC -------------------------------------------------------------------
    def jsonrpc_envelope(self, envelope):
        status, headers, data, _ = self.http("POST", "/jsonrpc", envelope, {"Content-Type": "application/json"})
        assert status == 200, (status, data)
        return json.loads(data)

    def jsonrpc(self, service, method, *args, rid=1):
        return self.jsonrpc_envelope({"jsonrpc": "2.0", "method": "call", "id": rid,
                                      "params": {"service": service, "method": method, "args": list(args)}})

    def execute_kw(self, model, method, args, kwargs=None, uid=2, secret=None):
        return self.jsonrpc("object", "execute_kw", self.db, uid, secret or self.api_key, model, method, args,
                            kwargs or {})

    def call(self, model, method, args, kwargs=None, **auth):
        """execute_kw that must succeed: returns result (None when the answer had no `result`)."""
        envelope = self.execute_kw(model, method, args, kwargs, **auth)
        assert "error" not in envelope, envelope["error"]["data"]["message"]
        return envelope.get("result")

    def error(self, model, method, args, kwargs=None, **auth):
        envelope = self.execute_kw(model, method, args, kwargs, **auth)
        assert "error" in envelope, envelope
        return envelope["error"]["data"]

    # --- JSON-2 ----------------------------------------------------------------------
    def json2(self, model, method, body=None, key=None, raw=None, headers=None):
        """Returns (status, parsed body or text, headers)."""
        hdrs = {"Content-Type": "application/json", "Authorization": f"bearer {key or self.api_key}"}
        hdrs.update(headers or {})
        data = raw if raw is not None else json.dumps(body if body is not None else {}).encode()
        status, resp_headers, payload, _ = self.http("POST", f"/json/2/{model}/{method}", data, hdrs)
        text = payload.decode()
        parsed = json.loads(text) if resp_headers.get("Content-Type", "").startswith("application/json") else text
        return status, parsed, resp_headers

    # --- XML-RPC ---------------------------------------------------------------------
    def xmlrpc(self, service):
        return xmlrpc.client.ServerProxy(f"http://{self.host}:{self.port}/xmlrpc/2/{service}")


class WebhookReceiver:
    """Records the POSTs the double sends (path, body), like the facts' listener on 127.0.0.1:9999."""

    def __init__(self):
        received = self.received = []

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode()
                received.append({"path": self.path, "body": body, "headers": dict(self.headers)})
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def take(self):
        items, self.received[:] = list(self.received), []
        return items

    def close(self):
        self.server.shutdown()
        self.server.server_close()


def raw_exchange(host, port, request, second=None):
    """Sends raw bytes on one socket; returns (first response bytes, what a second request reads)."""
    with socket.create_connection((host, port), timeout=10) as sock:
        sock.sendall(request)
        first = read_http_response(sock)
        after = None
        if second is not None:
            try:
                sock.sendall(second)
                after = read_http_response(sock)
            except OSError:
                after = b""
        return first, after


def read_http_response(sock):
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            return data
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    length = next((int(l.split(b":")[1]) for l in head.split(b"\r\n") if l.lower().startswith(b"content-length")), 0)
    while len(body) < length:
        chunk = sock.recv(65536)
        if not chunk:
            break
        body += chunk
    return head + b"\r\n\r\n" + body


# ----------------------------------------------------------------------------
# Comparison: exact, except the parts named by the caller (volatile values)
# ----------------------------------------------------------------------------

def is_error_payload(value):
    return isinstance(value, dict) and {"name", "message", "arguments", "debug"} <= set(value)


def differences(expected, actual, ignore=(), path="", prefix=False):
    """Lists the differences; `ignore` holds paths like "[0].url".  An Odoo error's `debug` (the server
    traceback, different on every server) is never compared: it is the only implicitly ignored part.
    prefix=True accepts longer actual lists (the facts sometimes print the first items, then "...")."""
    if path in ignore:
        return []
    if isinstance(expected, dict) and isinstance(actual, dict):
        found = []
        skip_debug = is_error_payload(expected)
        for key in sorted(set(expected) | set(actual)):
            sub = f"{path}.{key}" if path else key
            if skip_debug and key == "debug" or sub in ignore:
                continue
            if key not in actual:
                found.append(f"{sub}: missing (expected {expected[key]!r})")
            elif key not in expected:
                found.append(f"{sub}: unexpected {actual[key]!r}")
            else:
                found += differences(expected[key], actual[key], ignore, sub, prefix)
        return found
    if isinstance(expected, list) and isinstance(actual, list):
        if prefix:
            actual = actual[:len(expected)]
        if len(expected) != len(actual):
            return [f"{path}: expected {len(expected)} items {expected!r}, got {len(actual)} {actual!r}"]
        found = []
        for i, (e, a) in enumerate(zip(expected, actual)):
            found += differences(e, a, ignore, f"{path}[{i}]", prefix)
        return found
    if type(expected) is not type(actual) or expected != actual:
        return [f"{path}: expected {expected!r}, got {actual!r}"]
    return []


def get_path(value, path):
    """"[0].webhook_uuid" -> value[0]["webhook_uuid"]."""
    for part in path.replace("]", "").replace("[", ".").strip(".").split("."):
        value = value[int(part)] if part.isdigit() else value[part]
    return value
