#!/usr/bin/env python3
"""`devenv watch` for bench/run.sh: save-to-rebuild latency and the watcher's footprint.

    watchbench.py DEVENV PROJECT DEPFILE SAVES SPACING_S IDLE_S OUT.json LOG TAGS

Starts `DEVENV -C PROJECT watch` with stdout and stderr on one pipe, which a thread
reads, stamping each line with time.monotonic() the moment it arrives. Once the watcher
is ready it saves DEPFILE SAVES times, SPACING_S seconds apart, each time with new
content (the original plus one line that names the save), taking time.monotonic() just
before the write; the latency of a save is the arrival of the next `rebuilding` line
minus that time. After the last build it reads, from /proc/<pid>: the inotify watches
(lines "inotify wd:" in fdinfo of each anon_inode:inotify fd), VmRSS and VmHWM, and
utime+stime over IDLE_S seconds with no change to any file. Then it puts DEPFILE back,
waits for the watcher to settle, stops it with SIGINT and writes the numbers to OUT.json,
every line it printed (with its time) to LOG and the image tags it built to TAGS.
"""
import json
import math
import os
import queue
import re
import signal
import statistics
import subprocess
import sys
import threading
import time

devenv, project, depfile, saves, spacing, idle_s, out_json, log_path, tags_path = sys.argv[1:10]
saves, spacing, idle_s = int(saves), float(spacing), float(idle_s)
dep_path = os.path.join(project, depfile)

t_origin = time.monotonic()
lines = []  # (monotonic time, text)
q = queue.Queue()


def reader(stream):
    for raw in iter(stream.readline, b""):
        t = time.monotonic()
        text = raw.decode(errors="replace").rstrip("\n")
        lines.append((t, text))
        q.put((t, text))
    q.put((time.monotonic(), None))  # EOF


def wait_for(pattern, timeout):
    """The first line from now on that matches pattern: (time, text, match), or None."""
    deadline = time.monotonic() + timeout
    rx = re.compile(pattern)
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            return None
        try:
            t, text = q.get(timeout=left)
        except queue.Empty:
            return None
        if text is None:
            raise SystemExit("watchbench: devenv watch exited early (status %s); its output:\n%s" % (
                proc.wait(), "\n".join(l for _, l in lines)))
        m = rx.search(text)
        if m:
            return t, text, m


def drain():
    while True:
        try:
            q.get_nowait()
        except queue.Empty:
            return


def cpu_ticks(pid):
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])  # utime, stime: fields 14 and 15 of stat


def status_kb(pid, key):
    with open("/proc/%d/status" % pid) as f:
        for l in f:
            if l.startswith(key + ":"):
                return int(l.split()[1])
    return None


def inotify_watches(pid):
    fds, wds = 0, 0
    for fd in os.listdir("/proc/%d/fd" % pid):
        try:
            if os.readlink("/proc/%d/fd/%s" % (pid, fd)) != "anon_inode:inotify":
                continue
            with open("/proc/%d/fdinfo/%s" % (pid, fd)) as f:
                n = sum(1 for l in f if l.startswith("inotify wd:"))
        except OSError:
            continue
        fds += 1
        wds += n
    return fds, wds


with open(dep_path, "rb") as f:
    original = f.read()

proc = subprocess.Popen([devenv, "-C", project, "watch"], stdin=subprocess.DEVNULL,
                        stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
threading.Thread(target=reader, args=(proc.stdout,), daemon=True).start()
result = {"saves": saves, "spacing_s": spacing, "pid": proc.pid}
tags = []
try:
    start = wait_for(r"^devenv watch: watching .*\((\d+) directories\)", 30)
    if not start:
        raise SystemExit("watchbench: no 'watching' line from devenv watch in 30 s")
    result["watching_line"] = start[1]
    result["watched_dirs_reported"] = int(start[2].group(1))
    if not wait_for(r"^devenv watch: ready: ", 300):
        raise SystemExit("watchbench: devenv watch did not report the image ready")
    time.sleep(0.5)
    result["rss_kb_start"] = status_kb(proc.pid, "VmRSS")
    drain()

    per_save = []
    for i in range(saves):
        content = original + ("bench-save==%d.%d\n" % (i + 1, time.time_ns())).encode()
        drain()  # whatever the watcher said before this save is not about it
        t_write = time.monotonic()
        with open(dep_path, "wb") as f:
            f.write(content)
        rec = {"save": i + 1, "latency_s": None}
        changed = wait_for(r"^devenv watch: changed: ", 10)
        if changed:
            rec["changed_s"] = changed[0] - t_write
            hit = wait_for(r"^devenv watch: (rebuilding|no change to|still using) (\S+)", 30)
            if hit and hit[2].group(1) == "rebuilding":
                rec["latency_s"] = hit[0] - t_write
                tags.append(hit[2].group(2))
                done = wait_for(r"^devenv watch: (ready: \S+ in ([0-9.]+)s|ready: \S+ \(already built\)|build failed)", 120)
                if done:
                    rec["end"] = done[1]
                    if done[2].group(2):
                        rec["build_s"] = float(done[2].group(2))
                else:
                    rec["end"] = "no ready line in 120 s"
            else:
                rec["end"] = hit[1] if hit else "no rebuilding line in 30 s"
        else:
            rec["end"] = "no changed line in 10 s"
        rec["rss_kb"] = status_kb(proc.pid, "VmRSS")
        per_save.append(rec)
        left = t_write + spacing - time.monotonic()
        if left > 0:
            time.sleep(left)
    result["per_save"] = per_save

    lat = sorted(r["latency_s"] for r in per_save if r["latency_s"] is not None)
    result["latencies_s"] = lat
    result["missed_saves"] = sum(1 for r in per_save if r["latency_s"] is None)
    if lat:
        result["median_s"] = statistics.median(lat)
        # nearest rank: the smallest latency at or above 95% of the saves
        result["p95_s"] = lat[max(0, math.ceil(0.95 * len(lat)) - 1)]
        result["max_s"] = lat[-1]
        result["min_s"] = lat[0]
    changed_lat = sorted(r["changed_s"] for r in per_save if "changed_s" in r)
    if changed_lat:
        result["changed_median_s"] = statistics.median(changed_lat)
    builds = [r["build_s"] for r in per_save if "build_s" in r]
    if builds:
        result["build_median_s"] = statistics.median(builds)

    # The watcher at rest, on the whole tree: nothing changes from here on.
    time.sleep(1.0)
    result["inotify_fds"], result["inotify_watches"] = inotify_watches(proc.pid)
    result["rss_kb"] = status_kb(proc.pid, "VmRSS")
    result["hwm_kb"] = status_kb(proc.pid, "VmHWM")
    result["threads"] = status_kb(proc.pid, "Threads")
    n_lines = len(lines)
    c0, t0 = cpu_ticks(proc.pid), time.monotonic()
    time.sleep(idle_s)
    c1, t1 = cpu_ticks(proc.pid), time.monotonic()
    hz = os.sysconf("SC_CLK_TCK")
    result["idle_window_s"] = t1 - t0
    result["idle_cpu_s"] = (c1 - c0) / hz
    result["clk_tck"] = hz
    result["idle_lines"] = len(lines) - n_lines
    result["rss_kb_after_idle"] = status_kb(proc.pid, "VmRSS")
finally:
    with open(dep_path, "wb") as f:
        f.write(original)
    if proc.poll() is None:
        # The original inputs have an image already: let the watcher see that, then stop it.
        wait_for(r"^devenv watch: (ready|no change|build failed|still using)", 30)
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    result["exit_status"] = proc.returncode
    time.sleep(0.1)
    with open(log_path, "w") as f:
        f.writelines("%9.3f %s\n" % (t - t_origin, l) for t, l in lines)
    with open(tags_path, "w") as f:
        f.writelines(t + "\n" for t in tags)
    with open(out_json, "w") as f:
        json.dump(result, f, indent=1)
