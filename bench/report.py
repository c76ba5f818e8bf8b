#!/usr/bin/env python3
"""Table for bench/run.sh: reads hyperfine's JSON and the numbers run.sh passes in
BENCH_R_* variables, prints the table and writes it as markdown.

Exit status: 0 when every measurement meets its target, 3 when one misses.
"""
import glob
import json
import os
import platform
import random
import statistics
import subprocess
import sys

E = os.environ


def pooled(comparison):
    """Times per command name across the rounds of one comparison."""
    times = {}
    for path in sorted(glob.glob(os.path.join(E["BENCH_R_JSON"], comparison + "-*.json"))):
        with open(path) as f:
            for r in json.load(f)["results"]:
                times.setdefault(r["command"], []).extend(r["times"])
    return times


def stats(ts):
    return {
        "median": statistics.median(ts),
        "mean": statistics.fmean(ts),
        "sd": statistics.stdev(ts) if len(ts) > 1 else 0.0,
        "min": min(ts),
        "max": max(ts),
        "n": len(ts),
    }


def ratio_ci(a, b, n=4000, seed=1):
    """95% bootstrap interval of median(a)/median(b): how much of the ratio is noise."""
    rnd = random.Random(seed)
    rs = sorted(statistics.median(rnd.choices(a, k=len(a))) / statistics.median(rnd.choices(b, k=len(b)))
                for _ in range(n))
    return rs[int(0.025 * n)], rs[int(0.975 * n) - 1]


def ms(s):
    return "%.1f ms" % (s * 1000)


def human_bytes(b):
    for unit, size in (("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)):
        if b >= size:
            return "%s B (%.2f %s)" % (format(b, ","), b / size, unit)
    return "%s B" % format(b, ",")


rows = []  # measurement, devenv, reference, ratio, target, result
details = []
missed = False


def timing_row(title, comparison, a, b, limit):
    global missed
    t = pooled(comparison)
    sa, sb = stats(t[a]), stats(t[b])
    ratio = sa["median"] / sb["median"]
    lo, hi = ratio_ci(t[a], t[b])
    ok = ratio <= limit
    missed |= not ok
    rows.append([title, ms(sa["median"]), ms(sb["median"]), "%.3f [%.2f-%.2f]" % (ratio, lo, hi),
                 "<= %.2f" % limit, "PASS" if ok else "MISS"])
    for name, s in ((a, sa), (b, sb)):
        details.append("%s / %s: median %s, mean %s ± %s, min %s, max %s, n=%d" % (
            comparison, name, ms(s["median"]), ms(s["mean"]), ms(s["sd"]), ms(s["min"]), ms(s["max"]), s["n"]))


timing_row("1 warm start: `run -- true` vs `docker run --rm TAG true`", "warm", "devenv", "docker", 1.10)
timing_row("2a repo size: `run -- true`, junk vs empty project", "size-run", "big", "empty", 1.05)
timing_row("2b stale check: `build` (up to date), junk vs empty", "size-check", "big", "empty", 1.05)

dctx = int(E["BENCH_R_DEVENV_CTX"])
limit = 64 * 1024
ok = dctx < limit
missed |= not ok
if E.get("BENCH_R_REF_CTX"):
    rctx = int(E["BENCH_R_REF_CTX"])
    ref_s, ratio_s = human_bytes(rctx), "%.2e" % (dctx / rctx)
else:
    ref_s, ratio_s = "n/a", "n/a"
rows.append(["3 build context: devenv vs plain `docker build` (junk)",
             human_bytes(dctx), ref_s, ratio_s, "devenv < 64 KiB", "PASS" if ok else "MISS"])

try:
    cpu = next(l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name"))
except (OSError, StopIteration):
    cpu = platform.processor() or "?"
try:
    hf = subprocess.run(["hyperfine", "--version"], capture_output=True, text=True).stdout.strip()
except OSError:
    hf = "?"
machine = [
    "machine: %d CPUs (nproc) %s, %s %s, %.1f GiB RAM" % (
        os.cpu_count() or 0, cpu, platform.system(), platform.release(),
        os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / (1 << 30)),
    "engine: Docker %s" % E["BENCH_R_ENGINE"],
    "devenv: %s; images %s" % (E["BENCH_R_REV"], E["BENCH_R_TAGS"]),
    "junk tree: %s" % E["BENCH_R_JUNK"],
    "timing: %s, one `hyperfine -N` per comparison, %s runs per command in %s block(s) (A B B A ...; %s warmup runs per block), medians of the pooled runs" % (
        hf, E["BENCH_R_RUNS"], E["BENCH_R_BLOCKS"], E["BENCH_R_WARMUP"]),
    "rerun: %s" % E["BENCH_R_RERUN"],
]
notes = [
    "ratio: devenv median / reference median, with its 95% bootstrap interval in brackets "
    "(the spread of the runs; a PASS or MISS whose interval straddles the target is within noise)",
    "devenv context (counted by bench/ctxproxy.py, tar stream bytes): %s" % (E.get("BENCH_R_DEVENV_CTX_LIST") or "?"),
    "devenv build --rebuild took %.2f s; BuildKit context line: %s" % (
        float(E["BENCH_R_DEVENV_BUILD_S"]), E.get("BENCH_R_DEVENV_CTX_LINE") or "none (tar-stream context: BuildKit prints no size)"),
    "reference: %s%s; CLI line: %s" % (
        E["BENCH_R_REF_NOTE"],
        "; took %.2f s" % float(E["BENCH_R_REF_BUILD_S"]) if E.get("BENCH_R_REF_BUILD_S") else "",
        E.get("BENCH_R_REF_CTX_LINE") or "none"),
]

header = ["measurement", "devenv median", "reference median", "ratio", "target", "result"]


def text_table(rows):
    widths = [max(len(str(r[i])) for r in [header] + rows) for i in range(len(header))]
    line = lambda r: "  ".join(str(c).ljust(w) for c, w in zip(r, widths)).rstrip()
    return "\n".join([line(header), line(["-" * w for w in widths])] + [line(r) for r in rows])


def md_table(rows):
    esc = lambda c: str(c).replace("|", "\\|")
    out = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    out += ["| " + " | ".join(esc(c) for c in r) + " |" for r in rows]
    return "\n".join(out)


title = "devenv benchmarks%s" % (" (quick)" if E.get("BENCH_R_QUICK") == "1" else "")
print()
print(title)
print()
print(text_table(rows))
print()
for l in machine:
    print(l)
print()
for l in notes:
    print("note: " + l)
print()

with open(E["BENCH_R_MD"], "w") as f:
    f.write("# %s\n\n" % title)
    f.write(md_table(rows) + "\n\n")
    f.write("".join("- %s\n" % l for l in machine) + "\n")
    f.write("Notes:\n\n" + "".join("- %s\n" % l for l in notes) + "\n")
    f.write("Per command:\n\n" + "".join("- %s\n" % l for l in details) + "\n")
    f.write("hyperfine JSON, the proxy's log and the build logs: `%s`\n" % os.path.relpath(
        E["BENCH_R_JSON_KEEP"], os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(E["BENCH_R_MD"]))))))

sys.exit(3 if missed else 0)
