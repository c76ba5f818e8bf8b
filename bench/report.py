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
import re
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


def verdict(lo, hi):
    """No target: which side is faster, unless the 95% interval of the ratio holds 1."""
    return "devenv faster" if hi < 1 else "devenv slower" if lo > 1 else "within noise"


def pct(ts, q):
    """Nearest-rank percentile."""
    s = sorted(ts)
    return s[max(0, min(len(s) - 1, int(-(-q * len(s) // 1)) - 1))]


# ---- rows 1b, 1c: the Dev Containers CLI on the same image (no target: information)
dc_notes = []
DC_UP = "1b vs Dev Containers CLI: `run -- true` (new container) vs `devcontainer up` (new container) + `exec true`"
DC_EXEC = "1c vs Dev Containers CLI: `run -- true` (new container) vs `devcontainer exec true` (container already up)"
DC_PERS = "1d vs Dev Containers CLI: `run -- true` with `persistent = true` vs `devcontainer exec true` (both: container already up)"
if E.get("BENCH_R_DC_SKIP") != "1":
    t = pooled("dc") if not (E.get("BENCH_R_DC_NOTE") or E.get("BENCH_R_DC_ERR")) else {}
    if all(k in t for k in ("devenv", "dc-up", "dc-exec")):
        sd = stats(t["devenv"])
        for title, key in ((DC_UP, "dc-up"), (DC_EXEC, "dc-exec")):
            sr = stats(t[key])
            lo, hi = ratio_ci(t["devenv"], t[key])
            rows.append([title, ms(sd["median"]), ms(sr["median"]), "%.3f [%.2f-%.2f]" % (sd["median"] / sr["median"], lo, hi),
                         "- (no target)", verdict(lo, hi)])
        if "devenv-persist" in t:
            sp, sr = stats(t["devenv-persist"]), stats(t["dc-exec"])
            lo, hi = ratio_ci(t["devenv-persist"], t["dc-exec"])
            rows.append([DC_PERS, ms(sp["median"]), ms(sr["median"]), "%.3f [%.2f-%.2f]" % (sp["median"] / sr["median"], lo, hi),
                         "- (no target)", verdict(lo, hi)])
        else:
            rows.append([DC_PERS, "n/a", ms(stats(t["dc-exec"])["median"]), "n/a", "- (no target)", "n/a"])
            dc_notes.append("devcontainer: 1d n/a: %s" % (E.get("BENCH_R_PERS_NOTE") or "no devenv-persist results"))
        for name in ("devenv", "dc-up", "dc-exec", "devenv-persist"):
            if name not in t:
                continue
            s_ = stats(t[name])
            details.append("dc / %s: median %s, mean %s ± %s, min %s, max %s, n=%d" % (
                name, ms(s_["median"]), ms(s_["mean"]), ms(s_["sd"]), ms(s_["min"]), ms(s_["max"]), s_["n"]))
        dc_notes.append(
            "devcontainer: @devcontainers/cli %s (npm, temp prefix), its project %s: deps.txt and "
            ".devcontainer/devcontainer.json with \"image\" = the empty project's devenv tag (nothing built or pulled), "
            "workspaceFolder /workspace, workspaceMount bind. One hyperfine invocation, 3 or 4 commands in blocks "
            "(forward, reversed, ...): `devenv run -- true` (creates and removes a container every run, as row 1); "
            "`bash dc-up-exec.sh` = `devcontainer up` then `devcontainer exec true`, with `docker rm -f` of the "
            "container labelled devcontainer.local_folder=<project> as its --prepare, so every `up` creates the "
            "container (docker run + the CLI's probes); `devcontainer exec true` into the running container "
            "(--prepare: `up` only when none runs). The devcontainer container is never removed between exec runs, "
            "so 1c compares a fresh container with reuse of a running one; 1d is devenv's own reuse: a copy of the empty "
            "project with `persistent = true`, whose warm container was made before the timings (every run is an exec "
            "into it), in the same hyperfine invocation as a fourth command" % (
                E.get("BENCH_R_DC_VERSION") or "?", E.get("BENCH_R_DC_PROJECT") or "?"))
    else:
        why = E.get("BENCH_R_DC_NOTE") or E.get("BENCH_R_DC_ERR") or "no hyperfine results"
        for title in (DC_UP, DC_EXEC, DC_PERS):
            rows.append([title, "n/a", "n/a", "n/a", "- (no target)", "n/a"])
        dc_notes.append("devcontainer: n/a: %s" % why)
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

DC_CTX_T = "3b build context: devenv vs `devcontainer build` (build-based devcontainer.json, context = root; junk)"
if E.get("BENCH_R_DC_SKIP") != "1":
    if E.get("BENCH_R_DC_CTX"):
        c = int(E["BENCH_R_DC_CTX"])
        rows.append([DC_CTX_T, human_bytes(dctx), human_bytes(c), "%.2e" % (dctx / c), "- (no target)",
                     "devenv smaller" if dctx < c else "devenv larger"])
    else:
        rows.append([DC_CTX_T, human_bytes(dctx), "n/a", "n/a", "- (no target)", "n/a"])
    if E.get("BENCH_R_DC_CTX_NOTE"):
        dc_notes.append("devcontainer context: %s; took %s; CLI line: %s. With an \"image\" devcontainer.json "
                        "(rows 1b, 1c) the CLI builds nothing and sends no context; a .dockerignore would shrink "
                        "this one, devenv needs none" % (
                            E["BENCH_R_DC_CTX_NOTE"],
                            "%.2f s" % float(E["BENCH_R_DC_BUILD_S"]) if E.get("BENCH_R_DC_BUILD_S") else "?",
                            E.get("BENCH_R_DC_CTX_LINE") or "none"))
    elif not dc_notes or not dc_notes[-1].startswith("devcontainer: n/a"):
        dc_notes.append("devcontainer context: not measured (no working Dev Containers CLI)")



# ---- rows 4a-4d: devenv watch in the junk project (bench/watchbench.py)
watch_notes = []
if E.get("BENCH_R_WATCH_JSON"):
    with open(E["BENCH_R_WATCH_JSON"]) as f:
        w = json.load(f)
    n, lost = w["saves"], w["missed_saves"]
    if "median_s" in w:
        ok = w["median_s"] < 0.300 and lost == 0
        val = "%s / p95 %s" % (ms(w["median_s"]), ms(w["p95_s"]))
    else:
        ok, val = False, "no rebuild seen"
    if lost:
        val += " (%d of %d saves never rebuilt)" % (lost, n)
    missed |= not ok
    rows.append(["4a watch: save deps.txt -> `rebuilding` line, median / p95 of %d saves (junk)" % n,
                 val, "-", "-", "median < 300 ms", "PASS" if ok else "MISS"])

    dep_dirs = int(E.get("BENCH_R_WATCH_DEP_DIRS") or 1)
    ok = w["inotify_watches"] <= dep_dirs + 1
    missed |= not ok
    rows.append(["4b watch: inotify watches held (junk tree)",
                 "%d (in %d inotify fd%s)" % (w["inotify_watches"], w["inotify_fds"], "" if w["inotify_fds"] == 1 else "s"),
                 "-", "-", "<= %d (%d dependency dir + 1)" % (dep_dirs + 1, dep_dirs), "PASS" if ok else "MISS"])

    rss = w["rss_kb"] * 1024
    ok = rss < 40e6
    missed |= not ok
    rows.append(["4c watch: resident memory, VmRSS at rest after the saves", "%.1f MB (%.1f MiB)" % (rss / 1e6, rss / 2**20),
                 "-", "-", "< 40 MB", "PASS" if ok else "MISS"])

    cpu10 = w["idle_cpu_s"] * 10.0 / w["idle_window_s"]
    ok = cpu10 < 0.05
    missed |= not ok
    rows.append(["4d watch: idle CPU, utime+stime per 10 s with no change", "%.2f s (%.1f s window)" % (cpu10, w["idle_window_s"]),
                 "-", "-", "< 0.05 s", "PASS" if ok else "MISS"])

    watch_notes += [
        "watch: `devenv watch` (default --debounce 100ms) in the junk project, its stdout+stderr on a pipe "
        "read by bench/watchbench.py, each line stamped with time.monotonic() on arrival; %d saves of deps.txt "
        "%.1f s apart, each new content (the original + `bench-save==<n>.<ns>`), written in place; latency = "
        "`rebuilding` line - time just before the write; p95 by nearest rank" % (n, w["spacing_s"]),
        "watch: %s" % w.get("watching_line", "?"),
        "watch: latencies (ms, sorted): %s; `changed:` line median %s; build median %s (devenv's own `ready: ... in Xs`)" % (
            ", ".join("%.1f" % (x * 1000) for x in w.get("latencies_s", [])),
            ms(w["changed_median_s"]) if "changed_median_s" in w else "-",
            "%.1f s" % w["build_median_s"] if "build_median_s" in w else "-"),
        "watch: inotify target: the junk project's only dependency file, deps.txt, is in the project root, so "
        "dependency directories = %d and the target is <= %d; the root also holds devenv.toml, so 1 watch is the "
        "minimum" % (dep_dirs, dep_dirs + 1),
        "watch: VmRSS %.1f MB before the saves, %.1f MB after, %.1f MB after the idle window; VmHWM %.1f MB; %s threads; "
        "%d line(s) printed during the idle window (CPU from /proc/<pid>/stat at %d ticks/s); watcher exit status %s" % (
            (w.get("rss_kb_start") or 0) * 1024 / 1e6, rss / 1e6, (w.get("rss_kb_after_idle") or 0) * 1024 / 1e6,
            (w.get("hwm_kb") or 0) * 1024 / 1e6, w.get("threads"), w["idle_lines"], w["clk_tck"], w.get("exit_status")),
    ]
    if all(r.get("rss_kb") for r in w["per_save"]):
        watch_notes.append("watch: VmRSS after each save's build (MB): %s" % ", ".join(
            "%.1f" % (r["rss_kb"] * 1024 / 1e6) for r in w["per_save"]))
    bad = [r for r in w["per_save"] if r["latency_s"] is None or not str(r.get("end", "")).startswith("devenv watch: ready")]
    for r in bad:
        watch_notes.append("watch: save %d: %s" % (r["save"], r.get("end")))


# ---- rows 5a, 5b: examples/go, one module added
def build_steps(path):
    """The vertices of a BuildKit plain log, in first-seen order: [name, state]."""
    names, state, order = {}, {}, []
    with open(path, errors="replace") as f:
        for line in f:
            m = re.match(r"^#(\d+) (.*)$", line.rstrip("\n"))
            if not m:
                continue
            i, text = m.groups()
            if i not in names:
                names[i] = text
                order.append(i)
            elif text == "CACHED":
                state[i] = "CACHED"
            elif text.startswith("DONE"):
                state.setdefault(i, "DONE")
            elif text.startswith("ERROR"):
                state[i] = "ERROR"
    return [[names[i], state.get(i, "?")] for i in order]


STEP = re.compile(r"^\[(?:[\w.-]+ )?(\d+)/(\d+)\] (\w+) (.*)$")


def short_step(name):
    m = STEP.match(name)
    if not m:
        return name
    k, n, instr, rest = m.groups()
    if instr == "RUN":
        # The command is the shell script in the exec-form array, "\n" printed literally.
        script = rest.split('["/bin/sh","-c","', 1)[-1]
        parts = [p.strip() for p in script.split("\\n")]
        pkgs = re.search(r"apt-get install -y -qq (?:--no-install-recommends )?([^\\]*)", script)
        if pkgs:  # the OS packages step: its case over apt-get, apk and dnf says little
            parts = ["apt-get install " + pkgs.group(1).strip()]
        parts = [p for p in parts if p and not p.startswith("if [ -f /run/devenv/ca.sh ]") and p != "set -e"]
        rest = "; ".join(parts)
        gmd = re.search(r"go mod download[^&;]*", rest)
        if gmd and len(rest) > 70:  # the go template's step: keep its point in view
            rest = "%s%s ..." % ("(GOPROXY=cache mount) " if "devenv-goproxy" in rest else "... ", gmd.group(0).strip())
        rest = rest[:-2] if rest.endswith('"]') else rest
        if len(rest) > 70:
            rest = rest[:67] + "..."
    return "[%s/%s] %s %s" % (k, n, instr, rest)


def ran_steps(steps):
    """Dockerfile steps that ran (not CACHED), FROM left out; and the ones that were CACHED."""
    ran, cached = [], []
    for name, st in steps:
        m = STEP.match(name)
        if not m or m.group(3) == "FROM":
            continue
        (cached if st == "CACHED" else ran).append(short_step(name))
    key = lambda s: int(re.match(r"^\[(\d+)", s).group(1))
    return sorted(ran, key=key), sorted(cached, key=key)


go_notes = []
if E.get("BENCH_R_GO_LOGS"):
    d = E["BENCH_R_GO_LOGS"]
    image_cold, cold, rebuild = (float(E[k]) for k in ("BENCH_R_GO_IMAGE_COLD_S", "BENCH_R_GO_COLD_S", "BENCH_R_GO_REBUILD_S"))
    ratio = rebuild / cold
    ok = ratio < 0.30
    missed |= not ok
    rows.append(["5a go: add a module, `build` vs cold `build --rebuild` (examples/go copy, 1 run each)",
                 "%.2f s" % rebuild, "%.2f s" % cold, "%.3f" % ratio, "< 0.30", "PASS" if ok else "MISS"])
    ran, cached = ran_steps(build_steps(os.path.join(d, "go-rebuild.log")))
    # Checked on the full step names: short_step cuts a long RUN (the go template's
    # `export GOPROXY=... && go mod download ...`) before `go mod download`.
    ran_full = sorted((n for n, st in build_steps(os.path.join(d, "go-rebuild.log"))
                       if STEP.match(n) and STEP.match(n).group(3) != "FROM" and st != "CACHED"),
                      key=lambda n: int(STEP.match(n).group(1)))
    want = (len(ran_full) == 2 and re.search(r"\] COPY .*go\.mod.*go\.sum", ran_full[0] + " ") is not None
            and "go mod download" in ran_full[1])
    ok = want
    missed |= not ok
    rows.append(["5b go rebuild: Dockerfile steps that ran (not CACHED)",
                 "; ".join(re.sub(r"^\[\d+/\d+\] ", "", s)[:52] for s in ran) or "none", "-", "-",
                 "only COPY go.mod go.sum + go mod download", "PASS" if ok else "MISS"])
    ic_ran, ic_cached = ran_steps(build_steps(os.path.join(d, "go-image-cold.log")))
    c_ran, c_cached = ran_steps(build_steps(os.path.join(d, "go-cold.log")))
    go_notes += [
        "go: examples/go copied to a temp dir and renamed bench-go; devenv build --progress plain, timed around "
        "the command, one run each; BuildKit cache mounts (apt's /var/cache/apt and lists, /root/.cache/go-build) "
        "persist across builds, so the cold build may take the .debs from the apt cache",
        "go: cold as the brief defines it (no bench-go image, `build --rebuild`, layer cache as the engine had it): "
        "%.2f s; ran: %s; CACHED: %s. Against it the rebuild ratio would be %.2f" % (
            image_cold, ", ".join(ic_ran) or "nothing", ", ".join(ic_cached) or "nothing", rebuild / image_cold),
        "go: cold used for 5a (one ENV line unique to this run added under [build.env], so no layer from the "
        "packages step on is in the cache): %.2f s; ran: %s; CACHED: %s" % (
            cold, ", ".join(c_ran) or "nothing", ", ".join(c_cached) or "nothing"),
        "go: change: `GOTOOLCHAIN=local GOFLAGS=-mod=mod go get golang.org/x/text@v0.14.0` on the host (%s)" % (
            E.get("BENCH_R_GO_GET_NOTE") or "?"),
        "go: rebuild %.2f s; steps that ran (not CACHED): %s; CACHED: %s" % (
            rebuild, ", ".join(ran) or "nothing", ", ".join(cached) or "nothing"),
    ]

# ---- rows 6a, 6b: examples/node, one npm package added
node_notes = []
NODE_T = "6a node: add a package, `build` vs cold `build --rebuild` (examples/node copy, 1 run each)"
NODE_STEPS_T = "6b node rebuild: Dockerfile steps that ran (not CACHED)"
if E.get("BENCH_R_NODE_SKIP") != "1":
    d = E["BENCH_R_NODE_LOGS"]
    if E.get("BENCH_R_NODE_COLD_S") and E.get("BENCH_R_NODE_REBUILD_S"):
        cold, rebuild = float(E["BENCH_R_NODE_COLD_S"]), float(E["BENCH_R_NODE_REBUILD_S"])
        ratio = rebuild / cold
        ok = ratio < 0.30
        missed |= not ok
        rows.append([NODE_T, "%.2f s" % rebuild, "%.2f s" % cold, "%.3f" % ratio, "< 0.30", "PASS" if ok else "MISS"])
        ran, cached = ran_steps(build_steps(os.path.join(d, "node-rebuild.log")))
        ok = (len(ran) == 3 and re.search(r"\] COPY .*package-lock\.json.*package\.json", ran[0]) is not None
              and ran[1].endswith("RUN npm ci") and "mv node_modules /node_modules" in ran[2])
        missed |= not ok
        rows.append([NODE_STEPS_T, "; ".join(re.sub(r"^\[\d+/\d+\] ", "", s_)[:44] for s_ in ran) or "none", "-", "-",
                     "only COPY package*.json + npm ci + mv node_modules", "PASS" if ok else "MISS"])
        c_ran, c_cached = ran_steps(build_steps(os.path.join(d, "node-cold.log")))
        node_notes += [
            "node: examples/node copied to a temp dir and renamed bench-node; devenv build --progress plain, timed "
            "around the command, one run each; cold = `build --rebuild` after one ENV line unique to this run is "
            "added under [env] (BuildKit's cache mounts for apt and ~/.npm persist, so .debs and tarballs may come "
            "from them): %.2f s; ran: %s; CACHED: %s" % (cold, ", ".join(c_ran) or "nothing", ", ".join(c_cached) or "nothing"),
            "node: change: `npm install --package-lock-only --omit-lockfile-registry-resolved=false --save-exact %s` "
            "with the host's npm: %s" % (E.get("BENCH_R_NODE_PKG"), E.get("BENCH_R_NODE_NPM_NOTE") or "?"),
            "node: rebuild %.2f s; steps that ran (not CACHED): %s; CACHED: %s" % (
                rebuild, ", ".join(ran) or "nothing", ", ".join(cached) or "nothing"),
        ]
    else:
        rows.append([NODE_T, "n/a", "%.2f s" % float(E["BENCH_R_NODE_COLD_S"]) if E.get("BENCH_R_NODE_COLD_S") else "n/a",
                     "n/a", "< 0.30", "n/a"])
        rows.append([NODE_STEPS_T, "n/a", "-", "-", "only COPY package*.json + npm ci + mv node_modules", "n/a"])
        node_notes.append("node: n/a: %s" % (E.get("BENCH_R_NODE_NOTE") or "?"))

# ---- row 8: one [env] value changed, then `run -- true` (against 5a's cold build)
ENVCHG_T = "8 [env] value changed: `run -- true` vs cold `build --rebuild` (examples/go copy)"
if E.get("BENCH_R_ENVCHG_STEPS"):
    a = pooled("envchg")["devenv"]
    cold = float(E["BENCH_R_GO_COLD_S"])
    steps, added = int(E["BENCH_R_ENVCHG_STEPS"]), int(E["BENCH_R_ENVCHG_IMAGES"])
    ok = steps == 0 and added == 0 and not E.get("BENCH_R_ENVCHG_NOTE")
    missed |= not ok
    rows.append([ENVCHG_T, ms(statistics.median(a)), "%.2f s" % cold, "%.3f" % (statistics.median(a) / cold),
                 "no build step", "PASS" if ok else "MISS"])
    go_notes.append("envchg: a new BENCH_ENV value in [env] before each of %d runs (hyperfine --prepare); then once "
                    "more with the output kept: %d BuildKit lines, %d images added%s" % (
                        len(a), steps, added, "; " + E["BENCH_R_ENVCHG_NOTE"] if E.get("BENCH_R_ENVCHG_NOTE") else ""))
else:
    rows.append([ENVCHG_T, "n/a", "n/a", "n/a", "no build step", "n/a (needs the go rows)"])

# ---- rows 7a, 7b: interactive shell on a pty (bench/shellbench.py)
shell_notes = []
if E.get("BENCH_R_SHELL_JSON"):
    with open(E["BENCH_R_SHELL_JSON"]) as f:
        sh = json.load(f)
    rs = sh["results"]
    for key, title in (("first_s", "7a shell: pty, start -> first byte, `shell` vs `docker run --rm -it TAG sh`"),
                       ("prompt_s", "7b shell: pty, start -> prompt (`# `), `shell` vs `docker run --rm -it TAG sh`")):
        a, b = rs["devenv"][key], rs["docker"][key]
        if len(a) >= 2 and len(b) >= 2:
            ratio = statistics.median(a) / statistics.median(b)
            lo, hi = ratio_ci(a, b)
            ok = ratio <= 1.10 and not rs["devenv"]["failed"]
            missed |= not ok
            rows.append([title, "%s / p95 %s" % (ms(statistics.median(a)), ms(pct(a, 0.95))),
                         "%s / p95 %s" % (ms(statistics.median(b)), ms(pct(b, 0.95))),
                         "%.3f [%.2f-%.2f]" % (ratio, lo, hi), "<= 1.10 (as row 1)", "PASS" if ok else "MISS"])
        else:
            missed = True
            rows.append([title, "n/a", "n/a", "n/a", "<= 1.10 (as row 1)", "MISS"])
    for name in ("devenv", "docker"):
        r = rs[name]
        if r["total_s"]:
            details.append("shell / %s: first byte median %s, prompt median %s, start to exit median %s, n=%d, failed %d" % (
                name, ms(statistics.median(r["first_s"])), ms(statistics.median(r["prompt_s"])),
                ms(statistics.median(r["total_s"])), len(r["total_s"]), len(r["failed"])))
    shell_notes += [
        "shell: bench/shellbench.py, each command on a new pty (pty.fork, 80x24, TERM=xterm), time.monotonic() "
        "just before the fork; first byte = the first os.read that returns data, prompt = the first `# ` or `$ ` in "
        "the output; ESC[6n answered with ESC[1;1R; `exit` sent after the prompt and the command awaited before the "
        "next; %d runs each after %d warmup, alternating A B B A ...; p95 by nearest rank; the empty project is up "
        "to date, so devenv prints no build output: `devenv` = `%s`, `docker` = `%s`" % (
            sh["runs"], sh["warmup"], " ".join(rs["devenv"]["argv"]), " ".join(rs["docker"]["argv"])),
        "shell: first output of devenv: %r; of docker: %r" % ((rs["devenv"]["sample"] or "")[:160], (rs["docker"]["sample"] or "")[:160]),
    ]
    for name in ("devenv", "docker"):
        for fl in rs[name]["failed"]:
            shell_notes.append("shell: %s run %d showed no prompt (status %s): %r" % (name, fl["run"], fl["status"], fl["output"][:200]))

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
] + dc_notes + watch_notes + go_notes + node_notes + shell_notes

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
