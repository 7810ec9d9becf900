#!/usr/bin/env python3
"""Fill costctl's requirements template as another program would (openpyxl).

usage: fill_template.py TEMPLATE.xlsx OUT.xlsx SEED.jsonl EST_ID [--shuffle]
       fill_template.py TEMPLATE.xlsx OUT.xlsx --csv BLOCKS.csv

Reads the estimation's METADATA and REQUIREMENTS items from SEED.jsonl and
writes them under the template's header row (row 2), found by name, below
the example rows, which it leaves in place. --shuffle moves the Compute
columns into reverse order first (columns are found by name, never by
position). --csv takes the rows from a CSV of blocks (a header row of field
names, its rows, a blank line), each into the sheet whose header has them;
numbers are written as numbers.
"""
import csv
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


def number(v):
    try:
        return int(v)
    except ValueError:
        try:
            return float(v)
        except ValueError:
            return v


def from_csv(tmpl, out, path):
    wb = openpyxl.load_workbook(tmpl)
    header = None
    for row in csv.reader(open(path, encoding="utf-8")):
        if not any(row):
            header = None
            continue
        if header is None:
            header = row
            ws = next(w for w in wb.worksheets if header[0] in [c.value for c in w[2]])
            continue
        put(ws, first_free(ws), {k: number(v) for k, v in zip(header, row) if v != ""})
    wb.save(out)


def main():
    if sys.argv[3] == "--csv":
        return from_csv(sys.argv[1], sys.argv[2], sys.argv[4])
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
