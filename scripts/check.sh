#!/bin/bash
# SPDX-License-Identifier: MIT
# make check: (1) every C file matches .clang-format, (2) every public
# header compiles on its own (Jailhouse's header_check).
#   scripts/check.sh CC "INCLUDES" header...
set -u
cc=$1 incs=$2
shift 2
fail=0

files=$(git ls-files -co --exclude-standard '*.c' '*.h' | grep -v -E '^(build|third_party)/')
bad=0
for f in $files; do
	if ! clang-format --dry-run --Werror "$f" >/dev/null 2>&1; then
		echo "format: $f differs from .clang-format (run: clang-format -i $f)"
		bad=$((bad + 1))
	fi
done
[ $bad -gt 0 ] && fail=1
echo "format: $(echo "$files" | wc -w) files, $bad need formatting"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
hbad=0
for h in "$@"; do
	inc=${h#*/include/}
	printf '#include "%s"\n#include "%s"\n' "$inc" "$inc" >"$tmp/t.c"
	# shellcheck disable=SC2086
	if ! $cc -std=gnu11 -Wall -Wextra -Werror -D_GNU_SOURCE $incs -fsyntax-only "$tmp/t.c" 2>"$tmp/err"; then
		echo "header: $h does not compile on its own (or twice):"
		sed 's/^/    /' "$tmp/err" | head -10
		hbad=$((hbad + 1))
	fi
done
[ $hbad -gt 0 ] && fail=1
echo "headers: $# checked, $hbad failed"
exit $fail
