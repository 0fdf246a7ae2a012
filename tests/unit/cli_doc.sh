#!/usr/bin/env bash
# The README's option table and `vmm --help` name the same options (both come from one
# table in vmm/cli.c only for --help; this keeps the README honest). --help and --version
# need no row.
# usage: cli_doc.sh VMM README
set -euo pipefail
help=$("$1" --help | sed -n 's/^  \(-., \)\{0,1\}--\([a-z-]*\).*/\2/p' | grep -vxE 'help|version' | sort)
readme=$(sed -n 's/^| `--\([a-z-]*\).*/\1/p' "$2" | sort -u)
if [[ "$help" != "$readme" ]]; then
	echo "vmm --help and the README's option table differ:"
	diff <(echo "$help") <(echo "$readme") | sed 's/^</  only in --help:/;s/^>/  only in README:/' | grep only
	exit 1
fi
echo "ok: $(echo "$help" | wc -l) options in both"
