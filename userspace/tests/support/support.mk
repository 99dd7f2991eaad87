# SPDX-License-Identifier: GPL-2.0
# What the Makefiles of the test suites share, included as
#   include ../support/support.mk
# after they set DEPS (the headers their programs use) and, where they
# want more than the default, EXTRA_CFLAGS, PROGS and more rules.  Every
# *_test.c is one static program, linked with the test-support library
# (wsh_support.c, compiled once per suite into wsh_support.o).

SUPPORT := $(patsubst %/,%,$(dir $(lastword $(MAKEFILE_LIST))))

CFLAGS = -std=gnu11 -O2 -g -Wall -Wextra -Werror -I$(SUPPORT) \
	-I$(SUPPORT)/../include -I$(SUPPORT)/../../.. $(EXTRA_CFLAGS)
LDFLAGS = -static -pthread

PROGS ?= $(patsubst %.c,%,$(sort $(wildcard *_test.c)))
SUPPORT_OBJ := wsh_support.o
DEPS += $(SUPPORT)/wsh_support.h $(SUPPORT)/../include/wsh_ioctl.h \
	$(SUPPORT)/../../../wsheap_ioctl.h

all: $(PROGS)

$(SUPPORT_OBJ): $(SUPPORT)/wsh_support.c $(DEPS)
	$(CC) $(CFLAGS) -c -o $@ $<

%_test: %_test.c $(SUPPORT_OBJ) $(DEPS)
	$(CC) $(CFLAGS) -o $@ $< $(SUPPORT_OBJ) $(LDFLAGS) $(LDLIBS)

clean:
	rm -f $(PROGS) $(SUPPORT_OBJ)

.PHONY: all clean
