# SPDX-License-Identifier: MIT
# passthrough/: PCI inventory, assignability and binding (libpci + sysfs),
# and the `rtdd pci` subcommand.
ifeq ($(HAVE_PCI),y)
LIBS += librtdd_pci
librtdd_pci-srcs += passthrough/sysfs.c passthrough/scan.c \
	passthrough/check.c passthrough/bind.c passthrough/xl.c
HEADERS_CHECK += passthrough/include/rtdd/pci.h
$(O)/obj/passthrough/%.o: EXTRA_CFLAGS += $(PCI_CFLAGS)
$(O)/obj/passthrough/cli.o: EXTRA_CFLAGS += -Idriverdom

rtdd-srcs += passthrough/cli.c
rtdd-libs += librtdd_pci
rtdd-ldlibs += $(PCI_LIBS)
else
rtdd-srcs += passthrough/cli_nopci.c
$(O)/obj/passthrough/cli_nopci.o: EXTRA_CFLAGS += -Idriverdom
SKIPPED += "passthrough: libpci-dev missing (rtdd pci unavailable)"
endif
