#!/usr/bin/env bash
# Smoke test of the benchmark (./bench): runs it at small scale (1/100 of the data, batches of
# 1,000) on SQLite and, when their DSNs are set, on PostgreSQL and MySQL/MariaDB, to show that
# it works end to end. It checks no timing: the figures are in BENCHMARKS.md.
#
#   .ci/bench-smoke.sh
#
# Uses CUSTOMERGROUP_POSTGRES_DSN and CUSTOMERGROUP_MYSQL_DSN when set. Takes a few seconds a
# database.
set -euo pipefail

cd "$(dirname "$0")/.."

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

go build -o "$tmp/bench" ./bench

run() { # database name, -db value
	printf '\n=== bench smoke: %s\n' "$1"
	"$tmp/bench" -scale small -db "$2" >"$tmp/out.md"
	# every operation printed a row with a ratio
	rows="$(grep -c '^| [A-Z].* | [0-9.]* | [0-9.]* | ≤ ' "$tmp/out.md" || true)"
	cat "$tmp/out.md"
	if [[ "$rows" -lt 10 ]]; then
		echo "bench smoke: $1: expected 10 operation rows, got $rows" >&2
		exit 1
	fi
}

run sqlite sqlite
if [[ -n "${CUSTOMERGROUP_POSTGRES_DSN:-}" ]]; then
	run postgres postgres
else
	echo "bench smoke: CUSTOMERGROUP_POSTGRES_DSN is not set: PostgreSQL skipped"
fi
if [[ -n "${CUSTOMERGROUP_MYSQL_DSN:-}" ]]; then
	run mysql mysql
else
	echo "bench smoke: CUSTOMERGROUP_MYSQL_DSN is not set: MySQL skipped"
fi
echo "bench smoke: ok"
