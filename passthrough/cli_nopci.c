// SPDX-License-Identifier: MIT
/* `rtdd pci` when the build found no libpci: say so instead of failing. */
#include "cmds.h"
#include "rtdd/log.h"

int rtdd_cmd_pci(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	RTDD_LOG(ERR, "pci: this rtdd was built without libpci; install "
		      "libpci-dev (make deps) and rebuild");
	return 1;
}
