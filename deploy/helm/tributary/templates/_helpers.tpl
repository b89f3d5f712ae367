{{/* Chart name, trimmed to the 63 characters Kubernetes allows. */}}
{{- define "tributary.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* Release-scoped name, e.g. "my-release-tributary"; a release named after the chart is just "tributary". */}}
{{- define "tributary.fullname" -}}
{{- $name := include "tributary.name" . -}}
{{- if contains $name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{/* The ServiceAccount the pods run as: the chart's own when it creates one, else the named or the namespace's default. */}}
{{- define "tributary.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "tributary.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- default "default" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{- define "tributary.labels" -}}
app.kubernetes.io/name: {{ include "tributary.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end -}}

{{- define "tributary.selectorLabels" -}}
app.kubernetes.io/name: {{ include "tributary.name" .root }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{- define "tributary.image" -}}
{{ .Values.image.repository }}:{{ default .Chart.AppVersion .Values.image.tag }}
{{- end -}}

{{/* The Secret holding the Postgres URL and the secret key. */}}
{{- define "tributary.secretName" -}}
{{ include "tributary.fullname" . }}
{{- end -}}

{{/*
NATS and logging: all the provision hook needs. The hook runs before the chart's own Secret
exists (hooks come first on install), so it must not refer to it.
*/}}
{{- define "tributary.natsEnv" -}}
- name: TRIBUTARY_NATS_URL
  value: {{ .Values.nats.url | quote }}
- name: TRIBUTARY_NAMESPACE
  value: {{ .Values.namespace | quote }}
- name: TRIBUTARY_LOG_LEVEL
  value: {{ .Values.logLevel | quote }}
{{- with .Values.nats.credentialsSecret }}
- name: TRIBUTARY_NATS_USER
  valueFrom: { secretKeyRef: { name: {{ . }}, key: user, optional: true } }
- name: TRIBUTARY_NATS_PASSWORD
  valueFrom: { secretKeyRef: { name: {{ . }}, key: password, optional: true } }
- name: TRIBUTARY_NATS_TOKEN
  valueFrom: { secretKeyRef: { name: {{ . }}, key: token, optional: true } }
{{- end }}
{{- end -}}

{{/* Environment shared by every component: NATS, Postgres, the secret key, the metrics token, logging. */}}
{{- define "tributary.env" -}}
{{ include "tributary.natsEnv" . }}
- name: TRIBUTARY_POSTGRES_URL
  valueFrom:
    secretKeyRef:
      name: {{ default (include "tributary.secretName" .) .Values.postgres.existingSecret }}
      key: url
- name: TRIBUTARY_SECRET_KEY
  valueFrom:
    secretKeyRef:
      name: {{ default (include "tributary.secretName" .) .Values.secretKey.existingSecret }}
      key: secret-key
- name: TRIBUTARY_METRICS_TOKEN
  valueFrom:
    secretKeyRef:
      name: {{ default (include "tributary.secretName" .) .Values.metricsToken.existingSecret }}
      key: metrics-token
      optional: true
{{- end -}}

{{/*
Liveness and readiness probes on a component's HTTP port. /readyz asks NATS and Postgres
(the proxy's NATS check waits up to TRIBUTARY_PROXY_NATS_READ_TIMEOUT_MS, 1.5 s), so the
probes wait 3 s rather than Kubernetes' 1 s: the 503 and its logged reason arrive, instead of
a probe timeout that says nothing.
*/}}
{{- define "tributary.probes" -}}
livenessProbe:
  httpGet: { path: /healthz, port: http }
  periodSeconds: 10
  timeoutSeconds: 3
readinessProbe:
  httpGet: { path: /readyz, port: http }
  periodSeconds: 5
  timeoutSeconds: 3
{{- end -}}

{{/*
A writable /tmp on the read-only root filesystem: tsx, which runs the TypeScript sources,
keeps its transform cache under os.tmpdir() and cannot load a module when it cannot write there.
*/}}
{{- define "tributary.tmpVolumeMount" -}}
- name: tmp
  mountPath: /tmp
{{- end -}}

{{/*
Capped, so that a runaway writer gets its pod evicted rather than filling the node's disk;
tsx's cache is about 1.4 MB a component.
*/}}
{{- define "tributary.tmpVolume" -}}
- name: tmp
  {{- with .Values.tmpVolume.sizeLimit }}
  emptyDir:
    sizeLimit: {{ . }}
  {{- else }}
  emptyDir: {}
  {{- end }}
{{- end -}}

{{/*
TRIBUTARY_TABLES, when tables are configured. The sink, the proxy and verify read the same
table settings: they must agree, or the proxy and verify look for rows where the sink does not
put them.
*/}}
{{- define "tributary.tablesEnv" -}}
{{- if .Values.tables }}
- name: TRIBUTARY_TABLES
  value: {{ toJson .Values.tables | quote }}
{{- end }}
{{- end -}}
