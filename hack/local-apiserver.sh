#!/usr/bin/env bash
# A real, local Kubernetes control plane for the end-to-end tests: etcd + kube-apiserver (v1.20.2,
# RBAC on, OwnerReferencesPermissionEnforcement, an audit log of service accounts' requests in
# DIR/audit.log) + kube-controller-manager (owner-reference garbage collection, namespaces, service
# accounts, binding claims to volumes). No kubelet and no scheduler: Pods are stored, never run.
#
#   bash hack/local-apiserver.sh start DIR   # prints DIR/kubeconfig (the admin's) when /readyz says 200
#   bash hack/local-apiserver.sh stop DIR    # ends every process it started (pid files in DIR)
#   bash hack/local-apiserver.sh stop-apiserver DIR    # kills kube-apiserver only (SIGKILL, as a crash does;
#                                                      # on SIGTERM it drains watches for 60 s); etcd and the
#                                                      # controllers stay
#   bash hack/local-apiserver.sh start-apiserver DIR   # starts it again as before (same address, certificates,
#                                                      # tokens; its log appended), returns when /readyz says 200
#
# Everything lives in DIR: certificates (generated with openssl), the token file, etcd's data, logs,
# pid files. Listens on 127.0.0.1 only, on free ports. Binaries come from KUBE_BIN (default: what
# hack/kube-apiserver.sh provides, building it once per machine if needed); etcd from PATH (etcd-server).
# LOCAL_APISERVER_TIMEOUT (s, default 120) bounds the wait for readiness.
set -euo pipefail

# shellcheck source=tools.sh
source "$(dirname "$0")/tools.sh"
log() { qo_log_as local-apiserver "$@"; }
die() { log "ERROR: $*"; exit 1; }
usage() { die "usage: $0 start|stop|stop-apiserver|start-apiserver DIR"; }

[ $# -eq 2 ] || usage
action=$1
dir=$(mkdir -p "$2" && cd "$2" && pwd)
components=(etcd kube-apiserver kube-controller-manager)

# A pid from DIR's pid file, only while that process is still one of ours (its command line names DIR).
ours() { # component -> pid, or fails
  local pid
  pid=$(cat "$dir/$1.pid" 2>/dev/null) || return 1
  [ -n "$pid" ] && [ -r "/proc/$pid/cmdline" ] && tr '\0' ' ' <"/proc/$pid/cmdline" | grep -qF -- "$dir/" || return 1
  echo "$pid"
}

stop_component() { # component: SIGTERM, SIGKILL after 10 s; returns once it is gone
  local c=$1 pid
  if pid=$(ours "$c"); then
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 100); do [ -d "/proc/$pid" ] || break; sleep 0.1; done
    if [ -d "/proc/$pid" ]; then
      log "$c (pid $pid) ignored SIGTERM for 10 s; SIGKILL"
      kill -9 "$pid" 2>/dev/null || true
      for _ in $(seq 50); do [ -d "/proc/$pid" ] || break; sleep 0.1; done
    fi
    log "stopped $c (pid $pid)"
  fi
  rm -f "$dir/$c.pid"
}

stop() {
  local i
  for ((i = ${#components[@]} - 1; i >= 0; i--)); do
    stop_component "${components[i]}"
  done
}

show_logs() { qo_show_logs local-apiserver "$dir" 15 "${components[@]}"; }

fail() { # message: show the logs, stop what was started, fail
  log "ERROR: $*"
  show_logs
  stop
  exit 1
}

# A port nobody listens on (probed; the component fails clearly if it is taken since), below the
# kernel's ephemeral range: a port in it can be the local end of one of the many client connections
# a test run makes (etcd then fails to bind it, "address already in use").
ephemeral_low=$(cut -f1 /proc/sys/net/ipv4/ip_local_port_range 2>/dev/null || echo 32768)
free_port() {
  local port
  for _ in $(seq 200); do
    port=$((10000 + RANDOM % (ephemeral_low - 10000)))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then echo "$port"; return; fi
  done
  die "found no free port on 127.0.0.1"
}

launch() { # component command...: in its own session, its output appended to DIR/component.log
  local c=$1
  shift
  setsid "$@" </dev/null >>"$dir/$c.log" 2>&1 &
  echo $! >"$dir/$c.pid"
}

# --- stop ---
if [ "$action" = stop ]; then
  stop
  exit 0
fi

# --- stop-apiserver, start-apiserver: the API server restarted under its clients (etcd keeps the data) ---
if [ "$action" = stop-apiserver ]; then
  if pid=$(ours kube-apiserver); then
    kill -9 "$pid" 2>/dev/null || true
    for _ in $(seq 100); do [ -d "/proc/$pid" ] || break; sleep 0.1; done
    [ ! -d "/proc/$pid" ] || die "kube-apiserver (pid $pid) still there 10 s after SIGKILL"
    log "killed kube-apiserver (pid $pid)"
  fi
  rm -f "$dir/kube-apiserver.pid"
  exit 0
fi
if [ "$action" = start-apiserver ]; then
  [ -s "$dir/kube-apiserver.cmd" ] || die "no control plane was started in $dir"
  ours etcd >/dev/null || die "etcd does not run in $dir"
  if ! ours kube-apiserver >/dev/null; then
    mapfile -d '' -t command <"$dir/kube-apiserver.cmd"
    launch kube-apiserver "${command[@]}"
  fi
  port=$(cat "$dir/kube-apiserver.port")
  token=$(head -1 "$dir/pki/tokens.csv" | cut -d, -f1)
  deadline=$((SECONDS + ${LOCAL_APISERVER_TIMEOUT:-120}))
  until [ "$(curl -s -o /dev/null -w '%{http_code}' --cacert "$dir/pki/ca.crt" \
    -H "Authorization: Bearer $token" "https://127.0.0.1:$port/readyz" || true)" = 200 ]; do
    ours kube-apiserver >/dev/null || { qo_show_logs local-apiserver "$dir" 15 kube-apiserver; die "kube-apiserver exited"; }
    [ "$SECONDS" -lt "$deadline" ] || die "kube-apiserver not ready after ${LOCAL_APISERVER_TIMEOUT:-120} s"
    sleep 0.2
  done
  log "kube-apiserver ready again on https://127.0.0.1:$port"
  exit 0
fi
[ "$action" = start ] || usage

# --- start ---
if ours kube-apiserver >/dev/null && ours etcd >/dev/null && ours kube-controller-manager >/dev/null; then
  log "already running in $dir"
  echo "$dir/kubeconfig"
  exit 0
fi
stop # leftovers of an earlier, partial start

if [ -z "${KUBE_BIN:-}" ]; then
  KUBE_BIN=$(bash "$(dirname "$0")/kube-apiserver.sh") || die "no kube-apiserver binary (hack/kube-apiserver.sh failed)"
fi
for c in kube-apiserver kube-controller-manager; do
  [ -x "$KUBE_BIN/$c" ] || die "no $KUBE_BIN/$c (KUBE_BIN=$KUBE_BIN); build it with: bash hack/kube-apiserver.sh"
done
command -v etcd >/dev/null || die "no etcd on PATH (install package etcd-server, or run hack/kube-apiserver.sh)"
command -v openssl >/dev/null || die "no openssl on PATH (package openssl)"
command -v curl >/dev/null || die "no curl on PATH (package curl)"

started=$SECONDS
pki=$dir/pki
mkdir -p "$pki"
rm -rf "$dir/etcd-data" "$dir"/*.log "$dir/audit.log"

# Certificates: a CA, the API server's serving certificate for 127.0.0.1/localhost, a service-account
# key pair. Generated once per DIR.
if [ ! -s "$pki/apiserver.crt" ]; then
  log "generating certificates in $pki (openssl)"
  openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -subj "/CN=qemu-operator-e2e-ca" \
    -keyout "$pki/ca.key" -out "$pki/ca.crt" 2>/dev/null
  openssl req -newkey rsa:2048 -nodes -subj "/CN=kube-apiserver" \
    -keyout "$pki/apiserver.key" -out "$pki/apiserver.csr" 2>/dev/null
  printf 'subjectAltName=IP:127.0.0.1,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc\nextendedKeyUsage=serverAuth\n' \
    >"$pki/apiserver.ext"
  openssl x509 -req -in "$pki/apiserver.csr" -CA "$pki/ca.crt" -CAkey "$pki/ca.key" -CAcreateserial \
    -days 3650 -extfile "$pki/apiserver.ext" -out "$pki/apiserver.crt" 2>/dev/null
  openssl genrsa -out "$pki/sa.key" 2048 2>/dev/null
  openssl rsa -in "$pki/sa.key" -pubout -out "$pki/sa.pub" 2>/dev/null
fi

# Static tokens: the admin (system:masters) and the controller manager (system:masters too: without
# per-controller service-account credentials its garbage collector must list and watch every type).
admin_token=$(openssl rand -hex 24)
kcm_token=$(openssl rand -hex 24)
cat >"$pki/tokens.csv" <<EOF
$admin_token,admin,uid-admin,"system:masters"
$kcm_token,system:kube-controller-manager,uid-kcm,"system:masters"
EOF
chmod 600 "$pki/tokens.csv" "$pki"/*.key

etcd_port=$(free_port)
peer_port=$(free_port)
api_port=$(free_port)
while [ "$peer_port" = "$etcd_port" ]; do peer_port=$(free_port); done
while [ "$api_port" = "$etcd_port" ] || [ "$api_port" = "$peer_port" ]; do api_port=$(free_port); done

kubeconfig() { # file user token
  cat >"$1" <<EOF
apiVersion: v1
kind: Config
clusters:
- name: local
  cluster:
    server: https://127.0.0.1:$api_port
    certificate-authority-data: $(base64 -w0 "$pki/ca.crt")
users:
- name: $2
  user:
    token: $3
contexts:
- name: local
  context:
    cluster: local
    user: $2
    namespace: default
current-context: local
EOF
  chmod 600 "$1"
}
kubeconfig "$dir/kubeconfig" admin "$admin_token"
kubeconfig "$dir/kube-controller-manager.kubeconfig" system:kube-controller-manager "$kcm_token"

# The audit log records every request of a service account (the operator's, under the chart's
# RBAC): who, verb, resource, response code. Tests read it to compare what the operator did with
# what the chart grants.
cp "$(dirname "$0")/audit-policy.yaml" "$dir/audit-policy.yaml"

log "etcd $(etcd --version | sed -n 's/^etcd Version: //p') on 127.0.0.1:$etcd_port"
launch etcd etcd --name local --data-dir "$dir/etcd-data" \
  --listen-client-urls "http://127.0.0.1:$etcd_port" --advertise-client-urls "http://127.0.0.1:$etcd_port" \
  --listen-peer-urls "http://127.0.0.1:$peer_port" --initial-advertise-peer-urls "http://127.0.0.1:$peer_port" \
  --initial-cluster "local=http://127.0.0.1:$peer_port" --initial-cluster-state new
for _ in $(seq 150); do
  curl -fsS "http://127.0.0.1:$etcd_port/health" 2>/dev/null | grep -q '"health":"true"' && break
  ours etcd >/dev/null || fail "etcd exited"
  sleep 0.2
done
curl -fsS "http://127.0.0.1:$etcd_port/health" 2>/dev/null | grep -q '"health":"true"' || fail "etcd not healthy after 30 s"

log "$("$KUBE_BIN/kube-apiserver" --version | sed 's/^Kubernetes/kube-apiserver/') on https://127.0.0.1:$api_port"
apiserver=("$KUBE_BIN/kube-apiserver"
  --etcd-servers "http://127.0.0.1:$etcd_port" \
  --bind-address 127.0.0.1 --advertise-address 127.0.0.1 --secure-port "$api_port" --insecure-port 0 \
  --cert-dir "$dir/apiserver-certs" \
  --tls-cert-file "$pki/apiserver.crt" --tls-private-key-file "$pki/apiserver.key" \
  --client-ca-file "$pki/ca.crt" --token-auth-file "$pki/tokens.csv" \
  --authorization-mode RBAC \
  --enable-admission-plugins OwnerReferencesPermissionEnforcement \
  --audit-policy-file "$dir/audit-policy.yaml" --audit-log-path "$dir/audit.log" --audit-log-format json \
  --service-account-issuer https://kubernetes.default.svc \
  --service-account-key-file "$pki/sa.pub" --service-account-signing-key-file "$pki/sa.key" \
  --service-cluster-ip-range 10.0.0.0/24 --endpoint-reconciler-type none)
# kept for start-apiserver: the same command on the same port, certificates and tokens
printf '%s\0' "${apiserver[@]}" >"$dir/kube-apiserver.cmd"
echo "$api_port" >"$dir/kube-apiserver.port"
launch kube-apiserver "${apiserver[@]}"

timeout=${LOCAL_APISERVER_TIMEOUT:-120}
api() { # path -> HTTP status of an admin GET
  curl -s -o /dev/null -w '%{http_code}' --cacert "$pki/ca.crt" \
    -H "Authorization: Bearer $admin_token" "https://127.0.0.1:$api_port$1" || true
}
wait_for() { # path what: until GET path answers 200, every component alive, within the timeout
  local code=000 c
  while [ $((SECONDS - started)) -lt "$timeout" ]; do
    code=$(api "$1")
    [ "$code" = 200 ] && return 0
    for c in "${components[@]}"; do
      [ -f "$dir/$c.pid" ] || continue
      ours "$c" >/dev/null || fail "$c exited while waiting for $2 (GET $1: HTTP $code)"
    done
    sleep 0.5
  done
  fail "$2 not ready after $timeout s: GET $1 answered HTTP $code"
}
wait_for /readyz "kube-apiserver"
log "kube-apiserver ready after $((SECONDS - started)) s"

# The controllers the tests need: owner-reference garbage collection, namespace deletion, the
# default ServiceAccount (and its token Secret) in every namespace (the ServiceAccount admission
# plugin wants it before a Pod is admitted), the volume binder (it binds a claim to the volume
# the local cluster's provisioner made for it, and releases the volume when the claim goes), and
# PVC and PV protection (they remove the finalizers the StorageObjectInUseProtection admission
# plugin puts on every claim and volume). Started once the API server is ready: it gives up when
# /healthz is not ok within 10 s.
controllers=garbagecollector,namespace,serviceaccount,serviceaccount-token,persistentvolume-binder,pvc-protection,pv-protection
log "kube-controller-manager: $(echo $controllers | tr , ' ')"
launch kube-controller-manager "$KUBE_BIN/kube-controller-manager" \
  --kubeconfig "$dir/kube-controller-manager.kubeconfig" \
  --controllers "$controllers" \
  --service-account-private-key-file "$pki/sa.key" --root-ca-file "$pki/ca.crt" \
  --leader-elect=false --port 0 --secure-port 0

# Ready when its service-account controller has created the default namespace's account.
wait_for /api/v1/namespaces/default/serviceaccounts/default "kube-controller-manager"
log "ready in $((SECONDS - started)) s: https://127.0.0.1:$api_port (logs and pid files in $dir)"
echo "$dir/kubeconfig"
