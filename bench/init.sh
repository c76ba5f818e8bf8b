#!/usr/bin/env bash
# `devenv init` on a big monorepo: detection reads the files it names and never walks the
# tree, so a 50,000-file repository is read as fast as an empty one.
#
#   bash bench/init.sh              # 50,000 files (default)
#   BENCH_INIT_FILES=200000 bash bench/init.sh
#
# The fixture is a realistic monorepo: a Python back end at the root (pyproject.toml,
# requirements files, .python-version), an npm workspace in web/ with 200 members under
# web/packages/*, a Go service in api/, and 50,000 files in all, most of them where real
# repositories keep them: node_modules/, .git/, build outputs and sources.
# Timed with hyperfine against `devenv version` (the binary's own start-up, the reference
# in the same run) and an empty project; strace counts the directories read.
# No engine is needed. Prints a table; exits 1 when the median is over 200 ms
# with BENCH_STRICT=1.
set -euo pipefail
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
FILES=${BENCH_INIT_FILES:-50000}
RUNS=${BENCH_RUNS:-30}
log() { printf 'bench-init: %s\n' "$*" >&2; }
command -v hyperfine >/dev/null || { log "installing hyperfine"; apt-get install -y -qq hyperfine >/dev/null; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
bin="$work/devenv"
(cd "$REPO" && go build -o "$bin" ./cmd/devenv)

mono="$work/monorepo"
mkdir -p "$mono" "$work/empty"
log "writing a $FILES-file monorepo"
python3 - "$mono" "$FILES" <<'PY'
import json, os, sys
root, total = sys.argv[1], int(sys.argv[2])
def w(rel, text=""):
    p = os.path.join(root, rel)
    os.makedirs(os.path.dirname(p), exist_ok=True)
    with open(p, "w") as f:
        f.write(text)
n = 0
w(".python-version", "3.12\n")
w("pyproject.toml", '[project]\nname = "mono"\nrequires-python = ">=3.11"\ndependencies = ["requests"]\n')
w("requirements.txt", "-r requirements/base.txt\n")
w("requirements/base.txt", "requests==2.32.3\n")
w("api/go.mod", "module example.com/api\n\ngo 1.25.0\n")
w("web/.nvmrc", "22\n")
members = 200
w("web/package.json", json.dumps({"name": "web", "private": True, "workspaces": ["packages/*"]}))
w("web/package-lock.json", json.dumps({"name": "web", "lockfileVersion": 3, "packages": {}}))
for i in range(members):
    w(f"web/packages/p{i:03d}/package.json", json.dumps({"name": f"p{i:03d}", "version": "1.0.0"}))
    w(f"web/packages/p{i:03d}/src/index.js", "module.exports = 1\n")
n = 10 + 2 * members
# Where the bulk of a real repository's files are.
buckets = [("web/node_modules/pkg{0:04d}/lib/f{1}.js", 0.55), (".git/objects/{0:02x}/o{1:06d}", 0.20),
           ("build/out{0:03d}/f{1}.o", 0.10), ("src/mod{0:03d}/f{1}.py", 0.15)]
left = total - n
for pattern, share in buckets:
    count = int(left * share)
    for j in range(count):
        w(pattern.format(j // 25 % 256 if ".git" in pattern else j // 25, j), "x")
PY
log "files: $(find "$mono" -type f | wc -l)"
sync

echo
printf '%s\n' "strace: directories read and files opened by \`devenv init --dry-run\`"
for d in "$work/empty" "$mono"; do
  strace -f -qq -e trace=getdents64,openat -o "$work/trace" "$bin" -C "$d" init --dry-run >/dev/null 2>&1 || true
  printf '  %-9s getdents64 %4d  openat %4d\n' "$(basename "$d")" \
    "$(grep -c getdents64 "$work/trace")" "$(grep -c openat "$work/trace")"
done

hyperfine -N --warmup 3 --runs "$RUNS" --export-json "$work/init.json" \
  -n "devenv completion bash (start-up)" "$bin completion bash" \
  -n "init, empty project" "$bin -C $work/empty init --dry-run" \
  -n "init, $FILES-file monorepo" "$bin -C $mono init --dry-run" >/dev/null 2>&1 || true
python3 - "$work/init.json" <<'PY'
import json, statistics, sys
res = json.load(open(sys.argv[1]))["results"]
ref = statistics.median(res[0]["times"])
print()
print("| command | median ms | min ms | ratio to start-up |")
print("|---|---|---|---|")
for r in res:
    m = statistics.median(r["times"])
    print(f"| {r['command']} | {m*1000:.1f} | {min(r['times'])*1000:.1f} | {m/ref:.2f} |")
big = statistics.median(res[2]["times"]) * 1000
print()
print(f"monorepo init: {big:.1f} ms median (target < 200 ms): {'ok' if big < 200 else 'MISS'}")
PY
"$bin" -C "$mono" init --dry-run 2>&1 >/dev/null | sed 's/^/  /'
