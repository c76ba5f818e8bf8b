#!/usr/bin/env bash
# `devenv build` on Podman against `podman build` of the same Dockerfile, in one
# hyperfine run per mode: each run changes the dependency file first, so both rebuild
# the install layer and what follows, on top of the cached base and WORKDIR layers.
#
#   bash bench/podman.sh                        # 15 runs per command, rootful then rootless
#   BENCH_RUNS=30 bash bench/podman.sh          # a narrower interval
#   BENCH_MODES=rootless bash bench/podman.sh   # one mode
#
# Run as root. Each mode starts its own `podman system service` on a socket in a
# temporary directory, with storage of its own there (busybox:devenv loaded from the
# Docker engine), and removes it all at the end. Rootless runs the service and both
# commands as the user devenv-e2e (made by the tests; skipped when missing), in its user
# namespace, with its own XDG_RUNTIME_DIR. The project trusts no host CA, so the
# Dockerfile `devenv dockerfile` prints is exactly the one devenv sends to Podman.
# Writes hyperfine's JSON per mode and a markdown table to bench/out/podman-<date>-<time>.*.
# Needs: Go, hyperfine, podman, catatonit, uidmap, slirp4netns (scripts/engine-up.sh
# installs them), a Docker engine with busybox:devenv.
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
RUNS=${BENCH_RUNS:-15}
WARMUP=${BENCH_WARMUP:-2}
STAMP=$(date +%Y-%m-%d-%H%M%S)
OUT="$REPO/bench/out"
mkdir -p "$OUT"

[ "$(id -u)" = 0 ] || { echo "podman.sh: starts Podman services as root and as a test user: run it as root" >&2; exit 1; }
bash "$REPO/scripts/engine-up.sh"
command -v hyperfine >/dev/null || { echo "podman.sh: needs hyperfine (apt-get install hyperfine)" >&2; exit 1; }

# Short: Podman refuses a run root of more than 50 characters.
TMP=$(mktemp -d /tmp/dvpb.XXXXXX)
chmod 755 "$TMP"
(cd "$REPO" && go build -o "$TMP/bin/devenv" ./cmd/devenv)
docker save busybox:devenv -o "$TMP/busybox.tar"
chmod 644 "$TMP/busybox.tar"
# These sandboxes refuse Podman's default ulimits (above the hard limits).
printf '[containers]\ndefault_ulimits = ["nofile=1024:1024", "nproc=8192:8192"]\n' >"$TMP/containers.conf"
chmod 644 "$TMP/containers.conf"
export CONTAINERS_CONF="$TMP/containers.conf"

SVC_PID=
CLEAN=()
cleanup() {
  [ -n "$SVC_PID" ] && kill "$SVC_PID" 2>/dev/null && wait "$SVC_PID" 2>/dev/null || true
  local c
  for c in "${CLEAN[@]}"; do eval "$c" >/dev/null 2>&1 || true; done
  rm -rf "$TMP"
}
trap cleanup EXIT

# run_mode MODE: devenv build against podman build on a Podman service of MODE
# (rootful: as root; rootless: as devenv-e2e).
run_mode() {
  local mode=$1 dir="$TMP/$1"
  local as=()
  mkdir -p "$dir"
  if [ "$mode" = rootless ]; then
    id devenv-e2e >/dev/null 2>&1 || { echo "podman.sh: no user devenv-e2e (run the tests once): rootless skipped" >&2; return 0; }
    mkdir -p "$dir/xdg"
    chmod 700 "$dir/xdg"
    chown -R devenv-e2e: "$dir"
    as=(setpriv --reuid=devenv-e2e --regid=devenv-e2e --clear-groups env -i "PATH=$PATH" HOME=/home/devenv-e2e
      USER=devenv-e2e "XDG_RUNTIME_DIR=$dir/xdg" "CONTAINERS_CONF=$CONTAINERS_CONF")
  fi
  local podman=("${as[@]}" podman --root "$dir/storage" --runroot "$dir/run" --tmpdir "$dir/tmp")
  CLEAN+=("${podman[*]} system reset --force")
  # The user namespace lives on in Podman's pause process.
  [ "$mode" = rootless ] && CLEAN+=("kill \$(cat $dir/xdg/libpod/tmp/pause.pid)")
  "${podman[@]}" load -i "$TMP/busybox.tar" >/dev/null
  "${podman[@]}" system service --time=0 "unix://$dir/podman.sock" >"$dir/service.log" 2>&1 &
  SVC_PID=$!
  for _ in $(seq 1 100); do
    curl -sf --unix-socket "$dir/podman.sock" http://podman/_ping >/dev/null 2>&1 && break
    sleep 0.1
  done
  local devenv=(env "DOCKER_HOST=unix://$dir/podman.sock" "$TMP/bin/devenv")
  [ "$mode" = rootless ] && devenv=("${as[@]}" "DOCKER_HOST=unix://$dir/podman.sock" "$TMP/bin/devenv")

  local proj="$dir/proj"
  mkdir -p "$proj"
  cat >"$proj/devenv.toml" <<'EOF'
name = "bench-podman"
base = "busybox:devenv"
trust_host_ca = false
dependencies = ["deps.txt"]
install = ["echo installing $(cat deps.txt)", "cat deps.txt > /installed.txt", "seq 1 20000 | md5sum > /sum.txt"]
EOF
  echo 0 >"$proj/deps.txt"
  [ "$mode" = rootless ] && chown -R devenv-e2e: "$proj" && chmod 666 "$proj/deps.txt"
  "${devenv[@]}" -C "$proj" dockerfile -o "$proj/Dockerfile"
  "${devenv[@]}" -C "$proj" doctor >"$dir/doctor.txt" 2>&1 || true
  grep -q "Podman 4" "$dir/doctor.txt" || { cat "$dir/doctor.txt" >&2; exit 1; }
  if [ "$mode" = rootless ] && ! grep -q "rootless" "$dir/doctor.txt"; then
    echo "podman.sh: the rootless service does not say it is rootless:" >&2
    cat "$dir/doctor.txt" >&2
    exit 1
  fi

  local json="$OUT/podman-$STAMP-$mode.json"
  hyperfine --runs "$RUNS" --warmup "$WARMUP" --export-json "$json" \
    --prepare "date +%s%N > $proj/deps.txt" \
    -n 'devenv build' "${devenv[*]} -C $proj build --progress plain" \
    -n 'podman build' "${podman[*]} build -q -t bench-podman/plain:latest -f $proj/Dockerfile $proj"
  kill "$SVC_PID" 2>/dev/null && wait "$SVC_PID" 2>/dev/null || true
  SVC_PID=
  python3 - "$json" "$mode" >>"$OUT/podman-$STAMP.md" <<'EOF'
import json, sys
r = {x["command"]: x for x in json.load(open(sys.argv[1]))["results"]}
d, p = r["devenv build"], r["podman build"]
print(f"| {sys.argv[2]}: devenv build vs podman build, install layer changed | {d['median']*1000:.0f} ms | "
      f"{p['median']*1000:.0f} ms | {d['median'] / p['median']:.2f}x |")
EOF
}

printf '| measure | devenv | podman | ratio of medians |\n|---|---|---|---|\n' >"$OUT/podman-$STAMP.md"
for mode in ${BENCH_MODES:-rootful rootless}; do
  run_mode "$mode"
done
cat "$OUT/podman-$STAMP.md"
