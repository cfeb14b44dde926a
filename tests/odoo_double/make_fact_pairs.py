#!/usr/bin/env python3
"""Extracts the request/response pairs of the Odoo facts into fact_pairs.json.

    python3 make_fact_pairs.py [/path/to/shared/odoo]

Sources (verbatim):
  * ODOO18_API.md, appendices "transcript s_*.txt": `>>> {request}` / `<<< response` lines;
  * errors_jsonrpc.json: the full JSON-RPC error envelopes of ODOO18 §10 / "transcript s_err.txt";
  * ODOO18_API.md "webhook requests received": the bodies the webhook listener got;
  * ODOO19_JSON2.md, Appendix A: raw HTTP request/response captures.

Everything the facts do not contain is added here, in OVERLAY18 / OVERLAY19 / ERROR_REQUESTS, each with
a reason: clock settings (so timestamps match), id counters for ids burnt by activity the transcripts do
not show, setup calls the captures skipped, credentials for redacted keys, and the few response parts
that cannot match (with why).  The test only reads fact_pairs.json.
"""
import json
import pathlib
import re
import sys

HERE = pathlib.Path(__file__).resolve().parent
ADMIN_KEY = "ee6b53d1c0ffee00000000000000000000000042"  # stands in for the redacted 40-hex admin key
NOPROD_KEY = "0a0b0c0d0e0f00000000000000000000000000aa"

ORDER18 = ["s_mrp", "s_mrp2", "s_wc", "s_stock", "s_stock_b", "s_maint", "s_imd", "s_hook"]

# (transcript, step index) -> additions.  "expect_title" guards against the facts shifting.
OVERLAY18 = {
    ("s_mrp", 0): {"clock": "2026-11-22 06:51:30"},
    ("s_mrp", 1): {"ignore": {"[0].move_finished_ids": "Odoo burnt stock.move id 66 recomputing the finished "
                                                       "move during create; the double numbers it 66, not 67"}},
    ("s_mrp", 13): {"clock": "2026-11-22 06:51:40"},
    ("s_mrp", 14): {"clock": "2026-11-22 06:51:41"},
    ("s_mrp", 17): {"clock": "2026-11-22 06:51:43"},
    ("s_mrp", 19): {"clock": "2026-11-22 06:51:45"},
    ("s_mrp2", 0): {"clock": "2026-11-22 06:51:50"},
    ("s_mrp2", 11): {"ids": {"stock.move": 71},
                     "why": "Odoo burnt stock.move ids (66, 70) recomputing finished moves; MO 8's first component is 71"},
    ("s_mrp2", 30): {"ids": {"stock.quant": 73},
                     "why": "quants 66-72 were created by the done MOs 7-10 in a different order in Odoo"},
    ("s_wc", 3): {"clock": "2026-11-22 06:52:15"},
    ("s_wc", 6): {"clock": "2026-11-22 06:52:17"},
    ("s_stock", 5): {"clock": "2026-11-22 06:52:48", "ids": {"stock.move": 80, "stock.move.line": 66, "stock.quant": 75},
                     "why": "the transcripts between s_mrp2 and s_stock created moves/lines/quants not shown"},
    ("s_stock", 11): {"ids": {"stock.location": 38}, "why": "location ids 36-37 belong to the demo data"},
    ("s_stock_b", 2): {"ids": {"stock.picking": 13}, "why": "pickings 1-12 belong to the demo data"},
    ("s_stock_b", 7): {"clock": "2026-11-22 06:52:53"},
    ("s_hook", 4): {"clock": "2026-11-22 06:53:48.077022"},
    ("s_hook", 5): {"clock": "2026-11-22 06:53:49.268113"},
    ("s_hook", 6): {"clock": "2026-11-22 06:53:50.469875"},
    ("s_hook", 9): {"clock": "2026-11-22 06:53:52.793374"},
    ("s_hook", 10): {"clock": "2026-11-22 06:53:52.985563"},
    ("s_hook", 11): {"clock": "2026-11-22 06:53:53"},
}

# errors_jsonrpc.json keys -> the call that produced them (the facts only show the responses).
ERROR_REQUESTS = {
    "(a) bad model name": ["object", "execute_kw", "mfg", 2, "admin", "mrp.productionx", "search_read", [[]], {}],
    "(b) missing required field (create mrp.workcenter.productivity without loss_id)":
        ["object", "execute_kw", "mfg", 2, "admin", "mrp.workcenter.productivity", "create",
         [{"workcenter_id": 1, "description": "no loss"}], {}],
    "(b2) missing required field at ORM level (maintenance.request without name)":
        ["object", "execute_kw", "mfg", 2, "admin", "maintenance.request", "create", [{"equipment_id": 1}], {}],
    "(c) access error: user without manufacturing rights reads mrp.production":
        ["object", "execute_kw", "mfg", 8, "nomfg", "mrp.production", "search_read", [[]], {"fields": ["name"]}],
    "(c2) access error: nomfg creates ir.model.data":
        ["object", "execute_kw", "mfg", 8, "nomfg", "ir.model.data", "create",
         [{"module": "mw", "name": "nomfg_probe", "model": "res.partner", "res_id": 1}], {}],
    "(d) wrong password: common.authenticate": ["common", "authenticate", "mfg", "admin", "wrong", {}],
    "(d2) wrong password: object.execute_kw":
        ["object", "execute_kw", "mfg", 2, "wrong", "mrp.production", "search_count", [[]], {}],
    "(e) UserError from business method (mrp.workcenter.unblock on non-blocked WC)":
        ["object", "execute_kw", "mfg", 2, "admin", "mrp.workcenter", "unblock", [[1]], {}],
    "(f) unknown method": ["object", "execute_kw", "mfg", 2, "admin", "mrp.production", "no_such_method", [[1]], {}],
    "(g) private method": ["object", "execute_kw", "mfg", 2, "admin", "mrp.production", "_set_quantities", [[1]], {}],
    "(h) missing record": ["object", "execute_kw", "mfg", 2, "admin", "mrp.production", "write",
                           [[999999], {"origin": "x"}], {}],
    "(i) bad field in write": ["object", "execute_kw", "mfg", 2, "admin", "mrp.production", "write",
                               [[1], {"no_such_field": 1}], {}],
}

# ODOO19 Appendix A capture number -> additions.
OVERLAY19 = {
    "18": {"key": "expired-key-0000000000000000000000000000",
           "why": "an expired key is answered like an unknown key; the double has no expiry, so any unknown key"},
    "19": {"key": NOPROD_KEY}, "19b": {"key": NOPROD_KEY},
    "26": {"keep_alive_probe": True},
    "26b": {"skip": "checked with 26: the same socket reads b'' after the response"},
    "37": {"ignore_headers": ["Set-Cookie"]},
    "38": {"body_not_compared": "the facts truncate this 19,731-character body"},
    "39": {"skip": "gevent port 8073: the double models the normal port (see --keep-alive)"},
    "39b": {"skip": "gevent port 8073"},
    "E1": {"fault": {"model": "maintenance.request", "method": "create", "error": "SerializationFailure"},
           "http_version_not_compared": "captured on the gevent port (HTTP/1.1); the double models port 8070",
           "why": "Odoo's 5 retries running out under concurrency is injected; the answer shape is the fact"},
    "4.4": {"ids": {"ir.model.data": 28008}, "why": "ir.model.data ids 28003-28007 were burnt between captures"},
    "4.15": {"setup": [
        {"path": "/json/2/mrp.production/create", "body": {"vals_list": [{"product_id": 8, "product_qty": 2, "bom_id": 1}]}},
        {"path": "/json/2/mrp.production/action_confirm", "body": {"ids": [7]}},
        {"path": "/json/2/mrp.production/write", "body": {"ids": [7], "vals": {"qty_producing": 1}}},
        {"path": "/json/2/mrp.production/button_mark_done", "body": {"ids": [7]}},
        {"path": "/json/2/mrp.production.backorder/create", "body": {"vals_list": [{}], "context": {
            "always_backorder_mo_ids": [], "default_mrp_production_ids": [7],
            "default_mrp_production_backorder_line_ids": [[0, 0, {"mrp_production_id": 7, "to_backorder": True}]]}}}],
        "why": "MO 7 (2 to make, 1 produced) and backorder wizard 2 were prepared off-capture"},
    "4.17": {"setup": [
        {"path": "/json/2/mrp.production/create", "body": {"vals_list": [{"product_id": 8, "product_qty": 2, "bom_id": 1}]}},
        {"path": "/json/2/mrp.production/action_confirm", "body": {"ids": [8]}},
        {"path": "/json/2/mrp.production/write", "body": {"ids": [8], "vals": {"qty_producing": 1}}}],
        "why": "MO 8 prepared off-capture"},
    "4.17b": {"setup": [
        {"path": "/json/2/mrp.production/create", "body": {"vals_list": [{"product_id": 8, "product_qty": 2, "bom_id": 1}]}},
        {"path": "/json/2/mrp.production/action_confirm", "body": {"ids": [9]}},
        {"path": "/json/2/mrp.production/write", "body": {"ids": [9], "vals": {"qty_producing": 1}}}],
        "why": "MO 9 prepared off-capture"},
    "4.19": {"setup": [
        {"path": "/json/2/mrp.production/create", "body": {"vals_list": [{"product_id": 8, "product_qty": 1, "bom_id": 1}]}},
        {"path": "/json/2/mrp.production/action_confirm", "body": {"ids": [11]}},
        {"path": "/json/2/mrp.production/write", "body": {"ids": [11], "vals": {"qty_producing": 1}}}],
        "why": "MO 11 prepared off-capture"},
    "4.21": {"clock": "2026-11-22 07:10:32"},
    "4.30": {"ids": {"stock.move": 88}, "why": "stock.move ids up to 87 were used by the MOs and demo data"},
    "4.32": {"setup": [{"path": "/json/2/stock.scrap/create",
                        "body": {"vals_list": [{"product_id": 20, "scrap_qty": 99999.0}]}}],
             "why": "scrap 2 (99999 units) was created off-capture"},
    "4.41": {"ignore": {"[0].webhook_uuid": "a random uuid4"}},
    "4.43": {"webhooks": "A.8"},
    "4.44": {"webhooks": []},
    "4.46": {"ignore": {"[0].url": "web.base.url + the random uuid", "[0].webhook_uuid": "a random uuid4"},
             "save": {"uuid": "[0].webhook_uuid"}},
    "4.47": {"path": "/web/hook/{uuid}", "why": "the uuid is the one the double generated in 4.45"},
    "4.52": {"webhooks": []},
}


def parse18_transcripts(text):
    parts = re.split(r"^# Appendix: transcript (s_\w+)\.txt — (.*)$", text, flags=re.M)
    transcripts = {}
    for i in range(1, len(parts), 3):
        name, title, body = parts[i], parts[i + 1], parts[i + 2]
        steps = []
        for line in body.splitlines():
            if line.startswith("--- "):
                steps.append({"title": line[4:]})
            elif line.startswith(">>> "):
                steps[-1]["request"] = json.loads(line[4:])
            elif line.startswith("<<< "):
                steps[-1]["response"] = json.loads(line[4:])
        transcripts[name] = {"title": title, "steps": steps}
    return transcripts


def parse18_webhooks(text):
    section = text.split("# Appendix: webhook requests received (hook/received.jsonl)", 1)[1]
    return [{"path": e["path"], "body": e["body"]} for e in
            (json.loads(line) for line in section.splitlines() if line.startswith("{"))]


def build18(facts):
    text = (facts / "ODOO18_API.md").read_text()
    transcripts = parse18_transcripts(text)
    sequences = [{
        "name": "basics", "version": 18,
        "ref": "ODOO18_API.md §2 External API basics (verified)",
        "steps": [
            {"title": "common.version", "jsonrpc": {"jsonrpc": "2.0", "method": "call", "id": 1, "params": {
                "service": "common", "method": "version", "args": []}},
             "envelope": {"jsonrpc": "2.0", "id": 1, "result": {"server_version": "18.0", "server_version_info": [
                 18, 0, 0, "final", 0, ""], "server_serie": "18.0", "protocol_version": 1}}},
            {"title": "common.authenticate", "jsonrpc": {"jsonrpc": "2.0", "method": "call", "id": 2, "params": {
                "service": "common", "method": "authenticate", "args": ["mfg", "admin", "admin", {}]}},
             "envelope": {"jsonrpc": "2.0", "id": 2, "result": 2}},
            {"title": "execute_kw search_read (the facts show the first record, then '...')",
             "jsonrpc": {"jsonrpc": "2.0", "method": "call", "id": 5, "params": {
                 "service": "object", "method": "execute_kw", "args": [
                     "mfg", 2, "admin", "mrp.production", "search_read", [[]],
                     {"fields": ["name", "state", "product_id", "product_qty"], "limit": 20}]}},
             "envelope": {"jsonrpc": "2.0", "id": 5, "result": [{"id": 1, "name": "WH/MO/00001", "state": "confirmed",
                                                                  "product_id": [8, "[FURN_7800] Desk Combination"],
                                                                  "product_qty": 3.0}]},
             "match": "prefix"}]}]
    for name in ORDER18:
        transcript = transcripts[name]
        steps = []
        for index, step in enumerate(transcript["steps"]):
            entry = {"ref": f"ODOO18_API.md, transcript {name}.txt, step '{step['title']}'",
                     "title": step["title"], "request": step["request"], "response": step["response"]}
            entry.update(OVERLAY18.get((name, index), {}))
            steps.append(entry)
        sequences.append({"name": name, "version": 18, "steps": steps,
                          "ref": f"ODOO18_API.md, Appendix: transcript {name}.txt — {transcript['title']}"})
    sequences[-1]["webhooks"] = parse18_webhooks(text)
    sequences[-1]["webhooks_ref"] = "ODOO18_API.md, Appendix: webhook requests received (hook/received.jsonl)"
    errors = json.loads((facts / "errors_jsonrpc.json").read_text())
    steps = []
    for title, envelope in errors.items():
        service, method, *args = ERROR_REQUESTS[title]
        steps.append({"ref": f"errors_jsonrpc.json {title}", "title": title, "jsonrpc": {"jsonrpc": "2.0", "method": "call", "id": envelope["id"],
                                                  "params": {"service": service, "method": method, "args": args}},
                      "envelope": envelope, "request_constructed": True})
    sequences.append({"name": "s_err", "version": 18, "steps": steps,
                      "ref": "errors_jsonrpc.json = ODOO18_API.md §10 and Appendix: transcript s_err.txt"})
    sequences.append(xmlnone_sequence())
    return sequences


def xmlnone_sequence():
    """ODOO18 Appendix s_xmlnone.txt is prose; its calls are spelled out here."""
    return {"name": "s_xmlnone", "version": 18,
            "ref": "ODOO18_API.md, Appendix: transcript s_xmlnone.txt — XML-RPC None-return side effect (and §0)",
            "steps": [
                {"title": "WO4 before", "request": {"model": "mrp.workorder", "method": "read", "args": [[4]],
                                                    "kwargs": {"fields": ["state", "time_ids"]}},
                 "response": [{"id": 4, "state": "ready", "time_ids": []}]},
                {"title": "button_start over XML-RPC", "ids": {"mrp.workcenter.productivity": 19},
                 "why": "lines 17-18 were created outside the transcripts",
                 "xmlrpc": ["mfg", 2, "admin", "mrp.workorder", "button_start", [[4]]],
                 "expect_fault": {"faultCode": 1,
                                  "endswith": "TypeError: cannot marshal None unless allow_none is enabled\n"}},
                {"title": "WO4 after (side effect committed despite fault?)",
                 "request": {"model": "mrp.workorder", "method": "read", "args": [[4]],
                             "kwargs": {"fields": ["state", "time_ids"]}},
                 "response": [{"id": 4, "state": "progress", "time_ids": [19]}]},
                {"title": "pause via jsonrpc", "jsonrpc": {"jsonrpc": "2.0", "method": "call", "id": 3, "params": {
                    "service": "object", "method": "execute_kw",
                    "args": ["mfg", 2, "admin", "mrp.workorder", "button_pending", [[4]], {}]}},
                 "envelope": {"jsonrpc": "2.0", "id": 3}}]}


def parse_http(block):
    head, _, body = block.partition("\n\n")
    lines = head.splitlines()
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip()] = value[1:] if value.startswith(" ") else value  # "WWW-Authenticate: Bearer " keeps its space
    return lines[0], headers, body.rstrip("\n")


def parse19_captures(text):
    appendix = text.split("## Appendix A: verbatim request/response pairs", 1)[1].split("## Appendix B", 1)[0]
    captures = []
    for match in re.finditer(r"^#### (\S+?)\.? (.*?)\n\n```http\n(.*?)```\n\n```http\n(.*?)```", appendix, re.S | re.M):
        number, title, request, response = match.groups()
        start, req_headers, req_body = parse_http(request)
        status_line, resp_headers, resp_body = parse_http(response)
        capture = {"ref": f"ODOO19_JSON2.md, Appendix A, capture {number}", "number": number, "title": title}
        if start.startswith("("):  # 26b: "(same socket)"
            capture["raw"] = request.strip() + " / " + response.strip()
            captures.append(capture)
            continue
        method, path, _ = start.split(" ")
        capture["http"] = {"method": method, "path": path,
                           "headers": {k: v for k, v in req_headers.items() if k not in ("Host", "Content-Length")},
                           "body": req_body}
        if status_line.startswith("HTTP/"):
            capture["status"] = int(status_line.split(" ")[1])
            capture["status_line"] = status_line
        capture["response_headers"] = {k: v for k, v in resp_headers.items()
                                       if k not in ("Server", "Date", "Content-Length")}
        capture["response_body"] = resp_body.split("   # NOTE:", 1)[0]
        captures.append(capture)
    return captures


def substitute_keys(capture, key):
    auth = capture["http"]["headers"].get("Authorization")
    if auth:
        scheme, _, value = auth.partition(" ")
        if value.startswith("ee6b53") or value.startswith("<40-hex"):
            capture["http"]["headers"]["Authorization"] = f"{scheme} {key or ADMIN_KEY}"
    body = capture["http"]["body"]
    if "ee6b53…(40 hex chars, redacted)" in body:
        capture["http"]["body"] = body.replace("ee6b53…(40 hex chars, redacted)", ADMIN_KEY)
        capture["http"]["body_substituted"] = "the redacted admin API key"


def build19(facts):
    text = (facts / "ODOO19_JSON2.md").read_text()
    webhook = re.search(r"### A\.8 .*?```\n(.*?)```", text, re.S).group(1)
    a8_body = webhook.strip().splitlines()[-1]
    steps = []
    for capture in parse19_captures(text):
        extra = dict(OVERLAY19.get(capture["number"], {}))
        if "raw" not in capture:
            substitute_keys(capture, extra.pop("key", None))
        if extra.get("webhooks") == "A.8":
            extra["webhooks"] = [{"path": "/hook", "body": a8_body}]
        capture.update(extra)
        steps.append(capture)
    return [{"name": "json2", "version": 19, "steps": steps,
             "ref": "ODOO19_JSON2.md, Appendix A: verbatim request/response pairs (section per step number)",
             "webhooks_ref": "ODOO19_JSON2.md, A.8 Outgoing webhook as received by the local receiver"}]


def main():
    facts = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else "/work/shared/odoo")
    sequences = build18(facts) + build19(facts)
    for sequence in sequences:
        for step in sequence["steps"]:
            step.setdefault("ref", f"{sequence['ref']}: {step['title']}")
    data = {"_comment": __doc__.strip().splitlines()[0] + " Generated by make_fact_pairs.py; do not edit by hand.",
            "admin_key": ADMIN_KEY, "noprod_key": NOPROD_KEY,
            "sequences": sequences}
    out = HERE / "fact_pairs.json"
    out.write_text(json.dumps(data, indent=1, ensure_ascii=False) + "\n")
    count = sum(len(s["steps"]) for s in data["sequences"])
    print(f"wrote {count} steps in {len(data['sequences'])} sequences to {out}")


if __name__ == "__main__":
    main()
