# SPDX-License-Identifier: GPL-2.0
#
# wsheap: the module (built by Kbuild), the user-space library and tests, and
# the entry points that run them in QEMU.
#
#   make                  build wsheap.ko against KDIR and build userspace/
#   make run              boot Debian's kernel in QEMU, load wsheap, run the demo
#   make check            every test, on the stock and the debug kernel
#   make lint             checkpatch --strict, sparse, -Werror user-space builds
#   make install          modules_install + depmod, the library, headers, man pages

KERNELRELEASE ?= $(shell uname -r)
KDIR ?= /lib/modules/$(KERNELRELEASE)/build
PREFIX ?= /usr/local
DESTDIR ?=

.PHONY: all modules userspace run check lint install modules_install clean

all: modules userspace

modules:
	$(MAKE) -C $(KDIR) M=$(CURDIR) modules

userspace:
	$(MAKE) -C userspace

run:
	testing/run.sh

check:
	testing/check.sh

lint:
	testing/lint.sh

modules_install:
	$(MAKE) -C $(KDIR) M=$(CURDIR) INSTALL_MOD_PATH=$(DESTDIR) modules_install
	[ -n "$(DESTDIR)" ] || depmod -a $(KERNELRELEASE)

install: modules_install
	$(MAKE) -C userspace install PREFIX=$(PREFIX) DESTDIR=$(DESTDIR)

clean:
	-$(MAKE) -C $(KDIR) M=$(CURDIR) clean
	-$(MAKE) -C userspace clean
