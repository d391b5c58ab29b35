#!/usr/bin/env bash
# Interoperability check: Medusa's own JS client (@medusajs/js-sdk, pinned in
# sdktest/package-lock.json) drives the adminapi example server through the admin guide's
# flows (sdktest/flow.mjs), on a fresh SQLite file, then on PostgreSQL when
# CUSTOMERGROUP_POSTGRES_DSN is set, then on MySQL/MariaDB when CUSTOMERGROUP_MYSQL_DSN is set
# (go-sql-driver form, as .ci/run exports it).
#
#   examples/adminapi/ci.sh [--require-postgres] [--require-mysql]
#
# --require-postgres / --require-mysql fail the run when the DSN is unset instead of skipping.
# Each database run uses tables of its own (a fresh table prefix), which the server's
# -drop-tables drops afterwards. Needs go, node (20 or later) and npm.
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"

require_postgres=0
require_mysql=0
for arg in "$@"; do
	case "$arg" in
	--require-postgres) require_postgres=1 ;;
	--require-mysql) require_mysql=1 ;;
	*)
		echo "usage: $0 [--require-postgres] [--require-mysql]" >&2
		exit 2
		;;
	esac
done

if [[ $require_postgres -eq 1 && -z "${CUSTOMERGROUP_POSTGRES_DSN:-}" ]]; then
	echo "ci.sh: --require-postgres, but CUSTOMERGROUP_POSTGRES_DSN is not set" >&2
	exit 1
fi
if [[ $require_mysql -eq 1 && -z "${CUSTOMERGROUP_MYSQL_DSN:-}" ]]; then
	echo "ci.sh: --require-mysql, but CUSTOMERGROUP_MYSQL_DSN is not set" >&2
	exit 1
fi

for tool in go node npm; do
	if ! command -v "$tool" >/dev/null; then
		echo "ci.sh: $tool is needed" >&2
		exit 1
	fi
done

work="$(mktemp -d)"
server_pid=""
cleanup() {
	if [[ -n "$server_pid" ]] && kill -0 "$server_pid" 2>/dev/null; then
		kill -TERM "$server_pid" 2>/dev/null || true
		wait "$server_pid" 2>/dev/null || true
	fi
	rm -rf "$work"
}
trap cleanup EXIT

echo "--- build the server"
(cd "$root" && go build -o "$work/adminapi" ./examples/adminapi)

echo "--- npm ci (sdktest)"
(cd "$here/sdktest" && npm ci --no-audit --no-fund --loglevel=error)
node -e 'const [maj] = process.versions.node.split(".").map(Number); if (maj < 20) { console.error("ci.sh: node " + process.versions.node + " is too old: 20 or later"); process.exit(1) }'

# One secret for this run, handed to the server and the script through the environment (not
# argv, which other users of the machine can read).
secret="sk_ci_$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')"
export ADMINAPI_TOKENS="ci=${secret}"

# run_flow LABEL SERVER-ARGS...: start a fresh server, run the SDK flow against it, stop it.
run_flow() {
	local label="$1"
	shift
	local log="$work/$label.log" addr_file="$work/$label.addr"
	echo "--- $label: start the server"
	"$work/adminapi" -addr 127.0.0.1:0 -addr-file "$addr_file" -log-format json "$@" 2>"$log" &
	server_pid=$!
	for _ in $(seq 1 300); do
		[[ -s "$addr_file" ]] && break
		if ! kill -0 "$server_pid" 2>/dev/null; then
			echo "ci.sh: $label: the server exited before listening:" >&2
			cat "$log" >&2
			server_pid=""
			return 1
		fi
		sleep 0.1
	done
	if [[ ! -s "$addr_file" ]]; then
		echo "ci.sh: $label: the server did not listen within 30 s:" >&2
		cat "$log" >&2
		return 1
	fi
	local addr
	addr="$(cat "$addr_file")"
	echo "--- $label: run sdktest/flow.mjs against http://$addr"
	local status=0
	ADMINAPI_URL="http://$addr" ADMINAPI_TOKEN="$secret" ADMINAPI_ACTOR=ci \
		node "$here/sdktest/flow.mjs" || status=$?
	echo "--- $label: stop the server (graceful shutdown)"
	kill -TERM "$server_pid"
	local exit_status=0
	wait "$server_pid" || exit_status=$?
	server_pid=""
	if [[ $status -ne 0 ]]; then
		echo "ci.sh: $label: the SDK flow failed; the server's log ends with:" >&2
		tail -n 40 "$log" >&2
		return "$status"
	fi
	if [[ $exit_status -ne 0 ]]; then
		echo "ci.sh: $label: the server exited with status $exit_status on SIGTERM:" >&2
		tail -n 20 "$log" >&2
		return 1
	fi
	if grep -q '"level":"ERROR"' "$log"; then
		echo "ci.sh: $label: the server logged errors:" >&2
		grep '"level":"ERROR"' "$log" >&2
		return 1
	fi
	echo "--- $label: ok"
}

prefix() { echo "ci_$(od -An -N4 -tx1 /dev/urandom | tr -d ' \n')_"; }

run_flow sqlite -db "$work/fresh.db"

# run_db_flow LABEL DB: run_flow on tables of their own in DB, dropped afterwards.
run_db_flow() {
	local label="$1" db="$2" p status=0
	p="$(prefix)"
	run_flow "$label" -db "$db" -table-prefix "$p" || status=$?
	"$work/adminapi" -db "$db" -table-prefix "$p" -drop-tables 2>>"$work/$label.log" ||
		echo "ci.sh: $label: could not drop the tables ${p}*" >&2
	return "$status"
}

if [[ -n "${CUSTOMERGROUP_POSTGRES_DSN:-}" ]]; then
	run_db_flow postgres "$CUSTOMERGROUP_POSTGRES_DSN"
elif [[ $require_postgres -eq 1 ]]; then
	echo "ci.sh: --require-postgres, but CUSTOMERGROUP_POSTGRES_DSN is not set" >&2
	exit 1
else
	echo "--- postgres: skipped (CUSTOMERGROUP_POSTGRES_DSN is not set)"
fi

if [[ -n "${CUSTOMERGROUP_MYSQL_DSN:-}" ]]; then
	run_db_flow mysql "mysql:$CUSTOMERGROUP_MYSQL_DSN"
elif [[ $require_mysql -eq 1 ]]; then
	echo "ci.sh: --require-mysql, but CUSTOMERGROUP_MYSQL_DSN is not set" >&2
	exit 1
else
	echo "--- mysql: skipped (CUSTOMERGROUP_MYSQL_DSN is not set)"
fi

echo "--- ci.sh: all SDK flows passed"
