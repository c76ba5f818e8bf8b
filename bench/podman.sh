#!/usr/bin/env bash
# `devenv build` on Podman against `podman build` of the same Dockerfile, in one
# hyperfine run: each run changes the dependency file first, so both rebuild the
# install layer and what follows, on top of the cached base and WORKDIR layers.
#
#   bash bench/podman.sh                 # 15 runs per command
#   BENCH_RUNS=30 bash bench/podman.sh   # a narrower interval
#
# Rootful (run as root): it starts its own `podman system service` on a socket in a
# temporary directory, with storage of its own there (busybox:devenv loaded from the
# Docker engine), and removes it all at the end. The project trusts no host CA, so the
# Dockerfile `devenv dockerfile` prints is exactly the one devenv sends to Podman.
# Writes hyperfine's JSON and a one-row markdown table to bench/out/podman-<date>-<time>.*.
# Needs: Go, hyperfine, podman and catatonit (scripts/engine-up.sh installs them), a
# Docker engine with busybox:devenv.
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
RUNS=${BENCH_RUNS:-15}
WARMUP=${BENCH_WARMUP:-2}
STAMP=$(date +%Y-%m-%d-%H%M%S)
OUT="$REPO/bench/out"
mkdir -p "$OUT"

[ "$(id -u)" = 0 ] || { echo "podman.sh: runs rootful Podman: run it as root" >&2; exit 1; }
bash "$REPO/scripts/engine-up.sh"
command -v hyperfine >/dev/null || { echo "podman.sh: needs hyperfine (apt-get install hyperfine)" >&2; exit 1; }

TMP=$(mktemp -d)
SVC_PID=
export CONTAINERS_CONF="$TMP/containers.conf"
PODMAN=(podman --root "$TMP/storage" --runroot "$TMP/run" --tmpdir "$TMP/tmp")
cleanup() {
  [ -n "$SVC_PID" ] && kill "$SVC_PID" 2>/dev/null && wait "$SVC_PID" 2>/dev/null || true
  "${PODMAN[@]}" system reset --force >/dev/null 2>&1 || true
  rm -rf "$TMP"
}
trap cleanup EXIT

(cd "$REPO" && go build -o "$TMP/bin/devenv" ./cmd/devenv)
# These sandboxes refuse Podman's default ulimits (above the hard limits).
printf '[containers]\ndefault_ulimits = ["nofile=1024:1024", "nproc=8192:8192"]\n' >"$CONTAINERS_CONF"
docker save busybox:devenv | "${PODMAN[@]}" load >/dev/null
"${PODMAN[@]}" system service --time=0 "unix://$TMP/podman.sock" >"$TMP/service.log" 2>&1 &
SVC_PID=$!
for _ in $(seq 1 100); do
  curl -sf --unix-socket "$TMP/podman.sock" http://podman/_ping >/dev/null 2>&1 && break
  sleep 0.1
done
export DOCKER_HOST="unix://$TMP/podman.sock"

proj="$TMP/proj"
mkdir -p "$proj"
cat >"$proj/devenv.toml" <<'EOF'
name = "bench-podman"
base = "busybox:devenv"
trust_host_ca = false
dependencies = ["deps.txt"]
install = ["echo installing $(cat deps.txt)", "cat deps.txt > /installed.txt", "seq 1 20000 | md5sum > /sum.txt"]
EOF
echo 0 >"$proj/deps.txt"
"$TMP/bin/devenv" -C "$proj" dockerfile -o "$proj/Dockerfile"
"$TMP/bin/devenv" -C "$proj" doctor >"$TMP/doctor.txt" 2>&1 || true
grep -q 'Podman' "$TMP/doctor.txt" || { cat "$TMP/doctor.txt" >&2; exit 1; }

json="$OUT/podman-$STAMP.json"
hyperfine --runs "$RUNS" --warmup "$WARMUP" --export-json "$json" \
  --prepare "date +%s%N > $proj/deps.txt" \
  -n 'devenv build' "$TMP/bin/devenv -C $proj build --progress plain" \
  -n 'podman build' "${PODMAN[*]} build -q -t bench-podman/plain:latest -f $proj/Dockerfile $proj"

python3 - "$json" "$OUT/podman-$STAMP.md" <<'EOF'
import json, sys
r = {x["command"]: x for x in json.load(open(sys.argv[1]))["results"]}
d, p = r["devenv build"], r["podman build"]
ratio = d["median"] / p["median"]
row = (f"| devenv build vs podman build, install layer changed | {d['median']*1000:.0f} ms | "
       f"{p['median']*1000:.0f} ms | {ratio:.2f}x |")
table = "| measure | devenv | podman | ratio of medians |\n|---|---|---|---|\n" + row + "\n"
open(sys.argv[2], "w").write(table)
print(table)
EOF
