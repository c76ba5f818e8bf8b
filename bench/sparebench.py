#!/usr/bin/env python3
"""Spare rows of bench/run.sh (9a-9c): the ratios, and the shell to its prompt.

    sparebench.py shell OUT.json RUNS WARMUP PREPARE NAME=JSON-ARGV [NAME=JSON-ARGV ...]
        As shellbench.py (its one() runs each command on a pty and stamps the prompt),
        alternating A B, B A, ...; before each run of a command whose name starts with
        "devenv", PREPARE runs (sh -c, not timed): it waits until the spare is up, as a
        person's next command finds it after the previous one.
    sparebench.py report HYPERFINE.json SHELL.json MD
        Appends the spare rows to the markdown report MD; exit 3 when a target is missed.
"""
import json
import os
import statistics
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import shellbench  # noqa: E402


def shell(out, runs, warmup, prepare, specs):
    cmds = [(n, json.loads(a)) for n, _, a in (s.partition("=") for s in specs)]
    res = {n: {"argv": a, "prompt_s": [], "failed": []} for n, a in cmds}
    for i in range(warmup + runs):
        order = cmds if bin(i).count("1") % 2 == 0 else cmds[::-1]
        for name, argv in order:
            if name.startswith("devenv"):
                subprocess.run(["sh", "-c", prepare], check=True)
            r = shellbench.one(argv)
            if i < warmup:
                continue
            if r["prompt_s"] is None:
                res[name]["failed"].append({"run": i, "status": r["status"], "output": r["output"]})
            else:
                res[name]["prompt_s"].append(r["prompt_s"])
    with open(out, "w") as f:
        json.dump(res, f, indent=1)


def pooled(path):
    times = {}
    with open(path) as f:
        for r in json.load(f)["results"]:
            times.setdefault(r["command"], []).extend(r["times"])
    return times


def report(hf, sh, md):
    t = pooled(hf)
    med = {k: statistics.median(v) * 1000 for k, v in t.items()}
    rows, missed = [], False

    def row(rid, what, a, b, target):
        nonlocal missed
        ratio = a / b
        ok = ratio <= target
        missed |= not ok
        rows.append(f"| {rid} | {what} | {a:.0f} ms | {b:.0f} ms | {ratio:.2f}x | <= {target}x | {'met' if ok else 'MISSED'} |")

    row("9a", "`devenv run -- true` via the spare vs `docker run --rm IMAGE true`", med["devenv-spare"], med["docker-run"], 0.4)
    row("9b", "`devenv run -- true` via the spare vs `docker exec CTR true` (running)", med["devenv-spare"], med["docker-exec"], 1.3)
    note = ""
    if sh and os.path.exists(sh):
        with open(sh) as f:
            s = json.load(f)
        d, k = s["devenv-spare"]["prompt_s"], s["docker"]["prompt_s"]
        if d and k:
            row("9c", "`devenv shell` to the prompt via the spare vs `docker run --rm -it IMAGE sh` (pty)",
                statistics.median(d) * 1000, statistics.median(k) * 1000, 0.5)
        fails = len(s["devenv-spare"]["failed"]) + len(s["docker"]["failed"])
        if fails:
            note = f"\n{fails} shell run(s) showed no prompt and are left out.\n"
    n = ", ".join(f"{k} {len(v)}" for k, v in sorted(t.items()))
    with open(md, "a") as f:
        f.write("\n## Spares (rows 9a-9c)\n\nMedians; `spare = true` in a copy of the empty project. "
                "Before each timed `devenv` run an untimed `--prepare` waits until the spare the previous "
                f"command left is up (timed runs: {n}).\n\n"
                "| row | what | devenv | reference | ratio | target | |\n|---|---|---|---|---|---|---|\n")
        f.write("\n".join(rows) + "\n" + note)
    print("\n".join(rows))
    return 3 if missed else 0


if __name__ == "__main__":
    if len(sys.argv) >= 7 and sys.argv[1] == "shell":
        shell(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), sys.argv[5], sys.argv[6:])
    elif len(sys.argv) == 5 and sys.argv[1] == "report":
        sys.exit(report(sys.argv[2], sys.argv[3], sys.argv[4]))
    else:
        sys.exit(__doc__)
