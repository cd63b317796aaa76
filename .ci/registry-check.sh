#!/usr/bin/env bash
# The registry's usage-aware schema check, as a pull request runs it: a registry on a fresh
# database, the merge base's subgraphs published to it, the storefront's persisted and the
# committed operations recorded as usage, then this checkout's subgraphs checked against it
# (exit 1 names the operations and clients a breaking change would break). On main: passes.
set -euo pipefail
cd "$(dirname "$0")/.."
base=$(git merge-base HEAD main 2>/dev/null || git rev-parse HEAD)
admin_url=${TEST_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/postgres}
database=ci_registry_$$
port=${REGISTRY_CI_PORT:-4610}
admin_token=$(node -e "console.log(require('node:crypto').randomBytes(24).toString('hex'))")
work=$(mktemp -d)
pid=
cleanup() {
  [ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
  psql "$admin_url" -qc "drop database if exists $database" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

psql "$admin_url" -qc "create database $database"
PORT=$port DATABASE_URL="${admin_url%/*}/$database" REGISTRY_ADMIN_TOKEN=$admin_token LOG_LEVEL=warn \
  node --import tsx registry/src/main.ts &
pid=$!
for _ in $(seq 1 120); do
  curl -sf "http://127.0.0.1:$port/health" >/dev/null && break
  kill -0 "$pid" 2>/dev/null || { echo "the registry did not start"; exit 1; }
  sleep 0.5
done
export REGISTRY_URL=http://127.0.0.1:$port
schema() { node --import tsx scripts/schema.ts "$@"; }

echo "publishing the subgraphs of $(git rev-parse --short "$base") (merge base with main)"
pending=()
for dir in $(git ls-tree -d --name-only "$base" subgraphs/); do
  name=$(basename "$dir")
  git show "$base:$dir/src/schema.graphql" >"$work/$name.graphql" 2>/dev/null || continue
  REGISTRY_TOKEN=$admin_token schema token create "$name" --label "ci $name" | tail -1 >"$work/$name.token"
  pending+=("$name")
done
# A subgraph that extends another's type composes only once that one is in: retry until none is left.
while [ ${#pending[@]} -gt 0 ]; do
  left=()
  for name in "${pending[@]}"; do
    REGISTRY_TOKEN=$(cat "$work/$name.token") schema publish --subgraph "$name" --sdl "$work/$name.graphql" \
      --url "http://$name.internal/graphql" --commit "$base" >"$work/$name.log" 2>&1 || left+=("$name")
    [[ " ${left[*]} " == *" $name "* ]] || cat "$work/$name.log"
  done
  if [ ${#left[@]} -eq ${#pending[@]} ]; then
    for name in "${left[@]}"; do cat "$work/$name.log"; done
    exit 1
  fi
  pending=("${left[@]}")
done
REGISTRY_TOKEN=$admin_token schema usage record --client-version "$(git rev-parse --short HEAD)"
REGISTRY_TOKEN=$admin_token schema check --window 30d
