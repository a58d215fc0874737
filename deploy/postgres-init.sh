#!/usr/bin/env bash
# One PostgreSQL database and one login role, both named like the service, for each service that owns tables
# (DESIGN.md section 2), as ./chat up creates them. Run once by the postgres image on an empty data directory
# (/docker-entrypoint-initdb.d): by docker-compose.yml and by the local Kubernetes overlay (k8s/overlays/local).
# Passwords come from the environment, never from this file: ORCHESTRATOR_DB_PASSWORD, RECOVERY_DB_PASSWORD,
# PERSISTENCE_DB_PASSWORD, ANALYTICS_DB_PASSWORD. Idempotent: an existing role or database is left as it is.
#
# The image may source this file instead of executing it (when it is not executable), so it sets no shell options of
# its own; the entrypoint already runs with errexit and pipefail.

create_service_database() {
    local name=$1 password=$2
    # psql variables, not shell text, carry the values into SQL: %I and %L quote them
    psql --no-psqlrc -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname postgres \
        -v name="$name" -v password="$password" <<'SQL'
SELECT format('CREATE ROLE %I LOGIN PASSWORD %L', :'name', :'password')
WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = :'name') \gexec
SELECT format('CREATE DATABASE %I OWNER %I', :'name', :'name')
WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = :'name') \gexec
SQL
}

create_service_database orchestrator "${ORCHESTRATOR_DB_PASSWORD:?ORCHESTRATOR_DB_PASSWORD is required}"
create_service_database recovery "${RECOVERY_DB_PASSWORD:?RECOVERY_DB_PASSWORD is required}"
create_service_database persistence "${PERSISTENCE_DB_PASSWORD:?PERSISTENCE_DB_PASSWORD is required}"
create_service_database analytics "${ANALYTICS_DB_PASSWORD:?ANALYTICS_DB_PASSWORD is required}"
