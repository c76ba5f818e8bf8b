#!/usr/bin/env bash
# Warm `devenv run -- true` over ssh:// against `docker -H ssh://... run --rm IMAGE true`
# on the same image, in one hyperfine run (target: ratio of medians <= 1.10).
#
#   bash bench/ssh.sh                 # 30 runs per command
#   BENCH_RUNS=60 bash bench/ssh.sh   # a narrower interval
#
# It starts a real sshd on a free loopback port (keys made here, an `ssh` wrapper first on
# PATH that uses them: the same set-up as tests/engines_test.go), logging in as devenv-ssh
# (made by scripts/engine-up.sh) when run as root, else as the current user. The engine
# behind it is this machine's. Both sides go through ssh for every connection: devenv
# through docker/cli's connection helper, the docker CLI through its own.
# Writes hyperfine's JSON and a one-row markdown table to bench/out/ssh-<date>-<time>.*.
# Needs: Go, hyperfine, openssh-server, python3, a Docker Engine with busybox:devenv.
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
RUNS=${BENCH_RUNS:-30}
WARMUP=${BENCH_WARMUP:-3}
STAMP=$(date +%Y-%m-%d-%H%M%S)
OUT="$REPO/bench/out"
mkdir -p "$OUT"

bash "$REPO/scripts/engine-up.sh"
command -v hyperfine >/dev/null || { echo "ssh.sh: needs hyperfine (apt-get install hyperfine)" >&2; exit 1; }

TMP=$(mktemp -d)
chmod 755 "$TMP"
SSHD_PID=
cleanup() {
  [ -n "$SSHD_PID" ] && kill "$SSHD_PID" 2>/dev/null || true
  [ -n "${TAG:-}" ] && docker rmi -f "$TAG" >/dev/null 2>&1 || true
  rm -rf "$TMP"
}
trap cleanup EXIT

(cd "$REPO" && go build -o "$TMP/bin/devenv" ./cmd/devenv)

# sshd on loopback, with its own host key and one authorized client key.
login=devenv-ssh
[ "$(id -u)" = 0 ] || login=$(id -un)
ssh_dir="$TMP/ssh"
mkdir -p "$ssh_dir/bin"
ssh-keygen -q -t ed25519 -N '' -f "$ssh_dir/host"
ssh-keygen -q -t ed25519 -N '' -f "$ssh_dir/client"
cp "$ssh_dir/client.pub" "$ssh_dir/authorized_keys"
chmod 644 "$ssh_dir/authorized_keys"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
cat >"$ssh_dir/sshd_config" <<EOF
ListenAddress 127.0.0.1:$port
HostKey $ssh_dir/host
AuthorizedKeysFile $ssh_dir/authorized_keys
AllowUsers $login
StrictModes no
UsePAM no
PasswordAuthentication no
KbdInteractiveAuthentication no
PidFile none
EOF
echo "[127.0.0.1]:$port $(cut -d' ' -f1,2 "$ssh_dir/host.pub")" >"$ssh_dir/known_hosts"
cat >"$ssh_dir/config" <<EOF
Host *
  IdentityFile $ssh_dir/client
  IdentitiesOnly yes
  UserKnownHostsFile $ssh_dir/known_hosts
  StrictHostKeyChecking yes
  BatchMode yes
  LogLevel ERROR
EOF
# The wrapper counts the connections: each one is an ssh process.
printf '#!/bin/sh\necho >>%s\nexec %s -F %s "$@"\n' "$TMP/ssh.count" "$(command -v ssh)" "$ssh_dir/config" >"$ssh_dir/bin/ssh"
chmod 755 "$ssh_dir/bin/ssh"
[ "$(id -u)" = 0 ] && mkdir -p /run/sshd
/usr/sbin/sshd -D -e -f "$ssh_dir/sshd_config" 2>"$TMP/sshd.log" &
SSHD_PID=$!
for _ in $(seq 1 100); do
  (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break
  sleep 0.05
done

export PATH="$ssh_dir/bin:$TMP/bin:$PATH"
export DOCKER_HOST="ssh://$login@127.0.0.1:$port"
unset DOCKER_CONTEXT

# The project, built once over ssh, so every timed run is warm.
proj="$TMP/proj"
mkdir -p "$proj"
printf 'name = "bench-ssh"\nbase = "busybox:devenv"\ndependencies = ["deps.txt"]\ninstall = ["cat deps.txt > /installed"]\n' >"$proj/devenv.toml"
echo left-pad >"$proj/deps.txt"
cd "$proj"
devenv build
TAG=$(devenv build 2>&1 | grep -o 'devenv/bench-ssh:[0-9a-f]*' | head -n1)

conns() { : >"$TMP/ssh.count"; "$@" >/dev/null 2>&1; wc -l <"$TMP/ssh.count"; }
echo "ssh connections per run: devenv $(conns devenv run -- true), docker $(conns docker run --rm "$TAG" true)"

json="$OUT/ssh-$STAMP.json"
half=$((RUNS / 2))
# A B B A: whatever drifts during the run lands on both sides.
hyperfine -N --warmup "$WARMUP" --runs "$half" --export-json "$json" \
  -n devenv 'devenv run -- true' \
  -n docker "docker run --rm $TAG true" \
  -n docker "docker run --rm $TAG true" \
  -n devenv 'devenv run -- true'

python3 - "$json" "$OUT/ssh-$STAMP.md" "$DOCKER_HOST" <<'EOF'
import json, random, statistics, sys
res = json.load(open(sys.argv[1]))["results"]
times = {}
for r in res:
    times.setdefault(r["command"], []).extend(r["times"])
dv, dk = times["devenv"], times["docker"]
ratio = statistics.median(dv) / statistics.median(dk)
rng = random.Random(1)
boot = sorted(statistics.median(rng.choices(dv, k=len(dv))) / statistics.median(rng.choices(dk, k=len(dk))) for _ in range(2000))
lo, hi = boot[50], boot[1949]
verdict = "MET" if ratio <= 1.10 else "MISS"
row = (f"| warm `devenv run -- true` over {sys.argv[3]} | {statistics.median(dv)*1000:.0f} ms | "
       f"`docker run --rm IMAGE true` over the same: {statistics.median(dk)*1000:.0f} ms | "
       f"{ratio:.2f} (95% {lo:.2f}-{hi:.2f}) | <= 1.10 | {verdict} |")
table = "| row | devenv (median) | reference (median) | ratio | target | |\n|---|---|---|---|---|---|\n" + row + "\n"
open(sys.argv[2], "w").write(table)
print(table)
EOF
