"""Tests of the Odoo test double (tools/odoo_double/odoo_double.py).

FactReplay18 / FactReplay19 replay the request/response pairs of the facts (fact_pairs.json, generated
from /work/shared/odoo by make_fact_pairs.py) and compare the double's answers with them; the other
classes test the double's behaviours the connector relies on: wizard branches, idempotent load, faults,
version differences, domains, write_date polling, the latency/capacity model and connection handling.

Run:  cd tests/odoo_double && python3 -m unittest -v
"""
import http.client
import json
import os
import pathlib
import tempfile
import threading
import time
import unittest
import xmlrpc.client

from harness import (Double, WebhookReceiver, differences, get_path, raw_exchange, HERE)

PAIRS = json.loads((HERE / "fact_pairs.json").read_text())
ADMIN_KEY = PAIRS["admin_key"]


def sequences(version):
    return [s for s in PAIRS["sequences"] if s["version"] == version]


def control_before(double, step):
    """Clock and id counters a step needs (see the `why` next to them in fact_pairs.json)."""
    if step.get("clock"):
        double.clock(step["clock"])
    if step.get("ids"):
        double.set_ids(step["ids"])
    if step.get("fault"):
        double.fault(**step["fault"])


class FactReplay18(unittest.TestCase):
    """ODOO18_API.md transcripts, §2 basics, errors_jsonrpc.json and the webhook log, replayed in order."""

    @classmethod
    def setUpClass(cls):
        cls.hooks = WebhookReceiver()
        cls.double = Double("--start-time", "2026-11-22 06:50:00", version=18, db="mfg", api_key=None,
                            seed=HERE / "seed_facts18.json")

    @classmethod
    def tearDownClass(cls):
        cls.double.stop()
        cls.hooks.close()

    def test_replay_all_transcripts(self):
        checked = 0
        for sequence in sequences(18):
            self.hooks.take()
            for index, step in enumerate(sequence["steps"]):
                with self.subTest(ref=step["ref"], step=index):
                    control_before(self.double, step)
                    problems = self.replay_step(step)
                    self.assertEqual([], problems, f"{sequence['name']} step {index} {step['title']}")
                    checked += 1
            if "webhooks" in sequence:
                with self.subTest(ref=sequence["webhooks_ref"]):
                    received = [{"path": r["path"], "body": r["body"]} for r in self.hooks.take()]
                    self.assertEqual(sequence["webhooks"], received)
        self.assertGreater(checked, 130)

    def replay_step(self, step):
        if "xmlrpc" in step:
            with self.assertRaises(xmlrpc.client.Fault) as caught:
                self.double.xmlrpc("object").execute_kw(*step["xmlrpc"])
            fault = caught.exception
            expected = step["expect_fault"]
            return differences(expected["faultCode"], fault.faultCode) + (
                [] if fault.faultString.endswith(expected["endswith"]) else [f"faultString {fault.faultString!r}"])
        if "jsonrpc" in step:
            envelope = self.double.jsonrpc_envelope(step["jsonrpc"])
            return differences(step["envelope"], envelope, prefix=step.get("match") == "prefix")
        request = json.loads(json.dumps(step["request"]).replace("http://127.0.0.1:9999", self.hooks.url))
        envelope = self.double.execute_kw(request["model"], request["method"], request["args"], request["kwargs"],
                                          uid=2, secret="admin")
        expected = step["response"]
        if isinstance(expected, dict) and "error" in expected:
            return differences(expected["error"], envelope.get("error"))
        if expected is None:  # a method returning None: JSON-RPC answers without `result` (ODOO18 §0)
            return [] if set(envelope) == {"jsonrpc", "id"} else [f"expected no result key, got {envelope}"]
        if "error" in envelope:
            return [f"unexpected error {envelope['error']['data']['name']}: {envelope['error']['data']['message']}"]
        # the listener's port is dynamic; the facts' listener was 127.0.0.1:9999
        result = json.loads(json.dumps(envelope["result"]).replace(self.hooks.url, "http://127.0.0.1:9999"))
        return differences(expected, result, ignore=step.get("ignore", {}))


class FactReplay19(unittest.TestCase):
    """ODOO19_JSON2.md Appendix A: raw HTTP captures (status, headers, body), replayed in order."""

    COMPARED_HEADERS = ("Content-Type", "Connection", "X-Content-Type-Options", "WWW-Authenticate", "Accept")

    @classmethod
    def setUpClass(cls):
        cls.hooks = WebhookReceiver()
        cls.double = Double("--start-time", "2026-11-22 07:08:55", version=19, db="mfg19", api_key=ADMIN_KEY,
                            seed=HERE / "seed_facts19.json")
        cls.saved = {}

    @classmethod
    def tearDownClass(cls):
        cls.double.stop()
        cls.hooks.close()

    def test_replay_all_captures(self):
        (sequence,) = sequences(19)
        checked = 0
        for step in sequence["steps"]:
            if step.get("skip"):
                continue
            with self.subTest(ref=step["ref"], title=step["title"]):
                self.hooks.take()
                control_before(self.double, step)
                for setup in step.get("setup", []):
                    status, body, _ = self.double.json2(*setup["path"].split("/")[3:5], setup["body"])
                    self.assertEqual(200, status, (setup, body))
                problems = self.replay_capture(step)
                self.assertEqual([], problems, f"capture {step['number']} {step['title']}")
                if "webhooks" in step:
                    received = [{"path": r["path"], "body": r["body"]} for r in self.hooks.take()]
                    self.assertEqual(step["webhooks"], received, "webhooks sent after commit (ODOO19 §3.1)")
                checked += 1
        self.assertGreater(checked, 100)

    def request_of(self, step):
        http_req = step["http"]
        path = step.get("path", http_req["path"]).format(**self.saved)
        body = http_req["body"].replace("http://127.0.0.1:8099", self.hooks.url).encode()
        headers = dict(http_req["headers"])
        if body or http_req["method"] == "POST":
            headers["Content-Length"] = str(len(body))
        return http_req["method"], path, body, headers

    def replay_capture(self, step):
        method, path, body, headers = self.request_of(step)
        if step.get("keep_alive_probe"):
            return self.keep_alive_probe(method, path, body, headers, step)
        status, resp_headers, payload, version = self.double.http(method, path, body or None, headers)
        problems = differences(step["status"], status, path="status")
        if not step.get("http_version_not_compared"):
            problems += differences(step["status_line"].split(" ")[0], f"HTTP/{version // 10}.{version % 10}",
                                    path="http version")
        for name in self.COMPARED_HEADERS:
            if name in step["response_headers"] and name not in step.get("ignore_headers", []):
                problems += differences(step["response_headers"][name], resp_headers.get(name), path=name)
        if step.get("body_not_compared"):
            return problems
        # the listener's port is dynamic; the facts' listener was 127.0.0.1:8099
        text = payload.decode().replace(self.hooks.url, "http://127.0.0.1:8099")
        problems += self.compare_body(step, resp_headers.get("Content-Type", ""), text)
        if "save" in step:
            actual = json.loads(payload)
            self.saved.update({name: get_path(actual, p) for name, p in step["save"].items()})
        return problems

    def compare_body(self, step, content_type, text):
        expected = step["response_body"]
        if content_type.startswith("application/json"):
            return differences(json.loads(expected), json.loads(text), ignore=step.get("ignore", {}))
        if content_type.startswith("text/xml"):
            return differences(xmlrpc_value(expected), xmlrpc_value(text))
        return differences(expected.strip(), text.strip(), path="body")

    def keep_alive_probe(self, method, path, body, headers, step):
        """Capture 26/26b: a keep-alive request gets Connection: close, the next read on the socket is b''."""
        head = f"{method} {path} HTTP/1.1\r\nHost: x\r\n" + "".join(f"{k}: {v}\r\n" for k, v in headers.items())
        request = head.encode() + b"\r\n" + body
        first, after = raw_exchange(self.double.host, self.double.port, request, second=request)
        problems = [] if first.startswith(b"HTTP/1.0 200 OK") else [f"status line {first[:40]!r}"]
        problems += [] if b"\r\nConnection: close\r\n" in first else ["no Connection: close"]
        problems += [] if first.endswith(step["response_body"].encode()) else [f"body {first[-20:]!r}"]
        return problems + ([] if after == b"" else [f"second request on the socket answered {after[:40]!r}"])


def xmlrpc_value(text):
    try:
        return xmlrpc.client.loads(text.encode())[0]
    except xmlrpc.client.Fault as fault:
        return {"faultCode": fault.faultCode, "faultString": fault.faultString}


# ----------------------------------------------------------------------------
# Behaviour tests on the example seed (tools/odoo_double/seed_example.json)
# ----------------------------------------------------------------------------

class DoubleCase(unittest.TestCase):
    """One double per class, reset to its seed before every test."""

    VERSION = 18
    ARGS = ()

    @classmethod
    def setUpClass(cls):
        cls.double = Double(*cls.ARGS, "--start-time", "2026-11-23 09:00:00", version=cls.VERSION)

    @classmethod
    def tearDownClass(cls):
        cls.double.stop()

    def setUp(self):
        self.double.reset()

    def call(self, model, method, args, kwargs=None, **auth):
        return self.double.call(model, method, args, kwargs, **auth)

    def read1(self, model, rid, fields):
        (row,) = self.call(model, "read", [[rid], fields])
        return row


class Protocol18(DoubleCase):
    def test_every_response_closes_the_connection(self):
        """ODOO18 §0/§11: HTTP/1.0 + Connection: close; a second request on the socket reads nothing."""
        body = b'{"jsonrpc":"2.0","method":"call","id":1,"params":{"service":"common","method":"version","args":[]}}'
        request = (b"POST /jsonrpc HTTP/1.1\r\nHost: x\r\nConnection: keep-alive\r\nContent-Type: application/json\r\n"
                   b"Content-Length: " + str(len(body)).encode() + b"\r\n\r\n" + body)
        before = self.double.counters()["connections"]
        first, second = raw_exchange(self.double.host, self.double.port, request, second=request)
        self.assertTrue(first.startswith(b"HTTP/1.0 200 OK\r\n"), first[:60])
        self.assertIn(b"\r\nConnection: close\r\n", first)
        self.assertEqual(b"", second)
        self.call("res.partner", "search_count", [[]])
        self.assertEqual(before + 2, self.double.counters()["connections"])

    def test_json2_does_not_exist_in_18(self):
        """ODOO18 §0: /json/2/... falls into /json/<path> (auth=user) and answers 303 -> /web/login."""
        status, headers, _, _ = self.double.http("POST", "/json/2/res.partner/search", b'{"domain": []}',
                                                 {"Content-Type": "application/json", "Authorization": "bearer k1"})
        self.assertEqual(303, status)
        self.assertEqual("/web/login", headers["Location"])

    def test_none_result_has_no_result_key_and_create_forms(self):
        line = self.call("mrp.workcenter.productivity", "create", [{"workcenter_id": 1, "loss_id": 2}])
        self.assertIsInstance(line, int)  # create({...}) -> id
        envelope = self.double.execute_kw("mrp.workcenter.productivity", "button_block", [[line]])
        self.assertEqual({"jsonrpc", "id"}, set(envelope))
        ids = self.call("stock.lot", "create", [[{"name": "L-1", "product_id": 1}, {"name": "L-2", "product_id": 1}]])
        self.assertEqual(2, len(ids))  # create([{...}, {...}]) -> ids

    def test_xmlrpc_fault_codes(self):
        """ODOO18 §10: faultCode 2 UserError family, 3 AccessDenied, 4 AccessError, 1 anything else."""
        proxy = self.double.xmlrpc("object")
        cases = [(2, ("odoo", 2, "k1", "mrp.workcenter", "unblock", [[1]])),
                 (3, ("odoo", 2, "wrong", "mrp.workcenter", "read", [[1]])),
                 (4, ("odoo", 3, "viewer", "mrp.production", "search", [[]])),
                 (1, ("odoo", 2, "k1", "mrp.workcenter.productivity", "button_block", [[1]]))]
        for code, args in cases:
            with self.subTest(code=code), self.assertRaises(xmlrpc.client.Fault) as caught:
                proxy.execute_kw(*args)
            self.assertEqual(code, caught.exception.faultCode)
        self.assertFalse(self.double.xmlrpc("common").authenticate("odoo", "admin", "wrong", {}))

    def test_integration_user_can_check_its_groups(self):
        self.assertTrue(self.call("res.users", "has_group", [[2], "mrp.group_mrp_user"]))
        self.assertFalse(self.call("res.users", "has_group", [[3], "mrp.group_mrp_user"]))
        self.assertTrue(self.call("mrp.production", "check_access_rights", ["write"]))
        self.assertFalse(self.call("mrp.production", "check_access_rights", ["read", False], uid=3, secret="viewer"))

    def test_message_post_on_order_and_lot(self):
        mid = self.call("mrp.production", "message_post", [[1]], {"body": "scrap <2> by plantbridge\ncorr=abc",
                                                                   "message_type": "comment"})
        self.assertIsInstance(mid, int)
        self.assertEqual([mid], self.read1("mrp.production", 1, ["message_ids"])["message_ids"])
        msg = self.read1("mail.message", mid, ["model", "res_id", "body"])
        self.assertEqual(("mrp.production", 1, "<p>scrap &lt;2&gt; by plantbridge<br>corr=abc</p>"),
                         (msg["model"], msg["res_id"], msg["body"]))
        self.assertIsInstance(self.call("stock.lot", "message_post", [[1]], {"body": "quarantined"}), int)


class ProcessControl(unittest.TestCase):
    def test_sigterm_exits_cleanly(self):
        double = Double()
        self.assertEqual(0, double.stop())

    def test_api_key_file_is_reread_for_rotation(self):
        with tempfile.TemporaryDirectory() as tmp:
            key_file = pathlib.Path(tmp) / "key"
            key_file.write_text("old-key\n")
            double = Double("--api-key-file", str(key_file), api_key=None)
            try:
                self.assertEqual(2, double.jsonrpc("common", "authenticate", "odoo", "admin", "old-key", {})["result"])
                key_file.write_text("new-key\n")
                os.utime(key_file, ns=(time.time_ns(), time.time_ns() + 1_000_000))
                self.assertFalse(double.jsonrpc("common", "authenticate", "odoo", "admin", "old-key", {})["result"])
                self.assertEqual(2, double.jsonrpc("common", "authenticate", "odoo", "admin", "new-key", {})["result"])
            finally:
                double.stop()

    def test_keep_alive_flag_keeps_the_connection(self):
        """Behind a proxy the connection is kept (HTTP/1.1, no Connection: close)."""
        double = Double("--keep-alive")
        try:
            conn = http.client.HTTPConnection(double.host, double.port)
            for _ in range(3):
                conn.request("POST", "/jsonrpc", json.dumps({"jsonrpc": "2.0", "method": "call", "id": 1, "params": {
                    "service": "common", "method": "version", "args": []}}), {"Content-Type": "application/json"})
                resp = conn.getresponse()
                resp.read()
                self.assertEqual(11, resp.version)
                self.assertIsNone(resp.getheader("Connection"))
            conn.close()
            self.assertEqual(1, double.counters()["connections"])
        finally:
            double.stop()

    def test_reset_restores_the_seed(self):
        double = Double()
        try:
            double.call("mrp.production", "write", [[1], {"origin": "changed"}])
            double.reset()
            self.assertEqual("ERP-ORDER-1001", double.records("mrp.production")[1]["origin"])
            self.assertEqual(0, double.counters()["calls_total"])
        finally:
            double.stop()


class MarkDoneWizards(DoubleCase):
    """button_mark_done and each answer it can give (ODOO18 §3.6-3.9, ODOO19 A.4)."""

    def produce(self, mo, qty):
        self.call("mrp.production", "write", [[mo], {"qty_producing": qty}])
        self.call("mrp.production", "set_qty_producing", [[mo]])

    def test_backorder_wizard_with_backorder(self):
        self.produce(2, 2)
        action = self.call("mrp.production", "button_mark_done", [[2]])
        self.assertEqual(("mrp.production.backorder", "new"), (action["res_model"], action["target"]))
        wizard = self.call("mrp.production.backorder", "create", [{}], {"context": action["context"]})
        result = self.call("mrp.production.backorder", "action_backorder", [[wizard]], {"context": action["context"]})
        backorder = result["res_id"]
        rows = self.call("mrp.production", "read", [[2, backorder], ["name", "state", "product_qty", "qty_produced"]])
        self.assertEqual([{"id": 2, "name": "WH/MO/00002-001", "state": "done", "product_qty": 2.0, "qty_produced": 2.0},
                          {"id": backorder, "name": "WH/MO/00002-002", "state": "confirmed", "product_qty": 3.0,
                           "qty_produced": 0.0}], rows)
        quants = self.call("stock.quant", "search_read", [[["lot_id", "=", 2], ["location_id", "=", 6]]],
                           {"fields": ["quantity"]})
        self.assertEqual(7.0, quants[0]["quantity"])  # 5 in stock + 2 produced into lot W-0002

    def test_backorder_wizard_close_without_backorder(self):
        self.produce(2, 2)
        action = self.call("mrp.production", "button_mark_done", [[2]])
        wizard = self.call("mrp.production.backorder", "create", [{}], {"context": action["context"]})
        self.assertTrue(self.call("mrp.production.backorder", "action_close_mo", [[wizard]]))
        self.assertEqual({"state": "done", "product_qty": 5.0, "qty_produced": 2.0},
                         {k: v for k, v in self.read1("mrp.production", 2, ["state", "product_qty", "qty_produced"]).items()
                          if k != "id"})
        self.assertEqual(2, self.call("mrp.production", "search_count", [[]]))

    def test_context_shortcuts_skip_the_wizard(self):
        self.produce(2, 2)
        self.assertTrue(self.call("mrp.production", "button_mark_done", [[2]], {"context": {"skip_backorder": True}}))
        self.assertEqual(2, self.call("mrp.production", "search_count", [[]]))
        self.produce(1, 4)
        action = self.call("mrp.production", "button_mark_done", [[1]],
                           {"context": {"skip_backorder": True, "mo_ids_to_backorder": [1]}})
        self.assertEqual({"skip_backorder": False, "mo_ids_to_backorder": None}, action["context"])
        self.assertEqual(6.0, self.read1("mrp.production", action["res_id"], ["product_qty"])["product_qty"])

    def test_consumption_warning_then_confirm(self):
        self.call("mrp.production", "write", [[1], {"qty_producing": 10}])
        self.call("stock.move", "write", [[1], {"quantity": 12, "picked": True}])  # housings over-consumed
        action = self.call("mrp.production", "button_mark_done", [[1]])
        self.assertEqual("mrp.consumption.warning", action["res_model"])
        lines = [line[2] for line in action["context"]["default_mrp_consumption_warning_line_ids"]]
        self.assertEqual([(2, 12.0, 10.0), (3, 0.0, 40.0)],
                         [(l["product_id"], l["product_consumed_qty_uom"], l["product_expected_qty_uom"]) for l in lines])
        wizard = self.call("mrp.consumption.warning", "create", [{}], {"context": action["context"]})
        self.assertTrue(self.call("mrp.consumption.warning", "action_confirm", [[wizard]], {"context": action["context"]}))
        self.assertEqual("done", self.read1("mrp.production", 1, ["state"])["state"])
        moves = self.call("stock.move", "read", [[1, 2], ["state", "quantity"]])
        self.assertEqual([("done", 12.0), ("cancel", 0.0)], [(m["state"], m["quantity"]) for m in moves])

    def test_consumption_warning_set_quantities(self):
        self.call("mrp.production", "write", [[1], {"qty_producing": 10}])
        self.call("stock.move", "write", [[1], {"quantity": 12, "picked": True}])
        action = self.call("mrp.production", "button_mark_done", [[1]])
        wizard = self.call("mrp.consumption.warning", "create", [{}], {"context": action["context"]})
        self.assertTrue(self.call("mrp.consumption.warning", "action_set_qty", [[wizard]]))
        moves = self.call("stock.move", "read", [[1, 2], ["state", "quantity"]])
        self.assertEqual([("done", 10.0), ("done", 40.0)], [(m["state"], m["quantity"]) for m in moves])

    def test_skip_consumption_context(self):
        self.call("mrp.production", "write", [[1], {"qty_producing": 10}])
        self.call("stock.move", "write", [[1], {"quantity": 12, "picked": True}])
        self.assertTrue(self.call("mrp.production", "button_mark_done", [[1]], {"context": {"skip_consumption": True}}))

    def test_auto_path_produces_all_and_generates_a_lot(self):
        """ODOO18 §3.8: qty_producing 0 with reserved components -> true directly, full quantity, lot generated."""
        self.assertTrue(self.call("mrp.production", "button_mark_done", [[1]]))
        row = self.read1("mrp.production", 1, ["state", "qty_producing", "qty_produced", "lot_producing_id"])
        self.assertEqual(("done", 10.0, 10.0), (row["state"], row["qty_producing"], row["qty_produced"]))
        self.assertEqual("0000001", row["lot_producing_id"][1])
        self.assertTrue(self.call("mrp.production", "button_mark_done", [[1]]), "done MO: true again (§3.9)")

    def test_serial_product_without_quantity_gets_the_batch_produce_wizard(self):
        """ODOO18 §3.9: qty_producing 0 and no auto production -> the mrp.batch.produce action."""
        serial = self.call("product.product", "create", [{"name": "Gizmo", "tracking": "serial"}])
        self.call("mrp.bom", "create", [{"product_id": serial, "product_qty": 1}])
        mo = self.call("mrp.production", "create", [{"product_id": serial, "product_qty": 3}])
        self.call("mrp.production", "action_confirm", [[mo]])
        action = self.call("mrp.production", "button_mark_done", [[mo]])
        self.assertEqual(("mrp.batch.produce", {"default_production_id": mo}), (action["res_model"], action["context"]))

    def test_running_work_order_blocks_mark_done(self):
        self.call("mrp.workorder", "button_start", [[4]])
        self.produce(2, 5)
        error = self.double.error("mrp.production", "button_mark_done", [[2]])
        self.assertEqual("odoo.exceptions.UserError", error["name"])

    def test_work_order_timer_and_finish(self):
        self.double.clock("2026-11-23 09:00:00")
        self.call("mrp.workorder", "button_start", [[1]])
        row = self.read1("mrp.workorder", 1, ["state", "working_state", "is_user_working"])
        self.assertEqual(("progress", "done", True), (row["state"], row["working_state"], row["is_user_working"]))
        self.assertEqual("progress", self.read1("mrp.production", 1, ["state"])["state"])
        self.double.clock("2026-11-23 09:06:00")
        self.assertIsNone(self.double.execute_kw("mrp.workorder", "button_pending", [[1]]).get("result"))
        self.assertEqual(6.0, self.read1("mrp.workorder", 1, ["duration"])["duration"])
        self.assertTrue(self.call("mrp.workorder", "button_finish", [[1]]))
        self.assertEqual(("done", "ready"), tuple(self.read1("mrp.workorder", i, ["state"])["state"] for i in (1, 2)))


class DowntimeScrapQuarantineMaintenance(DoubleCase):
    def test_downtime_blocks_and_unblock_closes(self):
        self.double.clock("2026-11-23 10:00:00")  # a Monday: availability losses count working hours
        line = self.call("mrp.workcenter.productivity", "create", [{"workcenter_id": 1, "loss_id": 2}])
        self.assertIsNone(self.double.execute_kw("mrp.workcenter.productivity", "button_block", [[line]]).get("result"))
        self.assertEqual("blocked", self.read1("mrp.workcenter", 1, ["working_state"])["working_state"])
        self.assertEqual("odoo.exceptions.UserError", self.double.error("mrp.workorder", "button_start", [[2]])["name"])
        self.double.clock("2026-11-23 12:30:00")
        self.assertTrue(self.call("mrp.workcenter", "unblock", [[1]]))
        row = self.read1("mrp.workcenter.productivity", line, ["date_end", "duration", "loss_type"])
        self.assertEqual(("2026-11-23 12:30:00", 120.0, "availability"), (row["date_end"], row["duration"], row["loss_type"]))
        self.assertEqual("It has already been unblocked.", self.double.error("mrp.workcenter", "unblock", [[1]])["message"])

    def test_backfilled_interval_on_a_sunday_counts_zero_for_availability(self):
        """ODOO18 §5 gotcha: a 45-minute availability stop backfilled on Sunday gets duration 0.0."""
        args = {"workcenter_id": 1, "date_start": "2026-11-22 04:52:17", "date_end": "2026-11-22 05:37:17"}
        availability = self.call("mrp.workcenter.productivity", "create", [{**args, "loss_id": 1}])
        performance = self.call("mrp.workcenter.productivity", "create", [{**args, "loss_id": 4}])
        durations = self.call("mrp.workcenter.productivity", "read", [[availability, performance], ["duration"]])
        self.assertEqual([0.0, 45.0], [d["duration"] for d in durations])

    def test_scrap_validate_and_insufficient_quantity(self):
        scrap = self.call("stock.scrap", "create", [{"product_id": 1, "lot_id": 1, "scrap_qty": 3, "origin": "evt-9"}])
        self.assertTrue(self.call("stock.scrap", "action_validate", [[scrap]]))
        row = self.read1("stock.scrap", scrap, ["name", "state"])
        self.assertEqual(("SP/00001", "done"), (row["name"], row["state"]))
        big = self.call("stock.scrap", "create", [{"product_id": 1, "lot_id": 1, "scrap_qty": 50}])
        action = self.call("stock.scrap", "action_validate", [[big]])
        self.assertEqual("stock.warn.insufficient.qty.scrap", action["res_model"])
        self.assertEqual(50.0, action["context"]["default_quantity"])
        wizard = self.call("stock.warn.insufficient.qty.scrap", "create", [{}], {"context": action["context"]})
        self.assertTrue(self.call("stock.warn.insufficient.qty.scrap", "action_done", [[wizard]]))
        self.assertEqual("done", self.read1("stock.scrap", big, ["state"])["state"])

    def test_quarantine_by_relocation_and_by_internal_picking(self):
        wizard = self.call("stock.quant.relocate", "create", [{"quant_ids": [[6, 0, [4]]], "dest_location_id": 7,
                                                               "message": "QA hold evt-1"}])
        self.assertEqual("Locations", self.call("stock.quant.relocate", "action_relocate_quants", [[wizard]])["name"])
        picking = self.call("stock.picking", "create", [{"picking_type_id": 2, "location_id": 6, "location_dest_id": 7,
                                                         "origin": "evt-2", "move_ids": [[0, 0, {
                                                             "name": "QA hold", "product_id": 1, "product_uom_qty": 2,
                                                             "location_id": 6, "location_dest_id": 7}]]}])
        self.call("stock.picking", "action_confirm", [[picking]])
        self.call("stock.picking", "action_assign", [[picking]])
        (line,) = self.call("stock.move.line", "search_read", [[["picking_id", "=", picking]]], {"fields": ["lot_id"]})
        self.assertEqual("W-0001", line["lot_id"][1])  # FIFO
        self.call("stock.move.line", "write", [[line["id"]], {"lot_id": 1, "quantity": 2, "picked": True}])
        self.assertTrue(self.call("stock.picking", "button_validate", [[picking]]))
        quants = self.call("stock.quant", "search_read", [[["location_id", "=", 7]]], {"fields": ["lot_id", "quantity"]})
        self.assertEqual({("W-0002", 5.0), ("W-0001", 2.0)}, {(q["lot_id"][1], q["quantity"]) for q in quants})

    def test_maintenance_request_stages_and_recurrence(self):
        rid = self.call("maintenance.request", "create", [{"name": "Oil", "equipment_id": 1, "maintenance_type": "preventive",
                                                           "schedule_date": "2026-12-01 07:00:00", "recurring_maintenance": True,
                                                           "repeat_interval": 1, "repeat_unit": "month",
                                                           "repeat_type": "forever"}])
        row = self.read1("maintenance.request", rid, ["stage_id", "maintenance_team_id", "kanban_state", "done"])
        self.assertEqual(([1, "New Request"], [1, "Internal Maintenance"], "normal", False),
                         (row["stage_id"], row["maintenance_team_id"], row["kanban_state"], row["done"]))
        self.call("maintenance.request", "write", [[rid], {"stage_id": 3}])
        self.assertEqual(("2026-11-23", True), tuple(self.read1("maintenance.request", rid, ["close_date", "done"]).values())[1:])
        nxt = self.call("maintenance.request", "search_read", [[["id", ">", rid]]], {"fields": ["schedule_date", "stage_id"]})
        self.assertEqual([("2027-01-01 07:00:00", 1)], [(r["schedule_date"], r["stage_id"][0]) for r in nxt])


class LoadWithExternalIds(DoubleCase):
    """ODOO18 §8 / ODOO19 25-25d, 33: load() is an idempotent upsert on external ids."""

    ROW = ["id", "name", "maintenance_type", "equipment_id/id"]

    def test_same_external_id_updates_instead_of_duplicating(self):
        first = self.call("maintenance.request", "load", [self.ROW, [["plantbridge.evt_1", "Jam #1", "corrective",
                                                                       "plantbridge.eq_press"]]])
        second = self.call("maintenance.request", "load", [["id", "name"], [["plantbridge.evt_1", "Jam #2"]]])
        self.assertEqual({"ids": first["ids"], "messages": [], "nextrow": 0}, second)
        self.assertEqual(1, self.call("maintenance.request", "search_count", [[]]))
        self.assertEqual("Jam #2", self.read1("maintenance.request", first["ids"][0], ["name"])["name"])
        imd = self.call("ir.model.data", "search_read", [[["module", "=", "plantbridge"], ["name", "=", "evt_1"]]],
                        {"fields": ["model", "res_id"]})
        self.assertEqual([("maintenance.request", first["ids"][0])], [(r["model"], r["res_id"]) for r in imd])

    def test_row_error_writes_nothing_and_bad_column_raises(self):
        result = self.call("maintenance.request", "load", [["id", "name", "maintenance_type"],
                                                           [["plantbridge.evt_2", "x", "not-a-type"]]])
        self.assertEqual((False, "Value 'not-a-type' not found in selection field 'Maintenance Type'"),
                         (result["ids"], result["messages"][0]["message"]))
        self.assertEqual(0, self.call("maintenance.request", "search_count", [[]]))
        error = self.double.error("maintenance.request", "load", [["id", "no_such_field"], [["plantbridge.e3", "x"]]])
        self.assertEqual(("builtins.ValueError", "Invalid field name 'no_such_field'"), (error["name"], error["message"]))

    def test_load_needs_no_ir_model_data_rights(self):
        """A plain internal user may not create ir.model.data (§8), but load() writes external ids as superuser."""
        viewer = {"uid": 3, "secret": "viewer"}
        error = self.double.error("ir.model.data", "create", [{"module": "x", "name": "y", "model": "res.partner",
                                                                "res_id": 1}], **viewer)
        self.assertEqual("odoo.exceptions.AccessError", error["name"])
        result = self.call("maintenance.request", "load", [["id", "name"], [["plantbridge.evt_4", "by viewer"]]], **viewer)
        self.assertEqual(1, len(result["ids"]))

    def test_commit_then_drop_then_retry_finds_the_first_write(self):
        """Exactly once: the write lands, the answer is lost, the retry with the same external id upserts."""
        self.double.fault(model="mrp.workcenter.productivity", method="load", drop="after_commit")
        args = [["id", "workcenter_id/id", "loss_id/.id", "description"],
                [["plantbridge.dt_77", "plantbridge.wc_assembly_1", 2, "jam"]]]
        with self.assertRaises((http.client.RemoteDisconnected, ConnectionError)):
            self.double.execute_kw("mrp.workcenter.productivity", "load", args)
        self.assertEqual(2, self.call("mrp.workcenter.productivity", "search_count", [[]]), "the write landed")
        retry = self.call("mrp.workcenter.productivity", "load", args)
        self.assertEqual(2, self.call("mrp.workcenter.productivity", "search_count", [[]]), "no second record")
        self.assertEqual(1, len(retry["ids"]))


class Faults(DoubleCase):
    """/__double/faults: Odoo errors by data.name, HTTP statuses, delays, dropped connections."""

    def test_injected_error_has_odoo_shape_and_writes_nothing(self):
        self.double.fault(model="mrp.production", method="write", error="SerializationFailure")
        error = self.double.error("mrp.production", "write", [[1], {"origin": "x"}])
        self.assertEqual(("psycopg2.errors.SerializationFailure", "could not serialize access due to concurrent update\n",
                          ["could not serialize access due to concurrent update\n"], {}),
                         (error["name"], error["message"], error["arguments"], error["context"]))
        self.assertEqual("ERP-ORDER-1001", self.read1("mrp.production", 1, ["origin"])["origin"])
        self.assertTrue(self.call("mrp.production", "write", [[1], {"origin": "x"}]), "the fault was for one call")

    def test_count_and_matching(self):
        self.double.fault(model="mrp.production", method="write", error="UserError", message="locked", count=2)
        self.assertTrue(self.call("mrp.production", "read", [[1], ["name"]]), "other methods are not affected")
        self.assertTrue(self.call("mrp.workorder", "write", [[1], {"sequence": 3}]), "other models are not affected")
        for _ in range(2):
            self.assertEqual("locked", self.double.error("mrp.production", "write", [[1], {"origin": "x"}])["message"])
        self.assertTrue(self.call("mrp.production", "write", [[1], {"origin": "x"}]))
        self.assertEqual(2, self.double.counters()["faults_fired"])

    def test_http_statuses_from_a_proxy(self):
        self.double.fault(http_status=503)
        self.double.fault(http_status=429, retry_after=7)
        request = {"jsonrpc": "2.0", "method": "call", "id": 1, "params": {"service": "object", "method": "execute_kw",
                   "args": ["odoo", 2, "k1", "res.partner", "search_count", [[]]]}}
        status, headers, _, _ = self.double.http("POST", "/jsonrpc", request, {"Content-Type": "application/json"})
        self.assertEqual(503, status)
        status, headers, _, _ = self.double.http("POST", "/jsonrpc", request, {"Content-Type": "application/json"})
        self.assertEqual((429, "7"), (status, headers.get("Retry-After")))

    def test_delay_is_a_lower_bound_on_latency(self):
        self.double.fault(model="res.partner", delay_ms=300)
        started = time.monotonic()
        self.call("res.partner", "search_count", [[]])
        self.assertGreaterEqual(time.monotonic() - started, 0.3)

    def test_drop_before_loses_the_call(self):
        self.double.fault(model="stock.lot", method="create", drop="before")
        with self.assertRaises((http.client.RemoteDisconnected, ConnectionError)):
            self.double.execute_kw("stock.lot", "create", [{"name": "LOST", "product_id": 1}])
        self.assertEqual(0, self.call("stock.lot", "search_count", [[["name", "=", "LOST"]]]))

    def test_drop_after_commit_keeps_the_write(self):
        self.double.fault(model="stock.lot", method="create", drop="after_commit")
        with self.assertRaises((http.client.RemoteDisconnected, ConnectionError)):
            self.double.execute_kw("stock.lot", "create", [{"name": "KEPT", "product_id": 1}])
        self.assertEqual(1, self.call("stock.lot", "search_count", [[["name", "=", "KEPT"]]]))
        self.assertEqual(1, self.double.counters()["dropped"])

    def test_error_after_the_work_rolls_back_but_18_already_posted_the_webhook(self):
        """ODOO18 §9: webhooks go out inside the transaction, so a rolled-back change can be announced."""
        hooks = WebhookReceiver()
        try:
            self.install_webhook_rule(hooks.url)
            self.double.fault(model="mrp.production", method="action_confirm", error="ValidationError", after=True)
            error = self.double.error("mrp.production", "action_confirm", [[self.draft_mo()]])
            self.assertEqual("odoo.exceptions.ValidationError", error["name"])
            bodies = [json.loads(r["body"]) for r in hooks.take()]
            self.assertIn("confirmed", [b["state"] for b in bodies])
            mo = max(self.double.records("mrp.production"))
            self.assertEqual("draft", self.read1("mrp.production", mo, ["state"])["state"])
        finally:
            hooks.close()

    def draft_mo(self):
        return self.call("mrp.production", "create", [{"product_id": 1, "product_qty": 1}])

    def install_webhook_rule(self, url):
        model = self.call("ir.model", "search", [[["model", "=", "mrp.production"]]])[0]
        state = self.call("ir.model.fields", "search", [[["model", "=", "mrp.production"], ["name", "=", "state"]]])
        fields = self.call("ir.model.fields", "search", [[["model", "=", "mrp.production"],
                                                           ["name", "in", ["name", "state", "write_date"]]]])
        return self.call("base.automation", "create", [{
            "name": "MO state -> plantbridge", "model_id": model, "trigger": "on_create_or_write",
            "trigger_field_ids": [[6, 0, state]], "action_server_ids": [[0, 0, {
                "name": "POST", "state": "webhook", "model_id": model, "webhook_url": url + "/hook",
                "webhook_field_ids": [[6, 0, fields]]}]]}])


class Version19(DoubleCase):
    """Odoo 19 differences, all handled by the double's Flavor (ODOO19 §1, §4)."""

    VERSION = 19

    def json2(self, model, method, body=None, **kw):
        return self.double.json2(model, method, body, **kw)

    def test_methods_returning_none_answer_null(self):
        for model, method, body in [("mrp.production", "set_qty_producing", {"ids": [2]}),
                                    ("mrp.workcenter.productivity", "button_block", {"ids": [1]}),
                                    ("maintenance.equipment", "action_archive", {"ids": [2]})]:
            with self.subTest(method=method):
                status, _, payload, _ = self.double.http("POST", f"/json/2/{model}/{method}", json.dumps(body).encode(),
                                                         {"Content-Type": "application/json", "Authorization": "bearer k1"})
                self.assertEqual((200, b"null"), (status, payload))

    def test_error_statuses_per_exception_class(self):
        expected = {"UserError": 422, "ValidationError": 422, "AccessError": 403, "AccessDenied": 403,
                    "MissingError": 404, "LockError": 409, "SerializationFailure": 500, "ValueError": 500}
        for name, code in expected.items():
            with self.subTest(name=name):
                self.double.fault(model="res.partner", method="search_count", error=name)
                status, body, _ = self.json2("res.partner", "search_count", {"domain": []})
                self.assertEqual(code, status)
                self.assertEqual(["name", "message", "arguments", "context", "debug"], list(body))
                self.assertTrue(body["name"].endswith(name))

    def test_renamed_fields_and_states(self):
        status, rows, _ = self.json2("mrp.production", "read", {"ids": [2], "fields": ["lot_producing_ids"]})
        self.assertEqual((200, [{"id": 2, "lot_producing_ids": [2]}]), (status, rows))
        status, body, _ = self.json2("mrp.production", "read", {"ids": [2], "fields": ["lot_producing_id"]})
        self.assertEqual((500, "builtins.ValueError"), (status, body["name"]))
        status, rows, _ = self.json2("mrp.workorder", "read", {"ids": [2], "fields": ["state"]})
        self.assertEqual("blocked", rows[0]["state"], "18's pending/waiting are 'blocked' in 19")
        status, rows, _ = self.json2("mrp.workcenter", "read", {"ids": [1], "fields": ["workorder_blocked_count"]})
        self.assertEqual(200, status)
        status, body, _ = self.json2("stock.move", "create", {"vals_list": [{"name": "x", "product_id": 1,
                                                                             "product_uom_qty": 1, "location_id": 6,
                                                                             "location_dest_id": 7}]})
        self.assertEqual((500, "Invalid field 'name' in 'stock.move'"), (status, body["message"]))

    def test_maintenance_duration_is_computed_from_schedule_end(self):
        status, ids, _ = self.json2("maintenance.request", "create", {"vals_list": [
            {"name": "x", "equipment_id": 1, "schedule_date": "2026-11-24 08:00:00"}]})
        _, rows, _ = self.json2("maintenance.request", "read", {"ids": ids, "fields": ["schedule_end", "duration"]})
        self.assertEqual([{"id": ids[0], "schedule_end": "2026-11-24 09:00:00", "duration": 1.0}], rows)

    def test_jsonrpc_still_works_with_error_code_0(self):
        error = self.double.execute_kw("mrp.workcenter", "unblock", [[1]])["error"]
        self.assertEqual((0, "odoo.exceptions.UserError"), (error["code"], error["data"]["name"]))

    def test_one_transaction_per_call(self):
        status, _, _ = self.json2("stock.lot", "create", {"vals_list": [{"name": "T-1", "product_id": 1},
                                                                        {"name": "T-2"}]})
        self.assertEqual(422, status)
        self.assertEqual((200, 0), self.json2("stock.lot", "search_count", {"domain": [["name", "like", "T-"]]})[:2])


class Domains(DoubleCase):
    """Prefix-notation domains with the common operators (on the example seed)."""

    def search(self, model, domain, **kw):
        return self.call(model, "search", [domain], kw)

    def test_operators(self):
        cases = [
            ("product.product", [["default_code", "=", "HOU-1"]], [2]),
            ("product.product", [["default_code", "!=", "HOU-1"]], [3, 1]),
            ("product.product", [["id", "in", [1, 3]]], [3, 1]),
            ("product.product", [["id", "not in", [1, 3]]], [2]),
            ("stock.quant", [["quantity", "<", 10]], [4]),
            ("stock.quant", [["quantity", "<=", 10]], [3, 4]),
            ("stock.quant", [["quantity", ">", 10]], [1, 2]),
            ("stock.quant", [["quantity", ">=", 100]], [1, 2]),
            ("product.product", [["name", "like", "idg"]], [1]),
            ("product.product", [["name", "like", "IDG"]], []),
            ("product.product", [["name", "ilike", "IDG"]], [1]),
            ("product.product", [["name", "=like", "W%"]], [1]),
            ("product.product", [["name", "=ilike", "w_dget"]], [1]),
            ("product.product", [["name", "not ilike", "w"]], [2]),
            ("product.product", ["|", ["id", "=", 1], ["id", "=", 2]], [2, 1]),
            ("product.product", ["&", ["id", ">", 1], ["id", "<", 3]], [2]),
            ("product.product", ["!", ["id", "=", 1]], [2, 3]),
            ("product.product", [["id", ">", 1], ["id", "<", 3]], [2]),  # implicit &
            ("product.product", ["|", "!", ["id", "=", 1], ["name", "=", "Widget"]], [2, 3, 1]),
            ("stock.quant", [["lot_id", "=", False]], [1, 2]),
            ("stock.quant", [["lot_id", "!=", False]], [3, 4]),
            ("stock.quant", [["lot_id.name", "=", "W-0002"]], [4]),
            ("stock.quant", [["lot_id", "ilike", "w-0001"]], [3]),
            ("mrp.production", [["workorder_ids", "in", [3]]], [2]),
            ("mrp.workorder", [["production_id.origin", "like", "1001"]], [1, 2]),
            ("stock.location", [["location_id", "=", False]], [1, 5]),
        ]
        for model, domain, expected in cases:
            with self.subTest(domain=domain):
                self.assertEqual(expected, self.search(model, domain))

    def test_archived_records_and_active_test(self):
        self.call("stock.location", "write", [[7], {"active": False}])
        self.assertNotIn(7, self.search("stock.location", []))
        self.assertIn(7, self.search("stock.location", [], context={"active_test": False}))
        self.assertEqual([7], self.search("stock.location", [["active", "=", False]]))

    def test_order_offset_limit_and_bad_field(self):
        self.assertEqual([3, 2], self.search("product.product", [], order="id desc", limit=2))
        self.assertEqual([2], self.search("product.product", [], order="id", offset=1, limit=1))
        error = self.double.error("product.product", "search", [[["bad field", "=", 1]]])
        self.assertEqual(("builtins.ValueError", "Invalid field product.product.bad field in leaf ('bad field', '=', 1)"),
                         (error["name"], error["message"]))


class WriteDatePolling(DoubleCase):
    """Polling by write_date, the fallback for lost webhooks (issue 4)."""

    def test_changes_after_a_cursor(self):
        self.double.clock("2026-11-23 10:00:00")
        self.call("mrp.production", "write", [[1], {"origin": "a"}])
        cursor = self.read1("mrp.production", 1, ["write_date"])["write_date"]
        self.assertEqual("2026-11-23 10:00:00", cursor)
        self.double.clock("2026-11-23 10:00:05")
        self.call("mrp.production", "write", [[2], {"origin": "b"}])
        self.call("mrp.production", "read", [[1], ["name"]])  # reads do not touch write_date
        changed = self.call("mrp.production", "search_read", [[["write_date", ">", cursor]]],
                            {"fields": ["write_date"], "order": "write_date, id"})
        self.assertEqual([(2, "2026-11-23 10:00:05")], [(r["id"], r["write_date"]) for r in changed])

    def test_write_date_is_the_transaction_start(self):
        """Like PostgreSQL now(): a slow call that commits last can carry the older write_date."""
        self.double.clock("2026-11-23 11:00:00")
        self.double.fault(model="mrp.production", method="write", delay_ms=600)
        slow = threading.Thread(target=self.call, args=("mrp.production", "write", [[1], {"origin": "slow"}]))
        slow.start()
        wait_until(lambda: self.double.counters()["active"] == 1)
        self.double.clock(advance_s=5)
        self.call("mrp.production", "write", [[2], {"origin": "fast"}])
        slow.join()
        dates = {r["id"]: r["write_date"] for r in self.call("mrp.production", "read", [[1, 2], ["write_date"]])}
        self.assertLess(dates[1], dates[2], "committed last, stamped first: poll with an overlap window")

    def test_computed_state_changes_do_not_bump_write_date(self):
        """ODOO18 §9 webhook log: the cancel post carries the write_date of the earlier confirm."""
        self.double.clock("2026-11-23 12:00:00")
        mo = self.call("mrp.production", "create", [{"product_id": 1, "product_qty": 1}])
        self.call("mrp.production", "action_confirm", [[mo]])
        confirmed = self.read1("mrp.production", mo, ["write_date"])["write_date"]
        self.double.clock(advance_s=60)
        self.call("mrp.production", "action_cancel", [[mo]])
        row = self.read1("mrp.production", mo, ["state", "write_date"])
        self.assertEqual(("cancel", confirmed), (row["state"], row["write_date"]))


class MaintenanceStagePolling(DoubleCase):
    """The master-data sync's reads of maintenance.request (ODOO18 §6): open requests by their
    stage's `done`, closed ones by `close_date` (a date), changes by write_date."""

    FIELDS = ["name", "stage_id", "equipment_id", "maintenance_type", "priority", "schedule_date", "close_date",
              "kanban_state", "done", "write_date", "create_date"]

    def test_first_read_and_stage_writes(self):
        self.double.clock("2026-11-10 09:00:00")
        old = self.call("maintenance.request", "create", [{"name": "Old leak", "equipment_id": 2}])
        self.call("maintenance.request", "write", [[old], {"stage_id": 3}])
        self.double.clock("2026-11-23 09:00:00")
        closed = self.call("maintenance.request", "create", [{"name": "Belt worn", "equipment_id": 2}])
        self.call("maintenance.request", "write", [[closed], {"stage_id": 4}])
        opened = self.call("maintenance.request", "create", [{"name": "Spindle jam", "equipment_id": 1}])
        first = self.call("maintenance.request", "search_read",
                          [["|", ["stage_id.done", "=", False], ["close_date", ">=", "2026-11-16"]]],
                          {"fields": self.FIELDS})
        self.assertEqual({closed, opened}, {r["id"] for r in first})
        row = next(r for r in first if r["id"] == closed)
        self.assertEqual(([4, "Scrap"], True, "2026-11-23"), (row["stage_id"], row["done"], row["close_date"]))

        self.double.clock("2026-11-23 10:00:00")
        self.call("maintenance.request", "write", [[opened], {"stage_id": 2}])
        changed = self.call("maintenance.request", "search_read", [[["write_date", ">=", "2026-11-23 09:55:00"]]],
                            {"fields": ["stage_id", "write_date", "create_date"]})
        self.assertEqual([(opened, 2, "2026-11-23 10:00:00", "2026-11-23 09:00:00")],
                         [(r["id"], r["stage_id"][0], r["write_date"], r["create_date"]) for r in changed])


class MaintenanceStagePolling19(MaintenanceStagePolling):
    VERSION = 19


class CapacityModel(unittest.TestCase):
    """Latency/capacity model: properties that hold whatever the machine's speed (no upper time bounds)."""

    def start(self, *args):
        double = Double(*args)
        self.addCleanup(double.stop)
        return double

    def test_capacity_one_serves_one_call_at_a_time(self):
        double = self.start("--latency-ms", "100", "--capacity", "1", "--jitter", "0")
        started = time.monotonic()
        durations = run_concurrently([lambda i=i: timed(double.call, "mrp.production", "write",
                                                        [[1 + i % 2], {"origin": str(i)}]) for i in range(4)])
        self.assertEqual(1, double.counters()["active_max"], "never more calls in service than workers")
        self.assertGreaterEqual(min(durations), 0.1, "each write takes at least its service time")
        self.assertGreaterEqual(time.monotonic() - started, 0.4, "4 writes of 100 ms on 1 worker run one after another")

    def test_calls_queue_beyond_capacity(self):
        double = self.start("--capacity", "2")
        double.fault(model="res.partner", delay_ms=1500, count=3)
        threads = [threading.Thread(target=double.call, args=("res.partner", "search_count", [[]])) for _ in range(3)]
        for thread in threads:
            thread.start()
        wait_until(lambda: double.counters()["inflight"] == 3)
        counters = double.counters()
        self.assertEqual((3, 2), (counters["inflight"], counters["active"]), "the third call waits for a worker")
        for thread in threads:
            thread.join()
        self.assertEqual((3, 2), (double.counters()["inflight_max"], double.counters()["active_max"]))

    def test_writes_on_the_same_record_conflict_and_serialize(self):
        """ODOO18 §11: writes touching a shared row serialise badly (conflict + retry back-off)."""
        double = self.start("--conflict-ms", "50")
        double.fault(model="mrp.production", method="write", delay_ms=500)
        first = threading.Thread(target=double.call, args=("mrp.production", "write", [[1], {"origin": "a"}]))
        first.start()
        wait_until(lambda: double.counters()["active"] == 1)
        double.call("mrp.production", "write", [[2], {"origin": "other record"}])
        self.assertEqual(0, double.counters()["conflicts"], "another record does not conflict")
        double.call("mrp.production", "write", [[1], {"origin": "b"}])
        first.join()
        self.assertEqual(1, double.counters()["conflicts"])
        self.assertEqual("b", double.records("mrp.production")[1]["origin"], "the second write waited, then won")

    def test_creates_on_the_same_equipment_conflict(self):
        double = self.start()
        double.fault(model="maintenance.request", method="create", delay_ms=500)
        first = threading.Thread(target=double.call, args=("maintenance.request", "create",
                                                           [{"name": "a", "equipment_id": 1}]))
        first.start()
        wait_until(lambda: double.counters()["active"] == 1)
        double.call("maintenance.request", "create", [{"name": "b", "equipment_id": 2}])
        double.call("maintenance.request", "create", [{"name": "c", "equipment_id": 1}])
        first.join()
        self.assertEqual(1, double.counters()["conflicts"])

    def test_read_and_write_calls_are_counted_apart(self):
        double = self.start()
        double.call("mrp.production", "search_read", [[]], {"fields": ["name"]})
        double.call("mrp.production", "write", [[1], {"origin": "x"}])
        counters = double.counters()
        self.assertEqual((1, 1, {"mrp.production.search_read": 1, "mrp.production.write": 1}),
                         (counters["read_calls"], counters["write_calls"], counters["calls"]))


def wait_until(predicate, timeout=10.0):
    """Polls a condition on the double's state (synchronisation on state, not on elapsed time)."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("condition not reached")
        time.sleep(0.01)


def timed(fn, *args):
    started = time.monotonic()
    fn(*args)
    return time.monotonic() - started


def run_concurrently(fns):
    results = [None] * len(fns)
    barrier = threading.Barrier(len(fns))

    def run(i):
        barrier.wait()
        results[i] = fns[i]()
    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(fns))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


if __name__ == "__main__":
    unittest.main()
