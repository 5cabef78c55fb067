#!/usr/bin/python3
"""Notifier replicas sharing the journal's partitions: real processes on free ports (docs/nodes.md).

notifier_replicas_test.py SERVER starts a core without the notifier (--roles http,core,payment
--node-port P) and two notifier replicas (--roles notifier --core 127.0.0.1:P). It checks that the
partitions are shared between them (each replica's /health/ready), then runs the journey (sign-up,
buy, rent, return, refund, inbox, the SSE stream) and a burst of rides: part way through, one
replica is killed with SIGKILL, and once the other has taken its partitions a third one is
started and takes its share; then the other first one is frozen with SIGSTOP until the third
holds every partition, and resumed. TTAREUNGYI_NODES_RIDES sets the least number of rides
(default 1,000).

Checked: every partition is owned by exactly one live replica after each change; no ride fails;
each ride (rented, returned) is notified exactly once in the inbox and no other; a customer
watching the SSE stream for the whole burst gets each of their notices once, in order.
"""
import json
import os
import signal
import sys
import tempfile
import threading
import time

import cluster
from cluster import (Node, Stream, call, customer, eventually, fail, free_port, inbox, notified_once, owned,
                     paid_ticket, partitions, ready_nodes, shared_once, stop_all, streamed_once, verdict)

cluster.SERVER = sys.argv[1]
RIDES = int(os.environ.get("TTAREUNGYI_NODES_RIDES", "1000"))
RIDERS = 8


def burst(core, riders, replicas, root):
    """Rides by every rider at once, until at least RIDES are done and every change is over:
    after a third of them a replica is killed; once the other holds every partition a third
    replica joins; then the first survivor is frozen with SIGSTOP until the third holds every
    partition (the core's heartbeats notice it), and resumed: it joins again and takes its share."""
    rides, ride_failures = [], []
    lock = threading.Lock()
    stop = threading.Event()

    def ride(token, bicycle, tickets):
        station = "ST-1"
        for ticket in tickets:
            if stop.is_set():
                return
            status, _, rental, _ = call(core.base, "POST", "/v1/rentals", {"bicycleId": bicycle, "ticketId": ticket}, token)
            if status != 201:
                ride_failures.append(f"rent {bicycle}: {status} {rental}")
                continue
            station = "ST-2" if station == "ST-1" else "ST-1"
            status, _, body, _ = call(core.base, "POST", f"/v1/rentals/{rental['id']}/return", {"stationId": station}, token)
            if status != 200:
                ride_failures.append(f"return {bicycle}: {status} {body}")
            with lock:
                rides.append((rental["id"], token))
            time.sleep(0.002)  # paced, so that the tickets last through the freeze

    threads = [threading.Thread(target=ride, args=r) for r in riders]
    started = time.monotonic()
    for t in threads:
        t.start()
    eventually(lambda: len(rides) >= RIDES // 3, 60, 0.01)
    killed = time.monotonic()
    replicas[0].kill()
    survivor = replicas[1]
    if not eventually(lambda: len(owned(survivor)) == partitions(survivor), 10, 0.02):
        fail(f"the surviving replica did not take every partition: {survivor.ready()[1]}")
    moved = time.monotonic() - killed
    third = Node(root, "replica-3", "--roles", "notifier", "--core", f"127.0.0.1:{core.node_port}", port=free_port())
    joined = time.monotonic()
    if not eventually(lambda: shared_once([survivor, third]), 10, 0.02):
        fail(f"the third replica did not take its share: {owned(survivor)} and {owned(third)}")
    rebalanced = time.monotonic() - joined
    print(f"{len(rides)} rides when a replica was killed; its partitions moved in {moved * 1000:.0f} ms; "
          f"the third replica had its share {rebalanced * 1000:.0f} ms after it started", flush=True)
    frozen = time.monotonic()
    survivor.proc.send_signal(signal.SIGSTOP)
    if not eventually(lambda: len(owned(third)) == partitions(third), 10, 0.02):
        fail(f"the third replica did not take the frozen one's partitions: {owned(third)}")
    taken = time.monotonic() - frozen
    time.sleep(0.5)
    survivor.proc.send_signal(signal.SIGCONT)
    resumed = time.monotonic()
    if not eventually(lambda: shared_once([survivor, third]), 15, 0.02):
        fail(f"the resumed replica did not take its share again: {owned(survivor)} and {owned(third)}")
    print(f"a frozen replica's partitions moved after {taken * 1000:.0f} ms; resumed, it had its share again "
          f"{(time.monotonic() - resumed) * 1000:.0f} ms later", flush=True)
    eventually(lambda: len(rides) >= RIDES, 60, 0.01)
    stop.set()
    for t in threads:
        t.join()
    print(f"{len(rides)} rides in {time.monotonic() - started:.1f} s", flush=True)
    for f in ride_failures:
        fail(f"a ride failed: {f}")
    return rides, third


def main():
    root = tempfile.mkdtemp(prefix="ttareungyi-notifiers-")
    nodes = []
    try:
        core = Node(root, "core", "--roles", "http,core,payment", "--node-port", "0", "--operator-client", "ops:s3cret",
                    port=free_port())
        nodes.append(core)
        if not core.wait_ready():
            raise SystemExit(f"the core is not ready: {core.ready()[1]}")
        replicas = ready_nodes(root, "replica", "--roles", "notifier", "--core", f"127.0.0.1:{core.node_port}")
        nodes += replicas
        if not eventually(lambda: shared_once(replicas), 10, 0.02):
            fail(f"two replicas do not share the partitions: {owned(replicas[0])} and {owned(replicas[1])}")
        if call(replicas[0].base, "GET", "/v1/stations")[0] != 404:
            fail("a notifier replica serves the API")

        op = call(core.base, "POST", "/oauth2/token", form="grant_type=client_credentials", basic="ops:s3cret")[2]
        op = op["access_token"]
        for sid, lat in (("ST-1", 37.55), ("ST-2", 37.56)):
            call(core.base, "POST", "/v1/stations", {"id": sid, "name": sid, "lat": lat, "lon": 126.91, "capacity": 50}, op)
        # The journey, with the rider's stream open from the start.
        me = customer(core, "010-1000-0001")
        stream = Stream(core.base, me)
        call(core.base, "POST", "/v1/bicycles", {"id": "J-1", "stationId": "ST-1"}, op)
        ticket = paid_ticket(core, me)
        status, _, rental, _ = call(core.base, "POST", "/v1/rentals", {"bicycleId": "J-1", "ticketId": ticket}, me)
        if status != 201:
            raise SystemExit(f"journey: rent answered {status}: {rental}")
        call(core.base, "POST", f"/v1/rentals/{rental['id']}/return", {"stationId": "ST-2"}, me)
        refunded = paid_ticket(core, me)
        if call(core.base, "POST", f"/v1/tickets/{refunded}/cancel", token=me)[2].get("status") != "cancelled":
            fail("journey: cancelling a paid ticket failed")
        want = {"ticket_paid", "bicycle_rented", "bicycle_returned", "ticket_refunded"}
        if not eventually(lambda: want <= {n["kind"] for n in inbox(core, me)}, 10, 0.05):
            fail(f"journey: the inbox has {[n['kind'] for n in inbox(core, me)]}")

        riders = []
        for n in range(RIDERS):
            call(core.base, "POST", "/v1/bicycles", {"id": f"B-{n}", "stationId": "ST-1"}, op)
            token = me if n == 0 else customer(core, f"010-2000-000{n}")
            riders.append((token, f"B-{n}", [paid_ticket(core, token) for _ in range(3 * RIDES // RIDERS)]))
        rides, third = burst(core, riders, replicas, root)
        nodes.append(third)
        notified_once(core, rides + [(rental["id"], me)])  # with the journey's ride
        got = streamed_once(stream, sorted(n["sequence"] for n in inbox(core, me)), "the stream")
        print(f"the watched rider's stream: {got} notices, each once, in order", flush=True)
    finally:
        stop_all(nodes, root)
    verdict()


main()
