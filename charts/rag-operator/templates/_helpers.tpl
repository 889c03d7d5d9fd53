{{/*
Chart name, overridable.
*/}}
{{- define "rag-operator.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
Full name: the release name, plus the chart name unless the release name already contains it
(`helm install rag-operator` gives `rag-operator`, `helm install prod` gives `prod-rag-operator`).
*/}}
{{- define "rag-operator.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{- define "rag-operator.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
Labels on every resource.
*/}}
{{- define "rag-operator.labels" -}}
helm.sh/chart: {{ include "rag-operator.chart" . }}
{{ include "rag-operator.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: rag-operator
{{- with .Values.commonLabels }}
{{ toYaml . }}
{{- end }}
{{- end }}

{{/*
Selector labels of the operator pods (also what NetworkPolicies use to recognise the operator).
*/}}
{{- define "rag-operator.selectorLabels" -}}
app.kubernetes.io/name: {{ include "rag-operator.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/component: operator
{{- end }}

{{- define "rag-operator.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "rag-operator.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{- define "rag-operator.image" -}}
{{- if .Values.image.digest }}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest }}
{{- else }}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) }}
{{- end }}
{{- end }}

{{- define "rag-operator.routerImage" -}}
{{- printf "%s:%s" .Values.routerImage.repository (default .Chart.AppVersion .Values.routerImage.tag) }}
{{- end }}

{{/*
Rules the operator needs in every namespace whose collections it manages. Used by the ClusterRole
(all namespaces) or by one Role per watched namespace. No wildcards; Secrets are `get` only.
*/}}
{{- define "rag-operator.namespacedRules" -}}
# The collections themselves: read, and patch/update for the finalizer in metadata (never spec).
- apiGroups: ["ragoperator.io"]
  resources: ["vectorcollections"]
  verbs: ["get", "list", "watch", "patch", "update"]
- apiGroups: ["ragoperator.io"]
  resources: ["vectorcollections/status"]
  verbs: ["get", "patch", "update"]
- apiGroups: ["ragoperator.io"]
  resources: ["vectorcollections/finalizers"]
  verbs: ["update"]
# Children of a collection: shard StatefulSets, router Deployment, Services, PDBs, routing ConfigMaps,
# the router's ServiceAccount and the Role/RoleBinding that lets it read its routing ConfigMap.
- apiGroups: ["apps"]
  resources: ["statefulsets", "deployments"]
  verbs: ["get", "list", "watch", "create", "update", "patch", "delete"]
- apiGroups: [""]
  resources: ["services", "configmaps", "serviceaccounts"]
  verbs: ["get", "list", "watch", "create", "update", "patch", "delete"]
- apiGroups: ["policy"]
  resources: ["poddisruptionbudgets"]
  verbs: ["get", "list", "watch", "create", "update", "patch", "delete"]
- apiGroups: ["autoscaling"]
  resources: ["horizontalpodautoscalers"]
  verbs: ["get", "list", "watch", "create", "update", "patch", "delete"]
- apiGroups: ["networking.k8s.io"]
  resources: ["networkpolicies"]
  verbs: ["get", "list", "watch", "create", "update", "patch", "delete"]
- apiGroups: ["rbac.authorization.k8s.io"]
  resources: ["roles", "rolebindings"]
  verbs: ["get", "list", "watch", "create", "update", "patch", "delete"]
# API keys of Qdrant and the routers, read by name only: no list, no watch. The operator also writes each
# collection's certificate Secrets (its CA, shard and router certificates) by server-side apply; they are deleted with
# the collection through owner references, so no delete either.
- apiGroups: [""]
  resources: ["secrets"]
  verbs: ["get", "create", "patch"]
# With spec.tls.mode CertManager: one cert-manager Certificate per certificate Secret, read by name and written by
# server-side apply; owner references delete them with the collection.
- apiGroups: ["cert-manager.io"]
  resources: ["certificates"]
  verbs: ["get", "create", "patch"]
# Readiness of shard and router pods, and router endpoints for routing-version acknowledgements; shard pods are
# deleted one at a time by the rolling upgrade (the StatefulSets use OnDelete).
- apiGroups: [""]
  resources: ["pods"]
  verbs: ["get", "list", "watch", "delete"]
- apiGroups: ["discovery.k8s.io"]
  resources: ["endpointslices"]
  verbs: ["get", "list", "watch"]
# Volumes of a deleted collection are removed when storage.retainOnDelete is false.
- apiGroups: [""]
  resources: ["persistentvolumeclaims"]
  verbs: ["get", "list", "watch", "delete"]
- apiGroups: ["", "events.k8s.io"]
  resources: ["events"]
  verbs: ["create", "patch"]
# Snapshots: read them, write their status and add/remove their finalizer (it deletes stored files); the schedule
# of spec.snapshots creates and deletes scheduled VectorSnapshots.
- apiGroups: ["ragoperator.io"]
  resources: ["vectorsnapshots"]
  verbs: ["get", "list", "watch", "create", "patch", "delete"]
- apiGroups: ["ragoperator.io"]
  resources: ["vectorsnapshots/finalizers"]
  verbs: ["update"]
# Restores: read them and write their status; a restore creates the collection it restores into (never
# updates or deletes one through this rule).
- apiGroups: ["ragoperator.io"]
  resources: ["vectorrestores"]
  verbs: ["get", "list", "watch"]
- apiGroups: ["ragoperator.io"]
  resources: ["vectorsnapshots/status", "vectorrestores/status"]
  verbs: ["get", "patch", "update"]
- apiGroups: ["ragoperator.io"]
  resources: ["vectorcollections"]
  verbs: ["create"]
{{- end }}

{{/*
Rules for cluster-scoped objects, needed whatever watchNamespaces says. No CRD access: the chart installs the CRDs.
*/}}
{{- define "rag-operator.clusterRules" -}}
- apiGroups: ["ragoperator.io"]
  resources: ["vectornodepools"]
  verbs: ["get", "list", "watch"]
- apiGroups: ["ragoperator.io"]
  resources: ["vectornodepools/status"]
  verbs: ["get", "patch", "update"]
# Which nodes a VectorNodePool matches.
- apiGroups: [""]
  resources: ["nodes"]
  verbs: ["get", "list", "watch"]
{{- end }}

{{/*
Namespaces that get namespace-wide NetworkPolicies.
*/}}
{{- define "rag-operator.networkPolicyNamespaces" -}}
{{- if .Values.networkPolicy.namespaces }}
{{- toYaml .Values.networkPolicy.namespaces }}
{{- else }}
{{- toYaml .Values.watchNamespaces }}
{{- end }}
{{- end }}

{{/*
The NetworkPolicy peer that matches the operator pods, from any namespace.
*/}}
{{- define "rag-operator.operatorPeer" -}}
- namespaceSelector:
    matchLabels:
      kubernetes.io/metadata.name: {{ .Release.Namespace }}
  podSelector:
    matchLabels:
      {{- include "rag-operator.selectorLabels" . | nindent 6 }}
{{- end }}
