#!/usr/bin/env python3
"""Interactive shell start-up for bench/run.sh: time to the first byte and to the prompt.

    shellbench.py OUT.json RUNS WARMUP NAME=JSON-ARGV [NAME=JSON-ARGV ...]

    e.g. shellbench.py out.json 20 3 'devenv=["devenv","-C","/p","shell"]' \
                                    'docker=["docker","run","--rm","-it","IMG","sh"]'

Each command runs on a new pseudo-terminal (pty.fork; 80x24, TERM=xterm), as a shell a
person starts. time.monotonic() is taken just before the fork; the reader stamps each
chunk the moment os.read returns it. Two times per run:
  first   the first byte of output (the project is up to date, so no build output);
  prompt  the first "# " or "$ " in the output (busybox ash: "/workspace # ").
busybox ash asks for the cursor position (ESC[6n) after the prompt and waits for the
answer, so the reader answers ESC[1;1R as a terminal would. After the prompt it sends
"exit" + CR and waits for the command to end (EOF on the pty and the exit status) before
the next run starts, so no two shells overlap.

The commands alternate run by run, in Thue-Morse order (A B, B A, B A, A B, ...), so
drift lands on both. WARMUP runs of each (alternating too) come first and are dropped.
A run that shows no prompt within 30 s is killed and counted as failed. Writes the
times (seconds) per command to OUT.json with the first run's output (escaped) as sample.
"""
import fcntl
import json
import os
import pty
import re
import select
import signal
import struct
import sys
import termios
import time

PROMPT = re.compile(rb"[#$] ")
DSR = b"\x1b[6n"
TIMEOUT = 30.0


def one(argv):
    env = dict(os.environ, TERM="xterm")
    t0 = time.monotonic()
    pid, fd = pty.fork()
    if pid == 0:  # the child: its stdin/stdout/stderr are the pty's slave side
        try:
            fcntl.ioctl(0, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))
            os.execvpe(argv[0], argv, env)
        finally:
            os._exit(127)
    buf = b""
    first = prompt = None
    answered = 0  # DSR queries answered so far
    sent_exit = False
    deadline = t0 + TIMEOUT
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            break
        r, _, _ = select.select([fd], [], [], min(left, 1.0))
        if not r:
            continue
        try:
            data = os.read(fd, 65536)
        except OSError:  # EIO: every slave side closed, the command is gone
            data = b""
        now = time.monotonic()
        if not data:
            break
        if first is None:
            first = now
        buf += data
        while buf.count(DSR) > answered:
            os.write(fd, b"\x1b[1;1R")
            answered += 1
        if prompt is None and PROMPT.search(buf):
            prompt = now
        if prompt is not None and not sent_exit:
            # Answer a DSR that may come right after the prompt first, then exit.
            time.sleep(0.02)
            try:
                more = os.read(fd, 65536) if select.select([fd], [], [], 0)[0] else b""
            except OSError:
                more = b""
            buf += more
            while buf.count(DSR) > answered:
                os.write(fd, b"\x1b[1;1R")
                answered += 1
            os.write(fd, b"exit\r")
            sent_exit = True
            deadline = time.monotonic() + TIMEOUT
    status = None
    if not sent_exit or time.monotonic() >= deadline:
        try:
            os.kill(pid, signal.SIGKILL)
        except OSError:
            pass
    _, st = os.waitpid(pid, 0)
    status = os.waitstatus_to_exitcode(st) if hasattr(os, "waitstatus_to_exitcode") else st
    end = time.monotonic()
    os.close(fd)
    return {
        "first_s": None if first is None else first - t0,
        "prompt_s": None if prompt is None else prompt - t0,
        "total_s": end - t0,
        "status": status,
        "output": buf[:400].decode("latin-1"),
    }


def main():
    if len(sys.argv) < 5:
        sys.exit(__doc__)
    out, runs, warmup = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    cmds = []
    for spec in sys.argv[4:]:
        name, _, argv = spec.partition("=")
        cmds.append((name, json.loads(argv)))
    res = {name: {"argv": argv, "first_s": [], "prompt_s": [], "total_s": [], "failed": [], "sample": None}
           for name, argv in cmds}

    def order(i):
        parity = bin(i).count("1") % 2
        return cmds if parity == 0 else cmds[::-1]

    for i in range(warmup):
        for name, argv in order(i):
            r = one(argv)
            if res[name]["sample"] is None:
                res[name]["sample"] = r["output"]
            time.sleep(0.1)
    for i in range(runs):
        for name, argv in order(i):
            r = one(argv)
            d = res[name]
            if d["sample"] is None:
                d["sample"] = r["output"]
            if r["prompt_s"] is None:
                d["failed"].append({"run": i, "status": r["status"], "output": r["output"]})
            else:
                d["first_s"].append(r["first_s"])
                d["prompt_s"].append(r["prompt_s"])
                d["total_s"].append(r["total_s"])
            time.sleep(0.1)
    with open(out, "w") as f:
        json.dump({"runs": runs, "warmup": warmup, "results": res}, f, indent=1)
    bad = {n: len(d["failed"]) for n, d in res.items() if d["failed"]}
    if bad:
        print("shellbench: runs without a prompt: %s" % bad, file=sys.stderr)


if __name__ == "__main__":
    main()
