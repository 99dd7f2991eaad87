#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Build everything under userspace/: the library, its tests and examples,
# the ABI tests and the tools.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
make -C "$top/userspace"
for d in "$top"/userspace/tests/*/; do
	[ -e "$d/Makefile" ] && make -C "$d"
done
make -C "$top/userspace/tools"
