#!/bin/sh
# A login role and a database per service, each database owned by its role and closed to every
# other: "database per service" enforced by Postgres. One service per `<service>_db_password` file
# in SECRETS_DIR (made by make-secrets.mjs). Idempotent: compose runs it on every `up`, so a
# subgraph added later gets its database too; it also resets each role's password to its file's.
set -eu
: "${SECRETS_DIR:=/run/shop-secrets}"
: "${PGHOST:=postgres}"
: "${PGUSER:=postgres}"
PGPASSWORD=$(cat "$SECRETS_DIR/postgres_password")
export PGHOST PGUSER PGPASSWORD

found=0
for file in "$SECRETS_DIR"/*_db_password; do
  [ -e "$file" ] || continue
  service=$(basename "$file" _db_password)
  case "$service" in *[!a-z0-9_]*) echo "skipping $file: not a service name" >&2; continue ;; esac
  found=$((found + 1))
  # psql variables (:'password', :"name") quote the values: nothing from a file is pasted into SQL.
  psql -v ON_ERROR_STOP=1 -q -d postgres -v name="$service" -v password="$(cat "$file")" <<'SQL'
SELECT format('CREATE ROLE %I LOGIN', :'name')
  WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = :'name') \gexec
ALTER ROLE :"name" WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD :'password';
SELECT format('CREATE DATABASE %I OWNER %I', :'name', :'name')
  WHERE NOT EXISTS (SELECT 1 FROM pg_database WHERE datname = :'name') \gexec
REVOKE ALL ON DATABASE :"name" FROM PUBLIC;
SQL
  echo "database $service ready"
done
[ "$found" -gt 0 ] || { echo "no *_db_password files in $SECRETS_DIR" >&2; exit 1; }
