#!/bin/sh
# Run once by the database image, at its first start (/docker-entrypoint-initdb.d): lets the
# compose replica stream WAL from this server as postgres. The password is compose's own,
# for a local setup; a production server names its standbys' addresses and a replication role.
echo "host replication all all scram-sha-256" >> "$PGDATA/pg_hba.conf"
