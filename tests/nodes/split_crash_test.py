#!/usr/bin/python3
"""Every kind of node killed under load: real processes on free ports (docs/nodes.md).

split_crash_test.py SERVER runs the split: a payment node (--roles payment), a core with the API
and neither payment nor the notifier (--roles http,core --payment ... --node-port ...), two
notifier replicas (--roles notifier --core ...) and two gateways (--roles http --core ...), which
two of the three riders ride through, alternately, as behind one load balancer. The core is started before its payment node
and must wait, unready, until it reaches it. Then the whole journey through the split (sign-up,
buy, rent, return, cancel with a refund, inbox). Then, with rides, returns and purchases going
on: the payment node is killed with SIGKILL and started again on the same node port; it is
frozen with SIGSTOP (noticed by the middleman's heartbeats within its connection timeout) and
resumed; the core is killed with SIGKILL and started again on its data; a notifier replica is
killed with SIGKILL and started again; a gateway is killed with SIGKILL (its riders go on
through the other) and started again. The long run: TTAREUNGYI_NODES_KILLS=N kills a node
picked at random N times more (TTAREUNGYI_NODES_SEED repeats a run).

Checked: no ride or return fails (one the dead core never answered is asked again); the core
stays ready while the payment node is away; every purchase is 201, or 503 with Retry-After
and the ticket's id, and once the core has noticed the loss 95 % of those 503s come within
50 ms and none after a second (a quiet machine answers all within a few ms); the tickets left
waiting are paid later without restarting anything; the payment node's own store (read with
ttareungyi-payment-ledger once it has stopped) charged each paid ticket once, charged and
refunded each cancelled one once, and no other; every purchase the core acknowledged
survives its crash, and the payment node, the replicas and the gateways reach it again by
themselves; after each change of replicas every partition is owned by exactly one; each ride the
riders saw is notified exactly once (rented, returned), and no other.
"""
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import threading
import time

import cluster
from cluster import (Node, call, customer, eventually, fail, free_port, notified_once, owned, paid_ticket, ready_nodes,
                     shared_once, stop_all, verdict)

cluster.SERVER = sys.argv[1]
LEDGER = sys.argv[2] if len(sys.argv) > 2 else None  # ttareungyi-payment-ledger
KILLS = int(os.environ.get("TTAREUNGYI_NODES_KILLS", "0"))  # more kills, each of a node picked at random
SEED = int(os.environ.get("TTAREUNGYI_NODES_SEED", str(time.time_ns() % 1_000_000)))
def peer_state(core):
    _, body = core.ready()
    return [p["state"] for p in body.get("peers", []) if p["context"] == "payment"]


def replica_crash(replicas, pick):
    """Kills a replica: the other takes its partitions; started again, it takes its share back."""
    time.sleep(0.3)
    victim = pick.choice(replicas)
    others = [r for r in replicas if r is not victim]
    killed = time.monotonic()
    victim.kill()
    if not eventually(lambda: shared_once(others), 10, 0.01):
        return fail(f"the replicas left did not take {victim.name}'s partitions within 10 s")
    moved = time.monotonic() - killed
    time.sleep(0.3)
    victim.start()
    if not victim.wait_ready() or not eventually(lambda: shared_once(replicas) and owned(victim), 10, 0.01):
        return fail(f"{victim.name} did not take its share again after it restarted")
    print(f"replica death: {victim.name}'s partitions moved in {moved * 1000:.0f} ms; "
          f"back in {(time.monotonic() - killed) * 1000:.0f} ms", flush=True)


def journey(core, op):
    me = customer(core, "010-1000-0001")
    ticket = paid_ticket(core, me)
    status, _, rental, _ = call(core.base, "POST", "/v1/rentals", {"bicycleId": "J-1", "ticketId": ticket}, me)
    if status != 201:
        fail(f"journey: rent answered {status}: {rental}")
        return me
    status, _, _, _ = call(core.base, "POST", f"/v1/rentals/{rental['id']}/return", {"stationId": "ST-2"}, me)
    if status != 200:
        fail(f"journey: return answered {status}")
    second = paid_ticket(core, me)
    status, _, cancelled, _ = call(core.base, "POST", f"/v1/tickets/{second}/cancel", token=me)
    if status != 200 or cancelled.get("status") != "cancelled":
        fail(f"journey: cancel with a refund through the payment node answered {status}: {cancelled}")
    def kinds():
        return {n["kind"] for n in call(core.base, "GET", "/v1/notifications", token=me)[2]["items"]}

    if not eventually(lambda: {"bicycle_rented", "bicycle_returned"} <= kinds(), 5, 0.05):
        fail(f"journey: the inbox has {kinds()}")
    return me


class Load:
    """Rides (rent, return) by `riders` customers and purchases by one customer, in threads, until
    stopped; every answer is kept with when it was asked. A rider asks its entries in turn (the
    core, or the two gateways as a load balancer would: the next one when one does not answer).
    A request no one answered (the core or a gateway was killed; a gateway answers 503 while the
    core is away) is asked again until it is answered: a rent or a return the core committed
    before it died is then found done (the rider's current rental on the core, a 409 for the
    return)."""

    def __init__(self, core, riders):
        self.core, self.riders = core, riders
        self.rides, self.purchases, self.ride_failures, self.unanswered = [], [], [], 0
        self.buyer = customer(core, "010-3000-0000")
        self.threads = [threading.Thread(target=self.ride, args=rider) for rider in riders]
        self.threads.append(threading.Thread(target=self.buy))
        self.running = True
        for t in self.threads:
            t.start()

    def answered(self, entries, *args, **kwargs):
        """Asks the entries in turn until one answers other than 503 (each node killed here is
        started again within seconds)."""
        deadline = time.monotonic() + 30
        turn = 0
        while True:
            try:
                answer = call(entries[turn % len(entries)].base, *args, **kwargs)
                if answer[0] != 503:
                    return answer
            except OSError:
                pass
            self.unanswered += 1
            turn += 1
            if time.monotonic() > deadline:
                raise OSError(f"no answer to {args[:2]} within 30 s")
            time.sleep(0.02)

    def ride(self, token, bicycle, tickets, entries):
        station = "ST-1"
        while self.running and tickets:
            ticket = tickets.pop()
            try:
                status, _, rental, _ = call(entries[0].base, "POST", "/v1/rentals",
                                            {"bicycleId": bicycle, "ticketId": ticket}, token)
            except OSError:
                status = 503
            if status == 503:  # no answer from the core: did the rent happen? (asked of the core)
                self.unanswered += 1
                entries.append(entries.pop(0))
                status, _, rental, _ = self.answered([self.core], "GET", "/v1/rentals/current", token=token)
                if status == 404:
                    time.sleep(0.02)
                    continue  # it did not: the next ticket
                status = 201
            if status != 201:
                self.ride_failures.append(f"rent {bicycle}: {status} {rental}")
                continue
            rental_id = rental.get("id") or rental.get("rentalId")
            station = "ST-2" if station == "ST-1" else "ST-1"
            before = self.unanswered
            status, _, body, _ = self.answered(entries, "POST", f"/v1/rentals/{rental_id}/return",
                                               {"stationId": station}, token)
            # Asked again after the core died: a 409 says the first one was committed.
            asked_again = self.unanswered > before
            if status != 200 and not (asked_again and status == 409 and body.get("code") == "rental_not_active"):
                self.ride_failures.append(f"return {bicycle}: {status} {body}")
            self.rides.append((time.monotonic(), rental_id, token))
            entries.append(entries.pop(0))  # the next ride through the next entry
            time.sleep(0.02)  # paced, so that the tickets bought beforehand last the whole run

    def buy(self):
        while self.running:
            asked = time.monotonic()
            try:
                status, headers, body, taken = call(self.core.base, "POST", "/v1/tickets", {"type": "1h"}, self.buyer)
            except OSError:
                self.unanswered += 1
                time.sleep(0.02)
                continue
            self.purchases.append((asked, status, headers.get("Retry-After"), body, taken))
            time.sleep(0.005)

    def finish(self):
        self.running = False
        for t in self.threads:
            t.join()


def gateway_crash(gateways, load, pick):
    """Kills a gateway: riders go on through the other; started again, it answers again."""
    time.sleep(0.3)
    victim = pick.choice(gateways)
    before = len(load.rides)
    victim.kill()
    time.sleep(0.5)
    during = len(load.rides) - before
    if during == 0:
        fail(f"no ride was made while {victim.name} was down")
    victim.start()
    if not victim.wait_ready(20):
        return fail(f"{victim.name} did not come back ready: {victim.ready()[1]}")
    print(f"gateway death: {victim.name} killed; {during} rides in the half second it was down", flush=True)


def core_crash(core, payment, load, replicas):
    """Kills the core under load and starts it again on its data: every purchase it acknowledged
    is still there, it reaches the payment node again, and the replicas reach it again."""
    time.sleep(0.3)
    acknowledged = [p[3]["id"] for p in load.purchases if p[1] == 201]
    core.kill()
    time.sleep(0.3)
    core.start()
    if not core.wait_ready():
        return fail(f"the core did not come back ready: {core.ready()[1]}")
    if peer_state(core) != ["connected"]:
        fail("the restarted core did not reach the payment node")
    if not eventually(lambda: shared_once(replicas), 10, 0.02):
        fail("the replicas did not share the partitions of the restarted core within 10 s")
    for g in load.gateways:
        if not eventually(lambda: call(g.base, "GET", "/v1/tickets", token=load.buyer)[0] == 200, 10, 0.02):
            fail(f"{g.name} did not reach the restarted core within 10 s")
    time.sleep(0.5)
    lost = 0
    for ticket in acknowledged:
        status, _, body, _ = call(core.base, "GET", f"/v1/tickets/{ticket}", token=load.buyer)
        if status != 200 or body.get("status") != "paid":
            lost += 1
            fail(f"ticket {ticket}, acknowledged paid before the crash, is {status} {body}")
    print(f"core crash: {len(acknowledged)} acknowledged purchases all kept: {lost == 0}; "
          f"{load.unanswered} requests unanswered while it was down", flush=True)


def outage(core, payment, load, frozen=False):
    """Kills the payment node under load (or, frozen, stops it with SIGSTOP: noticed by the
    middleman's heartbeats, not by TCP), checks what purchases and rides saw, brings it back."""
    if frozen:
        halt, resume = (lambda: payment.proc.send_signal(signal.SIGSTOP)), (lambda: payment.proc.send_signal(signal.SIGCONT))
    else:
        halt, resume = payment.kill, payment.start
    time.sleep(0.3)
    killed = time.monotonic()
    halt()
    away = eventually(lambda: peer_state(core) == ["connecting"], 6)
    noticed = time.monotonic()
    how = "freeze" if frozen else "death"
    if not away:
        return fail(f"the core did not notice the payment node's {how} within 6 s")
    if not core.ready()[0]:
        fail("the core turned unready while the payment node was away")
    time.sleep(1.0)
    restarted = time.monotonic()
    resume()
    if not payment.wait_ready():
        return fail("the payment node did not come back")
    if not eventually(lambda: peer_state(core) == ["connected"], 10, 0.02):
        return fail("the core did not reach the restarted payment node within 10 s")
    time.sleep(0.3)
    away = [p for p in load.purchases if noticed <= p[0] and p[0] + p[4] <= restarted]
    if not away:
        fail("no purchase was made while the payment node was away")
    for asked, status, retry_after, body, taken in away:
        if status != 503 or not (retry_after or "").isdigit() or "ticketId" not in body:
            fail(f"a purchase while the payment node was away answered {status} (Retry-After {retry_after}): {body}")
    # Each 503 is two fsync'd commits of the ticket (created, then waiting) and no wait for the
    # payment node: 95 % within 50 ms, and none anywhere near the payment timeout (2 s), which
    # leaves room for an fsync stalled by a busy disk.
    times = sorted(p[4] for p in away)
    if times and times[int(0.95 * (len(times) - 1))] > 0.050:
        fail(f"95 % of the purchases while the payment node was away took up to "
             f"{times[int(0.95 * (len(times) - 1))] * 1000:.1f} ms (more than 50)")
    if times and times[-1] > 1.0:
        fail(f"a purchase while the payment node was away took {times[-1] * 1000:.0f} ms")
    rides = [r for r in load.rides if noticed <= r[0] <= restarted]
    if not rides:
        fail("no ride was made while the payment node was away")
    slowest = times[-1] if times else 0
    median = times[len(times) // 2] if times else 0
    print(f"{how}: noticed in {(noticed - killed) * 1000:.0f} ms; {len(away)} purchases while away, "
          f"median {median * 1000:.1f} ms, slowest {slowest * 1000:.1f} ms; {len(rides)} rides meanwhile", flush=True)
    return [p[3]["ticketId"] for p in away if p[1] == 503 and "ticketId" in p[3]]


def tickets_of(core, token):
    """Every ticket of the customer, as the core answers them."""
    items, cursor = [], None
    while True:
        page = call(core.base, "GET", "/v1/tickets?limit=200" + (f"&cursor={cursor}" if cursor else ""), token=token)[2]
        items += page["items"]
        cursor = page.get("next")
        if not cursor:
            return items


def payments_match(core, payment, tokens):
    """The payment node's own store against the core's tickets, read with the payment node
    stopped: a paid (or used) ticket was charged once and not refunded, a cancelled one charged
    and refunded once, its price; a ticket still waiting was charged at most once (a purchase in
    flight when the core died), a declined one never; the refunds add up."""
    tickets = [t for token in tokens for t in tickets_of(core, token)]
    payment.stop()
    ledger = json.loads(subprocess.run([LEDGER, payment.data], check=True, capture_output=True, text=True).stdout)
    approved, refunded = ledger["approved"], ledger["refunded"]
    refunds = 0
    for t in tickets:
        a, r = approved.get(t["id"], 0), refunded.get(t["id"], 0)
        if t["status"] in ("paid", "in_use", "used") and (a, r) != (1, 0):
            fail(f"ticket {t['id']} is {t['status']}: {a} approved, {r} refunded charges on the payment node")
        elif t["status"] == "cancelled":
            refunds += t["refundedAmount"]
            if (a, r) != (1, 1):
                fail(f"ticket {t['id']} is cancelled: {a} approved, {r} refunded charges on the payment node")
        elif t["status"] == "payment_pending" and (a > 1 or r):
            fail(f"ticket {t['id']} is waiting: {a} approved, {r} refunded charges on the payment node")
        elif t["status"] == "payment_failed" and a:
            fail(f"ticket {t['id']} was declined but charged {a} times")
    if refunds != ledger["refundedKrw"]:
        fail(f"the payment node refunded {ledger['refundedKrw']} KRW, the cancelled tickets {refunds} KRW")
    print(f"payment node's store: {len(tickets)} tickets, {sum(approved.values())} charges, "
          f"{sum(refunded.values())} refunds, each as its ticket says", flush=True)


def main():
    root = tempfile.mkdtemp(prefix="ttareungyi-nodes-")
    node_port, core_port = free_port(), free_port()
    nodes = []
    try:
        core = Node(root, "core", "--roles", "http,core", "--payment", f"127.0.0.1:{node_port}",
                    "--node-port", str(core_port), "--operator-client", "ops:s3cret", "--payment-timeout-ms", "2000",
                    port=free_port())
        nodes.append(core)
        ready, body = core.ready()
        if ready or body.get("peers", [{}])[0].get("state") != "connecting":
            fail(f"a core started before its payment node is ready or not connecting: {body}")
        payment = Node(root, "payment", "--roles", "payment", "--node-port", str(node_port))
        nodes.append(payment)
        if not core.wait_ready():
            raise SystemExit(f"the core never became ready after the payment node started: {core.ready()[1]}")
        _, body = payment.ready()
        if body.get("roles") != ["payment"] or "payment" not in body:
            fail(f"the payment node's /health/ready: {body}")
        if call(payment.base, "GET", "/v1/stations")[0] != 404:
            fail("a node without http serves the API")
        replicas = [Node(root, f"replica-{n}", "--roles", "notifier", "--core", f"127.0.0.1:{core_port}",
                         port=free_port()) for n in (1, 2)]
        nodes += replicas
        if not eventually(lambda: shared_once(replicas), 10, 0.02):
            fail(f"the replicas do not share the partitions: {[owned(r) for r in replicas]}")
        gateways = ready_nodes(root, "gateway", "--roles", "http", "--core", f"127.0.0.1:{core_port}")
        nodes += gateways

        op = call(core.base, "POST", "/oauth2/token", form="grant_type=client_credentials", basic="ops:s3cret")[2]
        op = op["access_token"]
        for sid, lat in (("ST-1", 37.55), ("ST-2", 37.56)):
            call(core.base, "POST", "/v1/stations", {"id": sid, "name": sid, "lat": lat, "lon": 126.91, "capacity": 50}, op)
        riders = []
        for n in range(3):
            call(core.base, "POST", "/v1/bicycles", {"id": f"B-{n}", "stationId": "ST-1"}, op)
            token = customer(core, f"010-2000-000{n}")
            # The first rides on the core, the others through the gateways, alternately.
            entries = [core] if n == 0 else ([gateways[0], gateways[1]] if n == 1 else [gateways[1], gateways[0]])
            riders.append((token, f"B-{n}", [paid_ticket(core, token) for _ in range(150 * KILLS + 400)], entries))
        call(core.base, "POST", "/v1/bicycles", {"id": "J-1", "stationId": "ST-1"}, op)
        journey_rider = journey(core, op)

        load = Load(core, riders)
        load.gateways = gateways
        waiting = []
        try:
            waiting += outage(core, payment, load) or []
            waiting += outage(core, payment, load, frozen=True) or []
            core_crash(core, payment, load, replicas)
            pick = random.Random(SEED)
            replica_crash(replicas, pick)
            gateway_crash(gateways, load, pick)
            if KILLS:
                print(f"{KILLS} more kills of a node picked at random, seed {SEED}", flush=True)
            for _ in range(KILLS):
                kind = pick.choice(("payment", "core", "replica", "gateway"))
                if kind == "payment":
                    waiting += outage(core, payment, load) or []
                elif kind == "core":
                    core_crash(core, payment, load, replicas)
                elif kind == "replica":
                    replica_crash(replicas, pick)
                else:
                    gateway_crash(gateways, load, pick)
        finally:
            load.finish()
        notified_once(core, [(rental, token) for _, rental, token in load.rides])
        for f in load.ride_failures:
            fail(f"a ride failed: {f}")
        odd = [p for p in load.purchases if p[1] not in (201, 503)]
        for p in odd:
            fail(f"a purchase answered {p[1]}: {p[3]}")
        print(f"{len(load.rides)} rides, {len(load.purchases)} purchases, {len(waiting)} left waiting for payment",
              flush=True)
        paid = 0
        for ticket in waiting:
            status, _, body, _ = call(core.base, "POST", f"/v1/tickets/{ticket}/payment", token=load.buyer)
            if status != 200 or body.get("status") != "paid":
                fail(f"paying ticket {ticket} later answered {status}: {body}")
            paid += 1
        print(f"{paid} tickets paid later", flush=True)
        if LEDGER:
            payments_match(core, payment, [load.buyer] + [r[0] for r in riders] + [journey_rider])
    finally:
        stop_all(nodes, root)
    verdict()


main()
