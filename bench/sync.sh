#!/usr/bin/env bash
# Synced mode against an engine that cannot see the project's path (a second dockerd in
# its own mount namespace, as tests/sync_test.go makes it):
#  1. first upload of a generated tree (default 50,000 files, 1 GB) by `devenv run -- true`
#     into a fresh volume, against `tar -c | docker cp -` of the same tree into a volume of
#     the same kind (target: ratio <= 1.2). devenv's figure is the whole command: the
#     probe, the upload, the container, the last sync.
#  2. a saved file visible in the container while `devenv run` runs: the host writes its
#     /proc/uptime into a file, a loop in the container notes its own uptime when it sees
#     the new content (one kernel, one clock; 10 ms resolution, 10 ms polling)
#     (target: median < 300 ms).
#
#   sudo bash bench/sync.sh
#   BENCH_FILES=5000 BENCH_MB=100 BENCH_SAVES=20 sudo bash bench/sync.sh
#
# Writes bench/out/sync-<date>-<time>.md. Needs root (a second dockerd), Go, python3,
# iproute2, util-linux's unshare, a Docker Engine with busybox:devenv.
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
FILES=${BENCH_FILES:-50000}
MB=${BENCH_MB:-1024}
SAVES=${BENCH_SAVES:-30}
STAMP=$(date +%Y-%m-%d-%H%M%S)
OUT="$REPO/bench/out"
mkdir -p "$OUT"
[ "$(id -u)" = 0 ] || { echo "sync.sh: needs root for a second dockerd" >&2; exit 1; }
bash "$REPO/scripts/engine-up.sh"

TMP=$(mktemp -d /tmp/devenv-bench-sync-XXXXXX)
chmod 755 "$TMP"
ENGINE="$TMP/engine"          # the second engine's own files: not hidden from it
HIDDEN="$TMP/hidden"          # what it cannot see: the project lives under here
PROJ="$HIDDEN/project"
mkdir -p "$ENGINE" "$PROJ"
BRIDGE=dvbench$$
BRIDGE=${BRIDGE:0:15}
DPID=
cleanup() {
  # Everything the second engine started names its directory on its command line.
  for p in $(grep -l -a "$ENGINE" /proc/[0-9]*/cmdline 2>/dev/null | cut -d/ -f3); do
    [ "$p" = $$ ] || kill "$p" 2>/dev/null || true
  done
  [ -n "$DPID" ] && wait "$DPID" 2>/dev/null || true
  ip link del "$BRIDGE" 2>/dev/null || true
  rm -rf "$TMP"
}
trap cleanup EXIT

(cd "$REPO" && go build -o "$TMP/devenv" ./cmd/devenv)

# The second engine: a bridge of its own on a free 10.213.N.0/24, the project's
# directory under an empty tmpfs in its mount namespace.
n=250
while ip -4 -o addr | grep -q "10\.213\.$n\."; do n=$((n - 1)); done
ip link add name "$BRIDGE" type bridge
ip addr add "10.213.$n.1/24" dev "$BRIDGE"
ip link set "$BRIDGE" up
SOCK="$ENGINE/remote.sock"
unshare --mount --propagation private sh -c "mount -t tmpfs devenv-hide '$HIDDEN' && exec dockerd --data-root '$ENGINE/data' --exec-root '$ENGINE/exec' --pidfile '$ENGINE/dockerd.pid' -H 'unix://$SOCK' --bridge=$BRIDGE --iptables=false --ip6tables=false --ip-masq=false" >"$ENGINE/dockerd.log" 2>&1 &
DPID=$!
R="unix://$SOCK"
for _ in $(seq 300); do docker -H "$R" version >/dev/null 2>&1 && break; sleep 0.2; done
docker -H "$R" version >/dev/null
docker save busybox:devenv | docker -H "$R" load -q >/dev/null

# The tree: FILES files in directories of 100, MB in all, plus an ignored directory.
echo "generating $FILES files, $MB MB in $PROJ ..."
python3 - "$PROJ" "$FILES" "$MB" <<'PY'
import os, sys
root, n, mb = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
size = mb * 1024 * 1024 // n
chunk = os.urandom(size)
for i in range(n):
    d = os.path.join(root, "src", "d%04d" % (i // 100))
    if i % 100 == 0:
        os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "f%05d.txt" % i), "wb") as f:
        f.write(chunk)
os.makedirs(os.path.join(root, "node_modules", "x"), exist_ok=True)
open(os.path.join(root, "node_modules", "x", "ignored.js"), "w").write("ignored\n")
open(os.path.join(root, ".gitignore"), "w").write("node_modules/\n")
open(os.path.join(root, "devenv.toml"), "w").write('name = "bench-sync"\nbase = "busybox:devenv"\n')
PY

export DOCKER_HOST=$R XDG_CACHE_HOME="$TMP/cache"
cd "$PROJ"
"$TMP/devenv" build --progress quiet
TAG=$(docker -H "$R" images --format '{{.Repository}}:{{.Tag}}' devenv/bench-sync | head -1)
sync; echo 3 >/proc/sys/vm/drop_caches 2>/dev/null || true

# 1a. tar | docker cp into a fresh volume, through a created container (as devenv's helper).
docker -H "$R" volume create bench-cp >/dev/null
cid=$(docker -H "$R" create -v bench-cp:/workspace "$TAG" true)
t0=$(date +%s.%N)
tar -C "$PROJ" --exclude=./node_modules -cf - . | docker -H "$R" cp - "$cid:/workspace"
t1=$(date +%s.%N)
docker -H "$R" rm -f "$cid" >/dev/null
base=$(python3 -c "print(round($t1 - $t0, 2))")
echo "tar | docker cp: ${base}s"

# 1b. devenv's first run: probe, fresh volume, upload, container, last sync.
sync; echo 3 >/proc/sys/vm/drop_caches 2>/dev/null || true
t0=$(date +%s.%N)
"$TMP/devenv" run -- true
t1=$(date +%s.%N)
first=$(python3 -c "print(round($t1 - $t0, 2))")
count=$(docker -H "$R" run --rm -v "$(docker -H "$R" volume ls -q --filter label=dev.devenv.tree)":/w "$TAG" sh -c 'find /w -type f | wc -l')
echo "devenv run -- true, first upload: ${first}s ($count files in the volume)"
t0=$(date +%s.%N)
"$TMP/devenv" run -- true
t1=$(date +%s.%N)
warm=$(python3 -c "print(round($t1 - $t0, 2))")
echo "devenv run -- true, nothing to sync: ${warm}s"

# 2. a saved file visible in the container.
mkdir -p lat
"$TMP/devenv" run -- sh -c 'last=; while :; do c=$(cat lat/f 2>/dev/null); if [ "$c" != "$last" ]; then read up _ </proc/uptime; echo "$c $up" >>/tmp/seen; last=$c; [ "$c" = stop ] && break; fi; usleep 10000; done; cp /tmp/seen lat/seen.log' &
RUN=$!
sleep 3
for i in $(seq "$SAVES"); do
  read -r up _ </proc/uptime
  echo "$i $up" >lat/f
  sleep 0.$((5 + RANDOM % 5))
done
echo stop >lat/f
wait $RUN
median=$(python3 - lat/seen.log <<'PY'
import sys, statistics
d = []
for line in open(sys.argv[1]):
    f = line.split()
    if len(f) == 3:
        d.append((float(f[2]) - float(f[1])) * 1000)
print("%.0f ms (n=%d, min %.0f, max %.0f)" % (statistics.median(d), len(d), min(d), max(d)))
PY
)
echo "saved file visible in the container: median $median"

ratio=$(python3 -c "print(round($first / $base, 2))")
cat >"$OUT/sync-$STAMP.md" <<EOF
| measure | devenv | baseline | ratio | target |
| --- | --- | --- | --- | --- |
| first upload, $FILES files / $MB MB (whole \`devenv run -- true\`) | ${first} s | ${base} s (\`tar \| docker cp\`) | ${ratio}x | <= 1.2x |
| \`devenv run -- true\` again, nothing to sync | ${warm} s | | | |
| saved file visible in the container | median $median | | | < 300 ms |
EOF
cat "$OUT/sync-$STAMP.md"
