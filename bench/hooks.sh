#!/usr/bin/env bash
# Warm `devenv run -- true` on a project with no hooks, no dotfiles and no user config:
# devenv built from the commit before the hooks and the user's config were added
# against devenv with them (HEAD), on the same project and image, in one hyperfine run
# (target: ratio of medians <= 1.05). A third row, for reference and not part of the
# target: the same project with an on_start hook that does nothing.
#
#   bash bench/hooks.sh                    # 30 runs per command
#   BENCH_RUNS=60 bash bench/hooks.sh      # a narrower interval
#   BENCH_BEFORE=<rev> BENCH_AFTER=<rev> bash bench/hooks.sh
#
# Writes hyperfine's JSON and a markdown table to bench/out/hooks-<date>-<time>.*.
# Needs: Go, git, hyperfine, python3, a Docker Engine with busybox:devenv.
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
RUNS=${BENCH_RUNS:-30}
WARMUP=${BENCH_WARMUP:-3}
STAMP=$(date +%Y-%m-%d-%H%M%S)
OUT="$REPO/bench/out"
mkdir -p "$OUT"
first=$(git -C "$REPO" log --format=%H --reverse --grep '^hooks and the user.s own config' | head -n1)
[ -n "$first" ] || { echo "hooks.sh: cannot find the commit that added hooks" >&2; exit 1; }
BEFORE=${BENCH_BEFORE:-$first^}
AFTER=${BENCH_AFTER:-HEAD}

bash "$REPO/scripts/engine-up.sh"
command -v hyperfine >/dev/null || { echo "hooks.sh: needs hyperfine (apt-get install hyperfine)" >&2; exit 1; }

TMP=$(mktemp -d)
cleanup() {
  for t in ${TAGS:-}; do docker rmi -f "$t" >/dev/null 2>&1 || true; done
  rm -rf "$TMP"
}
trap cleanup EXIT

build() { # build REV DIR: devenv of REV into DIR/devenv
  mkdir -p "$TMP/src-$2"
  git -C "$REPO" archive "$1" | tar -x -C "$TMP/src-$2"
  (cd "$TMP/src-$2" && go build -o "$TMP/$2/devenv" ./cmd/devenv)
}
build "$BEFORE" before
build "$AFTER" after
export HOME="$TMP/home" XDG_CONFIG_HOME="$TMP/home/.config"
mkdir -p "$HOME" "$TMP/project" "$TMP/hooked"
unset SSH_AUTH_SOCK
printf 'name = "bench-hooks"\nbase = "busybox:devenv"\n' >"$TMP/project/devenv.toml"
printf 'name = "bench-hooked"\nbase = "busybox:devenv"\non_start = "true"\n[identity]\nssh_agent = false\nknown_hosts = false\ngit = false\nworktree = false\n' >"$TMP/hooked/devenv.toml"

(cd "$TMP/project" && "$TMP/after/devenv" build --progress quiet && "$TMP/before/devenv" build --progress quiet)
(cd "$TMP/hooked" && "$TMP/after/devenv" build --progress quiet)
TAGS=$(docker images --format '{{.Repository}}:{{.Tag}}' | grep -E '^devenv/bench-hook(s|ed):' || true)

json="$OUT/hooks-$STAMP.json"
hyperfine -N --warmup "$WARMUP" --runs "$RUNS" --export-json "$json" \
  -n "before hooks" "$TMP/before/devenv -C $TMP/project run -- true" \
  -n "with hooks, none set" "$TMP/after/devenv -C $TMP/project run -- true" \
  -n "on_start = true" "$TMP/after/devenv -C $TMP/hooked run -- true"

python3 - "$json" "$OUT/hooks-$STAMP.md" "$(git -C "$REPO" rev-parse --short "$BEFORE")" "$(git -C "$REPO" rev-parse --short "$AFTER")" <<'PY'
import json, sys
r = {x["command"]: x for x in json.load(open(sys.argv[1]))["results"]}
before, after, hooked = (r[k]["median"] for k in ("before hooks", "with hooks, none set", "on_start = true"))
ratio = after / before
verdict = "PASS" if ratio <= 1.05 else "MISS"
table = ("| row | before (%s) | with hooks (%s) | ratio | target | |\n|---|---|---|---|---|---|\n" % (sys.argv[3], sys.argv[4]) +
         f"| warm `devenv run -- true`, no hooks set | {before*1000:.0f} ms | {after*1000:.0f} ms | {ratio:.3f} | <= 1.05 | {verdict} |\n" +
         f"| the same with `on_start = \"true\"` (reference) | | {hooked*1000:.0f} ms | {hooked/before:.3f} | | |\n")
open(sys.argv[2], "w").write(table)
print(table)
PY
