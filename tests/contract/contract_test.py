#!/usr/bin/python3
"""The contract, checked: docs/openapi.yaml against the real server.

contract_test.py OPENAPI SERVER starts `SERVER serve` on a free port with a fresh data dir,
drives every operation of the document (its successes and the errors a client can cause), and
validates each answer against the document with Debian's python3-jsonschema (Draft 2020-12, the
dialect of OpenAPI 3.1): the status must be documented for the operation, its required headers
present (integers where the document says so), and the body must match the documented schema
of its media type. It fails on any answer the document does not
describe and on any operation it could not call; it prints the documented answers it did not
produce (those need a payment outage, a rate limit, a full disk...).
"""
import json
import os
import threading
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from base64 import b64encode

import yaml
from jsonschema import Draft202012Validator, RefResolver

OPENAPI, SERVER = sys.argv[1], sys.argv[2]
with open(OPENAPI, encoding="utf-8") as f:
    DOC = yaml.safe_load(f)
RESOLVER = RefResolver.from_schema(DOC)
failures, seen = [], set()


def deref(node):
    while isinstance(node, dict) and "$ref" in node:
        node = RESOLVER.resolve(node["$ref"])[1]
    return node


def template_of(method, path):
    """The documented path template that `path` (without query) is an instance of."""
    for template, item in DOC["paths"].items():
        if method.lower() not in item:
            continue
        pattern = "^" + re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(template)) + "/?$"
        if re.match(pattern, path):
            return template
    return None


def check(method, path, status, headers, body):
    """Validates one answer against the document; records the failure, if any."""
    where = f"{method} {path} -> {status}"
    template = template_of(method, path.split("?")[0])
    if template is None:
        failures.append(f"{where}: no documented operation")
        return
    seen.add((method, template, str(status)))
    responses = DOC["paths"][template][method.lower()]["responses"]
    documented = deref(responses.get(str(status)))
    if documented is None:
        failures.append(f"{where}: status {status} is not documented for {method} {template}")
        return
    present = {k.lower(): v for k, v in headers.items()}
    for name, header in (documented.get("headers") or {}).items():
        header = deref(header)
        value = present.get(name.lower())
        if value is None:
            if header.get("required"):
                failures.append(f"{where}: required header {name} is missing")
            continue
        if (header.get("schema") or {}).get("type") == "integer" and not value.strip().isdigit():
            failures.append(f"{where}: header {name} is not an integer: {value!r}")
    content = documented.get("content")
    media = (headers.get("Content-Type") or "").split(";")[0].strip()
    if not content:
        if body:
            failures.append(f"{where}: the document describes no body, the server sent {len(body)} bytes")
        return
    if media not in content:
        failures.append(f"{where}: media type {media!r} is not documented (documented: {list(content)})")
        return
    schema = content[media].get("schema")
    if schema is None or not media.endswith("json"):  # a stream, a page: not JSON
        return
    try:
        value = json.loads(body)
    except ValueError as e:
        failures.append(f"{where}: body is not JSON: {e}")
        return
    errors = sorted(Draft202012Validator(schema, resolver=RESOLVER).iter_errors(value), key=lambda e: list(e.path))
    for e in errors[:3]:
        failures.append(f"{where}: {'/'.join(map(str, e.path)) or '(body)'}: {e.message}")


class Server:
    def __init__(self, *flags):
        self.dir = tempfile.mkdtemp(prefix="ttareungyi-contract-")
        self.log = open(os.path.join(self.dir, "server.log"), "w")
        self.proc = subprocess.Popen(
            [SERVER, "serve", "--data-dir", os.path.join(self.dir, "data"), "--port", "0", "--bind", "127.0.0.1", "--drain-ms", "0",
             "--operator-client", "ops:s3cret", "--password-iterations", "1000",
             *(flags or ("--rate-limit-rps", "0"))],
            stdout=subprocess.PIPE, stderr=self.log, text=True)
        line = self.proc.stdout.readline()
        match = re.match(r"listening on .*:(\d+)", line)
        if not match:
            raise SystemExit(f"the server did not start: {line!r}")
        self.base = f"http://127.0.0.1:{match.group(1)}"
        for _ in range(200):
            if self.call("GET", "/health/ready", check_it=False)[0] == 200:
                break
            time.sleep(0.05)

    def call(self, method, path, body=None, token=None, form=None, basic=None, headers=None, check_it=True,
             content_type="application/json"):
        data, all_headers = None, dict(headers or {})
        if body is not None:
            data = (body if isinstance(body, str) else json.dumps(body)).encode()
            all_headers["Content-Type"] = content_type
        if form is not None:
            data = form.encode()
            all_headers["Content-Type"] = "application/x-www-form-urlencoded"
        if token:
            all_headers["Authorization"] = "Bearer " + token
        if basic:
            all_headers["Authorization"] = "Basic " + b64encode(basic.encode()).decode()
        request = urllib.request.Request(self.base + path, data=data, method=method, headers=all_headers)
        try:
            with urllib.request.urlopen(request, timeout=10) as r:
                status, got, text = r.status, dict(r.headers), r.read().decode()
        except urllib.error.HTTPError as e:
            status, got, text = e.code, dict(e.headers), e.read().decode()
        if check_it:
            check(method, path, status, got, text)
        return status, got, (json.loads(text) if text.strip().startswith(("{", "[")) else text)

    def stream_status(self, path, token):
        """Opens the event stream, checks its answer's head, and closes it."""
        request = urllib.request.Request(self.base + path, headers={"Authorization": "Bearer " + token})
        with urllib.request.urlopen(request, timeout=10) as r:
            check("GET", path, r.status, dict(r.headers), "")
            return r.status

    def stop(self):
        self.proc.terminate()
        self.proc.wait(timeout=20)
        self.log.close()
        if not os.environ.get("TTAREUNGYI_CONTRACT_KEEP"):
            shutil.rmtree(self.dir, ignore_errors=True)


def journey(s):
    s.call("GET", "/health/live")
    s.call("GET", "/health/ready")
    s.call("GET", "/metrics")
    s.call("GET", "/.well-known/jwks.json")
    s.call("GET", "/.well-known/oauth-authorization-server")

    # identity
    _, _, token = s.call("POST", "/oauth2/token", form="grant_type=client_credentials", basic="ops:s3cret")
    op = token["access_token"]
    s.call("POST", "/oauth2/token", form="grant_type=client_credentials", basic="ops:wrong")
    s.call("POST", "/oauth2/token", form="grant_type=magic")
    s.call("POST", "/v1/customers", {"phone": "010-1234-5678", "password": "ride2work", "name": "Kim Minji"})
    s.call("POST", "/v1/customers", {"phone": "010-1234-5678", "password": "ride2work", "name": "Kim Minji"})
    s.call("POST", "/v1/customers", {"phone": "010-1234-5678", "password": "1", "name": "Kim"})
    s.call("POST", "/v1/customers", "not json")
    s.call("POST", "/v1/customers", "<x/>", content_type="application/xml")
    _, _, token = s.call("POST", "/oauth2/token", form="grant_type=password&username=010-1234-5678&password=ride2work")
    me = token["access_token"]
    s.call("POST", "/oauth2/token", form="grant_type=password&username=010-1234-5678&password=nope")

    # stations and bicycles
    s.call("POST", "/v1/stations", {"id": "ST-102", "name": "망원역 1번출구", "lat": 37.5556, "lon": 126.9104, "capacity": 10}, op)
    s.call("POST", "/v1/stations", {"id": "ST-103", "name": "합정역", "lat": 37.5496, "lon": 126.9139, "capacity": 5}, op)
    s.call("POST", "/v1/stations", {"name": "x", "lat": 37.5, "lon": 126.9, "capacity": 5}, me)
    s.call("POST", "/v1/stations", {"name": "x", "lat": 37.5, "lon": 126.9, "capacity": 5})
    s.call("POST", "/v1/stations", {"name": "x"}, op)
    s.call("POST", "/v1/stations", {"id": "ST-102", "name": "again", "lat": 37.5, "lon": 126.9, "capacity": 5}, op)
    s.call("GET", "/v1/stations", token=me)
    s.call("GET", "/v1/stations?limit=0", token=me)
    for plate in ("SPB-1", "SPB-2", "SPB-3"):
        s.call("POST", "/v1/bicycles", {"id": plate, "stationId": "ST-102"}, op)
    s.call("POST", "/v1/bicycles", {"id": "SPB-1", "stationId": "ST-102"}, op)
    s.call("POST", "/v1/bicycles", {"stationId": "nowhere"}, op)
    s.call("GET", "/v1/bicycles?stationId=ST-102&status=available&limit=2", token=op)
    s.call("GET", "/v1/bicycles?cursor=made-up", token=op)
    s.call("DELETE", "/v1/bicycles/SPB-3", token=op)
    s.call("DELETE", "/v1/bicycles/SPB-3", token=op)
    s.call("DELETE", "/v1/bicycles/SPB-2", token=me)

    # tickets and a ride
    _, _, ticket = s.call("POST", "/v1/tickets", {"type": "1h"}, me, headers={"Idempotency-Key": "k-1"})
    s.call("POST", "/v1/tickets", {"type": "1h"}, me, headers={"Idempotency-Key": "k-1"})
    s.call("POST", "/v1/tickets", {"type": "2h"}, me, headers={"Idempotency-Key": "k-1"})
    s.call("POST", "/v1/tickets", {"type": "3h"}, me)
    s.call("GET", "/v1/tickets", token=me)
    s.call("GET", "/v1/tickets?limit=abc", token=me)
    s.call("GET", f"/v1/tickets/{ticket['id']}", token=me)
    s.call("GET", "/v1/tickets/t_unknown", token=me)
    s.call("POST", f"/v1/tickets/{ticket['id']}/payment", token=me)
    s.call("POST", "/v1/tickets/t_unknown/payment", token=me)
    s.call("GET", "/v1/rentals/current", token=me)
    _, _, rental = s.call("POST", "/v1/rentals", {"bicycleId": "SPB-1", "ticketId": ticket["id"]}, me)
    s.call("POST", "/v1/rentals", {"bicycleId": "SPB-1", "ticketId": ticket["id"]}, me)
    s.call("POST", "/v1/rentals", {"bicycleId": "SPB-404", "ticketId": ticket["id"]}, me)
    s.call("POST", "/v1/rentals", {"bicycleId": "SPB-2"}, me)
    s.call("DELETE", "/v1/bicycles/SPB-1", token=op)
    s.call("GET", "/v1/rentals/current", token=me)
    s.call("POST", f"/v1/rentals/{rental['id']}/return", {"stationId": "ST-103"}, me)
    s.call("POST", f"/v1/rentals/{rental['id']}/return", {"stationId": "ST-103"}, me)
    s.call("POST", "/v1/rentals/r_unknown/return", {"stationId": "ST-103"}, me)
    s.call("POST", f"/v1/tickets/{ticket['id']}/cancel", token=me)
    _, _, second = s.call("POST", "/v1/tickets", {"type": "2h"}, me)
    s.call("POST", f"/v1/tickets/{second['id']}/cancel", token=me)
    s.call("POST", "/v1/tickets/t_unknown/cancel", token=me)
    _, _, third = s.call("POST", "/v1/tickets", {"type": "1h"}, me)
    s.call("POST", "/v1/rentals", {"bicycleId": "SPB-404", "ticketId": third["id"]}, me)
    s.call("POST", "/v1/rentals", {"bicycleId": "SPB-1", "ticketId": third["id"]}, me, headers={"Idempotency-Key": "r-1"})
    s.call("POST", "/v1/rentals", {"bicycleId": "SPB-2", "ticketId": third["id"]}, me, headers={"Idempotency-Key": "r-1"})
    s.call("POST", "/v1/rentals/r_unknown/return", {}, me)
    s.call("POST", "/v1/bicycles", {"id": "SPB-9"}, op)

    # notifications
    s.call("GET", "/v1/notifications?limit=5", token=me)
    s.call("GET", "/v1/notifications?limit=0", token=me)
    s.stream_status("/v1/notifications/stream?lastEventId=1000000", me)
    s.call("GET", "/v1/notifications/stream?lastEventId=abc", token=me)

    # public feeds and alerts
    s.call("POST", "/v1/alerts", {"type": "station_closure", "start": "2026-01-01T00:00:00Z", "stationIds": ["ST-102"],
                                  "summary": "공사"}, op)
    s.call("POST", "/v1/alerts", {"type": "other", "start": "2026-01-01T00:00:00Z", "summary": "x",
                                  "stationIds": ["nowhere"]}, op)
    s.call("POST", "/v1/alerts", {"type": "scooter", "start": "2026-01-01T00:00:00Z", "summary": "x"}, op)
    s.call("POST", "/v1/alerts", {"type": "other", "start": "2026-01-01T00:00:00Z", "summary": "x"}, me)
    _, _, discovery = s.call("GET", "/gbfs/gbfs.json")
    for feed in discovery["data"]["feeds"]:
        status, headers, _ = s.call("GET", "/gbfs/" + feed["url"].rsplit("/", 1)[1])
        if feed["name"] == "station_status":
            s.call("GET", "/gbfs/station_status.json", headers={"If-None-Match": headers["ETag"]})
    s.call("GET", "/gbfs/free_bike_status.json")
    s.call("GET", "/seoul/sample/json/bikeList/1/5/")
    # the web pages
    for page in ("/", "/operator", "/web/customer.js", "/web/style.css"):
        _, headers, _ = s.call("GET", page)
        s.call("GET", page, headers={"If-None-Match": headers["ETag"]})
    s.call("GET", "/web/nothing.js")
    s.call("GET", "/seoul/sample/json/bikeList/0/5")
    refusals_at_the_edge(s, op, me)


def refusals_at_the_edge(s, op, me):
    """The refusals every documented operation shares, for each operation that documents them:
    no token (401), the other scope's token (403), another media type (415), a body over the
    limit (413)."""
    for template, item in DOC["paths"].items():
        path = re.sub(r"\{(start|end)\}", "1", template)
        path = re.sub(r"\{[^}]+\}", "x1", path)
        for method, operation in item.items():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            codes, method = operation["responses"], method.upper()
            body = {} if method == "POST" else None
            if "401" in codes:
                s.call(method, path, body)
            streams = "text/event-stream" in json.dumps(codes.get("200", {}))
            if "403" in codes:  # (only tokens it refuses for a stream: one it opened would never end)
                for token in ((op,) if streams else (me, op)):
                    if s.call(method, path, body, token, check_it=False)[0] == 403:
                        s.call(method, path, body, token)
                        break
            token = me if "customer" in json.dumps(operation.get("security", [])) else op
            if "415" in codes and method == "POST":
                s.call(method, path, "text", token, content_type="text/plain")
            if "413" in codes and method == "POST":
                s.call(method, path, "{" + " " * (70 * 1024) + "}", token)


def customer_of(s, phone):
    s.call("POST", "/v1/customers", {"phone": phone, "password": "ride2work", "name": "Lee"}, check_it=False)
    form = f"grant_type=password&username={phone}&password=ride2work"
    return s.call("POST", "/oauth2/token", form=form, check_it=False)[2]["access_token"]


def payment_trouble(flags, expected):
    """Purchases and pay-later while the sandbox declines (402) or fails (503) every charge."""
    s = Server("--rate-limit-rps", "0", *flags)
    try:
        me = customer_of(s, "010-2222-3333")
        status, _, ticket = s.call("POST", "/v1/tickets", {"type": "1h"}, me)
        if status != expected:
            failures.append(f"{flags}: a purchase answered {status}, not {expected}")
        if isinstance(ticket, dict) and "ticketId" in ticket:
            s.call("POST", f"/v1/tickets/{ticket['ticketId']}/payment", token=me)
            s.call("POST", f"/v1/tickets/{ticket['ticketId']}/cancel", token=me)
    finally:
        s.stop()


class Provider:
    """A payment provider of the outbound protocol on a free port: `mode` is "fail" (500 to
    every call), "slow" (approves after 1.5 s) or "ok"."""

    def __init__(self):
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
        provider = self
        self.mode = "ok"

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                self.rfile.read(int(self.headers.get("Content-Length", 0)))
                if provider.mode == "fail":
                    return self.answer(500, {})
                if provider.mode == "slow":
                    time.sleep(1.5)
                self.answer(200, {"status": "refunded" if self.path.endswith("/refunds") else "approved"})

            def answer(self, status, doc):
                body = json.dumps(doc).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.http = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.http.server_address[1]}"
        threading.Thread(target=self.http.serve_forever, daemon=True).start()


def provider_down_then_back():
    """The provider down (a purchase answers 503, the ticket waits), back (the ticket is paid
    later), down again (its cancellation answers 503: no refund, it stays paid), then slow (a
    retry with the key while the first is answered: 409)."""
    provider = Provider()
    s = Server("--rate-limit-rps", "0", "--payment-provider", "http", "--payment-url", provider.url,
               "--payment-timeout-ms", "5000", "--breaker-failures", "1000")
    try:
        me = customer_of(s, "010-6666-7777")
        provider.mode = "fail"
        _, _, waiting = s.call("POST", "/v1/tickets", {"type": "1h"}, me)
        provider.mode = "ok"
        s.call("POST", f"/v1/tickets/{waiting['ticketId']}/payment", token=me)
        provider.mode = "fail"  # the refund of a paid ticket cannot be made: it stays paid
        s.call("POST", f"/v1/tickets/{waiting['ticketId']}/cancel", token=me)
        provider.mode = "slow"
        first = threading.Thread(target=s.call, args=("POST", "/v1/tickets", {"type": "2h"}, me),
                                 kwargs={"headers": {"Idempotency-Key": "slow-1"}})
        first.start()
        time.sleep(0.5)
        s.call("POST", "/v1/tickets", {"type": "2h"}, me, headers={"Idempotency-Key": "slow-1"})
        first.join()
    finally:
        s.stop()
        provider.http.shutdown()


def rate_limited():
    """Over the per-subject rate limit: 429 with Retry-After."""
    s = Server("--rate-limit-rps", "1", "--rate-limit-burst", "3")
    try:
        me = customer_of(s, "010-4444-5555")
        for _ in range(6):
            s.call("POST", "/v1/tickets", {"type": "1h"}, me)
            s.call("POST", "/v1/rentals", {"bicycleId": "SPB-1", "ticketId": "t_1"}, me)
        op = s.call("POST", "/oauth2/token", form="grant_type=client_credentials", basic="ops:s3cret",
                    check_it=False)[2]["access_token"]
        for _ in range(6):
            s.call("POST", "/v1/alerts", {"type": "other", "start": "2026-01-01T00:00:00Z", "summary": "x"}, op)
    finally:
        s.stop()


def main():
    server = Server()
    try:
        journey(server)
    finally:
        server.stop()
    payment_trouble(("--sandbox-decline-rate", "1"), 402)
    payment_trouble(("--sandbox-failure-rate", "1", "--breaker-failures", "1000"), 503)
    rate_limited()
    provider_down_then_back()
    documented = {(m.upper(), p, code) for p, item in DOC["paths"].items() for m, op in item.items()
                  if isinstance(op, dict) and "responses" in op for code in op["responses"]}
    operations = {(m, p) for m, p, _ in documented}
    called = {(m, p) for m, p, _ in seen}
    for m, p in sorted(operations - called):
        failures.append(f"{m} {p}: documented, never called")
    missed = sorted(documented - seen)
    print(f"{len(seen)} of {len(documented)} documented answers produced and valid; not produced here:")
    for m, p, code in missed:
        print(f"  {m} {p} {code}")
    for f in failures:
        print("FAIL", f)
    print(f"contract: {len(seen)} kinds of answer checked, {len(failures)} failures")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
