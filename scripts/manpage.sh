#!/bin/sh
# Writes costctl.1 (roff) from `costctl --help` and each command's --help,
# so the manual page never disagrees with the program.
# Usage: scripts/manpage.sh BUILD/costctl >costctl.1
set -eu
c=$1
v=$("$c" --version | cut -d' ' -f2)
esc() { sed -e 's/\\/\\e/g' -e 's/^\./\\\&./' -e "s/^'/\\\\\\&'/" -e 's/-/\\-/g'; }
printf '.TH COSTCTL 1 "" "costctl %s" "User Commands"\n' "$v"
printf '.SH NAME\ncostctl \\- the batch back end of the AWS Cost Estimation Platform\n'
printf '.SH SYNOPSIS\n.nf\n'
"$c" --help | sed -n '1,/^$/p' | esc
printf '.fi\n.SH DESCRIPTION\n'
printf 'costctl downloads the AWS Price List bulk files, streams them into an exact pricebook,\n'
printf 'and keeps the platform'"'"'s DynamoDB table (or its embedded SQLite copy).\n'
printf 'The architecture, the table, the pricebook format and every limit are documented in the\n'
printf 'docs/ folder of the source tree.\n'
printf '.SH OPTIONS AND SETTINGS\n.nf\n'
"$c" --help | sed '1,/^$/d' | esc
printf '.fi\n'
for cmd in $("$c" --help | sed -n '/^commands:/,/^$/p' | awk 'NR > 1 && NF { print $1 }'); do
	printf '.SH COMMAND: %s\n.nf\n' "$cmd"
	"$c" "$cmd" --help | esc
	printf '.fi\n'
done
printf '.SH EXIT STATUS\n.TP\n0\ndone\n.TP\n1\nusage: bad arguments or configuration\n'
printf '.TP\n2\nfailed, nothing published\n.TP\n3\nfinished, but some items failed\n'
printf '.TP\n4\nanother run holds the lock\n.TP\n75\ntemporary failure (network), retry later\n'
