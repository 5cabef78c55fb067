"""What the multi-process tests of tests/nodes share: free ports, HTTP calls, `ttareungyi serve`
processes with their own data dirs, polling, customers and their tickets and inboxes.
`SERVER` is set by the test from its command line; `failures` collects what failed."""
import http.client
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from base64 import b64encode
from collections import Counter

SERVER = None
failures = []


def fail(text):
    failures.append(text)
    print("FAIL:", text, flush=True)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def call(base, method, path, body=None, token=None, form=None, basic=None, timeout=10, headers=None):
    """(status, headers, parsed body, seconds taken)"""
    headers, data = dict(headers or {}), None
    if body is not None:
        data, headers["Content-Type"] = json.dumps(body).encode(), "application/json"
    if form is not None:
        data, headers["Content-Type"] = form.encode(), "application/x-www-form-urlencoded"
    if token:
        headers["Authorization"] = "Bearer " + token
    if basic:
        headers["Authorization"] = "Basic " + b64encode(basic.encode()).decode()
    started = time.monotonic()
    request = urllib.request.Request(base + path, data=data, method=method, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as r:
            status, got, text = r.status, dict(r.headers), r.read().decode()
    except urllib.error.HTTPError as e:
        status, got, text = e.code, dict(e.headers), e.read().decode()
    taken = time.monotonic() - started
    return status, got, (json.loads(text) if text.strip().startswith(("{", "[")) else text), taken


class Node:
    """One `ttareungyi serve` process with its own data dir; `base` is its HTTP address."""

    def __init__(self, root, name, *flags, port=0):
        self.data = os.path.join(root, name)
        self.flags, self.name, self.root, self.port = flags, name, root, port
        self.start()

    def start(self):
        log = open(os.path.join(self.root, self.name + ".log"), "a")
        self.proc = subprocess.Popen(
            [SERVER, "serve", "--data-dir", self.data, "--port", str(self.port), "--bind", "127.0.0.1", "--rate-limit-rps", "0",
             "--drain-ms", "0",
             "--password-iterations", "1000", *self.flags], stdout=subprocess.PIPE, stderr=log, text=True)
        log.close()
        self.node_port = None
        while True:
            line = self.proc.stdout.readline()
            if not line:
                raise SystemExit(f"{self.name} did not start (see {self.name}.log)")
            if m := re.match(r"node listening on .*:(\d+)", line):
                self.node_port = int(m.group(1))
            elif m := re.match(r"listening on .*:(\d+)", line):
                self.base = f"http://127.0.0.1:{m.group(1)}"
                return

    def ready(self):
        status, _, body, _ = call(self.base, "GET", "/health/ready")
        return status == 200, body

    def wait_ready(self, seconds=10):
        return eventually(lambda: self.ready()[0], seconds, 0.02)

    def kill(self):
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(timeout=20)


def ready_nodes(root, prefix, *flags, count=2):
    """`count` nodes named PREFIX-1, PREFIX-2, ... with the same flags, each ready."""
    nodes = [Node(root, f"{prefix}-{n}", *flags, port=free_port()) for n in range(1, count + 1)]
    for n in nodes:
        if not n.wait_ready():
            raise SystemExit(f"{n.name} is not ready: {n.ready()[1]}")
    return nodes


def eventually(check, seconds, step=0.005):
    """Polls `check` until it is true (True) or `seconds` have passed (False)."""
    deadline = time.monotonic() + seconds
    while not check():
        if time.monotonic() >= deadline:
            return False
        time.sleep(step)
    return True


def customer(core, phone):
    call(core.base, "POST", "/v1/customers", {"phone": phone, "password": "ride2work", "name": "Lee"})
    form = f"grant_type=password&username={phone}&password=ride2work"
    return call(core.base, "POST", "/oauth2/token", form=form)[2]["access_token"]


def paid_ticket(core, token):
    status, _, ticket, _ = call(core.base, "POST", "/v1/tickets", {"type": "1h"}, token)
    if status != 201 or ticket.get("status") != "paid":
        raise SystemExit(f"a purchase before any outage answered {status}: {ticket}")
    return ticket["id"]


def inbox(core, token):
    """Every notification of the customer, page after page."""
    items, cursor = [], None
    while True:
        path = "/v1/notifications?limit=100" + (f"&cursor={cursor}" if cursor else "")
        page = call(core.base, "GET", path, token=token)[2]
        items += page["items"]
        cursor = page.get("next")
        if not cursor:
            return items


def owned(replica):
    """The partitions a notifier replica says it owns (/health/ready)."""
    return replica.ready()[1].get("notifier", {}).get("owned", [])


def partitions(replica):
    return replica.ready()[1].get("notifier", {}).get("partitions", -1)


def shared_once(replicas):
    """Each partition owned by exactly one of the replicas, every one owned, each replica some."""
    seen = Counter(p for r in replicas for p in owned(r))
    count = partitions(replicas[0])
    return (count > 0 and sorted(seen) == list(range(count)) and set(seen.values()) == {1}
            and all(owned(r) for r in replicas))


def stop_all(nodes, root):
    """Stops the nodes; keeps their logs after a failure (or with TTAREUNGYI_NODES_KEEP)."""
    for n in nodes:
        n.stop()
    if failures or os.environ.get("TTAREUNGYI_NODES_KEEP"):
        print("logs in", root)
    else:
        shutil.rmtree(root, ignore_errors=True)


def verdict():
    if failures:
        print(f"{len(failures)} failures", flush=True)
        sys.exit(1)
    print("ok", flush=True)


def notified_once(core, rides):
    """`rides` are (rental id, rider's token) pairs the riders saw done. Each has exactly one
    notice of its rent and one of its return in the rider's inbox; no notice of a ride no rider
    saw; no notice stored twice."""
    kinds = ("bicycle_rented", "bicycle_returned")
    by_rider = {}
    for rental, token in rides:
        by_rider.setdefault(token, set()).add(rental)
    total = 0
    for token, theirs in by_rider.items():
        expected = {(kind, rental) for rental in theirs for kind in kinds}

        def seen():
            return Counter((n["kind"], n["correlationId"]) for n in inbox(core, token) if n["kind"] in kinds)

        if not eventually(lambda: expected <= set(seen()), 20, 0.1):
            fail(f"a rider's inbox lacks {len(expected - set(seen()))} ride notices after 20 s")
        counts = seen()
        for nid, n in Counter(n["id"] for n in inbox(core, token)).items():
            if n > 1:
                fail(f"notification {nid} is stored {n} times")
        for key in expected:
            if counts[key] != 1:
                fail(f"{key[0]} of {key[1]} is notified {counts[key]} times")
        for key in counts:
            if key not in expected:
                fail(f"{key[0]} of {key[1]} is notified, but no rider saw that ride")
        total += sum(counts.values())
    print(f"{total} ride notifications in the inboxes, each once", flush=True)


def streamed_once(stream, stored, what):
    """Closes the stream, which must have got the stored notices' sequences, each once, in order."""
    if not eventually(lambda: len(stream.notices) >= len(stored), 10, 0.05):
        fail(f"{what} got {len(stream.notices)} notices, the inbox has {len(stored)}")
    stream.close()
    got = [n["sequence"] for n in stream.notices]
    if got != stored:
        fail(f"{what}'s notices are not the inbox's, each once in order: {len(got)} against {len(stored)}")
    return len(got)


class Stream:
    """The customer's SSE stream, read in a thread: every notice, in order."""

    def __init__(self, base, token):
        host, port = base.removeprefix("http://").split(":")
        self.conn = http.client.HTTPConnection(host, int(port), timeout=60)
        self.conn.request("GET", "/v1/notifications/stream", headers={"Authorization": "Bearer " + token})
        self.response = self.conn.getresponse()
        self.notices = []
        self.thread = threading.Thread(target=self.read, daemon=True)
        self.thread.start()

    def read(self):
        try:
            for line in self.response:
                line = line.decode().strip()
                if line.startswith("data:"):
                    self.notices.append(json.loads(line[5:]))
        except (OSError, ValueError):
            pass

    def close(self):
        self.conn.close()
