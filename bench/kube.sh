#!/usr/bin/env bash
# devenv on Kubernetes beside kubectl, in one run each, on the cluster of
# scripts/cluster-up.sh (or the one KUBECONFIG names):
#   shell  `devenv shell` into a kept pod (persistent = true, up to date) against
#          `kubectl exec -it POD -- sh` into the same pod, on a pty, time to the prompt
#          (bench/shellbench.py; target: ratio of medians <= 1.2);
#   run    `devenv run -- true` re-entering the kept pod (target: median < 0.3 s), with
#          `kubectl exec POD -- true` beside it for reference (hyperfine).
#
#   sudo bash bench/kube.sh                 # 20 runs per command
#   BENCH_RUNS=40 sudo bash bench/kube.sh
#
# Writes hyperfine's JSON, shellbench's JSON and a markdown table to bench/out/kube-*.
# Needs: Go, hyperfine, python3, the cluster (root to start it), busybox:devenv.
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
RUNS=${BENCH_RUNS:-20}
WARMUP=${BENCH_WARMUP:-3}
STAMP=$(date +%Y-%m-%d-%H%M%S)
OUT="$REPO/bench/out"
mkdir -p "$OUT"
command -v hyperfine >/dev/null || { echo "kube.sh: needs hyperfine (apt-get install hyperfine)" >&2; exit 1; }

if [ -z "${KUBECONFIG:-}" ]; then
  cluster_env=$(bash "$REPO/scripts/cluster-up.sh")
  eval "$cluster_env"
fi
KUBECTL=${DEVENV_K8S_BIN:+$DEVENV_K8S_BIN/}kubectl
export KUBECONFIG DEVENV_KUBE_LOAD

TMP=$(mktemp -d)
NS=bench-kube-$$
cleanup() {
  "$KUBECTL" delete namespace "$NS" --wait=false >/dev/null 2>&1 || true
  rm -rf "$TMP"
}
trap cleanup EXIT
(cd "$REPO" && go build -o "$TMP/devenv" ./cmd/devenv)
DEVENV=$TMP/devenv

# A namespace of its own, through a kubeconfig of its own.
cp "$KUBECONFIG" "$TMP/kubeconfig"
export KUBECONFIG=$TMP/kubeconfig
"$KUBECTL" create namespace "$NS" >/dev/null
"$KUBECTL" config set-context --current --namespace "$NS" >/dev/null

proj=$TMP/proj
mkdir -p "$proj"
printf 'name = "bench-kube"\nbase = "busybox:devenv"\nengine = "kubernetes"\npersistent = true\n' >"$proj/devenv.toml"
echo hello >"$proj/hello.txt"
cd "$proj"
"$DEVENV" run -- true >/dev/null 2>&1   # builds, loads, starts the kept pod
POD=$("$KUBECTL" get pods -l app.kubernetes.io/managed-by=devenv -o jsonpath='{.items[0].metadata.name}')
echo "kept pod: $POD"

run_json="$OUT/kube-run-$STAMP.json"
hyperfine -N --warmup "$WARMUP" --runs "$RUNS" --export-json "$run_json" \
  -n devenv "$DEVENV run -- true" \
  -n kubectl "$KUBECTL exec $POD -- true"

shell_json="$OUT/kube-shell-$STAMP.json"
python3 "$REPO/bench/shellbench.py" "$shell_json" "$RUNS" "$WARMUP" \
  "devenv=$(python3 -c 'import json,sys; print(json.dumps(sys.argv[1:]))' "$DEVENV" shell)" \
  "kubectl=$(python3 -c 'import json,sys; print(json.dumps(sys.argv[1:]))' "$KUBECTL" exec -it "$POD" -- sh)"

python3 - "$run_json" "$shell_json" "$OUT/kube-$STAMP.md" <<'PY'
import json, statistics, sys
run = {r["command"]: r["times"] for r in json.load(open(sys.argv[1]))["results"]}
shell = json.load(open(sys.argv[2]))
def prompts(name):
    r = shell["results"][name]
    if r["failed"]:
        print(f"{name}: {len(r['failed'])} runs showed no prompt", file=sys.stderr)
    return r["prompt_s"]
rows = []
d, k = statistics.median(run["devenv"]), statistics.median(run["kubectl"])
rows.append(f"| `devenv run -- true` into a kept pod | {d*1000:.0f} ms | `kubectl exec POD -- true`: {k*1000:.0f} ms | {d/k:.2f} | < 300 ms | {'MET' if d < 0.3 else 'MISS'} |")
try:
    ds, ks = statistics.median(prompts("devenv")), statistics.median(prompts("kubectl"))
    rows.append(f"| `devenv shell` to the prompt, kept pod | {ds*1000:.0f} ms | `kubectl exec -it POD -- sh`: {ks*1000:.0f} ms | {ds/ks:.2f} | <= 1.2x | {'MET' if ds/ks <= 1.2 else 'MISS'} |")
except Exception as e:
    rows.append(f"| `devenv shell` | (could not read {sys.argv[2]}: {e}) | | | | |")
table = "| row | devenv (median) | reference (median) | ratio | target | |\n|---|---|---|---|---|---|\n" + "\n".join(rows) + "\n"
open(sys.argv[3], "w").write(table)
print(table)
PY
