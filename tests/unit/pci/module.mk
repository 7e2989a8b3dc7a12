# SPDX-License-Identifier: MIT
# tests/unit/pci: librtdd_pci on fixture sysfs trees and on the real bus,
# cross-checked with lspci; `rtdd pci` error handling (cli.sh).
ifeq ($(HAVE_PCI),y)
TESTS += test_pci
test_pci-srcs := tests/unit/pci/test_pci.c
test_pci-libs := librtdd_pci
test_pci-ldlibs := $(PCI_LIBS) $(CMOCKA_LIBS)
$(O)/obj/tests/unit/pci/%.o: EXTRA_CFLAGS += $(CMOCKA_CFLAGS) \
	-DPCI_FIXTURE_DIR='"$(CURDIR)/tests/fixtures/pci"'
SCRIPT_TESTS += tests/unit/pci/cli.sh
endif
