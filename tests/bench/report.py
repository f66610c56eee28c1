#!/usr/bin/env python3
"""Turns the raw numbers of tests/bench/series.sh into docs/performance.md
and a gnuplot plot (docs/performance.png).  Part of `make bench`."""
import argparse
import os
import platform
import re
import statistics
import subprocess
import sys
import time

ap = argparse.ArgumentParser()
ap.add_argument("--raw", required=True)
ap.add_argument("--out", required=True)
ap.add_argument("--runs", type=int, required=True)
ap.add_argument("--seconds", type=int, default=0)
ap.add_argument("--sudo", default="")
ap.add_argument("--commit", default="")
ap.add_argument("--load", default="")
ap.add_argument("--binary", default="build/xkvm")
ap.add_argument("--reused", default="")
a = ap.parse_args()

NS = [1, 8, 32, 128]
rows = [l.split() for l in open(a.raw) if l.strip()]


def ms(us):
    return int(us) / 1000.0


def vals(series, case, tool, col=4, conv=ms):
    """Column col of the rows of one series/case/tool; launch runs that
    failed (status not 0) are left out (and counted in the tables)."""
    return [conv(r[col]) for r in rows
            if r[0] == series and r[1] == case and r[2] == tool
            and not (series.startswith("launch") and r[5] != "0")]


def pair_ratios(case):
    """reference/xkvm of the runs made one after the other (same run number),
    both successful."""
    by = {}
    for r in rows:
        if r[0] == "launch" and r[1] == case and r[5] == "0":
            by.setdefault(r[3], {})[r[2]] = int(r[4])
    return [v["ref"] / v["xkvm"] for v in by.values() if "ref" in v and "xkvm" in v]


def nfailed(series, case, tool):
    return sum(1 for r in rows if r[:3] == [series, case, tool] and r[5] != "0")


def med(v):
    return statistics.median(v) if v else float("nan")


def fmt(v, nd=None):
    if v != v:
        return "n/a"
    if nd is None:
        nd = 0 if v >= 100 else 1 if v >= 10 else 2
    return f"{v:.{nd}f}"


def cell(v):
    return f"{fmt(med(v))} [{fmt(min(v))}–{fmt(max(v))}]" if v else "n/a"


def sh(cmd):
    try:
        return subprocess.run(cmd, shell=True, capture_output=True, text=True,
                              timeout=10).stdout.strip()
    except Exception:
        return ""


def cpu_model():
    for l in open("/proc/cpuinfo"):
        if l.startswith("model name"):
            return l.split(":", 1)[1].strip()
    return platform.processor() or "unknown"


def fit(xs, ys):
    """Least-squares line: slope, intercept, largest relative residual."""
    n = len(xs)
    mx, my = sum(xs) / n, sum(ys) / n
    sxx = sum((x - mx) ** 2 for x in xs)
    slope = sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / sxx
    icpt = my - slope * mx
    res = max(abs(y - (icpt + slope * x)) / y for x, y in zip(xs, ys))
    return slope, icpt, res


out = []
p = out.append
idle = med(vals("idle", "settle", "-"))
standin = med(vals("qemu", "standin", "-"))
xhelp = med(vals("xkvm", "help", "-"))
linkdel = med(vals("ip", "linkdel", "-"))
ipshow = med(vals("ip", "show", "-"))

# --- one launch ----------------------------------------------------------
launch = {}
for kind in ("ovs", "linux"):
    for n in NS:
        case = f"{kind}-{n}"
        launch[(kind, n)] = {
            "ref": vals("launch", case, "ref"),
            "xkvm": vals("launch", case, "xkvm"),
            "nowait": vals("launch-nowait", case, "xkvm"),
            # xkvm does not wait for ovs-vswitchd to drop its ports: the
            # time until it has, minus an idle ovs-vsctl round trip
            "xkvm_settled": [ms(r[4]) + max(0.0, ms(r[6]) - idle) for r in rows
                             if r[:3] == ["launch", case, "xkvm"] and r[5] == "0"],
        }

# plot data + gnuplot
dat = os.path.join(a.out, "performance.dat")
with open(dat, "w") as f:
    f.write("# N  ref_ovs min max  xkvm_ovs min max  ref_linux min max  xkvm_linux min max"
            "  xkvm_ovs_settled  xkvm_ovs_nowait min max\n")
    for n in NS:
        cols = [str(n)]
        for kind in ("ovs", "linux"):
            for tool in ("ref", "xkvm"):
                v = launch[(kind, n)][tool]
                cols += [fmt(med(v), 3), fmt(min(v), 3), fmt(max(v), 3)]
        cols.append(fmt(med(launch[("ovs", n)]["xkvm_settled"]), 3))
        v = launch[("ovs", n)]["nowait"]
        cols += [fmt(med(v), 3), fmt(min(v), 3), fmt(max(v), 3)] if v else ["NaN"] * 3
        f.write(" ".join(cols) + "\n")
png = os.path.join(a.out, "performance.png")
png_lin = os.path.join(a.out, "performance-xkvm.png")
y0 = med(launch[("linux", 1)]["xkvm"])
gp = f"""
set terminal pngcairo size 900,600 font ",11"
set output "{png}"
set title "One launch (setup + teardown, qemu stand-in exits at once): median of {a.runs}, bars min-max"
set xlabel "NICs in the launch (N)"
set ylabel "wall time (ms)"
set logscale xy
set xtics (1, 2, 4, 8, 16, 32, 64, 128)
set grid
set key top left
set xrange [0.8:160]
plot "{dat}" using 1:2:3:4 with yerrorlines lw 2 lc rgb "#c03030" title "reference, OVS bridge", \\
     "{dat}" using 1:8:9:10 with yerrorlines lw 2 lc rgb "#e09040" title "reference, Linux bridge", \\
     "{dat}" using 1:5:6:7 with yerrorlines lw 2 lc rgb "#2050c0" title "xkvm, OVS bridge", \\
     "{dat}" using 1:11:12:13 with yerrorlines lw 2 lc rgb "#30a050" title "xkvm, Linux bridge", \\
     "{dat}" using 1:14 with linespoints dt 2 lc rgb "#2050c0" title "xkvm, OVS, until ovs-vswitchd dropped the ports", \\
     "{dat}" using 1:15:16:17 with yerrorlines lw 2 dt 3 lc rgb "#6080e0" title "xkvm --ovs-no-wait, OVS bridge"
set output "{png_lin}"
set title "xkvm alone, linear axes: median of {a.runs}, bars min-max"
unset logscale
set xtics (1, 8, 32, 64, 96, 128)
set xrange [0:132]
set yrange [0:*]
plot "{dat}" using 1:5:6:7 with yerrorlines lw 2 lc rgb "#2050c0" title "xkvm, OVS bridge", \\
     "{dat}" using 1:15:16:17 with yerrorlines lw 2 dt 3 lc rgb "#6080e0" title "xkvm --ovs-no-wait, OVS bridge", \\
     "{dat}" using 1:11:12:13 with yerrorlines lw 2 lc rgb "#30a050" title "xkvm, Linux bridge", \\
     {y0:.3f} + 2*(x-1) lc rgb "#999999" dt 4 title "slope 2 ms/NIC (the target) from xkvm's 1-NIC time, Linux"
"""
r = subprocess.run(["gnuplot"], input=gp, text=True, capture_output=True)
if r.returncode != 0:
    sys.exit("report: gnuplot failed: " + r.stderr)

# --- header --------------------------------------------------------------
p("# Performance: xkvm against the reference script")
p("")
p(f"Generated by `make bench` (`tests/bench/run.sh`, `tests/bench/series.sh`, "
  f"`tests/bench/report.py`) on {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}"
  f"{', commit ' + a.commit if a.commit else ''}, in {a.seconds} s. Every figure is the "
  f"median of {a.runs} runs with [min–max], in milliseconds of wall time; raw numbers "
  f"(microseconds) in `docs/performance.raw`. Rerun: `make bench`, or "
  f"`tests/bench/run.sh --build DIR --runs N --out DIR` (root; about 40 s per run)."
  + (f" This time the launch series were not rerun: their rows come from `{a.reused}` "
     f"(an earlier run, its own commit); only the lab-scale series below are new." if a.reused else ""))
p("")
p("## Machine")
p("")
mem = sh("awk '/MemTotal/ {printf \"%.1f GiB\", $2/1048576}' /proc/meminfo")
p(f"- CPU: {cpu_model()}, `nproc` = {os.cpu_count() and sh('nproc')}; memory {mem}")
p(f"- kernel {platform.release()}; {sh('. /etc/os-release && echo $PRETTY_NAME')}")
p(f"- {sh('ovs-vswitchd --version | head -1')} (userspace datapath, `datapath_type=netdev`); "
  f"{sh('qemu-system-x86_64 --version | head -1')}; {sh('bash --version | head -1')}")
p(f"- the reference's `sudo`: {a.sudo}")
p("- the machine is shared (other jobs ran at the same time): single runs vary; "
  "the medians are what the tables compare."
  + (f" Load average (1, 5, 15 min): {a.load}." if a.load else ""))
p("")
p("## Method")
p("")
p("Everything runs inside a sandbox the bench makes: a network namespace with its own "
  "ovsdb-server and ovs-vswitchd (userspace datapath), one OVS bridge and one Linux bridge. "
  "Each tool launches a qemu stand-in (`tests/lib/fake-qemu`, `FAKE_QEMU_EXIT=0`) that exits "
  "at once, so the time is the tool's own setup and teardown: "
  "`reference --kvm STANDIN --netdev BR ...` and `xkvm --accel=tcg --kvm STANDIN --netdev BR ...`. "
  "Neither probes qemu (`-device X,?`): NICs with no options need no probe. "
  "Runs alternate reference / xkvm; after each run the bench waits until ovs-vswitchd has applied "
  "every change (an `ovs-vsctl` write that waits for `cur_cfg`), checks that no tap and no port "
  "is left, and removes leftovers itself. The reference runs sequentially in the N series "
  "(its tap names race otherwise). xkvm returns when its ports are gone from the database; "
  "the reference's `ovs-vsctl del-port` also waits for ovs-vswitchd to drop each port; "
  "the column *xkvm until settled* adds the time ovs-vswitchd then still needed "
  f"(the settle wait minus an idle `ovs-vsctl` round trip, {fmt(idle)} ms). "
  f"The qemu stand-in alone costs {fmt(standin)} ms (a bash script), in both tools' figures. "
  f"The xkvm measured is a copy of `{a.binary}` taken when the bench started. "
  "Caveat on the `--ovs-no-wait` column: with a qemu that exits at once, xkvm may remove its "
  "ports before ovs-vswitchd has even opened them, so that column shows xkvm's own cost, not "
  "what a real launch (qemu running a while) leaves ovs-vswitchd to do.")
p("")

# --- N series ------------------------------------------------------------
p("## One launch with N NICs")
p("")
p("![time against N, log-log](performance.png)")
p("")
p("![xkvm alone, linear axes](performance-xkvm.png)")
p("")
for kind, title in (("ovs", "OVS bridge"), ("linux", "Linux bridge")):
    p(f"### {title}")
    p("")
    extra = " xkvm until settled | xkvm `--ovs-no-wait` |" if kind == "ovs" else ""
    p(f"| N | reference | xkvm | ratio of the medians | ratio per pair (run r of each) |{extra}")
    p("|---:|---:|---:|---:|---:|" + ("---:|---:|" if kind == "ovs" else ""))
    for n in NS:
        d = launch[(kind, n)]
        ratio = med(d["ref"]) / med(d["xkvm"])
        bad = ""
        for series, tool in (("launch", "ref"), ("launch", "xkvm"), ("launch-nowait", "xkvm")):
            nb = nfailed(series, f"{kind}-{n}", tool)
            if nb:
                bad += f" ({nb} {series} {tool} run(s) failed, left out)"
        pr = pair_ratios(f"{kind}-{n}")
        prc = f"{med(pr):.1f}x [{min(pr):.1f}–{max(pr):.1f}]" if pr else "n/a"
        line = f"| {n} | {cell(d['ref'])} | {cell(d['xkvm'])} | {ratio:.1f}x{bad} | {prc} |"
        if kind == "ovs":
            line += f" {cell(d['xkvm_settled'])} (ratio {med(d['ref']) / med(d['xkvm_settled']):.1f}x) |"
            line += f" {cell(d['nowait'])} |"
        p(line)
    p("")

p("### Cost against N")
p("")
p("Per-NIC cost between successive N (difference of the medians over the difference of N), "
  "and a least-squares line through the four medians. A linear cost has equal segment slopes.")
p("")
p("| tool, bridge | 1→8 | 8→32 | 32→128 | line: per NIC | line: fixed |")
p("|---|---:|---:|---:|---:|---:|")
fits = {}
for kind in ("ovs", "linux"):
    for tool, label in (("ref", "reference"), ("xkvm", "xkvm"), ("xkvm_settled", "xkvm until settled"),
                        ("nowait", "xkvm `--ovs-no-wait`")):
        if tool in ("xkvm_settled", "nowait") and kind != "ovs":
            continue
        ys = [med(launch[(kind, n)][tool]) for n in NS]
        s_, i_, res = fit(NS, ys)
        segs = [(ys[k + 1] - ys[k]) / (NS[k + 1] - NS[k]) for k in range(3)]
        fits[(kind, tool)] = (s_, i_, segs)
        p(f"| {label}, {kind} | " + " | ".join(f"{g:.2f}" for g in segs) + f" | {s_:.2f} | {i_:.1f} |")
p("")

# --- concurrency ---------------------------------------------------------
p("## 32 concurrent launches of 2 NICs (one on each bridge)")
p("")
p("All 32 started at once; wall time until the last exited. *Succeeded*: exit status 0. "
  "*Clean*: succeeded with taps no other launch was given (here the qemu stand-in is "
  "`tests/bench/qemu-record`, which records each tap's name and ifindex and exits). *Leaked*: taps / OVS ports still there after all exited (removed by the bench).")
p("")
p("| tool | wall time | succeeded (median [min–max] of 32) | clean | leaked taps | leaked ports |")
p("|---|---:|---:|---:|---:|---:|")
conc = {}
for tool, label in (("ref", "reference"), ("xkvm", "xkvm")):
    rs = [r for r in rows if r[0] == "conc" and r[2] == tool]
    wall = [ms(r[4]) for r in rs]
    okc = [int(r[5]) for r in rs]
    clean = [int(r[6]) for r in rs]
    lt = [int(r[7]) for r in rs]
    lp = [int(r[8]) for r in rs]
    conc[tool] = (wall, okc, clean, lt, lp)

    def ic(v):
        return f"{med(v):g} [{min(v)}–{max(v)}]"
    p(f"| {label} | {cell(wall)} | {ic(okc)} | {ic(clean)} | {ic(lt)} | {ic(lp)} |")
p("")
p(f"Ratio of the wall times (reference/xkvm): {med(conc['ref'][0]) / med(conc['xkvm'][0]):.1f}x "
  "(the reference's failed launches end early, which flatters it).")
p("")

# --- gc ------------------------------------------------------------------
p("## `tap-control gc` of 100 orphaned taps and ports")
p("")
p("100 taps on the OVS bridge (so 100 ports too), made by 10 `xkvm tap-control make-nics` "
  "of 10 each whose owner process has exited. xkvm: `xkvm tap-control gc` (finds them by "
  "their owner tags). The reference has no gc: its figure is its own cleanup steps for the same "
  "100, given their names (`ip tuntap del` each, then `sudo reference tap-control ovs-cleanup "
  "BR:TAP ...`).")
p("")
p("| tool | time | until settled | left over |")
p("|---|---:|---:|---:|")
gc = {}
for tool, label in (("ref", "reference (its cleanup steps)"), ("xkvm", "xkvm tap-control gc")):
    rs = [r for r in rows if r[0] == "gc" and r[2] == tool]
    t = [ms(r[4]) for r in rs]
    st = [ms(r[4]) + max(0.0, ms(r[6]) - idle) for r in rs]
    left = sum(int(r[7]) + int(r[8]) for r in rs)
    failed = sum(1 for r in rs if r[5] != "0")
    gc[tool] = (t, st)
    p(f"| {label} | {cell(t)} | {cell(st)} | {left}{f' ({failed} failed)' if failed else ''} |")
p("")
p(f"Ratio reference/xkvm: {med(gc['ref'][0]) / med(gc['xkvm'][0]):.1f}x; "
  f"until settled: {med(gc['ref'][1]) / med(gc['xkvm'][1]):.1f}x.")
p("")

# --- breakdown -----------------------------------------------------------
ph = {}
badph = {(r[1], r[2]) for r in rows if r[0] == "phase" and r[3] == "status" and r[4] != "0"}
for r in rows:
    if r[0] == "phase" and (r[1], r[2]) not in badph:
        ph.setdefault((r[1], r[3]), []).append(ms(r[4]))


def P(kase, name):
    return med(ph.get((kase, name), []))


p("## Where the time goes")
p("")
p("From the timestamps of `xkvm -v`'s stderr lines (`tests/bench/tstamp.pl` stamps each line "
  "as it arrives), default mode (waiting for ovs-vswitchd to apply the new ports) and "
  "`--ovs-no-wait`: the difference of the *ports* step is ovs-vswitchd's apply time. "
  "Medians of runs made right after the launches of the same N in the tables above "
  "(interleaved, so they saw the same load); the totals differ from the tables "
  "(separate runs, `-v` output through a pipe)."
  + (f" {len(badph)} failed run(s) left out." if badph else ""))
p("")
cases = [("ovs-32-wait", "OVS 32"), ("ovs-32-nowait", "OVS 32 no-wait"),
         ("linux-32", "Linux 32"), ("ovs-1-wait", "OVS 1"), ("ovs-1-nowait", "OVS 1 no-wait"),
         ("linux-1", "Linux 1")]
p("| step (the line that ends it) | " + " | ".join(c[1] for c in cases) + " |")
p("|---|" + "---:|" * len(cases))
names = [
    ("start", "process start, options, OVSDB connect and bridge lookup, link dump, reaper (`creating tap devices`)"),
    ("taps", "taps: `/dev/net/tun` ioctls + RTM_NEWLINK each (last `created`)"),
    ("ports", "OVSDB transaction adding the ports (+ ovs-vswitchd's apply unless no-wait) (first `added`)"),
    ("argv", "qemu command line built and printed"),
    ("qemu+unports", "qemu stand-in runs; OVSDB transaction removing the ports (`removed N Open vSwitch port(s)`)"),
    ("untaps", "tap deletion: one RTM_DELLINK on the netdev group (`removing N tap(s)` to exit)"),
    ("total", "**total**, to exit"),
    ("settle", "after exit, until ovs-vswitchd dropped the ports (includes an idle `ovs-vsctl` round trip of %s ms)" % fmt(idle)),
]
for key, label in names:
    p(f"| {label} | " + " | ".join(fmt(P(c[0], key)) for c in cases) + " |")
p("")
p(f"Baselines: the qemu stand-in alone {fmt(standin)} ms; `xkvm --help` (process start, "
  f"dynamic linking) {fmt(xhelp)} ms; `ip link del` of one tap {fmt(linkdel)} ms, of which "
  f"`ip`'s own start is about {fmt(ipshow)} ms (`ip link show lo`).")
p("")
p("**32 NICs on the OVS bridge** (default mode): "
  f"netlink and tap ioctls {fmt(P('ovs-32-wait', 'taps'))} ms; "
  f"OVSDB commit of the additions {fmt(P('ovs-32-nowait', 'ports'))} ms; "
  f"ovs-vswitchd applying them {fmt(P('ovs-32-wait', 'ports') - P('ovs-32-nowait', 'ports'))} ms; "
  f"OVSDB commit of the removals about {fmt(P('ovs-32-wait', 'qemu+unports') - standin)} ms "
  f"(the step minus the stand-in); tap deletion {fmt(P('ovs-32-wait', 'untaps'))} ms; "
  f"fixed start-up {fmt(P('ovs-32-wait', 'start'))} ms. After xkvm exited, ovs-vswitchd needed "
  f"another {fmt(P('ovs-32-wait', 'settle') - idle)} ms to close the 32 ports.")
p("")

# --- targets -------------------------------------------------------------
p("## Targets")
p("")
p("| target | measured | met |")
p("|---|---:|:---:|")


def ratio(kind, n, col="xkvm"):
    return med(launch[(kind, n)]["ref"]) / med(launch[(kind, n)][col])


tg = [
    ("≥ 25x faster at 32 OVS NICs", ratio("ovs", 32), 25,
     f"; until settled {ratio('ovs', 32, 'xkvm_settled'):.1f}x"),
    ("≥ 10x faster at 32 Linux-bridge NICs", ratio("linux", 32), 10, ""),
    ("≥ 3x faster at 1 NIC, OVS bridge", ratio("ovs", 1), 3, ""),
    ("≥ 3x faster at 1 NIC, Linux bridge", ratio("linux", 1), 3, ""),
]
for label, v, want, more in tg:
    p(f"| {label} | {v:.1f}x{more} | {'yes' if v >= want else '**no**'} |")
for kind, tool, label in (("ovs", "xkvm", "OVS bridge"), ("linux", "xkvm", "Linux bridge"),
                          ("ovs", "nowait", "OVS bridge, `--ovs-no-wait`"),
                          ("ovs", "xkvm_settled", "OVS bridge, until ovs-vswitchd settled")):
    s_, i_, segs = fits[(kind, tool)]
    worst = max(segs)
    p(f"| per-NIC slope < 2 ms, {label} | line {s_:.2f} ms/NIC; segments "
      + ", ".join(f"{g:.2f}" for g in segs) + f" | {'yes' if worst < 2 else ('line only' if s_ < 2 else '**no**')} |")
p("")

# --- bounds ----------------------------------------------------------------
untap1 = P("linux-1", "untaps")
start1 = P("linux-1", "start")
kdel = max(0.0, linkdel - ipshow)	# the kernel's part of `ip link del`
floor = kdel + standin + xhelp
ref_l1 = med(launch[("linux", 1)]["ref"])
ref_o1 = med(launch[("ovs", 1)]["ref"])
vsw_del = (P("ovs-32-wait", "settle") - idle) / 32
vsw_add = (P("ovs-32-wait", "ports") - P("ovs-32-nowait", "ports")) / 32
p("## What bounds the figures (computed from the tables above)")
p("")
p(f"- **1 NIC**: deleting a tap costs the kernel an RCU grace period whatever the batching: "
  f"{fmt(untap1)} ms in xkvm's one group delete (Linux 1, *tap deletion*, to exit), {fmt(linkdel)} ms for "
  f"`ip link del` of which about {fmt(kdel)} ms are the kernel's (minus `ip`'s start). Add the qemu stand-in ({fmt(standin)} ms) and a bare xkvm process start "
  f"(`--help`, {fmt(xhelp)} ms) and the floor of any launch that creates and deletes one tap is "
  f"about {fmt(floor)} ms: against the reference's {fmt(ref_l1)} ms (Linux) and {fmt(ref_o1)} ms "
  f"(OVS) that caps the ratio at {ref_l1 / floor:.1f}x and {ref_o1 / floor:.1f}x even if "
  f"everything else xkvm does took no time. What xkvm adds on top is mostly the *start* step "
  f"({fmt(start1)} ms at Linux 1: OVSDB session and bridge lookup, link dumps, the reaper's scan).")
p(f"- **OVS, per NIC**: by default xkvm waits until ovs-vswitchd has applied the new ports "
  f"(about {fmt(vsw_add)} ms per port at 32); `--ovs-no-wait` removes that from the slope. "
  f"After xkvm exits, ovs-vswitchd spends about {fmt(vsw_del)} ms per removed port closing it "
  f"(the *until settled* figures): no client shortens that; the reference waits for it inside "
  f"its run (each `ovs-vsctl del-port` waits for ovs-vswitchd), xkvm does not.")
p("")

# --- lab scale (issue 13) --------------------------------------------------
def kv(r):
    """The KEY=VALUE fields of a fleet row."""
    return dict(f.split("=", 1) for f in r[3:] if "=" in f)


fleet = {}
for r in rows:
    if r[0] == "fleet":
        fleet.setdefault(int(r[1]), []).append({k: float(v) for k, v in kv(r).items()})
bulk = [r for r in rows if r[0] == "bulk"]
bulk_n = next((int(r[1]) for r in rows if r[0] == "bulk-n"), 1000)
if fleet:
    Ks = sorted(fleet)

    def fm(k, key):
        return med([d[key] for d in fleet[k] if key in d])

    fdat = os.path.join(a.out, "performance-fleet.dat")
    with open(fdat, "w") as f:
        f.write("# K  up_per_launch_ms  xkvm_cpu_per_launch_ms  vswitchd_cpu_per_launch_ms"
                "  ovsdb_cpu_per_launch_ms  down_per_launch_ms  probe_ms  probe_cpu_ms\n")
        for k in Ks:
            f.write(" ".join(fmt(v, 3) if v == v else "NaN" for v in [
                k, fm(k, "up_ms") / k, fm(k, "xkvm_cpu_ms") / k, fm(k, "vswitchd_cpu_ms") / k,
                fm(k, "ovsdb_cpu_ms") / k, fm(k, "down_ms") / k, fm(k, "probe_ms"),
                fm(k, "probe_cpu_ms")]) + "\n")
    fpng = os.path.join(a.out, "performance-fleet.png")
    gp = f"""
set terminal pngcairo size 900,600 font ",11"
set output "{fpng}"
set title "K launches at once (4 NICs each: 2 OVS, 2 Linux bridge), per launch"
set xlabel "launches at once (K)"
set ylabel "ms per launch"
set grid
set key top left
set xtics ({", ".join(str(k) for k in Ks)})
set xrange [0:{max(Ks) * 1.05:.0f}]
set yrange [0:*]
plot "{fdat}" using 1:2 with linespoints lw 2 lc rgb "#2050c0" title "time until all up / K", \\
     "{fdat}" using 1:3 with linespoints lw 2 lc rgb "#30a050" title "xkvm CPU / K", \\
     "{fdat}" using 1:4 with linespoints lw 2 lc rgb "#c03030" title "ovs-vswitchd CPU / K", \\
     "{fdat}" using 1:5 with linespoints lw 2 lc rgb "#e09040" title "ovsdb-server CPU / K", \\
     "{fdat}" using 1:8 with linespoints lw 2 dt 2 lc rgb "#30a050" title "one more launch among K: its CPU"
"""
    rr = subprocess.run(["gnuplot"], input=gp, text=True, capture_output=True)
    if rr.returncode != 0:
        sys.exit("report: gnuplot failed: " + rr.stderr)
    p("## Lab scale: K launches at once")
    p("")
    p("`tests/bench/fleet.sh` (driver `tests/bench/fleet.py`), issue 13: K launches started at "
      "once, each with 2 NICs on an OVS bridge (userspace datapath) and 2 on a Linux bridge, "
      "the qemu stand-in sleeping; once all are up (each launch's stand-in has started, which "
      "xkvm does only after its taps exist and ovs-vswitchd applied its ports), SIGTERM to all. "
      "Each K runs in a fresh sandbox (namespace, ovsdb-server, ovs-vswitchd). *Up*: first "
      "start to the last launch up; *teardown*: SIGTERM to the last exit. CPU: user+sys over "
      "the run, the daemons' from `/proc/PID/stat` until ovs-vswitchd applied the last removal, "
      "xkvm's from `wait4()` of each launch minus its stand-in's own. *One more*: once all K "
      "are up, one more launch whose qemu exits at once (setup and teardown among K running "
      "launches). *Share*: ovs-vswitchd's CPU over the three's.")
    p("")
    p("![per launch against K](performance-fleet.png)")
    p("")
    p("| K | up | per launch | ×K=10 | teardown | failed | left (taps/ports/ifaces) "
      "| xkvm CPU | ovs-vswitchd CPU | ovsdb-server CPU | vswitchd share | one more: wall / CPU |")
    p("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    base = fm(min(Ks), "up_ms") / min(Ks)
    for k in Ks:
        ds = fleet[k]
        failed = sum(int(d["failed"]) for d in ds)
        left = "/".join(str(sum(int(d.get(x, 0)) for d in ds))
                        for x in ("left_taps", "left_ports", "left_ifaces"))
        xc, vc, dc = fm(k, "xkvm_cpu_ms"), fm(k, "vswitchd_cpu_ms"), fm(k, "ovsdb_cpu_ms")
        share = vc / (xc + vc + dc) if xc + vc + dc else float("nan")
        p(f"| {k} | {fm(k, 'up_ms') / 1000:.2f} s | {fm(k, 'up_ms') / k:.1f} ms | "
          f"{fm(k, 'up_ms') / k / base:.1f}x | {fm(k, 'down_ms') / 1000:.2f} s | "
          f"{failed} of {k * len(ds)} | {left} | {xc / 1000:.2f} s ({xc / k:.0f} ms each) | "
          f"{vc / 1000:.2f} s | {dc / 1000:.2f} s | {share * 100:.0f}% | "
          f"{fmt(fm(k, 'probe_ms'))} / {fmt(fm(k, 'probe_cpu_ms'))} ms |")
    p("")
if bulk:
    def bv(kind, tool, col):
        return [int(r[col]) / 1000.0 for r in bulk if r[1] == kind and r[2] == tool]

    p(f"## {bulk_n:,} ports: make-nics and gc against ovs-vsctl")
    p("")
    p(f"`tests/bench/bulk.sh`: `xkvm tap-control make-nics BR` ×N (N = {bulk_n:,} taps, each an "
      "OVS port, one transaction, waiting for ovs-vswitchd) for an owner that exits at once, "
      "then `xkvm tap-control gc` of those N orphans (ports, then taps); against "
      "`ovs-vsctl` doing the ports' part over taps made beforehand (`ip -batch`, not timed): "
      "one `ovs-vsctl add-port` / `del-port` per port (one run: it takes minutes) and one call "
      "chaining all N with `--`. *Tool CPU*: user+sys of the tool's own process(es). "
      "ovs-vswitchd's and ovsdb-server's CPU: from the start until ovs-vswitchd applied the "
      "change. *Settle*: after the tool returned, until ovs-vswitchd applied everything "
      "(xkvm's gc does not wait for ovs-vswitchd to close the ports). Medians of the runs, ms.")
    p("")
    p("| step | tool | runs | wall | tool CPU | ovs-vswitchd CPU | ovsdb-server CPU | settle | failed / left |")
    p("|---|---|---:|---:|---:|---:|---:|---:|---:|")
    for kind, tool, label in (("make-nics", "xkvm", "`xkvm tap-control make-nics` (taps + ports)"),
                              ("add", "vsctl-chain", "`ovs-vsctl` add-port ×N in one call"),
                              ("add", "vsctl-each", "`ovs-vsctl add-port`, one call per port"),
                              ("gc", "xkvm", "`xkvm tap-control gc` (ports + taps)"),
                              ("del", "vsctl-chain", "`ovs-vsctl` del-port ×N in one call"),
                              ("del", "vsctl-each", "`ovs-vsctl del-port`, one call per port")):
        rs = [r for r in bulk if r[1] == kind and r[2] == tool]
        if not rs:
            continue
        bad = sum(1 for r in rs if r[9] != "0")
        left = sum(int(r[10]) for r in rs if len(r) > 10)
        p(f"| {kind} | {label} | {len(rs)} | {fmt(med(bv(kind, tool, 4)))} | "
          f"{fmt(med(bv(kind, tool, 5)))} | {fmt(med(bv(kind, tool, 6)))} | "
          f"{fmt(med(bv(kind, tool, 7)))} | {fmt(med(bv(kind, tool, 8)))} | {bad} / {left} |")
    p("")
if fleet or bulk:
    p("### Lab-scale targets")
    p("")
    p("| target | measured | met |")
    p("|---|---:|:---:|")
    if fleet:
        kmax = max(Ks)
        failed = sum(int(d["failed"]) for d in fleet[kmax])
        left = sum(int(d.get(x, 0)) for d in fleet[kmax]
                   for x in ("left_taps", "left_ports", "left_ifaces"))
        p(f"| K={kmax}: 0 failed, 0 left | {failed} failed, {left} left | "
          f"{'yes' if failed == 0 and left == 0 else '**no**'} |")
        rat = (fm(kmax, "up_ms") / kmax) / base
        p(f"| per-launch time to up at K={kmax} within 3x of K={min(Ks)} | {rat:.1f}x | "
          f"{'yes' if rat <= 3 else '**no**'} |")
    gcc = med(bv("gc", "xkvm", 5))
    if gcc == gcc:
        p(f"| xkvm's own work for gc of {bulk_n:,} orphans under 1 s | {gcc / 1000:.2f} s CPU "
          f"(wall {med(bv('gc', 'xkvm', 4)) / 1000:.2f} s) | {'yes' if gcc < 1000 else '**no**'} |")
    p("")

notes = os.path.join(os.path.dirname(os.path.abspath(__file__)), "reading.md")
if os.path.exists(notes):
    p(open(notes).read().rstrip())
    p("")

with open(os.path.join(a.out, "performance.md"), "w") as f:
    f.write("\n".join(out))
