# SPDX-License-Identifier: GPL-2.0
# Shared helpers for the testing scripts.

# Kernel builds and downloads live outside the checkout, keyed by version.
CACHE=${WSHEAP_CACHE:-/var/cache/wsheap}
mkdir -p "$CACHE"

log() { echo "wsheap: $*" >&2; }
die() { log "error: $*"; exit 1; }

# A set-up step failed: count it as the one failure, in $out/summary.txt too,
# so the run still ends with its "N passed, N failed" line.
fail_setup() {
	log "setup failed: $*"
	echo "0 passed, 1 failed" | tee "$out/summary.txt"
	exit 1
}
