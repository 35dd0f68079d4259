{{/* The release's full name (also the ServiceAccount, the roles and the Service). */}}
{{- define "qemu-operator.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{/* Labels of the operator's pods; the VM pods carry app.kubernetes.io/name=qemu-vm instead. */}}
{{- define "qemu-operator.selectorLabels" -}}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "qemu-operator.labels" -}}
{{ include "qemu-operator.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
{{- end -}}

{{- define "qemu-operator.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "qemu-operator.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- required "serviceAccount.name is required when serviceAccount.create is false" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{/* "true" when leader election is on: leaderElection.enabled, or (when null) replicas > 1. */}}
{{- define "qemu-operator.leaderElection" -}}
{{- if kindIs "invalid" .Values.leaderElection.enabled -}}
{{- gt (int .Values.replicas) 1 -}}
{{- else -}}
{{- .Values.leaderElection.enabled -}}
{{- end -}}
{{- end -}}

{{- define "qemu-operator.image" -}}
{{- printf "%s:%s" .image.repository (default .appVersion .image.tag) -}}
{{- end -}}

{{/* Namespaces that get the VM NetworkPolicy. */}}
{{- define "qemu-operator.networkPolicyNamespaces" -}}
{{- if .Values.networkPolicy.namespaces -}}
{{- join "," .Values.networkPolicy.namespaces -}}
{{- else if .Values.watchNamespaces -}}
{{- join "," .Values.watchNamespaces -}}
{{- else -}}
{{- .Release.Namespace -}}
{{- end -}}
{{- end -}}

{{/*
The API calls the operator makes in the namespaces it watches (QemuVMReconciler, VmEvents, JOSDK).
Kept in step with OPERATOR_API_CALLS in e2e's HelmChartTest, which fails on any difference.
*/}}
{{- define "qemu-operator.operatorRules" -}}
# QemuVMs: JOSDK's informer (list, watch), finalizer and status patches (get + patch).
- apiGroups: ["qemu-operator.io"]
  resources: ["qemuvms"]
  verbs: ["get", "list", "watch", "patch"]
- apiGroups: ["qemu-operator.io"]
  resources: ["qemuvms/status"]
  verbs: ["patch"]
# Owner references with blockOwnerDeletion on the VM's pod, Secret and claims need this where the
# OwnerReferencesPermissionEnforcement admission plugin runs (OpenShift, hardened clusters).
- apiGroups: ["qemu-operator.io"]
  resources: ["qemuvms/finalizers"]
  verbs: ["update"]
# QemuVMMigrations: informer, each pass reads its request (get), finalizer and status patches.
- apiGroups: ["qemu-operator.io"]
  resources: ["qemuvmmigrations"]
  verbs: ["get", "list", "watch", "patch"]
- apiGroups: ["qemu-operator.io"]
  resources: ["qemuvmmigrations/status"]
  verbs: ["patch"]
- apiGroups: ["qemu-operator.io"]
  resources: ["qemuvmmigrations/finalizers"]
  verbs: ["update"]
# The VM pod: informer (list, watch), created, read back after a 409, deleted after quit; a
# migration's target pod handed over to the QemuVM (its owner reference patched).
- apiGroups: [""]
  resources: ["pods"]
  verbs: ["get", "list", "watch", "create", "delete", "patch"]
# The token Secret: informer, created, read back after a 409; a migration's certificates: created,
# read at each step, deleted when it ends.
- apiGroups: [""]
  resources: ["secrets"]
  verbs: ["get", "list", "watch", "create", "delete"]
# The disk claims: the same, and their storage request raised (a merge patch) when a disk grows.
- apiGroups: [""]
  resources: ["persistentvolumeclaims"]
  verbs: ["get", "list", "watch", "create", "patch"]
# The VM's Service when spec.service asks for one: created, its type and ports edited (a patch),
# deleted when the field goes.
- apiGroups: [""]
  resources: ["services"]
  verbs: ["get", "list", "watch", "create", "patch", "delete"]
# VmEvents records what was done on the QemuVM; the same Event again counts up (patch), read
# first only when it was recorded before this operator process started (get after a 409).
- apiGroups: [""]
  resources: ["events"]
  verbs: ["create", "patch", "get"]
{{- end -}}
