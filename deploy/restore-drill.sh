#!/bin/sh
# Restore drill: restore a pg_dump into a scratch database and check it reads the same as production.
#   deploy/restore-drill.sh grappe-2026-12-05.dump
# Needs DATABASE_URL (production, read only here) and RESTORE_URL (a scratch database that may be dropped),
# e.g. RESTORE_URL=postgres://grappe@db.example.org:5432/grappe_restore_drill.
set -eu
dump=${1:?usage: restore-drill.sh DUMP_FILE}
: "${DATABASE_URL:?production database}" "${RESTORE_URL:?scratch database for the drill}"
restore_db=${RESTORE_URL##*/}
admin_url=${RESTORE_URL%/*}/postgres
psql "$admin_url" -qc "DROP DATABASE IF EXISTS \"$restore_db\"" -c "CREATE DATABASE \"$restore_db\""
pg_restore --no-owner --exit-on-error --dbname="$RESTORE_URL" "$dump"
DATABASE_URL=$RESTORE_URL grappe manage migrate --check      # the schema is complete
grappe stats --json > /tmp/grappe-drill-live.json
DATABASE_URL=$RESTORE_URL grappe stats --json > /tmp/grappe-drill-restored.json
if cmp -s /tmp/grappe-drill-live.json /tmp/grappe-drill-restored.json; then
    echo "Restauration vérifiée : mêmes adhérents par réseau, territoire et département."
else
    echo "Les effectifs diffèrent (normal si le registre a changé depuis la sauvegarde) :"
    diff /tmp/grappe-drill-live.json /tmp/grappe-drill-restored.json || true
fi
