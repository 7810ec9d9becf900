#!/usr/bin/env python3
"""Fill costctl's requirements template as another program would (openpyxl).

usage: fill_template.py TEMPLATE.xlsx OUT.xlsx SEED.jsonl EST_ID [--shuffle]

Reads the estimation's METADATA and REQUIREMENTS items from SEED.jsonl and
writes them under the template's header row (row 2), found by name, below
the example rows, which it leaves in place. --shuffle moves the Compute
columns into reverse order first (columns are found by name, never by
position).
"""
import json
import sys

import openpyxl

SECTIONS = {
    "Compute": "ComputeRequirements",
    "Storage": "StorageRequirements",
    "Network": "NetworkRequirements",
    "Database": "DatabaseRequirements",
    "Security": "SecurityRequirements",
}


def first_free(ws):
    row = 3
    while any(ws.cell(row=row, column=c).value not in (None, "") for c in range(1, ws.max_column + 1)):
        row += 1
    return row


def put(ws, row, fields):
    header = {ws.cell(row=2, column=c).value: c for c in range(1, ws.max_column + 1)}
    for name, value in fields.items():
        col = header[name]
        if isinstance(value, list):
            value = ",".join(value)
        ws.cell(row=row, column=col, value=value)


def reverse_columns(ws):
    rows = [[ws.cell(row=r, column=c).value for c in range(1, ws.max_column + 1)]
            for r in range(1, ws.max_row + 1)]
    for r, values in enumerate(rows, start=1):
        for c, v in enumerate(reversed(values), start=1):
            ws.cell(row=r, column=c, value=v)


def main():
    tmpl, out, seed, est = sys.argv[1:5]
    flags = sys.argv[5:]
    items = [json.loads(line) for line in open(seed, encoding="utf-8") if line.strip()]
    meta = next(i for i in items if i["PK"] == "ESTIMATION#" + est and i["SK"] == "METADATA")
    reqs = next(i for i in items if i["PK"] == "ESTIMATION#" + est and i["SK"] == "REQUIREMENTS")
    wb = openpyxl.load_workbook(tmpl)
    if "--shuffle" in flags:
        reverse_columns(wb["Compute"])
    client = dict(meta["ClientInfo"])
    client["ProjectName"] = meta["ProjectName"]
    client["Description"] = meta["Description"]
    put(wb["Client"], first_free(wb["Client"]), client)
    for sheet, key in SECTIONS.items():
        value = reqs.get(key)
        if value is None:
            continue
        ws = wb[sheet]
        for row in value if isinstance(value, list) else [value]:
            put(ws, first_free(ws), row)
    wb.save(out)


if __name__ == "__main__":
    main()
