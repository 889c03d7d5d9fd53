#!/usr/bin/env bash
# A kubectl exec credential plugin for the tests, shaped like `aws eks get-token` or `gke-gcloud-auth-plugin`: every
# run issues a new token valid for PLUGIN_TTL_SECONDS and appends "<token> <expiry, unix seconds>" to PLUGIN_ISSUED,
# the file the test's API server checks tokens against. Quiet on stderr: a client treats any stderr as a failure.
set -euo pipefail
issued=${PLUGIN_ISSUED:?PLUGIN_ISSUED must name the file of issued tokens}
ttl=${PLUGIN_TTL_SECONDS:-3600}
runs=0
if [ -f "$issued" ]; then runs=$(wc -l < "$issued"); fi
token="exec-token-$((runs + 1))-$RANDOM$RANDOM"
expiry=$(( $(date +%s) + ttl ))
echo "$token $expiry" >> "$issued"
printf '{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{"token":"%s","expirationTimestamp":"%s"}}\n' \
  "$token" "$(date -u -d "@$expiry" +%Y-%m-%dT%H:%M:%SZ)"
