# SPDX-License-Identifier: GPL-2.0
# Shared helpers for the testing scripts.

# Kernel builds and downloads live outside the checkout, keyed by version.
CACHE=${WSHEAP_CACHE:-/var/cache/wsheap}
mkdir -p "$CACHE"

log() { echo "wsheap: $*" >&2; }
die() { log "error: $*"; exit 1; }
