#!/usr/bin/env python3
"""A bad internet for the end-to-end tests: delay and loss in userspace.

This kernel has no netem qdisc (docs: MACHINE-FACTS), so the lossy party
(tests/e2e/test_party_lossy.sh) puts this forwarder between the agents and
the relay, and the relay advertises the forwarder's address in its invites
(--public-host).

    netem.py --listen ADDR:PORT --to ADDR:PORT [--delay-ms 50] [--loss 0.05]
             [--seed N]

UDP: every datagram, in either direction, is dropped with probability
--loss, else sent on after --delay-ms (one way). Datagrams wait in a heap
ordered by due time; one select loop sends whatever is due, so there is no
sleep per packet and order is kept for equal delays. Like a NAT, each client
source address gets its own socket towards --to (the relay sees one
address:port per agent); a flow idle for 300 s is forgotten.

TCP (the agents' HTTPS config fetch on the same port): each connection is
passed through as is, without loss or delay, in a thread.

SIGUSR1 prints one stats line on stdout; SIGTERM or SIGINT prints it and
exits 0:
    stats up=N up_lost=N down=N down_lost=N flows=N tcp=N
(up: client -> --to; *_lost: dropped on purpose).
"""

import argparse
import heapq
import random
import select
import signal
import socket
import sys
import threading
import time

IDLE_S = 300.0


def addr(text):
    host, _, port = text.rpartition(':')
    return host, int(port)


class Netem:
    def __init__(self, listen, to, delay, loss, rng):
        self.listen, self.to, self.delay, self.loss, self.rng = listen, to, delay, loss, rng
        self.udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.udp.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.udp.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
        self.udp.bind(listen)
        self.tcp = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.tcp.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.tcp.bind(listen)
        self.tcp.listen(16)
        self.flows = {}  # client addr -> [socket towards `to`, last use]
        self.back = {}  # fileno of a flow socket -> client addr
        self.heap = []  # (due, seq, socket, data, dst)
        self.seq = 0
        self.n = dict(up=0, up_lost=0, down=0, down_lost=0, tcp=0)

    def stats(self):
        s = ' '.join(f'{k}={v}' for k, v in self.n.items() if k != 'tcp')
        print(f'stats {s} flows={len(self.flows)} tcp={self.n["tcp"]}', flush=True)

    def queue(self, way, sock, data, dst, now):
        if self.rng.random() < self.loss:
            self.n[way + '_lost'] += 1
            return
        self.n[way] += 1
        self.seq += 1
        heapq.heappush(self.heap, (now + self.delay, self.seq, sock, data, dst))

    def flow(self, client, now):
        f = self.flows.get(client)
        if f is None:
            s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
            s.bind((self.listen[0], 0))
            s.connect(self.to)
            f = self.flows[client] = [s, now]
            self.back[s.fileno()] = client
        f[1] = now
        return f[0]

    def expire(self, now):
        for client, (s, last) in list(self.flows.items()):
            if now - last > IDLE_S:
                del self.back[s.fileno()]
                del self.flows[client]
                s.close()

    def run(self):
        next_expire = time.monotonic() + IDLE_S
        while True:
            now = time.monotonic()
            while self.heap and self.heap[0][0] <= now:
                _, _, sock, data, dst = heapq.heappop(self.heap)
                try:
                    if dst is None:
                        sock.send(data)
                    else:
                        sock.sendto(data, dst)
                except OSError:
                    pass  # a full buffer or an unreachable peer is a loss too
            wait = max(0.0, self.heap[0][0] - now) if self.heap else 1.0
            socks = [self.udp, self.tcp] + [f[0] for f in self.flows.values()]
            ready = select.select(socks, [], [], wait)[0]
            now = time.monotonic()
            for s in ready:
                if s is self.tcp:
                    self.accept()
                    continue
                for _ in range(64):  # drain a burst without a select each
                    try:
                        data, peer = s.recvfrom(65535, socket.MSG_DONTWAIT)
                    except (BlockingIOError, ConnectionRefusedError):
                        break
                    if s is self.udp:
                        self.queue('up', self.flow(peer, now), data, None, now)
                    else:
                        client = self.back[s.fileno()]
                        self.flows[client][1] = now
                        self.queue('down', self.udp, data, client, now)
            if now >= next_expire:
                self.expire(now)
                next_expire = now + IDLE_S

    def accept(self):
        c, _ = self.tcp.accept()
        self.n['tcp'] += 1
        try:
            u = socket.create_connection(self.to, timeout=5)
        except OSError:
            c.close()
            return
        u.settimeout(None)
        for a, b in ((c, u), (u, c)):
            threading.Thread(target=pipe, args=(a, b), daemon=True).start()


def pipe(src, dst):
    try:
        while True:
            b = src.recv(65536)
            if not b:
                break
            dst.sendall(b)
        dst.shutdown(socket.SHUT_WR)
    except OSError:
        for s in (src, dst):
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


def main():
    ap = argparse.ArgumentParser(description='UDP delay/loss and TCP forwarder')
    ap.add_argument('--listen', type=addr, required=True)
    ap.add_argument('--to', type=addr, required=True)
    ap.add_argument('--delay-ms', type=float, default=50.0)
    ap.add_argument('--loss', type=float, default=0.05)
    ap.add_argument('--seed', type=int)
    a = ap.parse_args()
    if not 0.0 <= a.loss < 1.0 or a.delay_ms < 0:
        ap.error('--loss must be in [0, 1) and --delay-ms >= 0')
    n = Netem(a.listen, a.to, a.delay_ms / 1000.0, a.loss, random.Random(a.seed))

    def on_term(*_):
        n.stats()
        sys.exit(0)

    signal.signal(signal.SIGTERM, on_term)
    signal.signal(signal.SIGINT, on_term)
    signal.signal(signal.SIGUSR1, lambda *_: n.stats())
    print(f'ready {a.listen[0]}:{a.listen[1]} -> {a.to[0]}:{a.to[1]} '
          f'delay {a.delay_ms:g} ms loss {a.loss:g}', flush=True)
    n.run()


if __name__ == '__main__':
    main()
