# SPDX-License-Identifier: GPL-2.0
#
# wsheap: the module (built by Kbuild), the user-space library and tools, and
# the entry points that run them in QEMU.
#
#   make                  build wsheap.ko against KDIR and build userspace/
#   make run              boot Debian's kernel in QEMU, load wsheap, run the demos
#   make check            every test, on the stock 6.12 and 6.1 kernels and a
#                         debug 6.12 kernel (KUnit, KASAN, lockdep, kmemleak)
#   make bench            wsheap against its peers, measured in one guest boot
#   make fuzz             the long fuzz, stress and reload budget on the debug kernel
#   make kunit            the KUnit suites in-tree, with kunit.py (x86_64, um)
#   make lint             checkpatch --strict, sparse, -Werror user-space builds
#   make install          the module (modules_install, depmod) and what drivers
#                         build against (wsheap_kernel.h, Module.symvers in
#                         $(KSRCDIR)/wsheap-VERSION/), the library, headers,
#                         pc file, man pages, wsheapctl, udev rule
#   make install-dkms     the DKMS source tree, $(KSRCDIR)/wsheap-VERSION/

KERNELRELEASE ?= $(shell uname -r)
KDIR ?= /lib/modules/$(KERNELRELEASE)/build
PREFIX ?= /usr/local
DESTDIR ?=
MANDIR ?= $(PREFIX)/share/man
BINDIR ?= $(PREFIX)/bin
UDEVDIR ?= /usr/lib/udev/rules.d
# Where kernel build inputs go, whatever PREFIX is: beside Debian's
# linux-headers-*, and where DKMS wants its sources.
KSRCDIR ?= /usr/src
VERSION := $(shell sed -n 's/^PACKAGE_VERSION="\(.*\)"/\1/p' dkms.conf)
WSHEAP_SRC := $(KSRCDIR)/wsheap-$(VERSION)
# The module's sources: what the DKMS tree holds.
KSOURCES := Kbuild Kconfig $(filter-out %.mod.c,$(wildcard wsheap_*.[ch] \
	kunit/*.c samples/*.[ch])) kunit/Kbuild samples/Kbuild

.PHONY: all modules userspace run check bench fuzz kunit lint install \
	modules_install install-dkms clean

all: modules userspace

modules:
	$(MAKE) -C $(KDIR) M=$(CURDIR) modules

userspace:
	$(MAKE) -C userspace
	$(MAKE) -C userspace/tools

run:
	testing/run.sh

check:
	testing/check.sh

bench:
	testing/bench.sh

fuzz:
	testing/fuzz.sh

kunit:
	testing/kunit.sh

lint:
	testing/lint.sh

modules_install: modules
	$(MAKE) -C $(KDIR) M=$(CURDIR) INSTALL_MOD_PATH=$(DESTDIR) \
		INSTALL_MOD_DIR=updates modules_install
	[ -n "$(DESTDIR)" ] || depmod -a $(KERNELRELEASE)
	# For drivers that use the in-kernel API: the header, and this
	# kernel's symbol versions for modpost (KBUILD_EXTRA_SYMBOLS).
	install -D -m 644 wsheap_kernel.h $(DESTDIR)$(WSHEAP_SRC)/wsheap_kernel.h
	install -D -m 644 Module.symvers \
		$(DESTDIR)$(WSHEAP_SRC)/$(KERNELRELEASE)/Module.symvers

# What a wsheap-dkms package ships (dh_dkms): the sources and dkms.conf,
# whose POST_BUILD keeps each kernel's Module.symvers in DKMS's tree.
install-dkms:
	for f in $(KSOURCES) dkms.conf; do \
		install -D -m 644 $$f $(DESTDIR)$(WSHEAP_SRC)/$$f || exit 1; \
	done
	install -D -m 755 packaging/dkms-post-build \
		$(DESTDIR)$(WSHEAP_SRC)/packaging/dkms-post-build

install: modules_install
	$(MAKE) -C userspace install PREFIX=$(PREFIX) DESTDIR=$(DESTDIR) \
		MANDIR=$(MANDIR)
	$(MAKE) -C userspace/tools install BINDIR=$(BINDIR) DESTDIR=$(DESTDIR)
	install -D -m 644 docs/wsheap.4 $(DESTDIR)$(MANDIR)/man4/wsheap.4
	install -D -m 644 packaging/60-wsheap.rules \
		$(DESTDIR)$(UDEVDIR)/60-wsheap.rules

clean:
	-$(MAKE) -C $(KDIR) M=$(CURDIR) clean
	-$(MAKE) -C userspace clean
	-$(MAKE) -C userspace/tools clean
