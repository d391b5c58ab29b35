#!/usr/bin/env bash
# Runs each native fuzz target of the root package for a short time.
#
#   .ci/fuzz.sh            # 5s per target
#   FUZZTIME=30s .ci/fuzz.sh
#   .ci/fuzz.sh 1m         # the first argument overrides FUZZTIME
#
# The seed corpora (f.Add in fuzz_test.go and testdata/fuzz/<Target>/) also run as plain
# tests in `go test .`. A failure leaves the crashing input in testdata/fuzz/<Target>/:
# commit it as a regression seed once the bug is fixed.
set -euo pipefail

cd "$(dirname "$0")/.."

fuzztime="${1:-${FUZZTIME:-5s}}"

# Listed explicitly: `go test -fuzz` takes one target per run.
targets=(
	FuzzMetadataJSON
	FuzzMetadataOps
	FuzzName
	FuzzCustomerID
	FuzzCursor
)

# Catch a renamed or removed target (go test -fuzz with no match would pass silently).
listed="$(go test -list '^Fuzz' .)"
for target in "${targets[@]}"; do
	if ! grep -qx "${target}" <<<"${listed}"; then
		echo "fuzz.sh: no fuzz target ${target} in the root package" >&2
		exit 1
	fi
done
for found in $(grep '^Fuzz' <<<"${listed}"); do
	if [[ " ${targets[*]} " != *" ${found} "* ]]; then
		echo "fuzz.sh: warning: ${found} is not listed in .ci/fuzz.sh" >&2
	fi
done

for target in "${targets[@]}"; do
	echo "--- fuzz ${target} (${fuzztime})"
	# A short -fuzzminimizetime keeps a loaded machine from spending the run minimizing.
	go test -run '^$' -fuzz "^${target}\$" -fuzztime "${fuzztime}" -fuzzminimizetime 2s .
done
