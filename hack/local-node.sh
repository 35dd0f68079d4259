#!/usr/bin/env bash
# A real single-node Kubernetes v1.20.2 on this machine: etcd, kube-apiserver,
# kube-controller-manager, kube-scheduler, kube-proxy, kubelet, containerd (CRI) + runc, the CNI
# bridge, a /dev/kvm device plugin and a volume pool, all state in one directory.
#
#   bash hack/local-node.sh up DIR            # prints DIR/kubeconfig (the admin's) once the node is Ready
#   bash hack/local-node.sh down DIR          # stops everything, leaves nothing behind (idempotent)
#   bash hack/local-node.sh import DIR X.tar… # docker-archive/OCI tars into containerd's k8s.io namespace
#   bash hack/local-node.sh env DIR           # shell exports: KUBECONFIG, KUBECTL, PATH, LOCAL_NODE_IP, LOCAL_NODE_HOST_IP (the host's end)
#   bash hack/local-node.sh check DIR         # smoke test of a running node (a pod shaped like the VM pod)
#
# The whole node lives in its own network namespace (qemu-operator-node) joined to the host by a
# veth pair (host 10.250.0.1, node 10.250.0.2); the host routes the pod (10.244.0.0/24) and service
# (10.96.0.0/24) ranges through it, so the host reaches the API server (https://10.250.0.2:6443), pod
# IPs and ClusterIPs, while kube-proxy's and CNI's iptables rules stay inside the namespace. One node
# per machine. Binaries: KUBE_BIN (default: what hack/kube-apiserver.sh provides, building the missing
# ones once per machine); packages: qo_ensure_node (hack/tools.sh). Progress goes to stderr, component
# logs to DIR/logs. LOCAL_NODE_TIMEOUT (s, default 180) bounds `up`. LOCAL_NODE_KVM_DEVICE (default
# /dev/kvm): the device the kvm device plugin offers as devices.kubevirt.io/kvm (not started when absent).
#
# Storage: a default StorageClass `local` (kubernetes.io/no-provisioner, WaitForFirstConsumer) over a
# pool of local PersistentVolumes in DIR/volumes (LOCAL_NODE_VOLUMES, default
# "1Gi:8 2Gi:8 4Gi:8 8Gi:8 16Gi:4 32Gi:4 64Gi:2" = size:count), each claim binds the smallest free one;
# a released volume is wiped and offered again (the volume reclaimer, DIR/logs/volume-reclaimer.log).
# The kubelet applies a pod's fsGroup to local volumes (not to hostPath ones, which is why the
# controller-manager's host-path provisioner is not used). A claim that asks for more grows (the
# pool's resizer, in the same loop as the reclaimer: see README "Real node").
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tools.sh
source "$here/tools.sh"
log() { qo_log_as local-node "$@"; }
die() { log "ERROR: $*"; exit 1; }
usage() { die "usage: $0 up DIR | down DIR | import DIR IMAGE.tar... | env DIR | check DIR"; }

[ $# -ge 2 ] || usage
action=$1
[ "$action" != up ] || mkdir -p "$2"
if [ -d "$2" ]; then dir=$(cd "$2" && pwd); else dir=$(realpath -m "$2"); fi
shift 2

netns=qemu-operator-node
node_name=qemu-operator-node
host_if=qo-node0
host_ip=10.250.0.1
node_ip=10.250.0.2
pod_cidr=10.244.0.0/24
service_cidr=10.96.0.0/24
api_port=6443
cni_name=qemu-operator-node
kvm_resource=devices.kubevirt.io/kvm
kvm_device=${LOCAL_NODE_KVM_DEVICE:-/dev/kvm}
# Started in this order, stopped in the reverse one.
components=(etcd containerd kube-apiserver kube-controller-manager kube-scheduler kube-proxy kubelet kvm-device-plugin volume-reclaimer)
# Machine-wide sysctls the kubelet (and kube-proxy) set: saved at `up`, put back at `down`.
global_sysctls=(kernel.panic kernel.panic_on_oops vm.overcommit_memory kernel.keys.root_maxkeys kernel.keys.root_maxbytes)
# Paths outside DIR the components hard-code: removed at `down` when `up` created them.
outside_paths=(/var/log/pods /var/log/containers /var/lib/kubelet /var/lib/cni /run/containerd /run/netns)
kubelet_plugin_dir=/var/lib/kubelet/device-plugins
# The DIR of the machine's node, while it may run (`down` removes it).
owner_file=/run/qemu-operator-node.dir

logs=$dir/logs
pki=$dir/pki
# Unix socket paths are limited to 107 bytes: a long DIR gets its sockets in /run instead.
run=$dir/run
[ ${#run} -le 60 ] || run=/run/qemu-operator-node
containerd_sock=$run/containerd.sock

bin_dir() {
  if [ -z "${KUBE_BIN:-}" ]; then
    KUBE_BIN=$(bash "$here/kube-apiserver.sh") || die "no Kubernetes binaries (hack/kube-apiserver.sh failed)"
  fi
  echo "$KUBE_BIN"
}
in_node() { nsenter --net="/run/netns/$netns" "$@"; }
kubectl_() { "$KUBE_BIN/kubectl" --kubeconfig "$dir/kubeconfig" "$@"; }
ctr_() { ctr --address "$containerd_sock" "$@"; }

# The DIRs of the nodes other than DIR's that run on this machine (a process started with their QO_NODE_DIR).
other_nodes() {
  for f in /proc/[0-9]*/environ; do tr '\0' '\n' 2>/dev/null <"$f" | sed -n 's/^QO_NODE_DIR=//p'; done |
    sort -u | grep -vxF -- "$dir" || true
}

# A pid from DIR's pid file, only while that process is still one of ours (its environment names DIR).
ours() { # component -> pid, or fails
  local pid
  pid=$(cat "$dir/pids/$1.pid" 2>/dev/null) || return 1
  [ -n "$pid" ] && [ -r "/proc/$pid/environ" ] && tr '\0' '\n' 2>/dev/null <"/proc/$pid/environ" | grep -qxF -- "QO_NODE_DIR=$dir" || return 1
  echo "$pid"
}

stop_all() { # component...: SIGTERM to all at once, SIGKILL to what still runs after 10 s
  local c pid t0=$SECONDS
  declare -A pids=()
  for c in "$@"; do
    if pid=$(ours "$c"); then pids[$c]=$pid; kill "$pid" 2>/dev/null || true; fi
  done
  for _ in $(seq 100); do
    for c in "${!pids[@]}"; do [ -d "/proc/${pids[$c]}" ] || { log "stopped $c (pid ${pids[$c]}, $((SECONDS - t0)) s)"; unset "pids[$c]"; }; done
    [ ${#pids[@]} -eq 0 ] && return 0
    sleep 0.1
  done
  for c in "${!pids[@]}"; do
    log "$c (pid ${pids[$c]}) ignored SIGTERM for 10 s; SIGKILL"
    kill -9 "${pids[$c]}" 2>/dev/null || true
  done
  for _ in $(seq 50); do
    for c in "${!pids[@]}"; do [ -d "/proc/${pids[$c]}" ] || unset "pids[$c]"; done
    [ ${#pids[@]} -eq 0 ] && return 0
    sleep 0.1
  done
}

# Every cgroup directory of the kubelet's pods (/kubepods… in each cgroup v1 hierarchy, or v2).
kubepods_cgroups() {
  local root
  for root in /sys/fs/cgroup/*/kubepods /sys/fs/cgroup/kubepods /sys/fs/cgroup/*/kubepods.slice /sys/fs/cgroup/kubepods.slice; do
    [ -d "$root" ] && find "$root" -depth -type d
  done 2>/dev/null || true
}

# The parts of `down` outside DIR, shared by any node on this machine.
down_machine_wide() {
  local c f key value
  # cgroups, deepest first (empty once their processes are gone).
  for _ in 1 2 3 4 5; do
    for c in $(kubepods_cgroups); do rmdir "$c" 2>/dev/null || true; done
    [ -z "$(kubepods_cgroups)" ] && break
    sleep 0.5
  done
  # The node's network namespace (its veth end, the bridge and every rule in it go with it); the
  # host's end of the veth pair and its routes go with the pair.
  if [ -e "/run/netns/$netns" ]; then ip netns delete "$netns" 2>/dev/null || true; fi
  ip link delete "$host_if" 2>/dev/null || true
  # What the components keep outside DIR.
  rm -rf /var/lib/cni/results/"$cni_name"-* /var/lib/cni/results/cni-loopback-* /run/containerd/s "$kubelet_plugin_dir"
  for f in "${outside_paths[@]}"; do
    [ -f "$dir/created/$(echo "$f" | tr / _)" ] || continue
    if [ "$f" = /run/netns ]; then # `ip netns add` made it a mount point; only while empty
      [ -z "$(ls -A /run/netns 2>/dev/null)" ] || continue
      umount /run/netns 2>/dev/null || true
    fi
    rm -rf "$f"
  done
  [ "$run" = "$dir/run" ] || rm -rf "$run"
  # containerd's default runc root and fifo folder (a shim cleaned up after its kill uses them), when empty.
  rmdir /run/containerd/runc/k8s.io /run/containerd/runc /run/containerd/fifo /run/containerd 2>/dev/null || true
  # Machine-wide sysctls back to what they were before `up`.
  if [ -f "$dir/sysctls.saved" ]; then
    while IFS='=' read -r key value; do
      [ "$(sysctl -n "$key" 2>/dev/null)" = "$value" ] || sysctl -qw "$key=$value" >/dev/null 2>&1 || log "could not restore $key=$value"
    done <"$dir/sysctls.saved"
    rm -f "$dir/sysctls.saved"
  fi
}

# --- down: stop and clean, also after a crashed or half-done `up` ---
down() {
  local t0=$SECONDS c i pid m f key value others
  # Another DIR's node on this machine (see `up`): then only what is this DIR's is cleaned, never the
  # machine-wide parts both would share (network namespace, /kubepods cgroups, sysctls…).
  others=$(other_nodes)
  [ -z "$others" ] || log "the node of $(echo $others) runs on this machine: cleaning only what is $dir's"
  # The control plane and node agents first (the kubelet must not restart what we stop).
  stop_all kvm-device-plugin volume-reclaimer kubelet kube-proxy kube-scheduler kube-controller-manager kube-apiserver
  # Every container's processes: through containerd while it runs, then (when no other node runs)
  # whatever is still in the /kubepods cgroups (after a crash); then the shims and containerd.
  if ours containerd >/dev/null; then
    for c in $(ctr_ -n k8s.io tasks ls -q 2>/dev/null); do ctr_ -n k8s.io tasks kill -a -s SIGKILL "$c" >/dev/null 2>&1 || true; done
  fi
  if [ -z "$others" ]; then
    for _ in 1 2 3; do
      for c in $(kubepods_cgroups); do
        [ -f "$c/cgroup.procs" ] && xargs -r kill -9 <"$c/cgroup.procs" 2>/dev/null || true
      done
      sleep 0.2
    done
  fi
  for pid in $(pgrep -f "containerd-shim.*-address $containerd_sock" || true); do
    kill -9 "$pid" 2>/dev/null || true
  done
  stop_all containerd etcd
  # Mounts: pods' volumes (kubelet), containers' root filesystems and sandbox shm (containerd), pod
  # network namespaces (netns_mounts_under_state_dir), deepest first; lazily if busy.
  for _ in 1 2 3; do
    m=$(awk -v d="$dir/" -v r="$run/" 'index($2, d) == 1 || index($2, r) == 1 { print $2 }' /proc/self/mounts | sed 's/\\040/ /g' | sort -r)
    [ -z "$m" ] && break
    while IFS= read -r f; do umount "$f" 2>/dev/null || umount -l "$f" 2>/dev/null || true; done <<<"$m"
  done
  if [ -z "$others" ]; then
    down_machine_wide
  fi
  if [ "$(cat "$owner_file" 2>/dev/null)" = "$dir" ]; then rm -f "$owner_file"; fi
  # (With another node running, DIR/created and DIR/sysctls.saved stay: a later `down` finishes.)
  [ -n "$others" ] || rm -rf "$dir/created"
  rm -rf "$dir/pids" "$dir/containerd" "$dir/kubelet" "$dir/run" "$dir/etcd-data" "$dir/volumes" "$dir/cni"
  local left
  left=$(kubepods_cgroups | head -3)
  [ -n "$others" ] || [ -z "$left" ] || log "WARNING: cgroups left: $left"
  left=$(awk -v d="$dir/" 'index($2, d) == 1 { print $2 }' /proc/self/mounts | head -3)
  [ -z "$left" ] || log "WARNING: mounts left: $left"
  log "down in $((SECONDS - t0)) s"
}

# image_archive TAR TAG ROOT ENTRYPOINT_JSON: ROOT's files as a one-layer docker archive (what
# `ctr images import` takes), reproducible (owner 0, mtime 0).
image_archive() {
  local tar=$1 tag=$2 root=$3 entrypoint=$4 t layer config
  t=$(mktemp -d)
  tar --owner=0 --group=0 --numeric-owner --mtime=@0 --sort=name -C "$root" -cf "$t/layer.tar" .
  layer=$(sha256sum "$t/layer.tar" | cut -d' ' -f1)
  mkdir "$t/$layer"
  mv "$t/layer.tar" "$t/$layer/layer.tar"
  printf '{"architecture":"amd64","os":"linux","config":{"Entrypoint":%s},"rootfs":{"type":"layers","diff_ids":["sha256:%s"]},"history":[{"created_by":"qemu-operator hack/local-node.sh"}]}' \
    "$entrypoint" "$layer" >"$t/config.json"
  config=$(sha256sum "$t/config.json" | cut -d' ' -f1)
  mv "$t/config.json" "$t/$config.json"
  printf '[{"Config":"%s.json","RepoTags":["%s"],"Layers":["%s/layer.tar"]}]' "$config" "$tag" "$layer" >"$t/manifest.json"
  tar -C "$t" -cf "$tar" manifest.json "$config.json" "$layer"
  rm -rf "$t"
}

# --- check: a pod shaped like the VM pod, on a running node ---
check() {
  local ns=local-node-check t0=$SECONDS work=$dir/check kvm_limit="" pod_ip out pf local_port
  ours kubelet >/dev/null || die "no node running in $dir (run: $0 up $dir)"
  KUBE_BIN=$(cat "$dir/kube-bin")
  ok() { log "check: OK $*"; }
  bad() { log "check: FAILED $*"; kubectl_ -n "$ns" describe pod vm >&2 || true; exit 1; }
  # A busybox image (Debian's busybox-static) to run the containers' commands.
  mkdir -p "$work"
  if [ ! -s "$work/busybox.tar" ]; then
    rm -rf "$work/deb" "$work/root"
    mkdir -p "$work/deb" "$work/root/bin"
    (cd "$work/deb" && apt-get download -q busybox-static >/dev/null 2>&1) || die "apt-get download busybox-static failed"
    dpkg -x "$work"/deb/busybox-static_*.deb "$work/deb/x"
    cp "$work/deb/x/bin/busybox" "$work/root/bin/busybox"
    ln -s busybox "$work/root/bin/sh"
    image_archive "$work/busybox.tar" local-node-check/busybox:1 "$work/root" '["/bin/busybox"]'
  fi
  ctr_ -n k8s.io images import "$work/busybox.tar" >/dev/null || die "importing the busybox image failed"
  [ "$(kubectl_ get node "$node_name" -o jsonpath="{.status.allocatable.devices\.kubevirt\.io/kvm}")" = 110 ] &&
    kvm_limit="limits: {$kvm_resource: 1}"
  kubectl_ delete namespace "$ns" --ignore-not-found --wait=true >/dev/null
  local applied=$SECONDS
  kubectl_ apply -f - >/dev/null <<EOF
apiVersion: v1
kind: Namespace
metadata: {name: $ns}
---
apiVersion: v1
kind: Secret
metadata: {name: vm-token, namespace: $ns}
stringData: {token: s3cret}
---
apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: vm-disk, namespace: $ns}
spec:
  accessModes: [ReadWriteOnce]
  resources: {requests: {storage: 1Gi}}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: default-view, namespace: $ns}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: view}
subjects: [{kind: ServiceAccount, name: default, namespace: $ns}]
---
apiVersion: v1
kind: Pod
metadata: {name: vm, namespace: $ns, labels: {app: vm}}
spec:
  securityContext: {runAsUser: 65532, runAsGroup: 65532, runAsNonRoot: true, fsGroup: 65532}
  terminationGracePeriodSeconds: 1
  containers:
  - name: qemu
    image: local-node-check/busybox:1
    imagePullPolicy: IfNotPresent
    command: [/bin/busybox, sh, -c, 'echo qemu up; echo hello >/run/shared/index.html; exec busybox httpd -f -p 8080 -h /run/shared']
    securityContext: {readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, capabilities: {drop: [ALL]}}
    resources: {$kvm_limit}
    readinessProbe: {httpGet: {path: /index.html, port: 8080}, periodSeconds: 1}
    volumeMounts:
    - {name: shared, mountPath: /run/shared}
    - {name: token, mountPath: /run/token, readOnly: true}
    - {name: disk, mountPath: /disks/root}
  - name: qmp-sidecar
    image: local-node-check/busybox:1
    imagePullPolicy: IfNotPresent
    command: [/bin/busybox, sh, -c, 'echo sidecar up; exec busybox httpd -f -p 8081 -h /run/shared']
    securityContext: {readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, capabilities: {drop: [ALL]}}
    livenessProbe: {httpGet: {path: /index.html, port: 8081}, periodSeconds: 2}
    volumeMounts:
    - {name: shared, mountPath: /run/shared}
    - {name: token, mountPath: /run/token, readOnly: true}
  volumes:
  - {name: shared, emptyDir: {medium: Memory}}
  - {name: token, secret: {secretName: vm-token, defaultMode: 0400}}
  - {name: disk, persistentVolumeClaim: {claimName: vm-disk}}
---
apiVersion: v1
kind: Service
metadata: {name: vm, namespace: $ns}
spec:
  selector: {app: vm}
  ports: [{port: 80, targetPort: 8081}]
EOF
  kubectl_ -n "$ns" wait --for=condition=Ready pod/vm --timeout=120s >/dev/null || bad "pod vm not Ready in 120 s"
  ok "pod vm 2/2 Ready $((SECONDS - applied)) s after apply (two containers, emptyDir Memory, Secret 0400, fsGroup 65532, uid 65532, read-only root, no capabilities, HTTP probes, a claim)"
  [ "$(kubectl_ -n "$ns" get pvc vm-disk -o jsonpath='{.status.phase}')" = Bound ] || bad "claim vm-disk not Bound"
  ok "claim vm-disk Bound to $(kubectl_ -n "$ns" get pvc vm-disk -o jsonpath='{.spec.volumeName} ({.status.capacity.storage})')"
  kubectl_ -n "$ns" logs vm -c qmp-sidecar | grep -q 'sidecar up' || bad "kubectl logs"
  ok "kubectl logs"
  out=$(kubectl_ -n "$ns" exec vm -c qemu -- busybox sh -c 'id; echo data >/disks/root/disk.img && ls -ln /disks/root/disk.img; ls -lnL /run/token/; cat /run/token/token; echo; touch /x 2>&1; true') || bad "kubectl exec"
  log "exec in the qemu container:"
  echo "$out" | sed 's/^/    /' >&2
  echo "$out" | grep -q 'uid=65532' || bad "not running as uid 65532"
  echo "$out" | grep -q ' 65532 .*disk.img' || bad "uid 65532 could not create a file in the claim"
  echo "$out" | grep -qx s3cret || bad "the Secret is not readable by uid 65532"
  echo "$out" | grep -q 'Read-only file system' || bad "the root filesystem is writable"
  ok "kubectl exec: uid 65532 writes in the claim, reads the Secret (fsGroup), root filesystem read-only"
  if [ -n "$kvm_limit" ]; then
    out=$(kubectl_ -n "$ns" exec vm -c qemu -- busybox sh -c 'ls -ln /dev/kvm; exec 3<>/dev/kvm && echo opened /dev/kvm') || bad "no /dev/kvm in the container: $out"
    log "/dev/kvm in the qemu container: $(echo "$out" | tr '\n' ' ')"
    echo "$out" | grep -q 'opened /dev/kvm' || bad "uid 65532 cannot open /dev/kvm"
    ok "/dev/kvm handed over by the device plugin, opened read-write by uid 65532"
  fi
  pod_ip=$(kubectl_ -n "$ns" get pod vm -o jsonpath='{.status.podIP}')
  curl -fsS --max-time 5 "http://$pod_ip:8081/index.html" | grep -qx hello || bad "pod IP $pod_ip:8081 not reachable from the host"
  ok "pod IP $pod_ip answers from the host"
  out=$(kubectl_ -n "$ns" get service vm -o jsonpath='{.spec.clusterIP}')
  curl -fsS --max-time 5 "http://$out/index.html" | grep -qx hello || bad "ClusterIP $out not reachable from the host"
  ok "ClusterIP $out answers from the host"
  # A local port kubectl picks; the kubectl process itself in the background (not a subshell).
  "$KUBE_BIN/kubectl" --kubeconfig "$dir/kubeconfig" -n "$ns" port-forward pod/vm :8081 >"$work/port-forward.log" 2>&1 &
  pf=$!
  out=
  for _ in $(seq 50); do
    local_port=$(sed -n 's/^Forwarding from 127\.0\.0\.1:\([0-9]*\) -> 8081$/\1/p' "$work/port-forward.log")
    [ -n "$local_port" ] && out=$(curl -fsS --max-time 5 "http://127.0.0.1:$local_port/index.html" || true) && break
    sleep 0.2
  done
  kill "$pf" 2>/dev/null || true
  wait "$pf" 2>/dev/null || true
  [ "$out" = hello ] || bad "kubectl port-forward: $(cat "$work/port-forward.log")"
  ok "kubectl port-forward"
  out=$(kubectl_ -n "$ns" exec vm -c qmp-sidecar -- busybox sh -c \
    'busybox wget -q -O - --no-check-certificate --header "Authorization: Bearer $(cat /var/run/secrets/kubernetes.io/serviceaccount/token)" https://$KUBERNETES_SERVICE_HOST:$KUBERNETES_SERVICE_PORT/api/v1/namespaces/local-node-check/pods/vm') ||
    bad "in-cluster API request with the ServiceAccount token failed"
  echo "$out" | grep -q '"name": *"vm"' || bad "in-cluster API answer: $out"
  ok "in-cluster https://$(kubectl_ get service kubernetes -o jsonpath='{.spec.clusterIP}') with the pod's ServiceAccount token"
  kubectl_ delete namespace "$ns" --wait=true >/dev/null
  for _ in $(seq 60); do
    [ -z "$(kubectl_ get pv -o jsonpath='{range .items[?(@.status.phase!="Available")]}{.metadata.name}{end}')" ] && break
    sleep 1
  done
  [ -z "$(kubectl_ get pv -o jsonpath='{range .items[?(@.status.phase!="Available")]}{.metadata.name}{end}')" ] || bad "volumes not reclaimed"
  ok "namespace deleted, the claim's volume wiped and Available again"
  log "check passed in $((SECONDS - t0)) s"
}

case "$action" in
down)
  [ $# -eq 0 ] || usage
  down
  exit 0
  ;;
env)
  [ $# -eq 0 ] || usage
  [ -s "$dir/kubeconfig" ] || die "no node in $dir (run: $0 up $dir)"
  KUBE_BIN=$(cat "$dir/kube-bin")
  printf 'export KUBECONFIG=%q\nexport KUBECTL=%q\nexport PATH=%q:"$PATH"\nexport LOCAL_NODE_IP=%q\nexport LOCAL_NODE_HOST_IP=%q\n' \
    "$dir/kubeconfig" "$KUBE_BIN/kubectl" "$KUBE_BIN" "$node_ip" "$host_ip"
  exit 0
  ;;
import)
  [ $# -ge 1 ] || usage
  ours containerd >/dev/null || die "containerd of $dir is not running (run: $0 up $dir)"
  for f in "$@"; do
    [ -f "$f" ] || die "no image archive $f"
    log "importing $f ($(du -h "$f" | cut -f1)) into containerd (k8s.io)"
    ctr_ -n k8s.io images import "$f" >&2 || die "ctr images import $f failed"
  done
  exit 0
  ;;
check)
  [ $# -eq 0 ] || usage
  check
  exit 0
  ;;
up) [ $# -eq 0 ] || usage ;;
*) usage ;;
esac

# --- up ---
started=$SECONDS
log "up $dir: started at $(date -u +%H:%M:%S) UTC"
[ "$(id -u)" = 0 ] || die "the node needs root (network namespace, mounts, cgroups)"
qo_ensure_node
KUBE_BIN=$(bin_dir)
for c in etcd kube-apiserver kube-controller-manager kube-scheduler kube-proxy kubelet kubectl kvm-device-plugin pause; do
  [ "$c" = etcd ] && continue
  [ -x "$KUBE_BIN/$c" ] || die "no $KUBE_BIN/$c (KUBE_BIN=$KUBE_BIN); build it with: bash hack/kube-apiserver.sh"
done
echo "$KUBE_BIN" >"$dir/kube-bin"
# One node per machine: a node of another DIR still running (any process started with its
# QO_NODE_DIR) stops this `up`; one that crashed is cleaned (its DIR holds what its `down` needs).
others=$(other_nodes)
[ -z "$others" ] ||
  die "the node of $(echo $others) runs on this machine (one node per machine); stop it with: $0 down $(echo "$others" | head -1)"
other=$(cat "$owner_file" 2>/dev/null || true)
if [ -n "$other" ] && [ "$other" != "$dir" ]; then
  log "cleaning what the node of $other left"
  bash "$0" down "$other" || die "could not clean the node of $other"
fi
if [ -e "/run/netns/$netns" ] || ip link show "$host_if" >/dev/null 2>&1 || ls "$dir/pids/"*.pid >/dev/null 2>&1; then
  log "cleaning what an earlier run left"
  down
fi
for c in $(kubepods_cgroups); do die "the machine already runs a kubelet's pods ($c): one node per machine"; done
echo "$dir" >"$owner_file"

mkdir -p "$logs" "$pki" "$dir/pids" "$dir/created" "$run" "$dir/cni/net.d" "$dir/cni/networks" "$dir/volumes" "$dir/containerd"
rm -f "$logs"/*.log "$dir/audit.log"
for f in "${outside_paths[@]}"; do [ -e "$f" ] || touch "$dir/created/$(echo "$f" | tr / _)"; done
for key in "${global_sysctls[@]}"; do echo "$key=$(sysctl -n "$key")"; done >"$dir/sysctls.saved"

show_logs() { qo_show_logs local-node "$logs" 12 "${components[@]}"; }
fail() { log "ERROR: $*"; show_logs; down; exit 1; }
trap 'fail "interrupted"' INT TERM

# --- the network namespace and the host's routes into it ---
ip netns add "$netns"
ip link add "$host_if" type veth peer name eth0 netns "$netns"
ip addr add "$host_ip/30" dev "$host_if"
ip link set "$host_if" up
in_node ip link set lo up
in_node ip addr add "$node_ip/30" dev eth0
in_node ip link set eth0 up
in_node ip route add default via "$host_ip"
# The kubelet's cloud-credential probe of 169.254.169.254 otherwise waits ~6 s for a timeout.
in_node ip route add unreachable 169.254.169.254/32
ip route add "$pod_cidr" via "$node_ip" dev "$host_if"
ip route add "$service_cidr" via "$node_ip" dev "$host_if"
in_node sysctl -qw net.ipv4.ip_forward=1
in_node sysctl -qw net.bridge.bridge-nf-call-iptables=1 2>/dev/null || log "net.bridge.bridge-nf-call-iptables not settable in the namespace"

# --- certificates and credentials ---
if [ ! -s "$pki/apiserver.crt" ]; then
  log "generating certificates in $pki (openssl)"
  openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -subj "/CN=qemu-operator-node-ca" \
    -keyout "$pki/ca.key" -out "$pki/ca.crt" 2>/dev/null
  sign() { # name subject extensions
    openssl req -newkey rsa:2048 -nodes -subj "$2" -keyout "$pki/$1.key" -out "$pki/$1.csr" 2>/dev/null
    printf '%s\n' "$3" >"$pki/$1.ext"
    openssl x509 -req -in "$pki/$1.csr" -CA "$pki/ca.crt" -CAkey "$pki/ca.key" -CAcreateserial \
      -days 3650 -extfile "$pki/$1.ext" -out "$pki/$1.crt" 2>/dev/null
  }
  sign apiserver "/CN=kube-apiserver" "subjectAltName=IP:$node_ip,IP:10.96.0.1,IP:127.0.0.1,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local
extendedKeyUsage=serverAuth"
  sign apiserver-kubelet-client "/O=system:masters/CN=kube-apiserver-kubelet-client" "extendedKeyUsage=clientAuth"
  sign kubelet "/CN=$node_name" "subjectAltName=IP:$node_ip,DNS:$node_name
extendedKeyUsage=serverAuth"
  openssl genrsa -out "$pki/sa.key" 2048 2>/dev/null
  openssl rsa -in "$pki/sa.key" -pubout -out "$pki/sa.pub" 2>/dev/null
  chmod 600 "$pki"/*.key
fi
declare -A token
for who in admin kube-controller-manager kube-scheduler kube-proxy kubelet; do token[$who]=$(openssl rand -hex 24); done
cat >"$pki/tokens.csv" <<EOF
${token[admin]},admin,uid-admin,"system:masters"
${token[kube-controller-manager]},system:kube-controller-manager,uid-kcm,"system:masters"
${token[kube-scheduler]},system:kube-scheduler,uid-scheduler
${token[kube-proxy]},system:kube-proxy,uid-proxy
${token[kubelet]},system:node:$node_name,uid-kubelet,"system:nodes"
EOF
chmod 600 "$pki/tokens.csv"
kubeconfig() { # file user token
  cat >"$1" <<EOF
apiVersion: v1
kind: Config
clusters:
- name: local-node
  cluster:
    server: https://$node_ip:$api_port
    certificate-authority-data: $(base64 -w0 "$pki/ca.crt")
users:
- name: $2
  user:
    token: $3
contexts:
- name: local-node
  context:
    cluster: local-node
    user: $2
    namespace: default
current-context: local-node
EOF
  chmod 600 "$1"
}
kubeconfig "$dir/kubeconfig" admin "${token[admin]}"
for who in kube-controller-manager kube-scheduler kube-proxy kubelet; do
  kubeconfig "$dir/$who.kubeconfig" "$who" "${token[$who]}"
done

launch() { # component command...: in the node's network namespace, its own session, log in DIR/logs
  local c=$1
  shift
  QO_NODE_DIR=$dir setsid nsenter --net="/run/netns/$netns" "$@" </dev/null >"$logs/$c.log" 2>&1 &
  echo $! >"$dir/pids/$c.pid"
}
timeout=${LOCAL_NODE_TIMEOUT:-180}
wait_until() { # what command...: until the command succeeds, every started component alive
  local what=$1 c
  shift
  while [ $((SECONDS - started)) -lt "$timeout" ]; do
    "$@" >/dev/null 2>&1 && return 0
    for c in "${components[@]}"; do
      [ -f "$dir/pids/$c.pid" ] || continue
      ours "$c" >/dev/null || fail "$c exited while waiting for $what"
    done
    sleep 0.3
  done
  fail "$what not ready after $timeout s"
}

# --- etcd, containerd ---
launch etcd etcd --name node --data-dir "$dir/etcd-data" \
  --listen-client-urls http://127.0.0.1:2379 --advertise-client-urls http://127.0.0.1:2379 \
  --listen-peer-urls http://127.0.0.1:2380 --initial-advertise-peer-urls http://127.0.0.1:2380 \
  --initial-cluster node=http://127.0.0.1:2380 --initial-cluster-state new

cat >"$dir/cni/net.d/10-$cni_name.conflist" <<EOF
{
  "cniVersion": "0.4.0",
  "name": "$cni_name",
  "plugins": [
    {
      "type": "bridge", "bridge": "cni0", "isGateway": true, "ipMasq": false, "hairpinMode": true,
      "ipam": {
        "type": "host-local", "dataDir": "$dir/cni/networks",
        "ranges": [[{"subnet": "$pod_cidr"}]], "routes": [{"dst": "0.0.0.0/0"}]
      }
    },
    {"type": "portmap", "capabilities": {"portMappings": true}}
  ]
}
EOF
# restrict_oom_score_adj: root here lacks CAP_SYS_RESOURCE, runc then fails every sandbox.
# device_ownership_from_security_context: a device handed to a container (the kvm device plugin's
# /dev/kvm) is owned by the container's runAsUser/runAsGroup, so a non-root QEMU can open it.
cat >"$dir/containerd/config.toml" <<EOF
version = 2
root = "$dir/containerd/root"
state = "$dir/containerd/state"
disabled_plugins = ["io.containerd.snapshotter.v1.btrfs", "io.containerd.snapshotter.v1.zfs", "io.containerd.snapshotter.v1.aufs", "io.containerd.snapshotter.v1.devmapper"]
[grpc]
  address = "$containerd_sock"
[ttrpc]
  address = "$containerd_sock.ttrpc"
[debug]
  address = ""
[plugins."io.containerd.internal.v1.opt"]
  path = "$dir/containerd/opt"
[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "k8s.gcr.io/pause:3.2"
  restrict_oom_score_adj = true
  device_ownership_from_security_context = true
  netns_mounts_under_state_dir = true
  enable_selinux = false
  [plugins."io.containerd.grpc.v1.cri".containerd]
    snapshotter = "overlayfs"
    default_runtime_name = "runc"
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
        SystemdCgroup = false
        Root = "$dir/containerd/runc"
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "/usr/lib/cni"
    conf_dir = "$dir/cni/net.d"
    max_conf_num = 1
EOF
launch containerd containerd --config "$dir/containerd/config.toml"

# --- the pause image (k8s.gcr.io/pause:3.2, the sandbox image): hack/pause as a docker archive ---
pause_tar=$dir/containerd/pause.tar
pause_root=$(mktemp -d)
cp "$KUBE_BIN/pause" "$pause_root/pause"
image_archive "$pause_tar" k8s.gcr.io/pause:3.2 "$pause_root" '["/pause"]'
rm -rf "$pause_root"
wait_until "containerd" ctr_ version
ctr_ -n k8s.io images import "$pause_tar" >/dev/null 2>"$logs/pause-import.log" || fail "importing the pause image failed: $(cat "$logs/pause-import.log")"
ctr_ -n k8s.io images label k8s.gcr.io/pause:3.2 io.cri-containerd.pinned=pinned >/dev/null 2>&1 || true
log "containerd $(containerd --version | cut -d' ' -f3) ready, pause image imported ($((SECONDS - started)) s)"

# --- the control plane ---
wait_until "etcd" in_node curl -fsS http://127.0.0.1:2379/health
cp "$here/audit-policy.yaml" "$dir/audit-policy.yaml"
launch kube-apiserver "$KUBE_BIN/kube-apiserver" \
  --etcd-servers http://127.0.0.1:2379 \
  --bind-address 0.0.0.0 --advertise-address "$node_ip" --secure-port "$api_port" --insecure-port 0 \
  --cert-dir "$dir/apiserver-certs" \
  --tls-cert-file "$pki/apiserver.crt" --tls-private-key-file "$pki/apiserver.key" \
  --client-ca-file "$pki/ca.crt" --token-auth-file "$pki/tokens.csv" \
  --kubelet-client-certificate "$pki/apiserver-kubelet-client.crt" --kubelet-client-key "$pki/apiserver-kubelet-client.key" \
  --kubelet-preferred-address-types InternalIP \
  --authorization-mode Node,RBAC --allow-privileged=true \
  --enable-admission-plugins NodeRestriction,OwnerReferencesPermissionEnforcement \
  --audit-policy-file "$dir/audit-policy.yaml" --audit-log-path "$dir/audit.log" --audit-log-format json \
  --service-account-issuer https://kubernetes.default.svc \
  --service-account-key-file "$pki/sa.pub" --service-account-signing-key-file "$pki/sa.key" \
  --service-cluster-ip-range "$service_cidr"

cat >"$dir/kube-proxy.yaml" <<EOF
apiVersion: kubeproxy.config.k8s.io/v1alpha1
kind: KubeProxyConfiguration
clientConnection:
  kubeconfig: $dir/kube-proxy.kubeconfig
hostnameOverride: $node_name
mode: iptables
clusterCIDR: $pod_cidr
bindAddress: $node_ip
healthzBindAddress: 127.0.0.1:10256
metricsBindAddress: 127.0.0.1:10249
conntrack:
  maxPerCore: 0
  min: 0
  tcpEstablishedTimeout: 0s
  tcpCloseWaitTimeout: 0s
EOF
launch kube-proxy "$KUBE_BIN/kube-proxy" --config "$dir/kube-proxy.yaml"

# --- the kubelet ---
cat >"$dir/kubelet.yaml" <<EOF
apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
address: $node_ip
port: 10250
readOnlyPort: 0
healthzBindAddress: 127.0.0.1
healthzPort: 10248
tlsCertFile: $pki/kubelet.crt
tlsPrivateKeyFile: $pki/kubelet.key
authentication:
  anonymous: {enabled: false}
  webhook: {enabled: true}
  x509: {clientCAFile: $pki/ca.crt}
authorization:
  mode: Webhook
cgroupDriver: cgroupfs
failSwapOn: false
nodeStatusUpdateFrequency: 2s
clusterDomain: cluster.local
resolvConf: /etc/resolv.conf
serializeImagePulls: false
# Imported images are never pulled again: never garbage-collect them, never evict for disk.
imageGCHighThresholdPercent: 100
imageGCLowThresholdPercent: 99
evictionHard:
  memory.available: 100Mi
  nodefs.available: 1%
  nodefs.inodesFree: 1%
  imagefs.available: 1%
# Kubernetes counts this namespaced sysctl safe from 1.22 on (a VM pod sets it to forward guest ports
# below 1024 as a non-root QEMU); on 1.20 it must be allowed by name, or the kubelet refuses the pod
# (SysctlForbidden), as it did here.
allowedUnsafeSysctls: ["net.ipv4.ip_unprivileged_port_start"]
EOF
launch kubelet "$KUBE_BIN/kubelet" \
  --config "$dir/kubelet.yaml" --kubeconfig "$dir/kubelet.kubeconfig" \
  --container-runtime remote --container-runtime-endpoint "unix://$containerd_sock" \
  --runtime-request-timeout 5m \
  --root-dir "$dir/kubelet" --cert-dir "$dir/kubelet/pki" \
  --hostname-override "$node_name" --node-ip "$node_ip" \
  --pod-infra-container-image k8s.gcr.io/pause:3.2

# --- /dev/kvm as the extended resource devices.kubevirt.io/kvm ---
if [ -c "$kvm_device" ]; then
  launch kvm-device-plugin "$KUBE_BIN/kvm-device-plugin" -resource "$kvm_resource" -device "$kvm_device" -count 110 \
    -plugin-dir "$kubelet_plugin_dir/"
else
  log "no $kvm_device on this machine: the node offers no $kvm_resource (pods requesting it stay Pending)"
fi

# kube-proxy, the kubelet and the device plugin start while the API server comes up (they retry);
# the controller manager gives up when the API server is not healthy within 10 s: started after it.
wait_until "kube-apiserver" kubectl_ get --raw /readyz
log "kube-apiserver ready ($((SECONDS - started)) s)"

launch kube-controller-manager "$KUBE_BIN/kube-controller-manager" \
  --kubeconfig "$dir/kube-controller-manager.kubeconfig" \
  --service-account-private-key-file "$pki/sa.key" --root-ca-file "$pki/ca.crt" \
  --service-cluster-ip-range "$service_cidr" \
  --leader-elect=false --port 0 --secure-port 0
launch kube-scheduler "$KUBE_BIN/kube-scheduler" \
  --kubeconfig "$dir/kube-scheduler.kubeconfig" --leader-elect=false --port 0 --secure-port 0

node_ready() {
  kubectl_ get node "$node_name" -o jsonpath='{.status.conditions[?(@.type=="Ready")].status}' | grep -qx True
}
wait_until "node $node_name Ready" node_ready
log "node $node_name Ready ($((SECONDS - started)) s)"
wait_until "the default ServiceAccount" kubectl_ get serviceaccount default -n default
if [ -c "$kvm_device" ]; then
  kvm_offered() { kubectl_ get node "$node_name" -o jsonpath="{.status.allocatable.devices\.kubevirt\.io/kvm}" | grep -qx 110; }
  wait_until "$kvm_resource on the node" kvm_offered
fi

# --- storage: the default StorageClass and the pool of local volumes ---
volumes_yaml=$dir/volumes.yaml
{
  cat <<EOF
apiVersion: storage.k8s.io/v1
kind: StorageClass
metadata:
  name: local
  annotations:
    storageclass.kubernetes.io/is-default-class: "true"
provisioner: kubernetes.io/no-provisioner
volumeBindingMode: WaitForFirstConsumer
reclaimPolicy: Delete
allowVolumeExpansion: true
EOF
  n=0
  for spec in ${LOCAL_NODE_VOLUMES:-1Gi:8 2Gi:8 4Gi:8 8Gi:8 16Gi:4 32Gi:4 64Gi:2}; do
    size=${spec%%:*}
    for _ in $(seq "${spec##*:}"); do
      n=$((n + 1))
      name=local-pv-$(printf '%03d' "$n")-$(echo "$size" | tr 'A-Z' 'a-z')
      mkdir -p "$dir/volumes/$name"
      cat <<EOF
---
apiVersion: v1
kind: PersistentVolume
metadata:
  name: $name
  labels: {qemu-operator.local-node/pool: "true"}
spec:
  capacity: {storage: $size}
  accessModes: [ReadWriteOnce]
  persistentVolumeReclaimPolicy: Delete
  storageClassName: local
  volumeMode: Filesystem
  local: {path: $dir/volumes/$name}
  nodeAffinity:
    required:
      nodeSelectorTerms:
      - matchExpressions:
        - {key: kubernetes.io/hostname, operator: In, values: [$node_name]}
EOF
    done
  done
} >"$volumes_yaml"
kubectl_ apply -f "$volumes_yaml" >"$logs/volumes-apply.log" 2>&1 || fail "creating the local volumes failed: $(tail -3 "$logs/volumes-apply.log")"
# The volume reclaimer: a volume whose claim is gone (Released, or Failed: no plugin deletes local
# volumes) is wiped and created again, Available for the next claim. And the pool's resizer, what
# external-resizer does for a CSI volume that needs no file-system resize: a Bound claim of the pool
# that requests more than its capacity (allowVolumeExpansion lets it ask; the local volume plugin
# cannot expand, so kube-controller-manager only says ExternalExpanding) gets its volume's
# spec.capacity raised, then its own status.capacity. The folders have no quota: the size is what
# the volume declares, and QEMU grows the disk image inside it.
cat >"$dir/volume-reclaimer.sh" <<'EOF'
#!/usr/bin/env bash
# Usage: volume-reclaimer.sh KUBECTL KUBECONFIG DIR (the node's; its pool in DIR/volumes.yaml)
set -u
kubectl=$1 kubeconfig=$2 dir=$3
k() { "$kubectl" --kubeconfig "$kubeconfig" "$@"; }
server=$(k config view --minify -o jsonpath='{.clusters[0].cluster.server}')
token=$(k config view --minify --raw -o jsonpath='{.users[0].user.token}')
# A quantity in bytes (whole numbers with a binary or decimal suffix); nothing for other forms.
bytes() {
  local q=$1 n
  case $q in
    *Ki) n=${q%Ki} m=1024 ;; *Mi) n=${q%Mi} m=1048576 ;; *Gi) n=${q%Gi} m=1073741824 ;;
    *Ti) n=${q%Ti} m=1099511627776 ;; *k) n=${q%k} m=1000 ;; *M) n=${q%M} m=1000000 ;;
    *G) n=${q%G} m=1000000000 ;; *T) n=${q%T} m=1000000000000 ;; *) n=$q m=1 ;;
  esac
  [[ $n =~ ^[0-9]+$ ]] && echo $((n * m))
}
resize() {
  local line claim volume request capacity r c
  for line in $(k get pvc -A -o jsonpath='{range .items[?(@.status.phase=="Bound")]}{.metadata.namespace}/{.metadata.name}={.spec.volumeName}={.spec.resources.requests.storage}={.status.capacity.storage}{"\n"}{end}' 2>/dev/null); do
    IFS== read -r claim volume request capacity <<<"$line"
    r=$(bytes "$request") c=$(bytes "$capacity")
    [ -n "$r" ] && [ -n "$c" ] && [ "$r" -gt "$c" ] || continue
    k get pv "$volume" -o jsonpath='{.metadata.labels.qemu-operator\.local-node/pool}' 2>/dev/null | grep -q true || continue
    echo "$(date -u +%H:%M:%S) claim $claim: volume $volume grown from $capacity to $request"
    k patch pv "$volume" --type merge -p "{\"spec\":{\"capacity\":{\"storage\":\"$request\"}}}" >/dev/null || continue
    curl -fsS --cacert "$dir/pki/ca.crt" -H "Authorization: Bearer $token" -X PATCH \
      -H 'Content-Type: application/merge-patch+json' \
      -d "{\"status\":{\"capacity\":{\"storage\":\"$request\"}}}" \
      "$server/api/v1/namespaces/${claim%%/*}/persistentvolumeclaims/${claim#*/}/status" >/dev/null
  done
}
while sleep 2; do
  resize
  for line in $(k get pv -l qemu-operator.local-node/pool=true \
    -o jsonpath='{range .items[*]}{.metadata.name}={.status.phase}{"\n"}{end}' 2>/dev/null); do
    name=${line%%=*} phase=${line#*=}
    case "$phase" in Released | Failed) ;; *) continue ;; esac
    echo "$(date -u +%H:%M:%S) $name $phase: wiping $dir/volumes/$name, offering it again"
    k delete pv "$name" --wait=true || continue
    find "$dir/volumes/$name" -mindepth 1 -delete
    chown 0:0 "$dir/volumes/$name" && chmod 0755 "$dir/volumes/$name"
    awk -v n="$name" 'BEGIN { RS = "---\n" } index($0, "name: " n "\n") { printf "%s", $0 }' "$dir/volumes.yaml" | k create -f -
  done
done
EOF
QO_NODE_DIR=$dir setsid bash "$dir/volume-reclaimer.sh" "$KUBE_BIN/kubectl" "$dir/kubeconfig" "$dir" </dev/null >"$logs/volume-reclaimer.log" 2>&1 &
echo $! >"$dir/pids/volume-reclaimer.pid"

trap - INT TERM
log "ready in $((SECONDS - started)) s: https://$node_ip:$api_port, node $node_name, pods $pod_cidr, services $service_cidr (logs in $logs)"
echo "$dir/kubeconfig"
