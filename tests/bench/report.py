#!/usr/bin/env python3
"""Tables the per-system JSON of tests/bench/measure.py (and the load
generator's report, when there is one) into OUT.md and OUT.json, with the
versions, the date and the exact command. Python 3 standard library only.
"""
import argparse
import json
import os
import platform
import subprocess
import time

NAMES = {"plain": "plain IP forwarding (kernel, ceiling)", "softlan": "softlan",
         "openvpn": "OpenVPN 2.6 TAP", "tinc": "tinc 1.0 switch mode"}
PEERS = ("openvpn", "tinc")


def first_line(argv):
    try:
        out = subprocess.run(argv, capture_output=True, text=True, timeout=10)
        return (out.stdout or out.stderr).splitlines()[0].strip()
    except (OSError, IndexError, subprocess.TimeoutExpired):
        return None


def versions(binary_dir, systems):
    v = {"kernel": platform.release(),
         "iperf3": first_line(["iperf3", "--version"]),
         "openvpn": first_line(["openvpn", "--version"]),
         "tinc": first_line(["tincd", "--version"]),
         "softlan": first_line([os.path.join(binary_dir, "lanparty-relay"), "--version"]),
         "softlan_commit": os.environ.get("BENCH_SOFTLAN_COMMIT") or
         first_line(["git", "describe", "--always", "--dirty"]),
         "cpus": os.cpu_count()}
    for s in systems.values():
        v[f"{s['system']}_as_run"] = s.get("version")
    return v


def get(d, *path):
    for p in path:
        if d is None:
            return None
        d = d.get(p)
    return d


def fmt(s, scale=1.0, digits=0):
    """median (min-max) of a measure.py summary."""
    if not s:
        return "n/a"
    f = f"{{:,.{digits}f}}"
    if s["n"] == 1:
        return f.format(s["median"] * scale)
    return (f.format(s["median"] * scale) + " (" + f.format(s["min"] * scale) + "–" +
            f.format(s["max"] * scale) + ")")


def cpu_cell(sysres, phase, role):
    c = get(sysres, "cpu", phase, "procs", role)
    if not c or c["us_per_frame"] is None:
        return "–"
    return f"{c['us_per_frame']:.2f} µs ({c['cpu_pct']:.0f}%)"


def rss_per_member(sysres):
    m = sysres.get("members") or 0
    r = sysres.get("relay_rss_kb") or {}
    if not m or not r.get("after"):
        return "–"
    return f"{(r['after'] - r['before']) / m:.0f} KB"


def tables(systems):
    order = [s for s in ("plain", "softlan", "openvpn", "tinc") if s in systems]
    md = []
    # The download column only when the run measured it (tcp1r in --tests).
    down = any(get(systems[s], "tests", "tcp1r") for s in order)
    md.append("### Throughput (player -> LAN host; median (min–max))\n")
    md.append("| system | TCP 1 stream Mbit/s | TCP 4 streams Mbit/s "
              + ("| TCP 1 stream LAN host -> player Mbit/s " if down else "")
              + "| UDP 64 B kframes/s, <1% loss "
              "| UDP 64 B kframes/s arriving at -b 0 | UDP 1400 B kframes/s, <1% loss "
              "| UDP 1400 B kframes/s arriving at -b 0 |")
    md.append("|---|---|---|---|---|---|---|" + ("---|" if down else ""))
    for s in order:
        t = systems[s]["tests"]
        md.append(f"| {NAMES.get(s, s)} | {fmt(get(t, 'tcp1', 'mbit_s'))} "
                  f"| {fmt(get(t, 'tcp4', 'mbit_s'))} "
                  + (f"| {fmt(get(t, 'tcp1r', 'mbit_s'))} " if down else "")
                  + f"| {fmt(get(t, 'udp64', 'under_1pct_pps'), 1e-3, 1)} "
                  f"| {fmt(get(t, 'udp64', 'unlimited_received_pps'), 1e-3, 1)} "
                  f"| {fmt(get(t, 'udp1400', 'under_1pct_pps'), 1e-3, 1)} "
                  f"| {fmt(get(t, 'udp1400', 'unlimited_received_pps'), 1e-3, 1)} |")
    md.append("\n### Round trip, ping -i 0.01 (ms; median (min–max) over repetitions)\n")
    md.append("| system | 56 B min | 56 B median | 56 B p99 | 56 B overhead over plain "
              "| 1400 B min | 1400 B median | 1400 B p99 | 1400 B overhead over plain |")
    md.append("|---|---|---|---|---|---|---|---|---|")
    for s in order:
        p = get(systems[s], "tests", "ping") or {}
        cells = []
        for size in ("56", "1400"):
            q = p.get(size) or {}
            cells += [fmt(q.get(f"{k}_ms"), 1, 3) for k in ("min", "median", "p99")]
            cells.append(fmt(q.get("overhead_median_ms"), 1, 3))
        md.append(f"| {NAMES.get(s, s)} | " + " | ".join(cells) + " |")
    md.append("\n### Cost: CPU per frame the relay forwarded (and the process's CPU %, "
              "100% = one core), relay memory per member (2 members)\n")
    md.append("| system | relay, UDP 64 B | gateway, UDP 64 B | client, UDP 64 B "
              "| relay, TCP 1 stream | gateway, TCP 1 stream | client, TCP 1 stream "
              "| relay RSS per member |")
    md.append("|---|---|---|---|---|---|---|---|")
    for s in order:
        r = systems[s]
        cells = [cpu_cell(r, ph, role) for ph in ("udp64", "tcp1")
                 for role in ("relay", "gateway", "client")]
        md.append(f"| {NAMES.get(s, s)} | " + " | ".join(cells) + f" | {rss_per_member(r)} |")
    return md


def targets(systems, loadgen):
    """Issue 7's targets, from this run's figures (None when not measured)."""
    sl = systems.get("softlan")
    peers = [systems[p] for p in PEERS if p in systems]
    if not sl or not peers:
        return []

    def med(r, *path):
        return get(r, *path, "median")

    rows = []

    def ratio_row(what, path, want):
        best = max((med(p, *path) or 0 for p in peers), default=0)
        mine = med(sl, *path)
        if mine is None or not best:
            return
        rows.append((what, f"{mine / best:.2f}x the better peer", f">= {want}x",
                     mine / best >= want))

    ratio_row("TCP 1 stream", ("tests", "tcp1", "mbit_s"), 3)
    ratio_row("UDP 64 B frames/s arriving at -b 0", ("tests", "udp64", "unlimited_received_pps"), 5)
    ratio_row("UDP 64 B frames/s under 1% loss", ("tests", "udp64", "under_1pct_pps"), 5)
    for size in ("56", "1400"):
        best = min((med(p, "tests", "ping", size, "overhead_median_ms") for p in peers
                    if med(p, "tests", "ping", size, "overhead_median_ms") is not None),
                   default=None)
        mine = med(sl, "tests", "ping", size, "overhead_median_ms")
        if best is not None and mine is not None:
            rows.append((f"ping {size} B overhead over plain", f"{mine:.3f} ms vs {best:.3f} ms",
                         "<= 1/3 of the better peer's", mine <= best / 3))
    c = get(sl, "cpu", "udp64", "procs", "relay", "us_per_frame")
    if c is not None:
        rows.append(("relay CPU per forwarded frame (UDP 64 B)", f"{c:.2f} µs", "<= 2 µs", c <= 2))
    runs = (loadgen or {}).get("runs") or []
    if runs:
        big = max(runs, key=lambda r: get(r, "config", "members") or 0)
        k, held = get(big, "config", "members"), get(big, "members", "held_end") or 0
        kb = get(big, "relay", "kb_per_member_end")
        rows.append((f"members held (load generator, K = {k:,})", f"{held:,}", "10,000",
                     held >= 10000))
        if kb is not None:
            rows.append((f"relay memory per member (K = {k:,}, after traffic)", f"{kb:.1f} KB",
                         "<= 50 KB", kb <= 50))
    md = ["\n### Issue 7 targets (softlan against the better of OpenVPN and tinc, this run)\n",
          "| target | measured | wanted | met |", "|---|---|---|---|"]
    md += [f"| {w} | {m} | {want} | {'yes' if ok else 'no'} |" for w, m, want, ok in rows]
    return md


def loadgen_md(lg):
    md = ["\n### Relay capacity (lanparty-loadgen: in-process members, 64-byte frames)\n"]
    runs = (lg or {}).get("runs") or []
    if not runs:
        return md + ["Not measured in this run."]
    md.append("| members K | rooms | handshakes/s | welcomed | held at the end | frames/s sent "
              "| frames/s delivered | delivery | relay KB per member, joined "
              "| relay KB per member, after traffic | relay CPU per delivered frame |")
    md.append("|---|---|---|---|---|---|---|---|---|---|---|")
    for r in runs:
        c, h, m, f, rl = (r.get(k) or {} for k in ("config", "handshakes", "members", "frames",
                                                    "relay"))

        def n(v, spec=",.0f"):
            return "n/a" if v is None else format(v, spec)
        md.append(f"| {n(c.get('members'))} | {n(c.get('rooms'))} | {n(h.get('per_s'))} "
                  f"| {n(h.get('welcomed'))} | {n(m.get('held_end'))} "
                  f"| {n(f.get('sent_per_s'))} | {n(f.get('received_per_s'))} "
                  f"| {n(f.get('delivery'), '.3f')} | {n(rl.get('kb_per_member_joined'), '.1f')} "
                  f"| {n(rl.get('kb_per_member_end'), '.1f')} "
                  f"| {n(rl.get('cpu_us_per_frame'), '.2f')} µs |")
    return md


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--command", required=True)
    ap.add_argument("--started", required=True)
    ap.add_argument("--kind", default="full")
    ap.add_argument("--bin", required=True)
    ap.add_argument("--out", required=True, help="path without .md/.json")
    ap.add_argument("--loadgen")
    ap.add_argument("results", nargs="*")
    a = ap.parse_args()

    systems = {}
    for path in a.results:
        if os.path.exists(path):
            with open(path) as f:
                r = json.load(f)
            systems[r["system"]] = r
    loadgen = None
    if a.loadgen and os.path.exists(a.loadgen):
        with open(a.loadgen) as f:
            loadgen = json.load(f)
    finished = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    ver = versions(a.bin, systems)
    doc = {"command": a.command, "kind": a.kind, "started": a.started, "finished": finished,
           "versions": ver, "load1_at_end": os.getloadavg()[0], "systems": systems,
           "loadgen": loadgen}
    with open(a.out + ".json", "w") as f:
        json.dump(doc, f, indent=1)

    loads = ", ".join(f"{s} {r.get('load1_before', 0):.2f}->{r.get('load1_after', 0):.2f}"
                      for s, r in systems.items())
    md = [f"## softlan benchmark, {a.kind} run, {a.started} to {finished}\n",
          f"- command: `{a.command}`",
          f"- softlan {ver['softlan']} (commit {ver['softlan_commit']}), {ver['openvpn']}, "
          f"{ver['tinc']}, {ver['iperf3']}, kernel {ver['kernel']}, {ver['cpus']} CPUs",
          f"- repetitions: {next(iter(systems.values()))['reps'] if systems else 0}; "
          f"settings: {json.dumps(next(iter(systems.values()))['settings']) if systems else ''}",
          f"- load average (1 min) before->after each system: {loads}",
          "- every process (iperf3 at both ends, relay, both edges) shares the same cores: "
          "compare rows of one run only\n"]
    md += tables(systems)
    md += targets(systems, loadgen)
    md += loadgen_md(loadgen)
    with open(a.out + ".md", "w") as f:
        f.write("\n".join(md) + "\n")


if __name__ == "__main__":
    main()
