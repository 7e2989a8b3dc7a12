// SPDX-License-Identifier: MIT
/* bench_blk: the standalone binary of `rtdd bench blk` (bench_blk.c). */
int rtdd_bench_blk(int argc, char **argv);

int main(int argc, char **argv)
{
	return rtdd_bench_blk(argc, argv);
}
