#!/usr/bin/python3
"""A real server's /metrics after a customer's journey, read by promtool (docs/operations.md,
"Monitoring").

metrics_exposition_test.py SERVER PROMTOOL

Starts one node with every role (serve --port 0 --node-port 0 ...) and a gateway in front of it
(--roles http --core ...), both on free ports with their own data dirs. Through the node: an
operator registers a station and a bicycle; a customer signs up, signs in, buys a ticket (the
sandbox charges it), rents, reads the remaining time, returns, buys another ticket and cancels
it (a refund), reads the ticket, opens the notification stream, asks for a ticket and a path
that do not exist, and sends requests above the rate limit (429s). Then GET /metrics of both.

Checked, on both nodes:
- Content-Type `text/plain; version=0.0.4`, and `promtool check metrics` on the body exits 0
  and says nothing (no lint complaint);
- every metric family of the contract that such a node exports is there, with its type and
  its label names: all of them on the node (payment and its breaker included), and
  ttareungyi_peer_up on the gateway;
- labels are bounded: every route label is an OpenAPI path template, /metrics or "unmatched";
  methods and statuses are from their sets; no label value holds an id, phone number or path
  segment seen in the journey;
- the figures follow the journey: the routes and statuses it used, a bucket at le="0.25" (the
  latency alerts read it), charges and refunds approved, the breaker closed, commits and
  fsyncs, the stream's watcher, live entities, consumers caught up with the head, ready and
  live, the node's roles, the gateway's core peer up, the data dir's volume, the process;
- after SIGTERM, the draining gateway shows ttareungyi_draining 1 and ttareungyi_ready 0;
- a third node whose scheduler is wedged (--inject-stall scheduler:200) still answers /metrics,
  clean, with ttareungyi_live 0 (the alert TtareungyiLivenessFailing reads it), while
  /health/live answers 503;
- every metric named by deploy/prometheus/alerts.yml and by the dashboard's queries
  (deploy/grafana/ttareungyi.json) is in one of the two scrapes (`up` and recording rules
  aside).
"""
import http.client
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from base64 import b64encode

import yaml

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
import opscheck  # noqa: E402
from opscheck import CONTRACT, PEER_ONLY, Exposition  # noqa: E402

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "nodes"))
import cluster  # noqa: E402  (tests/nodes/cluster.py: nodes on free ports)

failures = []
OPERATOR = "ops:ops-secret-123"
METHODS = {"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "other"}
CONSUMERS = {"rentals", "stations", "notifier", "webhook", "overtime"}


def fail(text):
    failures.append(text)
    print("FAIL:", text, flush=True)


def eventually(check, seconds, step=0.02):
    return cluster.eventually(check, seconds, step)


def call(base, method, path, body=None, token=None, form=None, basic=None):
    """(status, headers, parsed body or text): cluster.call without its timing."""
    return cluster.call(base, method, path, body, token, form, basic)[:3]


class Server(cluster.Node):
    """A node of tests/nodes/cluster.py, whose readiness is a yes or no, stopped in two steps
    (SIGTERM to all, then wait for each)."""

    def ready(self):
        try:
            return super().ready()[0]
        except OSError:
            return False

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()

    def wait(self):
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


def scrape(server):
    """(Content-Type, body) of GET /metrics."""
    with urllib.request.urlopen(server.base + "/metrics", timeout=10) as r:
        return r.headers.get("Content-Type", ""), r.read().decode()


def journey(node):
    """Runs the journey; returns the ids and path pieces that no label may hold."""
    seen = set()
    status, _, op = call(node.base, "POST", "/oauth2/token", form="grant_type=client_credentials", basic=OPERATOR)
    if status != 200:
        raise SystemExit(f"the operator's token: {status} {op}")
    op = op["access_token"]
    station, bicycle = "OPSMETRICS-ST-77", "OPSMETRICS-BK-91"
    seen |= {station, bicycle}
    status, _, body = call(node.base, "POST", "/v1/stations",
                           {"id": station, "name": "Metrics", "lat": 37.55, "lon": 126.91, "capacity": 20}, op)
    if status != 201:
        raise SystemExit(f"registering a station: {status} {body}")
    status, _, body = call(node.base, "POST", "/v1/bicycles", {"id": bicycle, "stationId": station}, op)
    if status != 201:
        raise SystemExit(f"registering a bicycle: {status} {body}")
    call(node.base, "GET", f"/v1/bicycles/{bicycle}", token=op)

    phone = "010-7431-2986"
    seen.add(phone)
    status, _, who = call(node.base, "POST", "/v1/customers", {"phone": phone, "password": "ride2work", "name": "Han"})
    if status != 201:
        raise SystemExit(f"sign-up: {status} {who}")
    if isinstance(who, dict) and who.get("id"):
        seen.add(who["id"])
    status, _, me = call(node.base, "POST", "/oauth2/token",
                         form=f"grant_type=password&username={phone}&password=ride2work")
    if status != 200:
        raise SystemExit(f"sign-in: {status} {me}")
    me = me["access_token"]

    status, _, ticket = call(node.base, "POST", "/v1/tickets", {"type": "1h"}, me)
    if status != 201 or ticket.get("status") != "paid":
        raise SystemExit(f"a purchase: {status} {ticket}")
    seen.add(ticket["id"])
    call(node.base, "GET", f"/v1/tickets/{ticket['id']}", token=me)
    status, _, rental = call(node.base, "POST", "/v1/rentals", {"bicycleId": bicycle, "ticketId": ticket["id"]}, me)
    if status != 201:
        raise SystemExit(f"a rent: {status} {rental}")
    seen.add(rental["id"])
    call(node.base, "GET", "/v1/rentals/current", token=me)
    status, _, body = call(node.base, "POST", f"/v1/rentals/{rental['id']}/return", {"stationId": station}, me)
    if status != 200:
        raise SystemExit(f"a return: {status} {body}")
    status, _, other = call(node.base, "POST", "/v1/tickets", {"type": "1h"}, me)
    if status != 201:
        raise SystemExit(f"a second purchase: {status} {other}")
    seen.add(other["id"])
    status, _, body = call(node.base, "POST", f"/v1/tickets/{other['id']}/cancel", token=me)
    if status != 200 or body.get("status") != "cancelled":
        raise SystemExit(f"a cancellation with a refund: {status} {body}")
    call(node.base, "GET", "/v1/notifications", token=me)
    call(node.base, "GET", "/gbfs/station_status.json")

    missing = "tk-opsmetrics-404x"
    seen.add(missing)
    if call(node.base, "GET", f"/v1/tickets/{missing}", token=me)[0] != 404:
        fail("a ticket that does not exist is not a 404")
    nowhere = "opsmetrics-nowhere-5150"
    seen.add(nowhere)
    if call(node.base, "GET", f"/v1/{nowhere}/{missing}")[0] != 404:
        fail("a path that is no route is not a 404")
    print("journey: station, bicycle, sign-up, purchase, rent, return, refund, two 404s", flush=True)
    return me, seen


def over_the_limit(node, token):
    """Requests of one customer above the rate limit (default 50/s, a burst of 100), on one
    connection: some answer 429."""
    host, port = node.base.removeprefix("http://").split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=10)
    limited = 0
    for _ in range(400):
        conn.request("GET", "/v1/tickets", headers={"Authorization": "Bearer " + token})
        r = conn.getresponse()
        r.read()
        limited += r.status == 429
        if limited >= 5:
            break
    conn.close()
    if not limited:
        fail("400 requests at once were never answered 429")
    return limited


def check_exposition(server, content_type, body):
    """Content-Type and promtool check metrics; the parsed exposition."""
    if not re.fullmatch(r"text/plain;\s*version=0\.0\.4(;\s*charset=utf-8)?", content_type.strip(), re.I):
        fail(f"{server.name}: /metrics Content-Type {content_type!r}, not text/plain; version=0.0.4")
    run = subprocess.run([PROMTOOL, "check", "metrics"], input=body, capture_output=True, text=True, timeout=60)
    lint = "clean"
    if run.returncode != 0 or (run.stdout + run.stderr).strip():
        lint = "FAILED"
        fail(f"{server.name}: promtool check metrics exits {run.returncode}:\n{run.stdout}{run.stderr}")
    exposition = Exposition(body)
    for error in exposition.errors:
        fail(f"{server.name}: /metrics {error}")
    print(f"{server.name}: /metrics {len(body)} bytes, {len(exposition.samples)} samples of "
          f"{len(exposition.families())} families; promtool check metrics: {lint}", flush=True)
    return exposition


def check_families(server, exposition, expected):
    """Each expected family present, with the contract's type and label names."""
    for family in sorted(expected):
        kind, labels = CONTRACT[family]
        if family not in exposition.types:
            fail(f"{server.name}: no {family} ({kind}) on /metrics")
            continue
        if exposition.types[family] != kind:
            fail(f"{server.name}: {family} is a {exposition.types[family]}, not a {kind}")
        if not exposition.help.get(family, "").strip():
            fail(f"{server.name}: {family} has no help text")
        samples = exposition.of(family)
        if not samples:
            fail(f"{server.name}: {family} has no sample")
        for name, got, _ in samples:
            names = set(got) - {"le"} if kind == "histogram" and name.endswith("_bucket") else set(got)
            if names != labels:
                fail(f"{server.name}: {name} has labels {sorted(names)}, not {sorted(labels)}")
                break


def shape(route):
    """A route template with its parameters' names left out: /v1/tickets/{} for /v1/tickets/{id}."""
    return re.sub(r"\{[^}/]*\}", "{}", route)


def check_labels(server, exposition, seen, templates):
    """Bounded labels; each problem reported once."""
    problems = set()
    shapes = {shape(t) for t in templates}
    for name, labels, _ in exposition.samples:
        family = opscheck.family_of(name, exposition.types)
        for key, value in labels.items():
            for piece in seen:
                if piece in value:
                    problems.add(f"{family} label {key}={value!r} holds {piece!r} from the journey")
        if not family.startswith("ttareungyi_http_"):
            continue
        if "route" in labels and shape(labels["route"]) not in shapes:
            problems.add(f"{family} route={labels['route']!r} is no OpenAPI path template, /metrics or unmatched")
        if "method" in labels and labels["method"] not in METHODS:
            problems.add(f"{family} method={labels['method']!r}")
        if "status" in labels and not re.fullmatch(r"[1-5][0-9][0-9]", labels["status"]):
            problems.add(f"{family} status={labels['status']!r}")
    for problem in sorted(problems):
        fail(f"{server.name}: {problem}")
    routes = {ls["route"] for n, ls, _ in exposition.samples if n == "ttareungyi_http_requests_total"}
    named = {shape(t): t for t in templates}
    renamed = sorted(f"{r} (OpenAPI: {named[shape(r)]})" for r in routes if shape(r) in named and r not in templates)
    print(f"{server.name}: {len(routes)} route labels, each a template" +
          (f"; named otherwise than in OpenAPI: {', '.join(renamed)}" if renamed else ""), flush=True)


def at_least(server, exposition, what, minimum, name, **labels):
    got = sum(v for _, v in exposition.values(name, **labels))
    if got < minimum:
        fail(f"{server.name}: {what}: {name}{labels} is {got}, expected at least {minimum}")


def check_node_figures(node, m, limited):
    requests = "ttareungyi_http_requests_total"
    for method, route, status in (("POST", "/v1/tickets", "201"), ("POST", "/v1/rentals", "201"),
                                  ("POST", "/v1/rentals/{id}/return", "200"), ("GET", "/v1/tickets/{id}", "200"),
                                  ("GET", "/v1/tickets/{id}", "404"), ("POST", "/v1/tickets/{id}/cancel", "200"),
                                  ("POST", "/v1/customers", "201")):
        at_least(node, m, "the journey's request", 1, requests, method=method, route=route, status=status)
    at_least(node, m, "the path that is no route", 1, requests, route="unmatched", status="404")
    at_least(node, m, "429 answers", limited, requests, status="429")
    at_least(node, m, "429 answers", limited, "ttareungyi_http_rate_limited_total")
    if not m.values("ttareungyi_http_request_duration_seconds_bucket", route="/v1/tickets", method="POST", le="0.25"):
        fail("the request duration histogram has no bucket le=\"0.25\" (the latency SLO alerts read it)")
    at_least(node, m, "purchases", 2, "ttareungyi_http_request_duration_seconds_count", route="/v1/tickets",
             method="POST")
    at_least(node, m, "charges", 2, "ttareungyi_payment_calls_total", operation="charge", outcome="approved")
    at_least(node, m, "refunds", 1, "ttareungyi_payment_calls_total", operation="refund", outcome="approved")
    states = {ls["state"]: v for ls, v in m.values("ttareungyi_payment_breaker_state")}
    if states != {"closed": 1, "open": 0, "half_open": 0}:
        fail(f"the payment breaker's state: {states}, not closed")
    at_least(node, m, "commits", 1, "ttareungyi_commits_total", outcome="ok")
    at_least(node, m, "commit groups", 1, "ttareungyi_commit_groups_total")
    at_least(node, m, "fsyncs", 1, "ttareungyi_fsyncs_total")
    at_least(node, m, "commit durations", 1, "ttareungyi_commit_duration_seconds_count")
    at_least(node, m, "commit group sizes", 1, "ttareungyi_commit_group_size_count")
    at_least(node, m, "the open stream", 1, "ttareungyi_sse_watchers")
    kinds = {ls.get("kind") for ls, _ in m.values("ttareungyi_live_entities")}
    if kinds != {"ticket", "bicycle"}:
        fail(f"ttareungyi_live_entities kinds: {kinds}")
    at_least(node, m, "live tickets", 1, "ttareungyi_live_entities", kind="ticket")
    at_least(node, m, "live bicycles", 1, "ttareungyi_live_entities", kind="bicycle")
    roles = {ls.get("role") for ls, v in m.values("ttareungyi_node_role") if v == 1}
    if roles != {"http", "core", "payment", "notifier"}:
        fail(f"the node's roles on /metrics: {roles}")


def check_consumers(node):
    """The consumers catch up with the head once the journey is over: lag 0, position = head."""
    def caught_up():
        m = Exposition(scrape(node)[1])
        head = m.value("ttareungyi_journal_head_sequence")
        lags = {ls.get("consumer"): v for ls, v in m.values("ttareungyi_consumer_lag_events")}
        positions = {ls.get("consumer"): v for ls, v in m.values("ttareungyi_consumer_position_sequence")}
        return head, lags, positions

    before = len(failures)
    if not eventually(lambda: all(v == 0 for v in caught_up()[1].values()), 10, 0.05):
        fail(f"consumers still lag 10 s after the journey: {caught_up()[1]} (the alerts TtareungyiConsumerStalled "
             f"and TtareungyiConsumerLagGrowing read a lag above 0 as events left to apply)")
    head, lags, positions = caught_up()
    if not head or head < 5:
        fail(f"the journal head is {head} after the journey")
    if not {"rentals", "stations", "notifier", "overtime"} <= set(lags) or not set(lags) <= CONSUMERS:
        fail(f"consumers with a lag: {sorted(lags)}; a node with every role runs rentals, stations, notifier, "
             f"overtime (and webhook with --webhook-url)")
    if set(positions) != set(lags):
        fail(f"consumers with a position {sorted(positions)} and with a lag {sorted(lags)} differ")
    for consumer, position in positions.items():
        if head is not None and position + lags.get(consumer, 0) != head:
            fail(f"consumer {consumer}: position {position} + lag {lags.get(consumer)} is not the head {head}")
    if len(failures) == before:
        print(f"consumers {sorted(lags)} caught up with the head {head:.0f}", flush=True)


def check_health_and_process(server, m, started):
    for name, want in (("ttareungyi_ready", 1), ("ttareungyi_live", 1), ("ttareungyi_draining", 0),
                       ("ttareungyi_build_info", 1)):
        got = [v for _, v in m.values(name)]
        if got != [want]:
            fail(f"{server.name}: {name} is {got}, not [{want}]")
    ages = {ls.get("path"): v for ls, v in m.values("ttareungyi_heartbeat_age_seconds")}
    if server.name == "node" and set(ages) != {"scheduler", "writer"}:
        fail(f"{server.name}: heartbeat ages {ages}, not of the scheduler and the writer")
    for path, age in ages.items():
        if not 0 <= age < 10:
            fail(f"{server.name}: the {path} heartbeat is {age} s old")
    free = m.value("ttareungyi_data_dir_free_bytes")
    capacity = m.value("ttareungyi_data_dir_capacity_bytes")
    stat = os.statvfs(server.data)
    if capacity is None or abs(capacity - stat.f_blocks * stat.f_frsize) > 0.01 * stat.f_blocks * stat.f_frsize:
        fail(f"{server.name}: data dir capacity {capacity}, the volume has {stat.f_blocks * stat.f_frsize} bytes")
    if free is None or not 0 < free <= (capacity or 0):
        fail(f"{server.name}: data dir free {free} of {capacity}")
    for name in ("process_resident_memory_bytes", "process_virtual_memory_bytes", "process_open_fds",
                 "process_max_fds"):
        if not (m.value(name) or 0) > 0:
            fail(f"{server.name}: {name} is {m.value(name)}")
    cpu = m.value("process_cpu_seconds_total")
    if cpu is None or cpu < 0:
        fail(f"{server.name}: process_cpu_seconds_total is {m.value('process_cpu_seconds_total')}")
    start = m.value("process_start_time_seconds") or 0
    if not started - 5 <= start <= time.time() + 1:
        fail(f"{server.name}: process_start_time_seconds {start}, started at {started:.0f}")


def check_wedged(wedged):
    """A node with a wedged scheduler answers /metrics with ttareungyi_live 0."""
    def dead():
        try:
            return Exposition(scrape(wedged)[1]).value("ttareungyi_live") == 0
        except OSError:
            return False

    if not eventually(dead, 10, 0.05):
        return fail("a node with a wedged scheduler does not show ttareungyi_live 0 on /metrics within 10 s")
    started = time.monotonic()
    content_type, body = scrape(wedged)
    took = time.monotonic() - started
    m = check_exposition(wedged, content_type, body)
    if took > 1:
        fail(f"the wedged node took {took:.1f} s to answer /metrics")
    if call(wedged.base, "GET", "/health/live")[0] != 503:
        fail("the wedged node's /health/live does not answer 503")
    ages = {ls.get("path"): v for ls, v in m.values("ttareungyi_heartbeat_age_seconds")}
    if not (ages.get("scheduler") or 0) > 0.5:
        fail(f"the wedged node's heartbeat ages: {ages}")
    print(f"wedged node: /metrics in {took * 1000:.0f} ms with ttareungyi_live 0, heartbeat ages {ages}", flush=True)


def check_references(scrapes):
    """Every metric the alerts and the dashboard name is in one of the scrapes."""
    _, records = opscheck.alert_rules()
    exported = set()
    for m in scrapes:
        exported |= m.families() | {s[0] for s in m.samples}
    refs = opscheck.referenced_metrics(records)
    missing = sorted(name for name in refs if name not in exported and opscheck.family_of(name, exported) not in exported)
    for name in missing:
        fail(f"{name} is not on /metrics, but {', '.join(sorted(set(refs[name])))} use it")
    print(f"{len(refs)} metrics named by alerts.yml and the dashboard, {len(refs) - len(missing)} of them on "
          f"/metrics", flush=True)


def templates():
    with open(opscheck.OPENAPI) as f:
        paths = set(yaml.safe_load(f)["paths"])
    return paths | {"/metrics", "unmatched"}


def main():
    global SERVER, PROMTOOL
    SERVER, PROMTOOL = sys.argv[1], (sys.argv[2] if len(sys.argv) > 2 else "")
    cluster.SERVER = SERVER
    if not PROMTOOL or not os.access(PROMTOOL, os.X_OK):
        print(f"FAIL: promtool not found ({PROMTOOL or 'no path given'}): install Debian's prometheus package "
              f"(apt-get install prometheus) and configure again", flush=True)
        sys.exit(1)
    root = tempfile.mkdtemp(prefix="ttareungyi-metrics-")
    servers = []
    try:
        started = time.time()
        node = Server(root, "node", "--node-port", "0", "--operator-client", OPERATOR, "--rate-limit-rps", "50")
        servers.append(node)
        gateway = Server(root, "gateway", "--roles", "http", "--core", f"127.0.0.1:{node.node_port}", "--drain-ms", "5000")
        servers.append(gateway)
        wedged = Server(root, "wedged", "--liveness-threshold-ms", "500", "--inject-stall", "scheduler:200")
        servers.append(wedged)
        for s in (node, gateway):
            if not eventually(s.ready, 20):
                raise SystemExit(f"{s.name} is not ready (see {s.name}.log in {root})")
        token, seen = journey(node)
        seen.add(token)
        status, _, _ = call(gateway.base, "GET", "/v1/tickets", token=token)
        if status != 200:
            fail(f"the gateway answered GET /v1/tickets {status}")
        rider = call(node.base, "POST", "/v1/customers", {"phone": "010-7431-2987", "password": "ride2work",
                                                          "name": "Kim"})
        seen.add("010-7431-2987")
        rider = call(node.base, "POST", "/oauth2/token",
                     form="grant_type=password&username=010-7431-2987&password=ride2work")[2]["access_token"]
        limited = over_the_limit(node, rider)

        stream = cluster.Stream(node.base, token)
        if stream.response.status != 200:
            fail(f"the notification stream answered {stream.response.status}")

        def watched():
            return (Exposition(scrape(node)[1]).value("ttareungyi_sse_watchers") or 0) >= 1

        if not eventually(watched, 5):
            fail("ttareungyi_sse_watchers stays 0 with a stream open")
        check_consumers(node)
        content_type, body = scrape(node)
        stream.close()
        m = check_exposition(node, content_type, body)
        check_families(node, m, set(CONTRACT) - PEER_ONLY)
        check_labels(node, m, seen, templates())
        check_node_figures(node, m, limited)
        check_health_and_process(node, m, started)

        content_type, body = scrape(gateway)
        g = check_exposition(gateway, content_type, body)
        check_families(gateway, g, PEER_ONLY | {"ttareungyi_http_requests_total", "ttareungyi_ready",
                                                "ttareungyi_live", "ttareungyi_draining", "ttareungyi_node_role",
                                                "ttareungyi_build_info", "process_cpu_seconds_total"})
        check_labels(gateway, g, seen, templates())
        peers = g.values("ttareungyi_peer_up")
        if [(ls.get("context"), ls.get("address"), v) for ls, v in peers] != [
                ("core", f"127.0.0.1:{node.node_port}", 1)]:
            fail(f"the gateway's peers on /metrics: {peers}")
        roles = {ls.get("role") for ls, v in g.values("ttareungyi_node_role") if v == 1}
        if roles != {"http"}:
            fail(f"the gateway's roles on /metrics: {roles}")
        at_least(gateway, g, "the request through the gateway", 1, "ttareungyi_http_requests_total",
                 method="GET", route="/v1/tickets", status="200")
        check_health_and_process(gateway, g, started)
        check_references([m, g])
        check_wedged(wedged)
        wedged.kill()

        # Draining: ready 0 and draining 1 on /metrics, at once after SIGTERM.
        gateway.stop()

        def draining():
            try:
                d = Exposition(scrape(gateway)[1])
            except OSError:
                return True  # gone already: checked below
            return d.value("ttareungyi_draining") == 1 and d.value("ttareungyi_ready") == 0

        if not eventually(draining, 3, 0.01):
            fail("after SIGTERM the gateway's /metrics did not show ttareungyi_draining 1, ttareungyi_ready 0")
        try:
            if call(gateway.base, "GET", "/health/ready")[0] != 503:
                fail("the draining gateway's /health/ready does not answer 503")
        except OSError:
            pass
        try:
            d = Exposition(scrape(gateway)[1])
            print(f"gateway after SIGTERM: draining {d.value('ttareungyi_draining')}, ready "
                  f"{d.value('ttareungyi_ready')}", flush=True)
        except OSError:
            fail("the gateway stopped answering /metrics at once after SIGTERM (no drain)")
    finally:
        for s in servers:
            s.stop()
        for s in servers:
            s.wait()
        if failures or os.environ.get("TTAREUNGYI_OPS_KEEP"):
            print("logs in", root, flush=True)
        else:
            shutil.rmtree(root, ignore_errors=True)
    opscheck.finish(failures)


main()
