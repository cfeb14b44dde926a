#!/usr/bin/env python3
"""Derive the Odoo 19 field dumps (fields/19/*.json) from the Odoo 18 dumps.

No raw Odoo 19 `fields_get` dumps were captured, only the machine diff in
Appendix B of ODOO19_JSON2.md ("19 `fields_get` vs Odoo 18 field dumps").
This script applies that diff to fields/18/*.json, so the 19 field set the
double serves is exactly "18 + the captured diff" and can be regenerated:

    python3 make_fields19.py /path/to/ODOO19_JSON2.md

Added fields carry only what the diff states (type, relation, label,
required); readonly=False and store=True are assumptions.
"""
import ast
import json
import pathlib
import re
import sys

HERE = pathlib.Path(__file__).resolve().parent
MODEL_RE = re.compile(r"^## (\S+)\s+\(18: \d+ fields, 19: \d+ fields\)")
ADDED_RE = re.compile(r"^- ADDED `(\w+)` \((\w+)(?: -> ([\w.]+))?, '(.*)'(, required)?\)")
REMOVED_RE = re.compile(r"^- REMOVED `(\w+)`")
CHANGED_RE = re.compile(r"^- CHANGED `(\w+)`: (.*)$")


def parse_diff(markdown):
    """Returns {model: [(kind, field, payload)]} from Appendix B."""
    text = markdown.split("## Appendix B:", 1)[1]
    diff, model = {}, None
    for line in text.splitlines():
        m = MODEL_RE.match(line)
        if m:
            model = m.group(1)
            diff[model] = []
            continue
        if model is None:
            continue
        for kind, rx in (("added", ADDED_RE), ("removed", REMOVED_RE), ("changed", CHANGED_RE)):
            m = rx.match(line)
            if m:
                diff[model].append((kind, m.group(1), m.groups()[1:]))
                break
    return diff


def apply_change(spec, change):
    """Applies one `attr: old -> new` clause list of a CHANGED line."""
    for clause in change.split("; "):
        attr, _, rest = clause.partition(": ")
        if attr == "selection keys":
            removed, added = re.match(r"-(\[.*?\]) \+(\[.*?\])", rest).groups()
            keys = [k for k, _ in spec.get("selection", []) if k not in ast.literal_eval(removed)]
            spec["selection"] = [[k, dict(spec.get("selection", [])).get(k, k.replace("_", " ").title())]
                                 for k in keys + ast.literal_eval(added)]
        elif attr in ("type", "relation", "label", "store", "readonly", "required"):
            new = ast.literal_eval(rest.split(" -> ", 1)[1])
            spec["string" if attr == "label" else attr] = new
        # "selection order changed" carries no value: nothing to apply


def derive(fields18, changes):
    fields19 = {name: dict(spec) for name, spec in fields18.items()}
    for kind, field, payload in changes:
        if kind == "removed":
            fields19.pop(field, None)
        elif kind == "added":
            ftype, relation, label, required = payload
            spec = {"readonly": False, "required": bool(required), "store": True,
                    "string": label, "type": ftype}
            if relation:
                spec["relation"] = relation
            if ftype == "selection":
                spec["selection"] = []
            fields19[field] = spec
        else:
            apply_change(fields19[field], payload[0])
    return fields19


def main():
    facts = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else "/work/shared/odoo/ODOO19_JSON2.md")
    diff = parse_diff(facts.read_text())
    out = HERE / "fields" / "19"
    out.mkdir(parents=True, exist_ok=True)
    for src in sorted((HERE / "fields" / "18").glob("*.json")):
        model = src.stem
        fields19 = derive(json.loads(src.read_text()), diff.get(model, []))
        (out / src.name).write_text(json.dumps(fields19, indent=1) + "\n")
    print(f"wrote {len(list(out.glob('*.json')))} models to {out}")


if __name__ == "__main__":
    main()
