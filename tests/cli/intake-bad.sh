# Bad uploads: each refused with the file, sheet and cell named, and
# nothing written (the table has the same items after all of them). A
# crash inside the transaction leaves nothing half-written; the same
# import then succeeds.
. "$(dirname "$0")/lib.inc"
c() { "$COSTCTL" -q --state state "$@"; }
ingest_fixtures && c table init && c table import "$FIXTURES/table/seed.jsonl" || exit
c table export | sort >before.jsonl
try() { # try FILE [ARGS...]: import, print the exit status and the messages
	local f=$1
	shift
	c intake import --owner user123 --at 2026-12-01T03:00:00Z "$@" "$f" >/dev/null 2>err.txt
	echo "== $f: exit $?"
	sed 's/^[^ ]* error intake: //' err.txt
}
printf 'ServerName,CPUCores,RAMGB,OS,Environment\nweb,four,16,Linux,Production\napi,2,8,Windows 95,Prod\n' >types.csv
try types.csv
printf 'DatabaseName,InstanceClass,SizeGB\nmain,db.r5.large,100\n' >nocolumn.csv
try nocolumn.csv
# a cross-field rule of the engine, mapped back to its cell (MinInstances is E2)
printf 'ServerName,CPUCores,RAMGB,OS,MinInstances,MaxInstances\nweb,2,8,Linux,5,2\n' >minmax.csv
try minmax.csv --id est-minmax
: >empty.csv
try empty.csv
c intake template --at 2026-12-01T00:00:00Z blank.xlsx || exit
try blank.xlsx
echo 'this is no workbook' >fake.xlsx
try fake.xlsx
$PY - <<'P' || exit
import zipfile
with zipfile.ZipFile("notabook.xlsx", "w") as z:
    z.writestr("readme.txt", "a zip, but no workbook")
P
try notabook.xlsx
# a zip bomb: 64 MiB of nothing inflating from a few hundred KiB, under an 8 MiB bound
$PY - blank.xlsx bomb.xlsx <<'P' || exit
import sys, zipfile
src, dst = sys.argv[1:3]
with zipfile.ZipFile(src) as a, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as b:
    for info in a.infolist():
        if info.filename == "xl/worksheets/sheet3.xml":
            with b.open(info.filename, "w") as f:
                f.write(b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>')
                blank = b" " * (1 << 20)  # bytes between elements: no rows, no cells, only inflation
                for _ in range(64):
                    f.write(blank)
                f.write(b"</sheetData></worksheet>")
        else:
            b.writestr(info, a.read(info.filename))
P
[ "$(stat -c %s bomb.xlsx)" -lt 1000000 ] && echo "bomb.xlsx is under 1 MB"
COSTCTL_INTAKE_MAX_UNZIPPED_MB=8 try bomb.xlsx
# a file larger than intake.max_file_mb, and a device
head -c 2000000 /dev/zero | tr '\0' 'x' >big.csv
COSTCTL_INTAKE_MAX_FILE_MB=1 try big.csv
try /dev/zero
# 10,000 servers: each row {"ServerName":"srv-00001","CPUCores":2,"RAMGB":8,"OS":"Linux"} is 62 bytes
# of JSON and a comma: 63 x 6502 = 409,626 > 409,600 (DynamoDB's 400 KB), so the 6,502nd server,
# on row 6,503 under the header, is where the item passes the limit
{
	echo 'ServerName,CPUCores,RAMGB,OS'
	for i in $(seq -w 1 10000); do echo "srv-$i,2,8,Linux"; done
} >10k.csv
try 10k.csv
# an owner and an estimation that do not exist
printf 'ServerName,CPUCores,RAMGB\nweb,2,8\n' >ok.csv
c intake import --owner ghost --at 2026-12-01T03:00:00Z ok.csv 2>&1 | sed 's/^[^ ]* error intake: //'
c intake import --estimation est-none --at 2026-12-01T03:00:00Z ok.csv 2>&1 | sed 's/^[^ ]* error intake: //'
c table export | sort | cmp -s before.jsonl - && echo "after all of them: the table is as it was"
ls state/documents 2>/dev/null | wc -l
# killed inside the transaction, after its first two writes (METADATA, REQUIREMENTS): nothing lands
COSTCTL_STORE_KILL_AFTER_WRITE=2 c intake import --owner user123 --id est-crash --at 2026-12-01T03:00:00Z ok.csv \
	>/dev/null 2>&1
echo "killed: exit $?"
c table export | sort | cmp -s before.jsonl - && echo "after the crash: the table is as it was"
c intake import --owner user123 --id est-crash --at 2026-12-01T03:00:00Z ok.csv >/dev/null || exit
c table query estimation est-crash | jq -r .SK
