{{/* The chart's name, or nameOverride. */}}
{{- define "gse.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* The objects' name: release-chart, or fullnameOverride; the release name alone when it contains the chart's. */}}
{{- define "gse.fullname" -}}
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

{{- define "gse.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Labels that select the pods: never change them in an upgrade. */}}
{{- define "gse.selectorLabels" -}}
app.kubernetes.io/name: {{ include "gse.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "gse.labels" -}}
helm.sh/chart: {{ include "gse.chart" . }}
{{ include "gse.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: github-status-exporter
{{- with .Values.commonLabels }}
{{ toYaml . }}
{{- end }}
{{- end }}

{{- define "gse.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "gse.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{- define "gse.image" -}}
{{- if .Values.image.digest }}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest }}
{{- else }}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) }}
{{- end }}
{{- end }}

{{/* Where the pod mounts its files. */}}
{{- define "gse.configDir" -}}/etc/github-status-exporter{{- end }}

{{/* Is there a web config (the chart's or an existing Secret)? */}}
{{- define "gse.webConfigEnabled" -}}
{{- if or .Values.web.existingSecret .Values.web.config }}true{{ end }}
{{- end }}

{{- define "gse.webSecretName" -}}
{{- default (printf "%s-web" (include "gse.fullname" .)) .Values.web.existingSecret }}
{{- end }}

{{- define "gse.scrapeAuthSecretName" -}}
{{- default (printf "%s-scrape-auth" (include "gse.fullname" .)) .Values.scrape.basicAuth.existingSecret }}
{{- end }}

{{/* http or https: the value, or https when the chart's web config has tls_server_config. */}}
{{- define "gse.scheme" -}}
{{- if .Values.scrape.scheme }}
{{- if not (has .Values.scrape.scheme (list "http" "https")) }}
{{- fail (printf "scrape.scheme: want http or https, got %q" .Values.scrape.scheme) }}
{{- end }}
{{- .Values.scrape.scheme }}
{{- else if and (not .Values.web.existingSecret) (hasKey .Values.web.config "tls_server_config") }}https
{{- else }}http
{{- end }}
{{- end }}

{{/* The page file's pages, checked for what the chart itself relies on (the exporter checks the rest). */}}
{{- define "gse.pages" -}}
{{- $pages := list }}
{{- if .Values.pageFile }}
{{- $pages = .Values.pageFile.pages | default list }}
{{- end }}
{{- range $index, $page := $pages }}
{{- if not (and (kindIs "map" $page) $page.name) }}
{{- fail (printf "pageFile.pages[%d]: every page needs a name" $index) }}
{{- end }}
{{- end }}
{{- toJson $pages }}
{{- end }}

{{/* The Prometheus Operator's basicAuth and tlsConfig of a scrape (ServiceMonitor endpoint or Probe spec). */}}
{{- define "gse.scrapeAuth" -}}
{{- if .Values.scrape.basicAuth.enabled }}
basicAuth:
  username:
    name: {{ include "gse.scrapeAuthSecretName" . }}
    key: username
  password:
    name: {{ include "gse.scrapeAuthSecretName" . }}
    key: password
{{- end }}
{{- with .Values.scrape.tlsConfig }}
tlsConfig:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- end }}

{{/*
The kubelet's probe of one path. Without basic auth it is an httpGet (HTTPS with TLS on: the kubelet
does not verify the certificate). With basic auth it runs the image's Python: a few lines that read
the credentials from the mounted scrape-auth Secret, so no password is written into the pod spec.
*/}}
{{- define "gse.probeHandler" -}}
{{- $root := index . 0 }}
{{- $path := index . 1 }}
{{- $scheme := include "gse.scheme" $root }}
{{- if $root.Values.scrape.basicAuth.enabled }}
exec:
  command:
    - /opt/venv/bin/python
    - -c
    - {{ include "gse.probeScript" $root | quote }}
    - {{ printf "%s://127.0.0.1:%d%s" $scheme (int $root.Values.web.port) $path | quote }}
    - {{ printf "%s/scrape-auth/username" (include "gse.configDir" $root) | quote }}
    - {{ printf "%s/scrape-auth/password" (include "gse.configDir" $root) | quote }}
{{- else }}
httpGet:
  path: {{ $path }}
  port: http
  scheme: {{ upper $scheme }}
{{- end }}
{{- end }}

{{- define "gse.probeScript" -}}
import base64, ssl, sys, urllib.request as r; url, user, password = sys.argv[1:4]; token = base64.b64encode(open(user, "rb").read() + b":" + open(password, "rb").read()).decode(); context = ssl.create_default_context(); context.check_hostname = False; context.verify_mode = ssl.CERT_NONE; sys.exit(0 if r.urlopen(r.Request(url, headers={"Authorization": "Basic " + token}), timeout=4, context=context).status == 200 else 1)
{{- end }}

{{/* A page's Probe name: DNS-1123, unique (a hash of the page's name), at most 63 characters. */}}
{{- define "gse.pageProbeName" -}}
{{- $root := index . 0 }}
{{- $page := index . 1 }}
{{- $slug := $page | lower | replace "_" "-" | replace "." "-" }}
{{- printf "%s-%s" (include "gse.fullname" $root | trunc 40 | trimSuffix "-") ($slug | trunc 13 | trimSuffix "-") | trimSuffix "-" }}-{{ sha256sum $page | trunc 8 }}
{{- end }}
