#!/usr/bin/env python3
"""Measures one system (plain, softlan, openvpn, tinc) already running in the
benchmark's namespaces (tests/bench/topo.sh) and writes its figures as JSON.

Every test runs --reps times; the JSON keeps each repetition and a
median/min/max summary. Around each test the CPU time of the system's
processes (/proc/PID/stat) and the frames on the player's overlay device
are read, so each test also gives CPU per forwarded frame.
Python 3 standard library only.
"""
import argparse
import json
import math
import os
import re
import statistics
import subprocess
import sys
import time

CLK_TCK = os.sysconf("SC_CLK_TCK")
IPERF_PORT = 5201


def log(msg):
    print(f"  [{time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


class Net:
    """Commands inside the namespaces TAG-SHORT."""

    def __init__(self, tag):
        self.tag = tag

    def argv(self, ns, args):
        return ["ip", "netns", "exec", f"{self.tag}-{ns}", *args]

    def run(self, ns, args, timeout):
        return subprocess.run(self.argv(ns, args), capture_output=True, text=True,
                              timeout=timeout)

    def dev_packets(self, ns, dev):
        out = subprocess.run(["ip", "-n", f"{self.tag}-{ns}", "-s", "-j", "link", "show", dev],
                             capture_output=True, text=True, check=True, timeout=10).stdout
        st = json.loads(out)[0]["stats64"]
        return st["rx"]["packets"] + st["tx"]["packets"]


def summary(values):
    vals = [v for v in values if v is not None]
    if not vals:
        return None
    return {"median": statistics.median(vals), "min": min(vals), "max": max(vals), "n": len(vals)}


def percentile(sorted_vals, p):
    # nearest rank: the smallest value with at least p% of the samples at or below it
    k = max(1, math.ceil(p / 100 * len(sorted_vals)))
    return sorted_vals[k - 1]


class Iperf:
    """One-off iperf3 servers on the LAN host, one per test, so a stuck
    server from an overload never spoils the next test."""

    def __init__(self, net, target):
        self.net, self.target = net, target

    def run(self, client_args, seconds):
        srv = subprocess.Popen(self.net.argv("host", ["iperf3", "-s", "-1", "-p", str(IPERF_PORT),
                                                      "--forceflush", "--rcv-timeout", "5000"]),
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        try:
            line = srv.stdout.readline()
            while line and "listening" not in line:
                line = srv.stdout.readline()
            try:
                res = self.net.run("p1", ["iperf3", "-c", self.target, "-p", str(IPERF_PORT), "-J",
                                          "--connect-timeout", "3000", "-t", str(seconds),
                                          *client_args], timeout=seconds + 30)
            except subprocess.TimeoutExpired:
                log(f"iperf3 {' '.join(client_args)}: no answer within {seconds + 30} s")
                return None
            try:
                data = json.loads(res.stdout)
            except ValueError:
                data = {"error": res.stdout[-300:] + res.stderr[-300:]}
            if "error" in data:
                log(f"iperf3 {' '.join(client_args)}: {data['error']}")
                return None
            return data
        finally:
            if srv.poll() is None:
                srv.terminate()
            try:
                srv.wait(timeout=5)
            except subprocess.TimeoutExpired:
                srv.kill()
                srv.wait()

    def tcp(self, streams, seconds, reverse=False):
        d = self.run(["-P", str(streams), "-O", "1", *(["-R"] if reverse else [])], seconds)
        return None if d is None else d["end"]["sum_received"]["bits_per_second"] / 1e6

    def udp(self, length, pps, seconds):
        """pps 0 = unlimited. Returns offered and received frames/s and loss."""
        rate = "0" if pps == 0 else str(int(pps * length * 8))
        # 4 MB socket buffers: a receiver descheduled for a few ms on the
        # shared cores must not count as loss on the path.
        d = self.run(["-u", "-l", str(length), "-b", rate, "-w", "4M"], seconds)
        if d is None:
            return None
        sent, rcvd = d["end"]["sum_sent"], d["end"]["sum_received"]
        got = rcvd["packets"] - rcvd["lost_packets"]
        secs = sent["seconds"] or seconds
        return {"offered_pps": sent["packets"] / secs, "received_pps": got / secs,
                "loss": 1 - got / sent["packets"] if sent["packets"] else 1.0,
                "asked_pps": pps}


class Cpu:
    """CPU seconds of the system's processes and frames on the player's
    overlay device between two snapshots."""

    def __init__(self, net, pids, client_dev, metrics):
        self.net, self.pids, self.client_dev, self.metrics = net, pids, client_dev, metrics

    @staticmethod
    def ticks(pid):
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return int(fields[11]) + int(fields[12])  # utime, stime

    def relay_frames(self):
        """softlan only: Ethernet frames into the relay (all rooms): with
        one player and the gateway, every one is forwarded once."""
        if not self.metrics:
            return None
        res = self.net.run("relay", ["curl", "-sf", "--max-time", "5", "-H",
                                     f"Authorization: Bearer {self.metrics}",
                                     "http://127.0.0.1:8080/metrics"], timeout=10)
        total = 0
        for m in re.finditer(r'^lanparty_room_frames_total\{[^}]*direction="up"[^}]*\} (\d+)',
                             res.stdout, re.M):
            total += int(m.group(1))
        return total

    def snap(self):
        return {"t": time.monotonic(),
                "ticks": {role: self.ticks(pid) for role, pid in self.pids.items()},
                "frames": self.net.dev_packets("p1", self.client_dev) if self.client_dev else None,
                "relay_frames": self.relay_frames()}

    def delta(self, a, b):
        """CPU per frame over the frames the relay forwarded: its own count
        where it has one (softlan's /metrics), else the player's device
        count (the peers' taps carry one wire frame per packet; a TAP with
        offloads may carry super-frames, which the relay sees cut)."""
        out = {"seconds": b["t"] - a["t"], "frames": None, "frames_device": None,
               "frames_relay": None, "procs": {}}
        if a["frames"] is not None:
            out["frames_device"] = b["frames"] - a["frames"]
        if a["relay_frames"] is not None:
            out["frames_relay"] = b["relay_frames"] - a["relay_frames"]
        out["frames"] = out["frames_relay"] if out["frames_relay"] is not None \
            else out["frames_device"]
        for role in self.pids:
            cpu = (b["ticks"][role] - a["ticks"][role]) / CLK_TCK
            per = cpu / out["frames"] * 1e6 if out["frames"] else None
            out["procs"][role] = {"cpu_s": cpu, "cpu_pct": 100 * cpu / out["seconds"],
                                  "us_per_frame": per}
        return out


def udp_search(ip, length, seconds, steps, start_pps, max_pps):
    """Highest offered frames/s losing under 1%: a first try at what arrived
    unlimited, then halving the bracket (geometric mean) `steps` times."""
    good, lo, hi = None, None, max_pps
    trial = start_pps
    tries = []
    for _ in range(steps):
        r = ip.udp(length, max(1, int(trial)), seconds)
        if r is None:
            hi = trial
        else:
            tries.append(r)
            if r["loss"] < 0.01:
                lo = trial
                if good is None or r["offered_pps"] > good["offered_pps"]:
                    good = r
            else:
                hi = trial
        if lo is None:
            trial = hi / 2
        else:
            trial = math.sqrt(lo * hi) if hi > lo * 1.02 else lo
            if hi <= lo * 1.02:
                break
    return good, tries


def ping(net, target, size, count):
    try:
        res = net.run("p1", ["ping", "-n", "-i", "0.01", "-W", "1", "-c", str(count), "-s",
                             str(size), target], timeout=count * 0.05 + 30)
    except subprocess.TimeoutExpired:
        log(f"ping {target} -s {size}: did not end")
        return None
    times = sorted(float(m) for m in re.findall(r"time=([\d.]+) ms", res.stdout))
    if not times:
        log(f"ping {target} -s {size}: no answer")
        return None
    return {"min": times[0], "median": statistics.median(times), "p99": percentile(times, 99),
            "received": len(times), "sent": count}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--system", required=True)
    ap.add_argument("--tag", required=True, help="namespace prefix")
    ap.add_argument("--target", required=True, help="LAN host over the system")
    ap.add_argument("--plain", required=True, help="LAN host over the plain path")
    ap.add_argument("--pid", action="append", default=[], help="ROLE=PID")
    ap.add_argument("--client-dev", default="", help="player's overlay device")
    ap.add_argument("--metrics-token", default="", help="softlan: admin token for /metrics")
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--tcp-seconds", type=int, default=5)
    ap.add_argument("--udp-seconds", type=int, default=3)
    ap.add_argument("--search-steps", type=int, default=5)
    ap.add_argument("--ping-count", type=int, default=300)
    ap.add_argument("--tests", default="tcp1,tcp4,tcp1r,udp64,udp1400,ping")
    ap.add_argument("--extra", default="{}", help="JSON merged into the output")
    ap.add_argument("--out", required=True)
    a = ap.parse_args()

    net = Net(a.tag)
    pids = dict(p.split("=", 1) for p in a.pid)
    cpu = Cpu(net, {k: int(v) for k, v in pids.items()}, a.client_dev, a.metrics_token)
    ip = Iperf(net, a.target)
    tests = a.tests.split(",")
    out = {"system": a.system, "target": a.target, "plain_target": a.plain, "reps": a.reps,
           "settings": {k: getattr(a, k) for k in
                        ("tcp_seconds", "udp_seconds", "search_steps", "ping_count")},
           "tests": {}, "cpu": {}}
    out.update(json.loads(a.extra))

    def phase(name, fn):
        log(f"{a.system}: {name}")
        before = cpu.snap()
        res = fn()
        out["cpu"][name] = cpu.delta(before, cpu.snap())
        out["tests"][name] = res

    # tcp1r: the download direction, LAN host -> player (iperf3 -R)
    for name, streams, rev in (("tcp1", 1, False), ("tcp4", 4, False), ("tcp1r", 1, True)):
        if name in tests:
            phase(name, lambda s=streams, r=rev: (lambda v: {"mbit_s": summary(v), "runs": v})(
                [ip.tcp(s, a.tcp_seconds, r) for _ in range(a.reps)]))

    for length in (64, 1400):
        name = f"udp{length}"
        if name not in tests:
            continue

        def udp_test(length=length):
            runs = []
            for _ in range(a.reps):
                unl = ip.udp(length, 0, a.udp_seconds)
                good, tries = (None, [])
                if unl is not None and a.search_steps > 0:
                    good, tries = udp_search(ip, length, a.udp_seconds, a.search_steps,
                                             unl["received_pps"], unl["offered_pps"])
                runs.append({"unlimited": unl, "best_under_1pct": good, "tries": tries})
            return {"unlimited_received_pps": summary(
                        [r["unlimited"]["received_pps"] for r in runs if r["unlimited"]]),
                    "unlimited_loss": summary(
                        [r["unlimited"]["loss"] for r in runs if r["unlimited"]]),
                    "under_1pct_pps": summary(
                        [r["best_under_1pct"]["received_pps"] if r["best_under_1pct"] else None
                         for r in runs]),
                    "runs": runs}

        phase(name, udp_test)

    if "ping" in tests:
        def ping_test():
            res = {}
            for size in (56, 1400):
                runs = []
                for _ in range(a.reps):
                    o = ping(net, a.target, size, a.ping_count)
                    p = ping(net, a.plain, size, a.ping_count)
                    runs.append({"overlay": o, "plain": p,
                                 "overhead_median": o["median"] - p["median"] if o and p else None})
                res[str(size)] = {
                    **{f"{k}_ms": summary([r["overlay"][k] for r in runs if r["overlay"]])
                       for k in ("min", "median", "p99")},
                    **{f"plain_{k}_ms": summary([r["plain"][k] for r in runs if r["plain"]])
                       for k in ("min", "median", "p99")},
                    "overhead_median_ms": summary([r["overhead_median"] for r in runs]),
                    "runs": runs}
            return res

        phase("ping", ping_test)

    with open(a.out, "w") as f:
        json.dump(out, f, indent=1)


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        sys.exit(130)
    except subprocess.CalledProcessError as e:
        # e.g. the overlay device vanished because its program died
        log(f"measure: {' '.join(e.cmd)} failed (exit {e.returncode}): {(e.stderr or '').strip()}")
        sys.exit(1)
