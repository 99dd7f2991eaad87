# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash disable=SC2034 # $top, $start: for the scripts
# Shared prologue and helpers of the testing scripts, sourced by each:
#   . "$(dirname "$0")/lib.sh"
# sets $here (testing/) and $top (the checkout).

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
top=$(dirname "$here")

# Kernel builds and downloads live outside the checkout, keyed by version.
CACHE=${WSHEAP_CACHE:-/var/cache/wsheap}
mkdir -p "$CACHE"

log() { echo "wsheap: $*" >&2; }
die() { log "error: $*"; exit 1; }

# fresh_out DIR: a run's output directory, emptied; $out names it and
# $start is when the run began (for its "took N s" line).
fresh_out() {
	start=$(date +%s)
	out=$1
	rm -rf "$out"
	mkdir -p "$out"
}

# A set-up step failed: count it as the one failure, in $out/summary.txt too,
# so the run still ends with its "N passed, N failed" line.
fail_setup() {
	log "setup failed: $*"
	echo "0 passed, 1 failed" | tee "$out/summary.txt"
	exit 1
}

# apt_need LOG PACKAGE...: install those Debian packages not installed yet
# (apt's output in LOG, shown if it fails).
apt_need() {
	local aptlog=$1 p need=""
	shift
	for p in "$@"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" ||
			need="$need $p"
	done
	[ -n "$need" ] || return 0
	log "installing:$need"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq >&2 || true
	# shellcheck disable=SC2086 # one word per package
	apt-get install -y -qq --no-install-recommends $need \
		>"$aptlog" 2>&1 || { cat "$aptlog" >&2; exit 1; }
}
