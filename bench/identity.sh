#!/usr/bin/env bash
# Warm `devenv run -- true` with every identity piece on (the default: ssh agent socket,
# known_hosts, git config, mounted) against the same with all of them off, on the same
# project and image, in one hyperfine run (target: ratio of medians <= 1.05).
#
#   bash bench/identity.sh                 # 30 runs per command
#   BENCH_RUNS=60 bash bench/identity.sh   # a narrower interval
#
# The home it uses is made here: a key in a real ssh-agent, ~/.gitconfig and
# ~/.ssh/known_hosts. Off is the user's own config ($XDG_CONFIG_HOME/devenv/config.toml)
# switching all four [identity] keys off, so both commands load the same devenv.toml.
# Writes hyperfine's JSON and a one-row markdown table to bench/out/identity-<date>-<time>.*.
# Needs: Go, hyperfine, openssh-client, python3, a Docker Engine with busybox:devenv.
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
RUNS=${BENCH_RUNS:-30}
WARMUP=${BENCH_WARMUP:-3}
STAMP=$(date +%Y-%m-%d-%H%M%S)
OUT="$REPO/bench/out"
mkdir -p "$OUT"

bash "$REPO/scripts/engine-up.sh"
command -v hyperfine >/dev/null || { echo "identity.sh: needs hyperfine (apt-get install hyperfine)" >&2; exit 1; }

TMP=$(mktemp -d)
AGENT_PID=
cleanup() {
  [ -n "$AGENT_PID" ] && kill "$AGENT_PID" 2>/dev/null || true
  [ -n "${TAG:-}" ] && docker rmi -f "$TAG" >/dev/null 2>&1 || true
  rm -rf "$TMP"
}
trap cleanup EXIT

(cd "$REPO" && go build -o "$TMP/bin/devenv" ./cmd/devenv)
export PATH="$TMP/bin:$PATH" HOME="$TMP/home"
mkdir -p "$HOME/.ssh" "$TMP/on" "$TMP/off/devenv" "$TMP/project"
ssh-keygen -q -t ed25519 -N '' -f "$HOME/.ssh/id_ed25519"
printf 'localhost %s\n' "$(cut -d' ' -f1,2 "$HOME/.ssh/id_ed25519.pub")" >"$HOME/.ssh/known_hosts"
printf '[user]\n\tname = Bench\n\temail = bench@example.com\n' >"$HOME/.gitconfig"
ssh-agent -D -a "$TMP/agent.sock" >/dev/null &
AGENT_PID=$!
for _ in $(seq 1 100); do [ -S "$TMP/agent.sock" ] && break; sleep 0.05; done
export SSH_AUTH_SOCK="$TMP/agent.sock"
ssh-add -q "$HOME/.ssh/id_ed25519"
printf '[identity]\nssh_agent = false\nknown_hosts = false\ngit = false\nworktree = false\n' >"$TMP/off/devenv/config.toml"
printf 'name = "bench-identity"\nbase = "busybox:devenv"\n' >"$TMP/project/devenv.toml"

cd "$TMP/project"
devenv build --progress quiet
TAG=$(devenv status 2>&1 | grep -o 'devenv/bench-identity:[0-9a-f]*' | head -n1)
# The pieces are really passed when on, and not when off.
XDG_CONFIG_HOME="$TMP/on" devenv run -- sh -c 'test -S "$SSH_AUTH_SOCK" && test -s /etc/ssh/ssh_known_hosts && test -s "$HOME/.gitconfig"'
XDG_CONFIG_HOME="$TMP/off" devenv run -- sh -c 'test -z "${SSH_AUTH_SOCK:-}" && test ! -e /etc/ssh/ssh_known_hosts'

json="$OUT/identity-$STAMP.json"
hyperfine -N --warmup "$WARMUP" --runs "$RUNS" --export-json "$json" \
  -n "identity on" "env XDG_CONFIG_HOME=$TMP/on devenv run -- true" \
  -n "identity off" "env XDG_CONFIG_HOME=$TMP/off devenv run -- true"

python3 - "$json" "$OUT/identity-$STAMP.md" <<'EOF'
import json, sys
r = {x["command"]: x for x in json.load(open(sys.argv[1]))["results"]}
on, off = r["identity on"]["median"], r["identity off"]["median"]
ratio = on / off
verdict = "PASS" if ratio <= 1.05 else "MISS"
row = f"| warm `devenv run -- true`, identity on / off | {on*1000:.0f} ms | {off*1000:.0f} ms | {ratio:.3f} | <= 1.05 | {verdict} |"
table = "| row | on (median) | off (median) | ratio | target | |\n|---|---|---|---|---|---|\n" + row + "\n"
open(sys.argv[2], "w").write(table)
print(table)
EOF
