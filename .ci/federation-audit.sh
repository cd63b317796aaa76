#!/usr/bin/env bash
# The federation gateway audit (The Guild's, vendored in .ci/federation-audit/: 46 suites, 199
# cases) against this repository's gateway. Exit 1 when fewer than MIN_PASS cases pass.
#
#   .ci/federation-audit.sh          MIN_PASS (default 193, a stock @apollo/gateway's score),
#                                    AUDIT_SHARDS (default 2), AUDIT_DIR (the unpacked audit,
#                                    set up on first use), OUT_DIR (logs), SUITES (some only,
#                                    one after the other)
#
# The suites are split into AUDIT_SHARDS runs side by side, each in a network namespace of its
# own (its own loopback, so every run's gateway can listen on :4000); without namespaces (not
# root) the suites run one after the other on the host's loopback.
set -uo pipefail
cd "$(dirname "$0")/.."
root=$PWD
vendored=$root/.ci/federation-audit
min_pass=${MIN_PASS:-193}
shards=${AUDIT_SHARDS:-2}
# Keyed by the vendored archive, so a new audit version gets a fresh work tree.
audit_dir=${AUDIT_DIR:-/tmp/federation-audit-$(sha256sum "$vendored/audit-src.tar.gz" | cut -c1-12)}
out_dir=${OUT_DIR:-/tmp/audit-runs/shop-gateway-$(date +%Y%m%d-%H%M%S)}

if [ ! -x "$audit_dir/node_modules/.bin/tsx" ]; then
  FORCE=1 "$vendored/setup.sh" "$audit_dir" >/dev/null || { echo "could not set up the audit in $audit_dir"; exit 1; }
fi

# The audit's `test` command runs every suite on one audit server (starting it costs more than
# a suite does); AUDIT_SHARD=k/n, patched in here, makes it run every n-th suite from the k-th.
cli=$audit_dir/src/cli.ts
if ! grep -q AUDIT_SHARD "$cli"; then
  sed -i 's|^\( *\)process.stdout.write("Running " + ids.length|\1const [shard, shards] = (process.env.AUDIT_SHARD ?? "0/1").split("/").map(Number); ids.splice(0, ids.length, ...ids.filter((_, index) => index % shards === shard)); // AUDIT_SHARD\n&|' "$cli"
  grep -q AUDIT_SHARD "$cli" || { echo "could not patch $cli for AUDIT_SHARD"; exit 1; }
fi

export GATEWAY_CWD=$root
# The audit's queries are not the shop's: the cost limit is lifted so that none is refused for it.
export GATEWAY_CMD="env LOG_LEVEL=warn MAX_COST=1000000 node --import tsx gateway/src/main.ts --supergraph {SUPERGRAPH}"
export GATEWAY_HEALTH=http://127.0.0.1:4000/health GATEWAY_GRAPHQL=http://127.0.0.1:4000/graphql

probe=fedaudit-probe-$$
if [ "$shards" -gt 1 ] && [ -z "${SUITES:-}" ] && ip netns add "$probe" 2>/dev/null; then
  ip netns del "$probe"
else
  shards=1
fi

echo "federation audit: ${SUITES:-every suite} in $shards run(s) side by side; logs in $out_dir"
start=$(date +%s)
pids=()
for ((shard = 0; shard < shards; shard++)); do
  mkdir -p "$out_dir/run-$shard"
  AUDIT_SHARD=$shard/$shards OUT_DIR="$out_dir/run-$shard" QUIET=1 \
    ISOLATE=$([ "$shards" -gt 1 ] && echo 1 || echo auto) \
    "$vendored/run.sh" "$audit_dir" "$vendored/generic-gateway" >"$out_dir/run-$shard/run.log" 2>&1 &
  pids+=($!)
done
for pid in "${pids[@]}"; do wait "$pid"; done

passed=0
failed=0
: >"$out_dir/failing-cases.txt"
for ((shard = 0; shard < shards; shard++)); do
  run=$out_dir/run-$shard
  if [ ! -f "$run/.counts" ]; then
    echo "audit run $shard did not finish:"
    tail -n 20 "$run/run.log"
    exit 1
  fi
  read -r p f <"$run/.counts"
  passed=$((passed + p))
  failed=$((failed + f))
  cat "$run/failing.txt" >>"$out_dir/failing-cases.txt"
done
if [ -s "$out_dir/failing-cases.txt" ]; then
  echo "failing cases (query and diff in $out_dir/run-*/logs/<suite>-tests.log):"
  sort "$out_dir/failing-cases.txt" | sed 's/^/  /'
fi
echo "federation audit: $passed passed, $failed failed in $(($(date +%s) - start))s (at least $min_pass must pass)"
[ $((passed + failed)) -gt 0 ] && [ "$passed" -ge "$min_pass" ]
