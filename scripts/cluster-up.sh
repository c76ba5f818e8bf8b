#!/usr/bin/env bash
# cluster-up.sh: a real single-node Kubernetes for devenv's tests and CI, on a bare Debian machine
# with no image registry. The node lives in a network namespace of its own (the kubelet refuses a
# loopback address, and tests may talk only to loopback or to namespaces they made), reached from
# the host over a veth pair. On success it prints `export NAME=value` lines for a shell to eval:
#
#   eval "$(scripts/cluster-up.sh)"      # build once (cached), start, import images, print exports
#   scripts/cluster-up.sh down           # stop everything, remove the namespace, keep the cache
#   scripts/cluster-up.sh build          # only build the binaries into the cache
#   scripts/cluster-up.sh env            # print the exports of a running cluster
#   scripts/cluster-up.sh import IMAGE   # copy an image from the host's Docker into the node
#
# Kubernetes is built from the Go module proxy (k8s.io/kubernetes and its staging modules); the
# binaries are kept in $CACHE, keyed by version, so only the first run on a machine compiles
# (~10 min on two cores, 22 min on one shared with other work); a repeat `up` from `down`
# takes 20-35 s (measured here), an `up` of a running cluster 2 s. etcd, containerd,
# runc and the CNI plugins come from Debian. Why 1.34: these machines run cgroup v1 with
# containerd 1.6, both dropped by 1.35. Progress goes to stderr; stdout carries only the exports.
set -euo pipefail

K8S_VERSION=${DEVENV_K8S_VERSION:-1.34.4}
CACHE=${DEVENV_K8S_CACHE:-/var/cache/devenv-ci/k8s-$K8S_VERSION}
STATE=${DEVENV_K8S_STATE:-/var/lib/devenv-cluster}
NS=devenv-k8s                  # network namespace of the node
VETH_HOST=dvk8s-h VETH_NODE=dvk8s-n
HOST_IP=10.210.0.1 NODE_IP=10.210.0.2
NODE=devenv-node
BIN=$CACHE/bin
SOCK=$STATE/containerd/containerd.sock
PKI=$STATE/pki KC=$STATE/kubeconfig LOGS=$STATE/logs RUN=$STATE/run
PAUSE_REF=localhost/devenv-ci/pause:3.10
# Images devenv's scripts run in the cluster; each is copied from the host's Docker when present.
IMAGES=${DEVENV_K8S_IMAGES:-"busybox:devenv debian:bookworm"}

say() { echo "cluster-up: $*" >&2; }
die() { echo "cluster-up: $*" >&2; exit 1; }
innode() { nsenter --net=/var/run/netns/$NS "$@"; }

need_root() { [ "$(id -u)" = 0 ] || die "needs root (network namespace, containerd, kubelet); run it with sudo"; }

# Debian packages: only what is missing, so a prepared machine never touches apt.
deps() {
  local missing=()
  command -v etcd >/dev/null || missing+=(etcd-server)
  command -v containerd >/dev/null || missing+=(containerd)
  command -v runc >/dev/null || missing+=(runc)
  [ -x /usr/lib/cni/bridge ] || missing+=(containernetworking-plugins)
  command -v gcc >/dev/null || missing+=(gcc libc6-dev)
  command -v ip >/dev/null || missing+=(iproute2)
  command -v nsenter >/dev/null || missing+=(util-linux)
  [ ${#missing[@]} = 0 ] && return
  say "installing ${missing[*]}"
  DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}" >/dev/null ||
    die "apt-get install ${missing[*]} failed; install them and run again"
}

STAGING="api apiextensions-apiserver apimachinery apiserver cli-runtime client-go cloud-provider
cluster-bootstrap code-generator component-base component-helpers controller-manager cri-api cri-client
csi-translation-lib dynamic-resource-allocation endpointslice externaljwt kms kube-aggregator
kube-controller-manager kube-proxy kube-scheduler kubectl kubelet metrics mount-utils
pod-security-admission sample-apiserver"
COMPONENTS="kube-apiserver kube-controller-manager kube-scheduler kubelet kubeadm kubectl"

built() {
  local c
  for c in $COMPONENTS; do [ -x "$BIN/$c" ] || return 1; done
  [ -x "$CACHE/pause/pause" ]
}

# build: a throwaway module that requires k8s.io/kubernetes and pins its staging modules (the
# kubernetes module refers to them as v0.0.0), then go build of the six commands.
build() {
  built && { say "binaries cached in $BIN"; return; }
  command -v go >/dev/null || die "go is not installed (Go 1.24 or newer builds Kubernetes $K8S_VERSION)"
  local w=$CACHE/src staging=0.${K8S_VERSION#1.} s c ld p
  mkdir -p "$w" "$BIN" "$CACHE/pause"
  export GOCACHE=$CACHE/gocache GOMODCACHE=$CACHE/gomod GOFLAGS=-mod=mod CGO_ENABLED=0
  {
    printf 'module devenvcluster\n\ngo 1.24.0\n\nrequire k8s.io/kubernetes v%s\n\nreplace (\n' "$K8S_VERSION"
    for s in $STAGING; do printf '\tk8s.io/%s => k8s.io/%s v%s\n' "$s" "$s" "$staging"; done
    printf ')\n'
  } >"$w/go.mod"
  {
    printf '//go:build tools\n\npackage tools\n\nimport (\n'
    for c in $COMPONENTS; do printf '\t_ "k8s.io/kubernetes/cmd/%s"\n' "$c"; done
    printf ')\n'
  } >"$w/tools.go"
  say "resolving k8s.io/kubernetes v$K8S_VERSION from the Go module proxy"
  (cd "$w" && go mod tidy) >&2 || die "go mod tidy failed for Kubernetes $K8S_VERSION (is the Go module proxy reachable?)"
  # Without the version stamped the binaries call themselves v0.0.0 and kubeadm refuses the config.
  ld="-s -w"
  for p in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
    ld="$ld -X $p.gitVersion=v$K8S_VERSION -X $p.gitMajor=1 -X $p.gitMinor=$(echo "$K8S_VERSION" | cut -d. -f2)"
    ld="$ld -X $p.gitTreeState=clean -X $p.buildDate=2025-01-01T00:00:00Z"
  done
  say "compiling $COMPONENTS (about 10 minutes on two cores)"
  local args=()
  for c in $COMPONENTS; do args+=("k8s.io/kubernetes/cmd/$c"); done
  (cd "$w" && nice go build -trimpath -ldflags "$ld" -o "$BIN/" "${args[@]}") >&2 || die "go build of Kubernetes failed"
  # The pod sandbox ("pause") image cannot be pulled here: compile it from the module's own C source.
  gcc -Os -static -DVERSION=v3.10-devenv -o "$CACHE/pause/pause" \
    "$GOMODCACHE/k8s.io/kubernetes@v$K8S_VERSION/build/pause/linux/pause.c" || die "gcc could not build pause"
  strip "$CACHE/pause/pause"
  say "built into $BIN"
}

# ---- the node's network: a namespace of its own, a veth pair to the host ----
network() {
  [ -e /var/run/netns/$NS ] || ip netns add $NS
  if ! ip link show $VETH_HOST >/dev/null 2>&1; then
    ip link add $VETH_HOST type veth peer name $VETH_NODE
    ip link set $VETH_NODE netns $NS
    ip addr add $HOST_IP/24 dev $VETH_HOST
  fi
  ip link set $VETH_HOST up
  # `ip netns exec` would remount /sys and hide the cgroup mounts from the kubelet.
  innode ip link set lo up
  innode ip addr replace $NODE_IP/24 dev $VETH_NODE
  innode ip link set $VETH_NODE up
  innode ip route replace default via $HOST_IP
}

# A one-layer OCI archive of a directory, for `ctr images import`: the pause image
# cannot be pulled here and Docker may not be running.
oci_archive() { # DIR REF OUT ENTRYPOINT
  local dir=$1 ref=$2 out=$3 ep=$4 w layer cfg man
  w=$(mktemp -d); mkdir -p "$w/blobs/sha256"
  blob() { local d; d=$(sha256sum "$1" | cut -d' ' -f1); mv "$1" "$w/blobs/sha256/$d"; echo "$d $(stat -c %s "$w/blobs/sha256/$d")"; }
  tar -C "$dir" --numeric-owner --owner=0 --group=0 -cf "$w/l" .
  read -r layer lsize < <(blob "$w/l")
  printf '{"architecture":"amd64","os":"linux","config":{"Entrypoint":["%s"]},"rootfs":{"type":"layers","diff_ids":["sha256:%s"]}}' "$ep" "$layer" >"$w/c"
  read -r cfg csize < <(blob "$w/c")
  printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:%s","size":%s},"layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar","digest":"sha256:%s","size":%s}]}' \
    "$cfg" "$csize" "$layer" "$lsize" >"$w/m"
  read -r man msize < <(blob "$w/m")
  printf '{"schemaVersion":2,"manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:%s","size":%s,"annotations":{"io.containerd.image.name":"%s","org.opencontainers.image.ref.name":"%s"}}]}' \
    "$man" "$msize" "$ref" "${ref##*:}" >"$w/index.json"
  echo '{"imageLayoutVersion":"1.0.0"}' >"$w/oci-layout"
  tar -C "$w" -cf "$out" oci-layout index.json blobs
  rm -rf "$w"
}

write_configs() {
  mkdir -p $STATE/conf $STATE/cni $LOGS $RUN $STATE/containerd
  cat >$STATE/conf/containerd.toml <<EOF
version = 2
root = "$STATE/containerd/root"
state = "$STATE/containerd/state"
[grpc]
  address = "$SOCK"
[ttrpc]
  address = "$SOCK.ttrpc"
[plugins."io.containerd.internal.v1.opt"]
  path = "$STATE/containerd/opt"
[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "$PAUSE_REF"
  # root here lacks CAP_SYS_RESOURCE: a negative oom_score_adj makes every sandbox fail
  # with "runc create failed: can't get final child's PID from pipe: EOF".
  restrict_oom_score_adj = true
  [plugins."io.containerd.grpc.v1.cri".containerd]
    snapshotter = "overlayfs"
    default_runtime_name = "runc"
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "/usr/lib/cni"
    conf_dir = "$STATE/cni"
EOF
  cat >$STATE/cni/10-devenv.conflist <<EOF
{"cniVersion": "1.0.0", "name": "devenv-ci", "plugins": [
  {"type": "bridge", "bridge": "dvk8s0", "isGateway": true, "ipMasq": false, "hairpinMode": true,
   "ipam": {"type": "host-local", "dataDir": "$STATE/ipam", "ranges": [[{"subnet": "10.244.0.0/24"}]],
            "routes": [{"dst": "0.0.0.0/0"}]}}]}
EOF
  cat >$STATE/conf/kubeadm.yaml <<EOF
apiVersion: kubeadm.k8s.io/v1beta4
kind: InitConfiguration
localAPIEndpoint: {advertiseAddress: $NODE_IP, bindPort: 6443}
nodeRegistration: {name: $NODE, criSocket: "unix://$SOCK"}
---
apiVersion: kubeadm.k8s.io/v1beta4
kind: ClusterConfiguration
kubernetesVersion: v$K8S_VERSION
clusterName: devenv-ci
certificatesDir: $PKI
controlPlaneEndpoint: "$NODE_IP:6443"
networking: {serviceSubnet: 10.96.0.0/16, podSubnet: 10.244.0.0/16, dnsDomain: cluster.local}
apiServer: {certSANs: [$NODE_IP]}
etcd: {external: {endpoints: ["http://127.0.0.1:2379"]}}
EOF
  cat >$STATE/conf/kubelet.yaml <<EOF
apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
containerRuntimeEndpoint: "unix://$SOCK"
cgroupDriver: cgroupfs
authentication: {anonymous: {enabled: false}, webhook: {enabled: true}, x509: {clientCAFile: "$PKI/ca.crt"}}
authorization: {mode: Webhook}
failSwapOn: false
staticPodPath: ""
healthzBindAddress: 127.0.0.1
readOnlyPort: 0
# a shared CI disk is often more than 85% full: evict only when it is really full
evictionHard: {memory.available: "100Mi", nodefs.available: "1%", imagefs.available: "1%", nodefs.inodesFree: "1%"}
imageGCHighThresholdPercent: 100
imageGCLowThresholdPercent: 99
# the kubelet would add iptables chains; the namespace has no use for them
makeIPTablesUtilChains: false
EOF
}

running() { [ -f $RUN/$1.pid ] && kill -0 "$(cat $RUN/$1.pid)" 2>/dev/null; }

# spawn NAME CMD...: a daemon in the node's namespace, its own session, pid in $RUN.
spawn() {
  local n=$1; shift
  running "$n" && return
  setsid nsenter --net=/var/run/netns/$NS "$@" >"$LOGS/$n.log" 2>&1 </dev/null &
  echo $! >"$RUN/$n.pid"
}

kc() { "$BIN/kubectl" --kubeconfig "$KC/super-admin.conf" "$@"; }

# wait_for WHAT SECONDS CMD...: poll CMD until it succeeds, else fail naming the log.
wait_for() {
  local what=$1 secs=$2 log=$3; shift 3
  local i
  for ((i = 0; i < secs * 4; i++)); do "$@" >/dev/null 2>&1 && return; sleep 0.25; done
  die "$what did not come up within ${secs}s; see $LOGS/$log.log"
}

ready() { kc get --raw /readyz >/dev/null 2>&1 && kc get node $NODE -o jsonpath='{.status.conditions[?(@.type=="Ready")].status}' 2>/dev/null | grep -qx True; }

up() {
  if [ -e /var/run/netns/$NS ] && ready; then
    say "already running"
    import_images
    print_env
    return
  fi
  deps
  build
  network
  write_configs
  local bin=$BIN
  if [ ! -f $PKI/ca.crt ]; then "$bin/kubeadm" init phase certs all --config $STATE/conf/kubeadm.yaml >/dev/null || die "kubeadm could not make the certificates"; fi
  if [ ! -f $KC/admin.conf ]; then "$bin/kubeadm" init phase kubeconfig all --config $STATE/conf/kubeadm.yaml --kubeconfig-dir $KC >/dev/null || die "kubeadm could not write the kubeconfigs"; fi
  say "starting etcd and containerd"
  spawn etcd etcd --name devenv --data-dir $STATE/etcd --listen-client-urls http://127.0.0.1:2379 \
    --advertise-client-urls http://127.0.0.1:2379 --listen-peer-urls http://127.0.0.1:2380 \
    --initial-advertise-peer-urls http://127.0.0.1:2380 --initial-cluster devenv=http://127.0.0.1:2380
  spawn containerd containerd --config $STATE/conf/containerd.toml
  wait_for containerd 20 containerd ctr -a $SOCK version
  if ! ctr -a $SOCK -n k8s.io images ls -q | grep -qx "$PAUSE_REF"; then
    oci_archive "$CACHE/pause" "$PAUSE_REF" "$STATE/pause.tar" /pause
    ctr -a $SOCK -n k8s.io images import "$STATE/pause.tar" >/dev/null || die "could not import the pause image"
  fi
  say "starting kube-apiserver"
  spawn kube-apiserver "$bin/kube-apiserver" --etcd-servers=http://127.0.0.1:2379 --advertise-address=$NODE_IP \
    --secure-port=6443 --authorization-mode=Node,RBAC --enable-admission-plugins=NodeRestriction \
    --client-ca-file=$PKI/ca.crt --tls-cert-file=$PKI/apiserver.crt --tls-private-key-file=$PKI/apiserver.key \
    --kubelet-client-certificate=$PKI/apiserver-kubelet-client.crt --kubelet-client-key=$PKI/apiserver-kubelet-client.key \
    --kubelet-preferred-address-types=InternalIP --service-cluster-ip-range=10.96.0.0/16 \
    --service-account-issuer=https://kubernetes.default.svc.cluster.local \
    --service-account-key-file=$PKI/sa.pub --service-account-signing-key-file=$PKI/sa.key \
    --proxy-client-cert-file=$PKI/front-proxy-client.crt --proxy-client-key-file=$PKI/front-proxy-client.key \
    --requestheader-client-ca-file=$PKI/front-proxy-ca.crt --requestheader-allowed-names=front-proxy-client \
    --requestheader-extra-headers-prefix=X-Remote-Extra- --requestheader-group-headers=X-Remote-Group \
    --requestheader-username-headers=X-Remote-User
  wait_for kube-apiserver 90 kube-apiserver kc get --raw /readyz
  # kubeadm init would bind this group (admin.conf's) to cluster-admin; its phases do not
  kc create clusterrolebinding kubeadm:cluster-admins --clusterrole=cluster-admin --group=kubeadm:cluster-admins \
    --dry-run=client -o yaml | kc apply -f - >/dev/null
  say "starting the controller manager, the scheduler and the kubelet"
  spawn kube-controller-manager "$bin/kube-controller-manager" --kubeconfig=$KC/controller-manager.conf \
    --authentication-kubeconfig=$KC/controller-manager.conf --authorization-kubeconfig=$KC/controller-manager.conf \
    --bind-address=127.0.0.1 --client-ca-file=$PKI/ca.crt --root-ca-file=$PKI/ca.crt \
    --cluster-signing-cert-file=$PKI/ca.crt --cluster-signing-key-file=$PKI/ca.key \
    --service-account-private-key-file=$PKI/sa.key --use-service-account-credentials=true --leader-elect=false
  spawn kube-scheduler "$bin/kube-scheduler" --kubeconfig=$KC/scheduler.conf \
    --authentication-kubeconfig=$KC/scheduler.conf --authorization-kubeconfig=$KC/scheduler.conf \
    --bind-address=127.0.0.1 --leader-elect=false
  # The kubelet sets three machine-wide sysctls; down puts the old values back.
  [ -f $RUN/sysctl.saved ] || sysctl -e vm.overcommit_memory kernel.panic kernel.panic_on_oops | tr -d ' ' >$RUN/sysctl.saved
  spawn kubelet "$bin/kubelet" --config=$STATE/conf/kubelet.yaml --kubeconfig=$KC/kubelet.conf \
    --root-dir=$STATE/kubelet --hostname-override=$NODE --node-ip=$NODE_IP
  # `kubectl wait` fails NotFound until the kubelet has registered the node
  wait_for "the node $NODE" 60 kubelet kc get node $NODE
  kc wait --for=condition=Ready node/$NODE --timeout=120s >/dev/null || die "the node $NODE is not Ready; see $LOGS/kubelet.log"
  wait_for "the default service account" 60 kube-controller-manager kc get serviceaccount default
  import_images
  say "ready: $NODE at $NODE_IP"
  print_env
}

# import_images copies devenv's test images from the host's Docker into the node.
import_images() {
  local img
  command -v docker >/dev/null && docker info >/dev/null 2>&1 || { say "no Docker engine here: no image imported"; return; }
  for img in $IMAGES; do
    docker image inspect "$img" >/dev/null 2>&1 || { say "no $img in Docker: not imported"; continue; }
    import_image "$img"
  done
}

import_image() {
  local img=$1 id
  id=$(docker image inspect -f '{{.Id}}' "$img") || die "no image $img in the Docker engine"
  local ref
  ref=$(full_ref "$img")
  # the node keeps the Docker image id as a label: a second import of the same image is skipped
  if ctr -a $SOCK -n k8s.io images ls -q "name==$ref,labels.\"dev.devenv.docker-id\"==\"$id\"" 2>/dev/null | grep -q .; then return; fi
  docker save "$img" | ctr -a $SOCK -n k8s.io images import - >/dev/null ||
    die "could not import $img into the node's containerd"
  ctr -a $SOCK -n k8s.io images label "$ref" "dev.devenv.docker-id=$id" >/dev/null
}

# full_ref is a Docker reference as containerd names it: busybox:devenv is
# docker.io/library/busybox:devenv, devenv/x:1 is docker.io/devenv/x:1.
full_ref() {
  local first=${1%%/*}
  case $1 in
    */*) case $first in *.*|*:*|localhost) echo "$1" ;; *) echo "docker.io/$1" ;; esac ;;
    *) echo "docker.io/library/$1" ;;
  esac
}

print_env() {
  cp $KC/admin.conf $STATE/admin.conf
  echo "export KUBECONFIG=$STATE/admin.conf"
  # a local cluster with no registry: devenv copies each image it builds into the node
  echo "export DEVENV_KUBE_LOAD='$SELF import'"
  echo "export DEVENV_K8S_BIN=$BIN"
  # the node's network namespace: tests put a listener on its loopback (a registry's)
  echo "export DEVENV_K8S_NETNS=/var/run/netns/$NS"
}

down() {
  set +e
  if running kube-apiserver && running kubelet; then
    # the kubelet tears pods down itself (CNI, mounts) when they are deleted first
    kc delete pods --all -A --grace-period=0 --wait=true --timeout=60s >/dev/null 2>&1
  fi
  local n
  for n in kubelet kube-scheduler kube-controller-manager kube-apiserver; do running $n && kill "$(cat $RUN/$n.pid)"; done
  sleep 1
  if running containerd; then
    for n in $(ctr -a $SOCK -n k8s.io tasks ls -q 2>/dev/null); do ctr -a $SOCK -n k8s.io tasks kill -s KILL "$n" >/dev/null 2>&1; done
    sleep 1
    for n in $(ctr -a $SOCK -n k8s.io containers ls -q 2>/dev/null); do
      ctr -a $SOCK -n k8s.io tasks rm -f "$n" >/dev/null 2>&1; ctr -a $SOCK -n k8s.io containers rm "$n" >/dev/null 2>&1
    done
  fi
  if running containerd; then
    # the images devenv built and loaded (or the tests' registries served) go; the pause
    # and base images stay for the next up
    ctr -a $SOCK -n k8s.io images ls -q 2>/dev/null | grep -E '^(docker.io/devenv/|127\.0\.0\.1:)' | xargs -r ctr -a $SOCK -n k8s.io images rm >/dev/null 2>&1
  fi
  for n in containerd etcd; do running $n && kill "$(cat $RUN/$n.pid)"; done
  for n in kubelet kube-scheduler kube-controller-manager kube-apiserver containerd etcd; do
    for _ in $(seq 40); do running $n || break; sleep 0.25; done
    running $n && kill -9 "$(cat $RUN/$n.pid)"
    rm -f $RUN/$n.pid
  done
  # pods' tmpfs and overlay mounts under the state directory, deepest first
  awk -v d="$STATE/" 'index($2, d) == 1 {print $2}' /proc/self/mounts | sort -r | xargs -r -n1 umount -l 2>/dev/null
  for n in /sys/fs/cgroup/*/kubepods; do [ -d "$n" ] && find "$n" -depth -type d -exec rmdir {} + 2>/dev/null; done
  [ -f $RUN/sysctl.saved ] && xargs -r -n1 sysctl -w <$RUN/sysctl.saved >/dev/null && rm -f $RUN/sysctl.saved
  ip link del $VETH_HOST 2>/dev/null
  [ -e /var/run/netns/$NS ] && ip netns del $NS
  # etcd's data and the pods' state go; certificates, binaries and images stay
  rm -rf $STATE/etcd $STATE/kubelet $STATE/ipam
  say "down"
  return 0
}

SELF=$(cd "$(dirname "$0")" && pwd)/$(basename "$0")
case "${1:-up}" in
  up) need_root; up ;;
  down) need_root; down ;;
  build) need_root; deps; build ;;
  env) ready || die "no cluster is running; start it with $SELF"; print_env ;;
  import) need_root; [ -n "${2:-}" ] || die "usage: $SELF import IMAGE"; running containerd || die "the cluster is not running"; import_image "$2" ;;
  *) die "unknown command ${1}; use up, down, build, env or import IMAGE" ;;
esac
