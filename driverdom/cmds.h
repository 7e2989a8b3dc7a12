/* SPDX-License-Identifier: MIT */
/*
 * Subcommands of the `rtdd` tool. Each lives in the folder of the component
 * it belongs to and is listed once in the table in driverdom/rtdd.c.
 * Each takes the arguments after its own name (argv[0] is the subcommand
 * name) and returns the process exit status: 0 ok, 1 failure or refusal,
 * 2 usage error.
 */
#ifndef RTDD_DRIVERDOM_CMDS_H
#define RTDD_DRIVERDOM_CMDS_H

int rtdd_cmd_hv(int argc, char **argv);	      /* driverdom/cmd_hv.c */
int rtdd_cmd_bench(int argc, char **argv);    /* driverdom/cmd_bench.c */
int rtdd_cmd_plan(int argc, char **argv);     /* driverdom/cmd_plan.c */
int rtdd_cmd_analyze(int argc, char **argv);  /* hv/rtds/cli.c */
int rtdd_cmd_simulate(int argc, char **argv); /* hv/rtds/cli.c */
int rtdd_cmd_pci(int argc, char **argv);      /* passthrough/cli.c */
int rtdd_cmd_up(int argc, char **argv);	      /* driverdom/up.c */
int rtdd_cmd_down(int argc, char **argv);     /* driverdom/up.c */
int rtdd_cmd_status(int argc, char **argv);   /* driverdom/up.c */

/* Suites of `rtdd bench`, listed in driverdom/cmd_bench.c. */
int rtdd_bench_hv(int argc, char **argv);  /* driverdom/bench_hv.c */
int rtdd_bench_blk(int argc, char **argv); /* tests/sim/blk/bench_blk.c */
int rtdd_bench_net(int argc, char **argv); /* tests/bench/net/cmd.c */

#endif
