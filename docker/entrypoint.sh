#!/bin/sh
# Every service image starts here. It
#  - turns each `<VARIABLE>_FILE=/path` into `<VARIABLE>=<the file's content>` (secrets mounted as
#    files, as Docker and Kubernetes give them), unless <VARIABLE> is set and not empty;
#  - with SEED_DEMO_DATA=true, seeds the service's demo data first (idempotent: rows that exist
#    are skipped), demo logins included, so keep it off for real data;
#  - then runs the service (or the command given) as PID 1, so it gets SIGTERM directly.
set -eu

for name in $(env | sed -n 's/^\([A-Za-z_][A-Za-z0-9_]*\)_FILE=.*/\1/p'); do
  eval "current=\${$name:-}"
  eval "file=\${${name}_FILE}"
  if [ -z "$current" ]; then
    [ -r "$file" ] || { echo "{\"level\":\"fatal\",\"msg\":\"${name}_FILE: cannot read $file\"}" >&2; exit 1; }
    value=$(cat "$file")
    export "$name=$value"
  fi
  unset "${name}_FILE"
done

if [ "${SEED_DEMO_DATA:-false}" = "true" ] && [ -f "$SERVICE_DIR/src/db/seed.ts" ]; then
  # Demo data is what a demo needs: development mode gives it the demo logins.
  NODE_ENV=development node --import tsx "$SERVICE_DIR/src/main.ts" seed
fi

if [ "$#" -eq 0 ]; then
  set -- node --import tsx "$SERVICE_DIR/src/main.ts"
fi
exec "$@"
