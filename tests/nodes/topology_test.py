#!/usr/bin/python3
"""The whole split, with two gateways: real processes on free ports (docs/nodes.md).

topology_test.py SERVER runs a payment node (--roles payment), a core (--roles http,core
--payment ... --node-port ...), two notifier replicas (--roles notifier --core ...) and two
gateways (--roles http --core ...), and runs the journey through both gateways: an operator
registers stations and bicycles through one, a customer signs up through one and signs in
through the other, buys, rents, reads the remaining time, returns, cancels a ticket for a
refund, and reads the inbox and the SSE stream, switching gateways between steps.

Checked:
- a purchase with an Idempotency-Key retried through the other gateway gets the first answer
  (the answers are kept at the core);
- tokens: issued through either gateway (the core signs them) and accepted by both, and by
  the core; a token the core did not sign is refused by a gateway;
- read-your-writes: right after a rent or a return through a gateway, the remaining-time read
  through that same gateway shows it (20 cycles, alternating gateways);
- no remote hop per read: with the core frozen (SIGSTOP), both gateways still verify tokens
  and answer GET /v1/rentals/current from their own copy of the view, within 250 ms (a remote
  call would wait seconds for its timeout);
- the inbox through either gateway is the core's, and the stream through a gateway gets each
  notice once, in order, also across a kill -9 and restart of the core (its relay registers
  again from the last notice it passed on);
- a gateway's /health/ready shows its peer, the core, and the gateway serves no notifier.
"""
import os
import signal
import sys
import tempfile
import time

import cluster
from cluster import (Node, Stream, call, customer, eventually, fail, free_port, inbox, ready_nodes, shared_once, stop_all,
                     streamed_once, verdict)

cluster.SERVER = sys.argv[1]


def current(gateway, token):
    return call(gateway.base, "GET", "/v1/rentals/current", token=token)


def ride_and_read(gateways, me, bicycle, rides):
    """Buys, rents and returns through alternating gateways; each read right after a rent or a
    return goes through the gateway that answered it."""
    for n in range(rides):
        there = gateways[n % 2]
        status, _, ticket, _ = call(gateways[(n + 1) % 2].base, "POST", "/v1/tickets", {"type": "1h"}, me)
        if status != 201 or ticket.get("status") != "paid":
            return fail(f"buy {n} answered {status}: {ticket}")
        status, _, rental, _ = call(there.base, "POST", "/v1/rentals", {"bicycleId": bicycle, "ticketId": ticket["id"]},
                                    me)
        if status != 201:
            return fail(f"rent {n} through {there.name} answered {status}: {rental}")
        status, _, seen, _ = current(there, me)
        if status != 200 or seen.get("rentalId") != rental["id"]:
            fail(f"read-your-writes: right after rent {n}, {there.name} answered {status}: {seen}")
        back = gateways[(n + 1) % 2]
        status, _, _, _ = call(back.base, "POST", f"/v1/rentals/{rental['id']}/return", {"stationId": "ST-1"}, me)
        if status != 200:
            return fail(f"return {n} through {back.name} answered {status}")
        status, _, seen, _ = current(back, me)
        if status != 404:
            fail(f"read-your-writes: right after return {n}, {back.name} answered {status}: {seen}")
    print(f"{rides} rides through alternating gateways, each read right after through the same one", flush=True)


def frozen_core_reads(core, gateways, me, rider):
    """With the core stopped, the gateways verify tokens and read the remaining time themselves: a
    remote hop would wait for the stand-in's timeout (seconds); 250 ms leaves room for a busy
    machine (they answer in about a millisecond)."""
    core.proc.send_signal(signal.SIGSTOP)
    try:
        for g in gateways:
            status, _, seen, taken = current(g, rider)
            if status != 200 or taken > 0.25:
                fail(f"with the core frozen, {g.name} answered the remaining time {status} in {taken * 1000:.0f} ms")
            status, _, _, taken = current(g, me)
            if status != 404 or taken > 0.25:
                fail(f"with the core frozen, {g.name} answered a rider with no ride {status} in {taken * 1000:.0f} ms")
            status, _, _, taken = current(g, me[:-4] + "AAAA")
            if status != 401:
                fail(f"{g.name} took a token whose signature is not the core's: {status}")
        print("with the core frozen: both gateways answered reads from their own view", flush=True)
    finally:
        core.proc.send_signal(signal.SIGCONT)


def main():
    root = tempfile.mkdtemp(prefix="ttareungyi-topology-")
    nodes = []
    try:
        payment = Node(root, "payment", "--roles", "payment", "--node-port", "0")
        nodes.append(payment)
        core_port = free_port()
        core = Node(root, "core", "--roles", "http,core", "--payment", f"127.0.0.1:{payment.node_port}",
                    "--node-port", str(core_port), "--operator-client", "ops:s3cret", port=free_port())
        nodes.append(core)
        at_core = ("--core", f"127.0.0.1:{core_port}")
        for n in (payment, core):
            if not n.wait_ready():
                raise SystemExit(f"{n.name} is not ready: {n.ready()[1]}")
        replicas = ready_nodes(root, "replica", "--roles", "notifier", *at_core)
        nodes += replicas
        gateways = ready_nodes(root, "gateway", "--roles", "http", *at_core)
        nodes += gateways
        if not eventually(lambda: shared_once(replicas), 10, 0.02):
            fail("the two replicas do not share the partitions")
        one, two = gateways
        health = one.ready()[1]
        if health.get("roles") != ["http"] or [p["context"] for p in health.get("peers", [])] != ["core"]:
            fail(f"a gateway's /health/ready: {health}")

        # Tokens: signed by the core through either gateway, accepted everywhere.
        op = call(one.base, "POST", "/oauth2/token", form="grant_type=client_credentials", basic="ops:s3cret")[2]
        op = op.get("access_token")
        if call(two.base, "POST", "/oauth2/token", form="grant_type=client_credentials", basic="ops:wrong")[0] != 401:
            fail("a gateway took a wrong operator secret")
        for sid, lat in (("ST-1", 37.55), ("ST-2", 37.56)):
            status = call(two.base, "POST", "/v1/stations",
                          {"id": sid, "name": sid, "lat": lat, "lon": 126.91, "capacity": 50}, op)[0]
            if status != 201:
                raise SystemExit(f"an operator's token from gateway-1 registering a station on gateway-2: {status}")
        for b in ("J-1", "J-2"):
            call(one.base, "POST", "/v1/bicycles", {"id": b, "stationId": "ST-1"}, op)
        status, _, _, _ = call(one.base, "POST", "/v1/customers",
                               {"phone": "010-3000-0001", "password": "ride2work", "name": "Lee"})
        if status != 201:
            fail(f"sign-up through gateway-1 answered {status}")
        me = call(two.base, "POST", "/oauth2/token", form="grant_type=password&username=010-3000-0001&password=ride2work")
        me = me[2]["access_token"]
        if call(core.base, "GET", "/v1/tickets", token=me)[0] != 200:
            fail("the core refuses a token issued through a gateway")
        if call(one.base, "POST", "/oauth2/token", form="grant_type=password&username=010-3000-0001&password=nope")[0] != 400:
            fail("a gateway signed in a wrong password")
        stream = Stream(two.base, me)

        # The journey, switching gateways between steps.
        ride_and_read(gateways, me, "J-1", 20)
        status, _, refunded, _ = call(two.base, "POST", "/v1/tickets", {"type": "1h"}, me)
        status, _, cancelled, _ = call(one.base, "POST", f"/v1/tickets/{refunded['id']}/cancel", token=me)
        if status != 200 or cancelled.get("status") != "cancelled":
            fail(f"cancelling with a refund through gateway-1 answered {status}: {cancelled}")
        # A purchase with an Idempotency-Key, retried through the other gateway: the first answer.
        keyed = {"Idempotency-Key": "buy-once-1"}
        first = call(one.base, "POST", "/v1/tickets", {"type": "1h"}, me, headers=keyed)
        again = call(two.base, "POST", "/v1/tickets", {"type": "1h"}, me, headers=keyed)
        if first[0] != 201 or again[0] != 201 or again[2].get("id") != first[2].get("id"):
            fail(f"a retry through the other gateway bought again: {first[0]} {first[2]} then {again[0]} {again[2]}")
        if again[1].get("Idempotent-Replayed") != "true":
            fail(f"a retry through the other gateway was not a replay: {again[1]}")
        rider = customer(one, "010-3000-0002")
        other = call(two.base, "POST", "/v1/tickets", {"type": "1h"}, rider)[2]
        if call(two.base, "POST", "/v1/rentals", {"bicycleId": "J-2", "ticketId": other["id"]}, rider)[0] != 201:
            fail("a second rider could not rent through gateway-2")
        if not eventually(lambda: all(current(g, rider)[0] == 200 for g in gateways), 5, 0.01):
            fail("gateway-1's copy of the view did not get gateway-2's rent")
        frozen_core_reads(core, gateways, me, rider)

        # The core killed and started again: the stream through the gateway goes on, once each.
        core.kill()
        core.start()
        if not all(eventually(lambda: call(g.base, "GET", "/v1/tickets", token=me)[0] == 200, 20, 0.02) for g in gateways):
            fail("the gateways did not reach the restarted core")
        ride_and_read(gateways, me, "J-1", 2)

        want = {"ticket_paid", "bicycle_rented", "bicycle_returned", "ticket_refunded"}
        stored = []
        if not eventually(lambda: want <= {n["kind"] for n in inbox(one, me)}, 10, 0.05):
            fail(f"the inbox through gateway-1 has {sorted({n['kind'] for n in inbox(one, me)})}")
        # Each ride: its ticket paid, rented, returned; the refunded ticket: paid, refunded; and
        # the ticket bought once with a key: paid.
        if not eventually(lambda: len(inbox(one, me)) == 3 + 3 * 22, 10, 0.05):
            fail(f"the inbox has {len(inbox(one, me))} notices, not {3 + 3 * 22}")
        got = streamed_once(stream, sorted(n["sequence"] for n in inbox(two, me)), "the stream through gateway-2")
        print(f"the stream through gateway-2: {got} notices, each once, in order, across a core restart", flush=True)
        if call(one.base, "GET", "/health/ready")[2].get("notifier"):
            fail("a gateway shows notifier partitions")
    finally:
        stop_all(nodes, root)
    verdict()


main()
