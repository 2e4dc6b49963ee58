#!/bin/bash
# Run by the postgres image from /docker-entrypoint-initdb.d when it initialises an empty data
# directory (docker-compose.yml): creates the service's role. It owns nothing; the service
# grants it its rights at every start, as the owner (docs/operations.md, "Database roles").
set -e
: "${MERAJUT_APP_DB_PASSWORD:?set MERAJUT_APP_DB_PASSWORD for the database role of the service}"
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" \
    -v app_password="$MERAJUT_APP_DB_PASSWORD" <<'EOSQL'
CREATE ROLE merajut_app LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD :'app_password';
EOSQL
