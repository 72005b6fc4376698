#!/bin/sh
# Code is formatted by the checked-in .clang-format (make format fixes it).
cd "$(dirname "$0")/../.."
files=$(git ls-files '*.c' '*.h' 2>/dev/null)
[ -n "$files" ] || files=$(find lib milter spam tests -name '*.[ch]')
if clang-format --dry-run --Werror $files >/dev/null 2>&1; then
	echo "ok - clang-format: every .c/.h file is formatted"
else
	echo "not ok - clang-format: every .c/.h file is formatted"
	clang-format --dry-run $files 2>&1 | grep -o '^[^:]*:[0-9]*' | sort -u | head -10 | sed 's/^/# needs formatting: /'
fi
