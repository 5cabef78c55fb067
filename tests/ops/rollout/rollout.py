#!/usr/bin/python3
"""A rolling restart of the whole split under steady load, behind HAProxy, with zero failed
requests; and the liveness drill (a wedged node found and restarted by a supervisor loop).

    rollout.py [SERVER] [--long | --rounds N] [--keep] ...       the rollout (CTest ops_rollout)
    rollout.py [SERVER] --drill stall                            the drill (CTest ops_liveness_drill)

SERVER is the `ttareungyi` binary (default: build/server/ttareungyi of this repository).

The rollout starts, each on free ports with a data dir of its own in a temporary directory: a
payment node, a core (--roles http,core, reaching the payment node, with a node port), two
notifier replicas and two gateways (docs/nodes.md); then HAProxy (deploy/haproxy/haproxy.cfg,
rendered with these ports) in front of the two gateways. Through HAProxy it makes an operator
token, two stations and one bicycle per customer; customers, each with a paid ticket and a
ride going. Then it keeps a steady load on HAProxy for the whole run: wrk with load.lua (the
remaining-time read, the station list and purchases with an Idempotency-Key each) and a prober
thread (GET /v1/stations every 10 ms) that records the longest pause between two good answers.
Under that load it restarts, one after the other, gateway-1 and gateway-2 (SIGTERM; HAProxy
must take the gateway out of rotation before it exits, and it must exit 0; started again on the
same port and data dir; HAProxy must see it up again before the next step), the two notifier replicas, and the core (same node port and data dir;
the gateways hold requests meanwhile). `--rounds N` repeats the sequence; `--long` or
TTAREUNGYI_ROLLOUT_LONG=1 runs 5 rounds with longer pauses between steps.

Reported: requests, failures, latency (p50/p90/p99/max, from wrk), the longest pause (prober),
per step the timings of the restart, HAProxy's retries and redispatches, and whether every
purchase was made once. It exits 1 when any request failed (a status >= 400 or a socket error
in wrk, any failure of the prober), a node did not exit 0 on SIGTERM, a node did not come back,
a gateway exited before HAProxy had taken it out, or more tickets were created than purchases
were sent.

The drill (--drill stall) starts a core and one gateway with `--inject-stall scheduler:3000`
and a low `--liveness-threshold-ms`, and supervises the gateway like an orchestrator would:
GET /health/live every --probe-every-ms; after --probe-failures failed probes in a row it kills
the node (SIGKILL) and starts it again without the stall. Reported: when /health/live failed,
when the supervisor decided, how long the restart took, and that /health/live is 200 again and
stays so. It exits 1 when /health/live failed before the stall (a healthy node flapping), did
not fail after it, or does not stay 200 after the restart. `--stall-node core --stall-what
writer` wedges the core's commit writer instead; `--stall-method sigstop` freezes the process
(its probes time out) instead of using the node's own --inject-stall.
"""
import argparse
import datetime
import http.client
import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.normpath(os.path.join(HERE, "..", "..", ".."))
sys.path.insert(0, os.path.join(REPO, "tests", "nodes"))
sys.dont_write_bytecode = True  # leave tests/nodes as it is
import cluster  # noqa: E402  (tests/nodes/cluster.py: nodes on free ports, HTTP calls)
from cluster import Node, call, eventually, fail, free_port, shared_once  # noqa: E402

TEMPLATE = os.path.join(REPO, "deploy", "haproxy", "haproxy.cfg")
LOAD_SCRIPT = os.path.join(HERE, "load.lua")
OPERATOR = "ops:s3cret"
NEW_FLAGS = ("--drain-ms", "--shutdown-timeout-ms", "--liveness-threshold-ms", "--inject-stall", "--core-wait-ms")


def now():
    return time.monotonic()


def ms(seconds):
    return f"{seconds * 1000:.0f} ms" if seconds is not None else "-"


def log(text=""):
    print(text, flush=True)


# ---------------------------------------------------------------------------------- options

def options():
    class Formatter(argparse.ArgumentDefaultsHelpFormatter, argparse.RawDescriptionHelpFormatter):
        pass

    p = argparse.ArgumentParser(description=__doc__, formatter_class=Formatter)
    p.add_argument("server", nargs="?", default=os.path.join(REPO, "build", "server", "ttareungyi"),
                   help="the ttareungyi binary")
    p.add_argument("--drill", choices=["stall"], help="run the liveness drill instead of the rollout")
    p.add_argument("--long", action="store_true", default=os.environ.get("TTAREUNGYI_ROLLOUT_LONG") == "1",
                   help="5 rounds of restarts with longer pauses (also TTAREUNGYI_ROLLOUT_LONG=1)")
    p.add_argument("--rounds", type=int, help="rounds of the restart sequence (default 1, 5 with --long)")
    p.add_argument("--settle-s", type=float, help="load between two steps, seconds (default 1.5, 4 with --long)")
    p.add_argument("--customers", type=int, default=16, help="customers, each with a ride going")
    p.add_argument("--threads", type=int, default=2, help="wrk threads")
    p.add_argument("--connections", type=int, default=8, help="wrk connections (kept open)")
    p.add_argument("--delay-ms", type=int, default=20, help="pause of each wrk connection between an answer and its next request")
    p.add_argument("--probe-ms", type=float, default=10, help="the prober's period")
    p.add_argument("--drain-ms", type=int, default=1000, help="the nodes' --drain-ms")
    p.add_argument("--shutdown-timeout-ms", type=int, default=5000, help="the nodes' --shutdown-timeout-ms")
    p.add_argument("--core-wait-ms", type=int, default=5000, help="the gateways' --core-wait-ms")
    p.add_argument("--node-flags", default="", help="more serve flags for every node, e.g. \"--log-level debug\"")
    p.add_argument("--stacks-after-ms", type=int, default=0,
                   help="diagnosis: a node still running this long after SIGTERM has its threads' stacks written to "
                        "NAME-stacks.txt in the run's directory (gdb); 0: never")
    p.add_argument("--haproxy", default="/usr/sbin/haproxy")
    p.add_argument("--wrk", default="/usr/bin/wrk")
    p.add_argument("--report-json", help="also write the figures to this file")
    p.add_argument("--keep", action="store_true", help="keep the temporary directory (logs, data, haproxy.cfg)")
    drill = p.add_argument_group("the drill")
    drill.add_argument("--stall-node", choices=["gateway", "core"], default="gateway", help="the node that wedges")
    drill.add_argument("--stall-what", choices=["scheduler", "writer"], default="scheduler")
    drill.add_argument("--stall-method", choices=["inject", "sigstop"], default="inject",
                       help="inject: the node's own --inject-stall (its /health/live answers 503); sigstop: the script "
                            "freezes the process (its /health/live does not answer)")
    drill.add_argument("--stall-after-ms", type=int, default=3000)
    drill.add_argument("--liveness-threshold-ms", type=int, default=2000,
                       help="the wedged node's threshold (heartbeats come about every second: keep it above that)")
    drill.add_argument("--probe-every-ms", type=int, default=200, help="the supervisor's liveness probe period")
    drill.add_argument("--probe-timeout-ms", type=int, default=500, help="a probe not answered in time failed")
    drill.add_argument("--probe-failures", type=int, default=3, help="failed probes in a row before a restart")
    args = p.parse_args()
    args.rounds = args.rounds or (5 if args.long else 1)
    args.settle_s = args.settle_s if args.settle_s is not None else (4.0 if args.long else 1.5)
    return args


def server_flags(server):
    """The serve flags this binary knows (`ttareungyi --help`)."""
    out = subprocess.run([server, "--help"], capture_output=True, text=True, timeout=20)
    return set(re.findall(r"(--[a-z][a-z0-9-]+)", out.stdout + out.stderr))


# ---------------------------------------------------------------------------------- HAProxy

class HAProxy:
    """HAProxy with deploy/haproxy/haproxy.cfg, its variables set to this run's addresses."""

    def __init__(self, binary, root, gateways):
        self.root, self.port, self.stats_port = root, free_port(), free_port()
        self.socket_path = os.path.join(root, "haproxy.sock")
        values = {"TTAREUNGYI_LB_BIND": f"127.0.0.1:{self.port}",
                  "TTAREUNGYI_LB_STATS_BIND": f"127.0.0.1:{self.stats_port}",
                  "TTAREUNGYI_LB_STATS_SOCKET": self.socket_path}
        for n, g in enumerate(gateways, 1):
            values[f"TTAREUNGYI_GATEWAY_{n}"] = g.base.removeprefix("http://")
        with open(TEMPLATE) as f:
            text = f.read()
        unknown = set()

        def value(m):
            if m.group(1) not in values:
                unknown.add(m.group(1))
            return values.get(m.group(1), m.group(2))

        text = re.sub(r"\$\{(TTAREUNGYI_[A-Z0-9_]+)-([^}]*)\}", value, text)
        if unknown:
            raise SystemExit(f"{TEMPLATE} has variables this script does not set: {sorted(unknown)}")
        self.config = os.path.join(root, "haproxy.cfg")
        with open(self.config, "w") as f:
            f.write(text)
        check = subprocess.run([binary, "-c", "-f", self.config], capture_output=True, text=True)
        if check.returncode != 0:
            raise SystemExit(f"haproxy -c refuses {self.config}:\n{check.stdout}{check.stderr}")
        self.log_path = os.path.join(root, "haproxy.log")
        with open(self.log_path, "w") as out:
            self.proc = subprocess.Popen([binary, "-f", self.config, "-db"], stdout=out, stderr=subprocess.STDOUT)
        self.base = f"http://127.0.0.1:{self.port}"
        if not eventually(lambda: os.path.exists(self.socket_path) and self.stats(), 10, 0.02):
            raise SystemExit(f"haproxy did not start (see {self.log_path})")

    def command(self, text):
        with socket.socket(socket.AF_UNIX) as s:
            s.settimeout(2)
            s.connect(self.socket_path)
            s.sendall(text.encode() + b"\n")
            chunks = []
            while chunk := s.recv(65536):
                chunks.append(chunk)
        return b"".join(chunks).decode()

    def stats(self):
        """{(proxy, server): row} from `show stat`."""
        try:
            lines = self.command("show stat").splitlines()
        except OSError:
            return {}
        if not lines or not lines[0].startswith("# "):
            return {}
        head = lines[0][2:].split(",")
        rows = {}
        for line in lines[1:]:
            if line:
                row = dict(zip(head, line.split(",")))
                rows[(row["pxname"], row["svname"])] = row
        return rows

    def status(self, server):
        return self.stats().get(("gateways", server), {}).get("status", "?")

    def wait_status(self, server, prefix, seconds):
        return eventually(lambda: self.status(server).startswith(prefix), seconds, 0.02)

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


# ---------------------------------------------------------------------------------- load

class Prober(threading.Thread):
    """One request through HAProxy every `period` seconds on a kept-alive connection (a new one
    after an error): the longest pause between two good answers, and each failure."""

    def __init__(self, base, token, period):
        super().__init__(daemon=True)
        self.host, port = base.removeprefix("http://").split(":")
        self.port, self.token, self.period = int(port), token, period
        self.halt = threading.Event()
        self.phase = "warm-up"
        self.sent = self.good = 0
        self.failures = []  # (seconds since start, phase, what)
        self.longest = (0.0, None, None)  # (pause, ended at, phase)
        self.longest_by_phase = {}
        self.slowest = 0.0

    def run(self):
        conn, self.started = None, now()
        last_good = next_at = self.started
        while not self.halt.is_set():
            if conn is None:
                conn = http.client.HTTPConnection(self.host, self.port, timeout=30)
            began = now()
            self.sent += 1
            try:
                conn.request("GET", "/v1/stations?limit=1", headers={"Authorization": "Bearer " + self.token})
                r = conn.getresponse()
                r.read()
                what = r.status
                if r.will_close:
                    conn.close()
                    conn = None
            except (OSError, http.client.HTTPException) as e:
                what = f"{type(e).__name__}: {e}"
                conn.close()
                conn = None
            ended = now()
            self.slowest = max(self.slowest, ended - began)
            if isinstance(what, int) and what < 400:
                self.good += 1
                pause = ended - last_good
                if pause > self.longest[0]:
                    self.longest = (pause, ended - self.started, self.phase)
                self.longest_by_phase[self.phase] = max(self.longest_by_phase.get(self.phase, 0.0), pause)
                last_good = ended
            else:
                self.failures.append((ended - self.started, self.phase, what))
            next_at = max(next_at + self.period, now())
            time.sleep(max(0.0, next_at - now()))
        if conn is not None:
            conn.close()


class Wrk:
    """wrk with load.lua through HAProxy until stopped (SIGINT makes it report)."""

    def __init__(self, args, root, base, tokens):
        self.tokens_file = os.path.join(root, "tokens.txt")
        with open(self.tokens_file, "w") as f:
            f.write("\n".join(tokens) + "\n")
        self.out_path = os.path.join(root, "wrk.log")
        self.out = open(self.out_path, "w")
        nonce = secrets.token_hex(4)
        self.proc = subprocess.Popen(
            [args.wrk, "-t", str(args.threads), "-c", str(args.connections), "-d", "3600s", "--timeout", "20s",
             "--latency", "-s", LOAD_SCRIPT, base, "--", self.tokens_file, nonce, str(args.delay_ms)],
            stdout=self.out, stderr=subprocess.STDOUT)

    def stop(self):
        """Its figures: the ROLLOUT-WRK line of load.lua's done()."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.out.close()
        with open(self.out_path) as f:
            text = f.read()
        m = re.search(r"^ROLLOUT-WRK (\{.*\})$", text, re.M)
        if not m:
            raise SystemExit(f"wrk did not report (see {self.out_path}):\n{text[-2000:]}")
        return json.loads(m.group(1))


# ---------------------------------------------------------------------------------- nodes

class Deployment:
    """The split on free ports: payment, core, two notifier replicas, two gateways."""

    def __init__(self, root, args, known):
        self.root, self.args, self.nodes = root, args, []
        missing = [f for f in ("--drain-ms", "--shutdown-timeout-ms", "--core-wait-ms") if f not in known]
        if missing:
            log(f"WARNING: {args.server} has no {', '.join(missing)}: restarts will not drain; expect failures")
        common = args.node_flags.split()
        if "--drain-ms" in known:
            common += ["--drain-ms", str(args.drain_ms)]
        if "--shutdown-timeout-ms" in known:
            common += ["--shutdown-timeout-ms", str(args.shutdown_timeout_ms)]
        self.payment = self.add(Node(root, "payment", "--roles", "payment", "--node-port", "0", *common))
        self.core_port = free_port()
        self.core = self.add(Node(root, "core", "--roles", "http,core", "--payment", f"127.0.0.1:{self.payment.node_port}",
                                  "--node-port", str(self.core_port), "--operator-client", OPERATOR, *common,
                                  port=free_port()))
        for n in (self.payment, self.core):
            self.ready(n)
        at_core = ["--core", f"127.0.0.1:{self.core_port}"]
        self.replicas = [self.add(Node(root, f"replica-{i}", "--roles", "notifier", *at_core, *common, port=free_port()))
                         for i in (1, 2)]
        hold = ["--core-wait-ms", str(args.core_wait_ms)] if "--core-wait-ms" in known else []
        self.gateways = [self.add(Node(root, f"gateway-{i}", "--roles", "http", *at_core, *common, *hold, port=free_port()))
                         for i in (1, 2)]
        for n in self.replicas + self.gateways:
            self.ready(n)
        if not eventually(lambda: shared_once(self.replicas), 20, 0.02):
            raise SystemExit("the two replicas do not share the partitions")

    def add(self, node):
        self.nodes.append(node)
        return node

    @staticmethod
    def ready(node, seconds=30):
        if not node.wait_ready(seconds):
            raise SystemExit(f"{node.name} is not ready after {seconds} s: {node.ready()[1]}")

    def stop(self):
        """SIGTERM to all at once (each drains), then SIGKILL to any left after the bound."""
        for n in self.nodes:
            if n.proc.poll() is None:
                n.proc.terminate()
        deadline = now() + (self.args.drain_ms + self.args.shutdown_timeout_ms) / 1000 + 15
        for n in self.nodes:
            try:
                n.proc.wait(timeout=max(0.1, deadline - now()))
            except subprocess.TimeoutExpired:
                n.proc.kill()
                n.proc.wait()


def peer_state(node, context):
    """The state of `node`'s link to `context` in its /health/ready."""
    try:
        body = node.ready()[1]
    except OSError:
        return None
    for peer in body.get("peers", []) if isinstance(body, dict) else []:
        if peer.get("context") == context:
            return peer.get("state")
    return None


STACKS_AFTER = 0.0


def stacks(node):
    """The threads' stacks of a node that does not exit (gdb), to NAME-stacks.txt."""
    if not shutil.which("gdb"):
        log(f"  {node.name} still runs {STACKS_AFTER:g} s after SIGTERM (no gdb for its stacks)")
        return
    path = os.path.join(node.root, f"{node.name}-stacks.txt")
    with open(path, "a") as out:
        out.write(f"--- {time.strftime('%H:%M:%S')} pid {node.proc.pid}\n")
        out.flush()
        subprocess.run(["gdb", "-p", str(node.proc.pid), "-batch", "-ex", "thread apply all bt"], stdout=out,
                       stderr=subprocess.STDOUT, timeout=60)
    log(f"  {node.name} still runs {STACKS_AFTER:g} s after SIGTERM: its stacks are in {path}")


def terminate(node, bound, watch=None):
    """SIGTERM; waits for the exit (calling `watch` meanwhile). (exit code, seconds to exit)."""
    started, dumped = now(), False
    node.proc.send_signal(signal.SIGTERM)
    while node.proc.poll() is None and now() - started < bound:
        if watch:
            watch(now() - started)
        if STACKS_AFTER and not dumped and now() - started > STACKS_AFTER:
            dumped = True
            stacks(node)
        time.sleep(0.01)
    if node.proc.poll() is None:
        fail(f"{node.name} did not exit within {bound:.0f} s of SIGTERM; killed")
        node.kill()
        return None, now() - started
    code = node.proc.returncode
    if code != 0:
        fail(f"{node.name} exited {code} on SIGTERM (want 0)")
    return code, now() - started


# ---------------------------------------------------------------------------------- data

def expect(what, result, *statuses):
    status, _, body, _ = result
    if status not in statuses:
        raise SystemExit(f"{what} answered {status}: {body}")
    return body


def set_up_data(base, gateways, customers):
    """Through HAProxy: an operator's token, two stations, a bicycle per customer; customers,
    each with a paid ticket and a ride going. Their tokens."""
    op = expect("the operator's token", call(base, "POST", "/oauth2/token", form="grant_type=client_credentials",
                                             basic=OPERATOR), 200)["access_token"]
    for sid, lat in (("ST-1", 37.55), ("ST-2", 37.56)):
        expect(f"station {sid}", call(base, "POST", "/v1/stations",
                                      {"id": sid, "name": sid, "lat": lat, "lon": 126.91, "capacity": customers + 10}, op),
               201)
    tokens = []
    for n in range(1, customers + 1):
        bike, phone = f"RB-{n}", f"010-7100-{n:04d}"
        expect(f"bicycle {bike}", call(base, "POST", "/v1/bicycles", {"id": bike, "stationId": "ST-1"}, op), 201)
        expect(f"sign-up {phone}", call(base, "POST", "/v1/customers",
                                        {"phone": phone, "password": "ride2work", "name": "Rider"}), 201)
        token = expect(f"sign-in {phone}", call(base, "POST", "/oauth2/token",
                                                form=f"grant_type=password&username={phone}&password=ride2work"),
                       200)["access_token"]
        ticket = expect(f"{phone}'s ticket", call(base, "POST", "/v1/tickets", {"type": "1h"}, token), 201)
        expect(f"{phone}'s rent", call(base, "POST", "/v1/rentals", {"bicycleId": bike, "ticketId": ticket["id"]}, token),
               201)
        tokens.append(token)
    # Read-your-writes holds per gateway; the other may need a moment to see a rent.
    for g in gateways:
        for t in tokens:
            if not eventually(lambda: call(g.base, "GET", "/v1/rentals/current", token=t)[0] == 200, 5, 0.01):
                raise SystemExit(f"a rider's ride is not seen through {g.name}")
    return op, tokens


def tickets_of(base, token):
    count, cursor = 0, None
    while True:
        page = expect("a ticket list", call(base, "GET", "/v1/tickets?limit=1000" + (f"&cursor={cursor}" if cursor else ""),
                                            token=token), 200)
        count += len(page["items"])
        cursor = page.get("next")
        if not cursor:
            return count


# ---------------------------------------------------------------------------------- rollout

def rollout(args, known):
    root = tempfile.mkdtemp(prefix="ttareungyi-rollout-")
    log(f"rollout: {args.rounds} round(s), {args.settle_s:g} s of load between steps; files in {root}")
    deployment = lb = load = prober = None
    steps, figures = [], {}
    try:
        deployment = Deployment(root, args, known)
        lb = HAProxy(args.haproxy, root, deployment.gateways)
        for g in deployment.gateways:
            if not lb.wait_status(g.name, "UP", 10):
                raise SystemExit(f"HAProxy does not see {g.name} up: {lb.status(g.name)}")
        _, tokens = set_up_data(lb.base, deployment.gateways, args.customers)
        log(f"cluster up: payment, core, 2 replicas, 2 gateways behind HAProxy {lb.base}; "
            f"{args.customers} riders with a ride going")

        timeline = [(time.time(), "warm-up")]
        prober = Prober(lb.base, tokens[0], args.probe_ms / 1000)
        prober.start()
        load = Wrk(args, root, lb.base, tokens)
        started = now()
        time.sleep(args.settle_s)

        def mark(name):
            prober.phase = name
            timeline.append((time.time(), name))

        def step(name, node, kind):
            mark(name)
            record = {"step": name}
            t0 = now()
            if kind == "gateway":
                seen_down = {}

                def watch(elapsed):
                    if "lb_down_s" not in seen_down and lb.status(node.name).startswith("DOWN"):
                        seen_down["lb_down_s"] = elapsed

                code, exited = terminate(node, (args.drain_ms + args.shutdown_timeout_ms) / 1000 + 15, watch)
                record["lb_down_s"] = seen_down.get("lb_down_s")
                if record["lb_down_s"] is None:
                    fail(f"{node.name} exited before HAProxy took it out of rotation (status {lb.status(node.name)})")
            else:
                code, exited = terminate(node, (args.drain_ms + args.shutdown_timeout_ms) / 1000 + 15)
            record.update(exit=code, exited_s=exited)
            node.start()
            if not node.wait_ready(30):
                fail(f"{node.name} is not ready 30 s after its restart: {node.ready()[1]}")
            record["ready_s"] = now() - t0
            if kind == "gateway":
                if not lb.wait_status(node.name, "UP", 15):
                    fail(f"HAProxy does not see {node.name} up again: {lb.status(node.name)}")
                record["lb_up_s"] = now() - t0
            elif kind == "replica":
                if not eventually(lambda: shared_once(deployment.replicas), 20, 0.02):
                    fail(f"after {node.name}'s restart the replicas do not share the partitions")
                record["shared_s"] = now() - t0
            elif kind == "core":
                for g in deployment.gateways:
                    if not eventually(lambda: peer_state(g, "core") == "connected", 20, 0.02):
                        fail(f"{g.name} did not reach the restarted core: {g.ready()[1]}")
                if not eventually(lambda: shared_once(deployment.replicas), 20, 0.02):
                    fail("after the core's restart the replicas do not share the partitions")
                record["peers_s"] = now() - t0
            steps.append(record)
            log(f"  {name}: exit {code}, exited after {ms(exited)}"
                + (f", out of HAProxy after {ms(record.get('lb_down_s'))}" if kind == "gateway" else "")
                + f", ready after {ms(record['ready_s'])}"
                + (f", in HAProxy again after {ms(record.get('lb_up_s'))}" if kind == "gateway" else "")
                + (f", partitions shared after {ms(record.get('shared_s'))}" if kind == "replica" else "")
                + (f", gateways and replicas back after {ms(record.get('peers_s'))}" if kind == "core" else ""))
            mark(name + " (after)")
            time.sleep(args.settle_s)

        for r in range(1, args.rounds + 1):
            log(f"round {r}:")
            suffix = f" #{r}" if args.rounds > 1 else ""
            for g in deployment.gateways:
                step(g.name + suffix, g, "gateway")
            for rep in deployment.replicas:
                step(rep.name + suffix, rep, "replica")
            step("core" + suffix, deployment.core, "core")

        figures["wrk"] = w = load.stop()
        load = None
        prober.halt.set()
        prober.join(5)
        duration = now() - started
        backend = lb.stats().get(("gateways", "BACKEND"), {})
        figures["haproxy"] = {k: int(backend.get(k) or 0) for k in ("wretr", "wredis", "hrsp_2xx", "hrsp_4xx", "hrsp_5xx",
                                                                     "eresp", "econ")}

        # Every purchase once: the tickets made under load are between those answered 201 and
        # those sent (wrk stops with some in flight).
        created = sum(tickets_of(lb.base, t) for t in tokens) - len(tokens)
        answered = w["statuses"].get("201", 0)
        figures["purchases"] = {"sent": w["purchases_sent"], "answered_201": answered, "tickets_created": created}
        if created > w["purchases_sent"]:
            fail(f"{created} tickets were created by {w['purchases_sent']} purchases sent: something was bought twice")
        if created < answered:
            fail(f"{answered} purchases were answered 201 but only {created} tickets exist")

        errors = w["errors"]
        failed = sum(errors.values())
        if failed:
            fail(f"wrk: {failed} failed requests {errors}, answers by status {w['statuses']}")
        if prober.failures:
            fail(f"prober: {len(prober.failures)} failed requests, first ones: {prober.failures[:10]}")
        figures["prober"] = {"requests": prober.sent, "good": prober.good, "failures": len(prober.failures),
                             "longest_pause_s": prober.longest[0], "longest_pause_phase": prober.longest[2],
                             "slowest_s": prober.slowest, "by_phase": prober.longest_by_phase}
        figures["steps"] = steps
        figures["duration_s"] = duration
        figures["haproxy_log"] = haproxy_log(lb.log_path, timeline)
        report(args, figures)
    finally:
        if load is not None:
            load.proc.kill()
            load.proc.wait()
        if prober is not None:
            prober.halt.set()
        if deployment is not None:
            deployment.stop()
        if lb is not None:
            lb.stop()
        if args.report_json and figures:
            with open(args.report_json, "w") as f:
                json.dump(figures, f, indent=2)
        finish(root, args)


def haproxy_log(path, timeline, limit=10):
    """From HAProxy's request log: answers >= 400 by step of the timeline, the first lines of
    answers >= 500 or of sessions the server side broke, and how many requests were sent again
    (retries, redispatches)."""
    by_step, bad, retried = {}, [], 0
    pattern = re.compile(r"\[(\d\d/\w{3}/\d{4}:\d\d:\d\d:\d\d\.\d{3})\] \S+ \S+ \S+ (-?\d+) (-?\d+) \S+ \S+ (\S{4}) "
                         r"\d+/\d+/\d+/\d+/(\+?)(\d+) \S+ \"(\S+ \S+)")
    with open(path, errors="replace") as f:
        for line in f:
            m = pattern.search(line)
            if not m:
                continue
            status, state, retries = int(m.group(2)), m.group(4), int(m.group(6))
            retried += retries > 0 or m.group(5) == "+"
            # C...: the client (wrk stopping) closed; anything else but ---- is a broken session.
            broken = state[0] not in "-C"
            if status >= 400 or broken:
                at = datetime.datetime.strptime(m.group(1), "%d/%b/%Y:%H:%M:%S.%f").timestamp()
                step = [name for t, name in timeline if t <= at + 0.0005][-1:] or ["before the load"]
                key = f"{step[0]}: {status if status >= 0 else state}"
                by_step[key] = by_step.get(key, 0) + 1
            if (status >= 500 or broken) and len(bad) < limit:
                bad.append(line.rstrip())
    return {"failed_by_step": by_step, "first_bad_lines": bad, "requests_sent_again": retried}


def report(args, f):
    w, p, h = f["wrk"], f["prober"], f["haproxy"]
    lat, err = w["latency_us"], w["errors"]
    seconds = w["duration_us"] / 1e6
    failed = sum(err.values())
    log("")
    log("=== rollout report ===")
    log(f"restarted under load, in order: {', '.join(s['step'] for s in f['steps'])}")
    log(f"load: wrk, {args.threads} threads, {args.connections} connections, {args.delay_ms} ms between requests on each")
    log(f"  requests   {w['requests']} in {seconds:.1f} s ({w['requests'] / max(seconds, 1e-9):.0f}/s)")
    log(f"  failures   {failed} (status >= 400: {err['status']}, connect {err['connect']}, read {err['read']}, "
        f"write {err['write']}, timeout {err['timeout']})")
    log(f"  answers    {', '.join(f'{k}: {v}' for k, v in sorted(w['statuses'].items()))}")
    log(f"  latency    p50 {lat['p50'] / 1000:.1f} ms, p90 {lat['p90'] / 1000:.1f} ms, p99 {lat['p99'] / 1000:.1f} ms, "
        f"p99.9 {lat['p999'] / 1000:.1f} ms, max {lat['max'] / 1000:.0f} ms")
    pu = f["purchases"]
    log(f"  purchases  sent {pu['sent']}, answered 201: {pu['answered_201']}, tickets created {pu['tickets_created']}")
    log(f"prober: GET /v1/stations every {args.probe_ms:g} ms: {p['requests']} requests, {p['failures']} failures, "
        f"slowest {ms(p['slowest_s'])}")
    log(f"  longest pause between good answers: {ms(p['longest_pause_s'])} (during {p['longest_pause_phase']})")
    log(f"  longest pause per step: " + ", ".join(f"{k} {ms(v)}" for k, v in p["by_phase"].items()))
    log(f"haproxy: retries {h['wretr']}, redispatches {h['wredis']}, 5xx answers {h['hrsp_5xx']}, "
        f"broken responses {h['eresp']}, connection errors {h['econ']}")
    hl = f["haproxy_log"]
    log(f"  requests sent to a gateway more than once (its log): {hl['requests_sent_again']}")
    if hl["failed_by_step"]:
        log("  answers >= 400 or broken, by step (wrk and prober): "
            + ", ".join(f"{k} x{v}" for k, v in hl["failed_by_step"].items()))
    if hl["first_bad_lines"]:
        log("  first answers >= 500 or broken sessions in its log:")
        for line in hl["first_bad_lines"]:
            log("    " + line)


# ---------------------------------------------------------------------------------- the drill

def live(node, timeout):
    """(status or the error's name, heartbeat ages) of the node's /health/live."""
    try:
        status, _, body, _ = call(node.base, "GET", "/health/live", timeout=timeout)
        return status, (body.get("heartbeatAgeMs") if isinstance(body, dict) else None)
    except OSError as e:
        return type(e).__name__, None


def drill(args, known):
    missing = [f for f in ("--inject-stall", "--liveness-threshold-ms") if f not in known]
    if missing and args.stall_method == "inject":
        raise SystemExit(f"the drill needs {', '.join(missing)}, which {args.server} does not have")
    root = tempfile.mkdtemp(prefix="ttareungyi-drill-")
    nodes = []
    how = (f"wedges its {args.stall_what} (--inject-stall {args.stall_what}:{args.stall_after_ms})"
           if args.stall_method == "inject" else f"is frozen with SIGSTOP {args.stall_after_ms} ms after its start")
    log(f"liveness drill: the {args.stall_node} {how}, with --liveness-threshold-ms {args.liveness_threshold_ms}; "
        f"the supervisor probes /health/live every {args.probe_every_ms} ms (timeout {args.probe_timeout_ms} ms) and "
        f"restarts the node after {args.probe_failures} failures in a row; files in {root}")
    try:
        common = [] if "--liveness-threshold-ms" not in known else ["--liveness-threshold-ms", str(args.liveness_threshold_ms)]
        for flag, value in (("--drain-ms", args.drain_ms), ("--shutdown-timeout-ms", args.shutdown_timeout_ms)):
            if flag in known:
                common += [flag, str(value)]
        stall = ["--inject-stall", f"{args.stall_what}:{args.stall_after_ms}"] if args.stall_method == "inject" else []
        core_port = free_port()
        core_started = now()
        core = Node(root, "core", "--node-port", str(core_port), "--operator-client", OPERATOR, *common,
                    *(stall if args.stall_node == "core" else []), port=free_port())
        nodes.append(core)
        Deployment.ready(core)
        gateway_started = now()
        gateway = Node(root, "gateway", "--roles", "http", "--core", f"127.0.0.1:{core_port}", *common,
                       *(stall if args.stall_node == "gateway" else []), port=free_port())
        nodes.append(gateway)
        Deployment.ready(gateway)
        # The stall's clock starts in the process, after these instants: it comes no earlier.
        target, started = (gateway, gateway_started) if args.stall_node == "gateway" else (core, core_started)
        op = expect("the operator's token", call(gateway.base, "POST", "/oauth2/token",
                                                 form="grant_type=client_credentials", basic=OPERATOR), 200)["access_token"]
        expect("a station", call(gateway.base, "POST", "/v1/stations",
                                 {"id": "ST-1", "name": "ST-1", "lat": 37.55, "lon": 126.91, "capacity": 10}, op), 201)
        expect("the station list before the stall", call(gateway.base, "GET", "/v1/stations", token=op), 200)

        stalls_at = started + args.stall_after_ms / 1000
        if args.stall_method == "sigstop":
            threading.Timer(max(0.0, stalls_at - now()), lambda: target.proc.send_signal(signal.SIGSTOP)).start()
        # The supervisor: from now on, as an orchestrator would from the node's start.
        in_row, first_failure, first_what, detected, probes, false_alarms = 0, None, None, None, 0, []
        deadline = stalls_at + args.liveness_threshold_ms / 1000 + 20
        while now() < deadline:
            what, ages = live(target, args.probe_timeout_ms / 1000)
            probes += 1
            if what == 200:
                in_row = 0
            elif now() < stalls_at:
                false_alarms.append((what, ages))
                in_row = 0
            else:
                in_row += 1
                if first_failure is None:
                    first_failure, first_what = now(), f"{what}, heartbeat ages {ages}" if ages else what
            if in_row >= args.probe_failures:
                detected = now()
                break
            time.sleep(args.probe_every_ms / 1000)
        if false_alarms:
            fail(f"/health/live of the healthy {args.stall_node} failed {len(false_alarms)} times before the stall "
                 f"(first: {false_alarms[0]}): the liveness check flaps at --liveness-threshold-ms "
                 f"{args.liveness_threshold_ms}")
        if detected is None:
            fail(f"/health/live of the {args.stall_node} stayed 200 for {deadline - stalls_at:.0f} s after the stall")
            return
        target.kill()
        killed = now()
        target.flags = tuple(f for f in target.flags if f not in stall)
        target.start()
        if not eventually(lambda: live(target, 1)[0] == 200, 30, 0.02):
            fail(f"/health/live of the restarted {args.stall_node} is not 200: {live(target, 1)}")
        live_again = now()
        Deployment.ready(target)
        ready_again = now()
        if not eventually(lambda: call(gateway.base, "GET", "/v1/stations", token=op)[0] == 200, 20, 0.05):
            fail("the gateway does not answer the station list after the restart")
        served = now()
        # Healthy again, and staying so: the supervisor goes on probing for a while.
        watch = max(3.0, 3 * args.liveness_threshold_ms / 1000)
        bad = []
        while now() - served < watch:
            what, ages = live(target, args.probe_timeout_ms / 1000)
            if what != 200:
                bad.append((what, ages))
            time.sleep(args.probe_every_ms / 1000)
        if bad:
            fail(f"the restarted {args.stall_node}'s /health/live failed {len(bad)} times in {watch:g} s: {bad[:3]}")
        log("")
        log("=== liveness drill report ===")
        log(f"  stall (t = 0)             {args.stall_after_ms} ms after the {args.stall_node} was started")
        log(f"  first failed probe        {ms(first_failure - stalls_at)} ({first_what})")
        log(f"  restart decided           {ms(detected - stalls_at)} ({args.probe_failures} failed probes in a row; "
            f"{probes} probes in all, {len(false_alarms)} failed before the stall)")
        log(f"  killed (SIGKILL)          {ms(killed - stalls_at)}")
        log(f"  /health/live 200 again    {ms(live_again - stalls_at)} (the restart took {ms(live_again - killed)})")
        log(f"  /health/ready 200 again   {ms(ready_again - stalls_at)}")
        log(f"  API answering again       {ms(served - stalls_at)} (GET /v1/stations through the gateway)")
        log(f"  then /health/live         {'200 for' if not bad else f'{len(bad)} failures in'} {watch:g} s")
        if args.report_json:
            with open(args.report_json, "w") as f:
                json.dump({"first_failure_s": first_failure - stalls_at, "first_failure": str(first_what),
                           "detected_s": detected - stalls_at, "killed_s": killed - stalls_at,
                           "live_again_s": live_again - stalls_at, "ready_again_s": ready_again - stalls_at,
                           "restart_s": live_again - killed, "served_s": served - stalls_at,
                           "false_alarms": len(false_alarms), "failures_after": len(bad)}, f, indent=2)
    finally:
        for n in nodes:
            if n.proc.poll() is None:
                n.proc.send_signal(signal.SIGCONT)
                n.proc.terminate()
        for n in nodes:
            try:
                n.proc.wait(timeout=(args.drain_ms + args.shutdown_timeout_ms) / 1000 + 15)
            except subprocess.TimeoutExpired:
                n.kill()
        finish(root, args)


def finish(root, args):
    if cluster.failures or args.keep or sys.exc_info()[0] is not None or os.environ.get("TTAREUNGYI_NODES_KEEP"):
        log(f"logs in {root}")
    else:
        shutil.rmtree(root, ignore_errors=True)


def main():
    args = options()
    for tool in ([args.server] + ([] if args.drill else [args.haproxy, args.wrk])):
        if not os.access(tool, os.X_OK):
            raise SystemExit(f"{tool} is not there (see --help)")
    cluster.SERVER = args.server
    global STACKS_AFTER
    STACKS_AFTER = args.stacks_after_ms / 1000
    known = server_flags(args.server)
    if args.drill:
        drill(args, known)
    else:
        rollout(args, known)
    if cluster.failures:
        log(f"FAILED: {len(cluster.failures)} failures")
        for text in cluster.failures:
            log("  " + text)
        sys.exit(1)
    log("ok")


if __name__ == "__main__":
    main()
