#!/usr/bin/env python3
"""fleet.py: K xkvm launches at once, then SIGTERM to all (issue 13).

Run INSIDE a namespace with a private Open vSwitch (OVS_RUNDIR exported) by
tests/bench/fleet.sh or tests/integration/fleet.sh.  Each launch gets
--netdev OVS_BRIDGE x N_OVS and --netdev LINUX_BRIDGE x N_LINUX and the
qemu stand-in tests/lib/fake-qemu, which records its pid and argv (the
launch is "up": xkvm only starts qemu once its taps are made and
ovs-vswitchd applied its ports) and sleeps.  Prints one line of KEY=VALUE:

  up_ms       first launch started .. the last one up (or failed)
  down_ms     SIGTERM to all .. the last one exited
  failed      launches not up, or not ending by SIGTERM (re-raised)
  xkvm_cpu_ms what the K xkvm processes used themselves (user+sys from
              wait4(), minus their stand-ins' own, read while they slept)
  vswitchd_cpu_ms, ovsdb_cpu_ms   the daemons' user+sys over the run
              (/proc/PID/stat), from before the first launch until
              ovs-vswitchd applied the last removal (a settle write)
  settle_ms   after the last exit, until ovs-vswitchd applied everything
  probe_ms, probe_cpu_ms   with --probe: once all are up, one more launch
              whose qemu exits at once (setup and teardown among K running
              launches): its wall time and its own CPU time; a wrapper
              command (e.g. perf record) from $FLEET_PROBE_WRAP

and, on stderr, the first lines of each distinct error.  Exits 0 when it
measured (whatever the failures), 2 when it could not run.
  fleet.py --xkvm X --qemu Q --ovs BR --linux BR -k K [--n-ovs 2]
           [--n-linux 2] [--ovs-pids VSWITCHD,SERVER] [--work DIR]
           [--up-timeout S] [--extra ARG]...
"""
import argparse
import os
import signal
import subprocess
import sys
import tempfile
import time

ap = argparse.ArgumentParser()
ap.add_argument("--xkvm", required=True)
ap.add_argument("--qemu", required=True)
ap.add_argument("--ovs", required=True)
ap.add_argument("--linux", required=True)
ap.add_argument("-k", type=int, required=True)
ap.add_argument("--n-ovs", type=int, default=2)
ap.add_argument("--n-linux", type=int, default=2)
ap.add_argument("--ovs-pids", default="")
ap.add_argument("--work", default=None)
ap.add_argument("--up-timeout", type=float, default=600)
ap.add_argument("--extra", action="append", default=[])
ap.add_argument("--probe", action="store_true")
a = ap.parse_args()

TICK = os.sysconf("SC_CLK_TCK")


def cpu_ms(pid):
    """user+sys of a live process in ms, or None."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            st = f.read()
    except OSError:
        return None
    fields = st[st.rindex(")") + 2:].split()
    return (int(fields[11]) + int(fields[12])) * 1000 / TICK


def daemons():
    return [int(p) for p in a.ovs_pids.split(",") if p] if a.ovs_pids else []


def settle():
    t = time.monotonic()
    subprocess.run(["ovs-vsctl", "--timeout=120", "set", "Open_vSwitch", ".",
                    f"external_ids:xkb-fleet={os.getpid()}-{t}"], check=False)
    return (time.monotonic() - t) * 1000


work = a.work or tempfile.mkdtemp(prefix="xkt-fleet.")
argv = [a.xkvm, "--accel=tcg", "--kvm", a.qemu] + a.extra
for _ in range(a.n_ovs):
    argv += ["--netdev", a.ovs]
for _ in range(a.n_linux):
    argv += ["--netdev", a.linux]

env = dict(os.environ, FAKE_QEMU_SLEEP="3600")
env.pop("FAKE_QEMU_EXIT", None)
d0 = [cpu_ms(p) for p in daemons()]
procs = []
t0 = time.monotonic()
for i in range(a.k):
    rec = os.path.join(work, f"rec.{i}")
    err = open(os.path.join(work, f"err.{i}"), "w")
    procs.append({
        "i": i, "rec": rec, "errf": err, "up": False, "status": None,
        "p": subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                              stderr=err, env=dict(env, FAKE_QEMU_RECORD=rec),
                              close_fds=True)})
for p in procs:
    p["errf"].close()


def reap_one(p, block):
    """wait4() on the launch: its status and rusage (itself + its waited
    children, i.e. the stand-in)."""
    pid, status, ru = os.wait4(p["p"].pid, 0 if block else os.WNOHANG)
    if pid == 0:
        return False
    p["status"] = status
    p["cpu"] = (ru.ru_utime + ru.ru_stime) * 1000
    p["p"].returncode = 0	# keep subprocess from waiting again
    return True


pending = set(range(a.k))
deadline = t0 + a.up_timeout
while pending and time.monotonic() < deadline:
    for i in list(pending):
        p = procs[i]
        if os.path.exists(p["rec"]):
            p["up"] = True
            pending.discard(i)
        elif reap_one(p, False):
            pending.discard(i)	# ended before qemu: failed
    if pending:
        time.sleep(0.01)
t_up = time.monotonic()

probe = {}
if a.probe:
    wrap = os.environ.get("FLEET_PROBE_WRAP", "").split()
    perr = open(os.path.join(work, "err.probe"), "w")
    tp = time.monotonic()
    pp = subprocess.Popen(wrap + argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                          stderr=perr, env=dict(env, FAKE_QEMU_EXIT="0"), close_fds=True)
    _, pst, pru = os.wait4(pp.pid, 0)
    pp.returncode = 0
    perr.close()
    probe = {"probe_ms": round((time.monotonic() - tp) * 1000),
             "probe_cpu_ms": round((pru.ru_utime + pru.ru_stime) * 1000),
             "probe_status": os.waitstatus_to_exitcode(pst)}

# The stand-ins' own CPU (the bash before its exec of sleep), read while
# they still run: wait4() counts it in the launch's.
standin = {}
for p in procs:
    if p["up"] and p["status"] is None:
        try:
            with open(p["rec"]) as f:
                qpid = int(f.readline())
            c = cpu_ms(qpid)
            if c is not None:
                standin[p["i"]] = c
        except (OSError, ValueError):
            pass

t1 = time.monotonic()
for p in procs:
    if p["status"] is None:
        os.kill(p["p"].pid, signal.SIGTERM)
for p in procs:
    if p["status"] is None:
        reap_one(p, True)
t_down = time.monotonic()
s_ms = settle()
d1 = [cpu_ms(p) for p in daemons()]

failed = 0
errors = {}
for p in procs:
    st = p["status"]
    good = p["up"] and os.WIFSIGNALED(st) and os.WTERMSIG(st) == signal.SIGTERM
    if not good:
        failed += 1
        try:
            with open(os.path.join(work, f"err.{p['i']}")) as f:
                lines = [l.strip() for l in f if l.startswith("xkvm:")]
        except OSError:
            lines = []
        key = lines[0] if lines else f"exit status {st}, no message"
        # 'tapvm12' and the like vary between launches: group by the rest
        norm = " ".join("tapvmN" if w.strip("'\":,").startswith("tapvm") else w
                        for w in key.split())
        errors[norm] = errors.get(norm, 0) + 1
xkvm_cpu = sum(p.get("cpu", 0) for p in procs) - sum(standin.values())

vals = {
    "k": a.k, "nics": a.n_ovs + a.n_linux,
    "up_ms": round((t_up - t0) * 1000), "down_ms": round((t_down - t1) * 1000),
    "failed": failed, "xkvm_cpu_ms": round(xkvm_cpu),
    "standin_cpu_ms": round(sum(standin.values())),
    "settle_ms": round(s_ms),
}
vals.update(probe)
if len(d0) == 2 and None not in d0 and None not in d1:
    vals["vswitchd_cpu_ms"] = round(d1[0] - d0[0])
    vals["ovsdb_cpu_ms"] = round(d1[1] - d0[1])
print(" ".join(f"{k}={v}" for k, v in vals.items()))
for msg, n in sorted(errors.items(), key=lambda x: -x[1]):
    print(f"fleet: {n} x {msg}", file=sys.stderr)
if not a.work:
    subprocess.run(["rm", "-rf", work], check=False)
