#!/usr/bin/env python3
"""Odoo 18 / Odoo 19 test double for plantbridge's Odoo connector.

A stand-in for a real Odoo server, built from the facts captured from real
Odoo 18 and 19 servers (ODOO18_API.md, ODOO19_JSON2.md, errors_jsonrpc.json,
fields/*.json).  It speaks JSON-RPC (/jsonrpc), XML-RPC (/xmlrpc/2/...) and,
as version 19, JSON-2 (/json/2/<model>/<method>), keeps enough ORM state for
the connector's tests to be meaningful, and imitates Odoo's error shapes,
wizards, connection behaviour and capacity.  See README.md next to this file.

Stdlib only (Debian 12 python3).  Sections:
  errors . flavor (18 vs 19) . clock . schema . environment (transactions)
  . domains . generic ORM . business models . automations/webhooks
  . access rights . load model . faults . dispatcher . protocols . HTTP
  . seed . main
"""
import argparse
import ast
import datetime as dt
import html
import http.client
import http.server
import inspect
import json
import pathlib
import random
import re
import signal
import socket
import sys
import threading
import time
import urllib.parse
import uuid
import xmlrpc.client

HERE = pathlib.Path(__file__).resolve().parent
DT_FMT = "%Y-%m-%d %H:%M:%S"


# ----------------------------------------------------------------------------
# Errors: one exception type carrying Odoo's serialized shape.
# ----------------------------------------------------------------------------

class OdooError(Exception):
    """An error as Odoo serializes it: data.name, message, arguments, context.

    `status` is only set for werkzeug HTTP exceptions (their own code);
    other statuses derive from the name (JSON-2 mapping, ODOO19 §1.1).
    """

    def __init__(self, name, message, *, status=None, arguments=None, context=None):
        super().__init__(message)
        self.name = name
        self.message = message
        self.status = status
        self.arguments = arguments if arguments is not None else [message]
        self.context = context or {}

    def payload(self):
        return {"name": self.name, "message": self.message, "arguments": self.arguments,
                "context": self.context, "debug": fake_traceback(self)}


def fake_traceback(err):
    # Real `debug` is the full server traceback; only its last line is stable.
    short = err.name.rsplit(".", 1)[-1]
    return ("Traceback (most recent call last):\n  File \"odoo_double.py\", in dispatch\n"
            f"    (Odoo test double)\n{short}: {err.message}\n")


def user_error(msg):
    return OdooError("odoo.exceptions.UserError", msg)


def validation_error(msg):
    return OdooError("odoo.exceptions.ValidationError", msg)


def access_error(msg):
    return OdooError("odoo.exceptions.AccessError", msg)


def access_denied():
    return OdooError("odoo.exceptions.AccessDenied", "Access Denied")


def missing_error(model, ids, uid):
    # Python tuple repr, as Odoo prints the recordset: mrp.production(999999,)
    return OdooError("odoo.exceptions.MissingError",
                     f"Record does not exist or has been deleted.\n(Record: {model}{tuple(ids)!r}, User: {uid})")


def value_error(msg):
    return OdooError("builtins.ValueError", msg)


def attribute_error(msg):
    return OdooError("builtins.AttributeError", msg)


def type_error(msg):
    return OdooError("builtins.TypeError", msg)


def serialization_failure():
    return OdooError("psycopg2.errors.SerializationFailure",
                     "could not serialize access due to concurrent update\n")


WERKZEUG_NAMES = {400: "BadRequest", 401: "Unauthorized", 403: "Forbidden", 404: "NotFound",
                  415: "UnsupportedMediaType", 422: "UnprocessableEntity"}


def http_exception(status, msg):
    # werkzeug exceptions serialize their status as a second argument.
    return OdooError(f"werkzeug.exceptions.{WERKZEUG_NAMES[status]}", msg, status=status,
                     arguments=[msg, status])


# JSON-2 status per exception class (Json2Dispatcher.handle_error, ODOO19 §1.1).
STATUS_BY_NAME = {
    "odoo.exceptions.UserError": 422, "odoo.exceptions.ValidationError": 422,
    "odoo.exceptions.AccessError": 403, "odoo.exceptions.AccessDenied": 403,
    "odoo.exceptions.MissingError": 404, "odoo.exceptions.LockError": 409,
}
# XML-RPC faultCode per class (ODOO18 §10): UserError family 2, AccessDenied 3, AccessError 4.
XMLRPC_FAULT = {
    "odoo.exceptions.UserError": 2, "odoo.exceptions.ValidationError": 2,
    "odoo.exceptions.MissingError": 2, "odoo.exceptions.AccessDenied": 3,
    "odoo.exceptions.AccessError": 4,
}


def http_status_of(err):
    return err.status or STATUS_BY_NAME.get(err.name, 500)


# ----------------------------------------------------------------------------
# Flavor: every difference between Odoo 18 and Odoo 19 lives here.
# ----------------------------------------------------------------------------

SERVER_ACTION_STATES = [("object_write", "Update Record"), ("next_activity", "Create Activity"),
                        ("mail_post", "Send Email"), ("sms", "Send SMS"), ("followers", "Add Followers"),
                        ("remove_followers", "Remove Followers"), ("object_create", "Create Record"),
                        ("code", "Execute Code"), ("webhook", "Send Webhook Notification"),
                        ("multi", "Execute Existing Actions"), ("object_copy", "Object Copy")]


class Flavor:
    """Version-specific names, messages and shapes (the one place for 18 vs 19)."""

    def __init__(self, version):
        self.version = version
        self.v19 = version == 19
        serie = f"{version}.0"
        self.server_version = {"server_version": serie, "server_version_info": [version, 0, 0, "final", 0, ""],
                               "server_serie": serie, "protocol_version": 1}
        # /jsonrpc error.code: 200 in 18 (ODOO18 §10), 0 in 19 (ODOO19 §4.1, capture 5.5).
        self.jsonrpc_error_code = 0 if self.v19 else 200
        self.groups_field = "group_ids" if self.v19 else "groups_id"
        self.internal_user_group = "Role / User" if self.v19 else "Internal User"
        # Field renames used by business logic (ODOO19 §4.2).
        self.mo_lot_field = "lot_producing_ids" if self.v19 else "lot_producing_id"
        self.scrap_view_id = 697 if self.v19 else 664
        self.has_json2 = self.v19  # 18 has no JSON-2 (ODOO18 §0)
        self.has_check_access_rights = not self.v19

    def is_private(self, method):
        # a leading underscore; in 19 also @api.private methods such as check_access (capture 7b)
        return method.startswith("_") or (self.v19 and method in ("check_access",))

    # --- messages -----------------------------------------------------------
    def invalid_field(self, model, field):
        if self.v19:
            return value_error(f"Invalid field {field!r} in {model!r}")
        return value_error(f"Invalid field {field!r} on model {model!r}")

    def invalid_domain_field(self, model, field, term):
        # 19 verbatim (capture 21c); 18 wording "in leaf" reconstructed, not captured.
        word = "condition" if self.v19 else "leaf"
        return value_error(f"Invalid field {model}.{field} in {word} {term!r}")

    def missing_required(self, model_label, model, field_label, field):
        if self.v19:  # capture 21
            return validation_error(
                f"The operation cannot be completed: Missing required value for the field '{field_label}' ({field}).\n"
                f"Model: '{model_label}' ({model})\n- create/update: a mandatory field is not set\n"
                "- delete: another model requires the record being deleted, you can archive it instead\n")
        return validation_error(  # errors_jsonrpc.json (b), (b2)
            "The operation cannot be completed:\n- Create/update: a mandatory field is not set.\n"
            "- Delete: another model requires the record being deleted. If possible, archive it instead.\n\n"
            f"Model: {model_label} ({model})\nField: {field_label} ({field})\n")

    def private_method(self, model, method):
        if self.v19:  # capture 7
            return access_error(f"Private methods (such as '{model}.{method}') cannot be called remotely.")
        return access_error(f"Private methods (such as {method}) cannot be called remotely.")  # (g)

    # --- action dicts -------------------------------------------------------
    def window_action(self, action_id, name, xml_id, res_model, context):
        """An ir.actions.act_window as read by the client (ODOO18 s_mrp2, ODOO19 4.11)."""
        if self.v19:
            return {"id": action_id, "display_name": name, "name": name, "type": "ir.actions.act_window",
                    "xml_id": xml_id, "path": False, "help": False, "binding_model_id": False,
                    "binding_type": "action", "binding_view_types": "list,form", "view_id": False,
                    "domain": False, "context": context, "res_id": 0, "res_model": res_model, "target": "new",
                    "view_mode": "form", "mobile_view_mode": "kanban", "views": [[False, "form"]], "limit": 80,
                    "group_ids": [], "search_view_id": False, "embedded_action_ids": [], "filter": False,
                    "cache": True}
        return {"id": action_id, "name": name, "type": "ir.actions.act_window", "xml_id": xml_id,
                "path": False, "help": False, "binding_model_id": False, "binding_type": "action",
                "binding_view_types": "list,form", "display_name": name, "view_id": False, "domain": False,
                "context": context, "res_id": 0, "res_model": res_model, "target": "new", "view_mode": "form",
                "mobile_view_mode": "kanban", "views": [[False, "form"]], "limit": 80, "groups_id": [],
                "search_view_id": False, "embedded_action_ids": [], "filter": False}

    def backorder_action(self, context):
        name = "You produced less than the initial demand" if self.v19 else "You produced less than initial demand"
        return self.window_action(320 if self.v19 else 318, name, "mrp.action_mrp_production_backorder",
                                  "mrp.production.backorder", context)

    def consumption_action(self, context):
        # 19 not captured: same action with the 19 dict keys.
        return self.window_action(321 if self.v19 else 319, "Consumption Warning",
                                  "mrp.action_mrp_consumption_warning", "mrp.consumption.warning", context)

    # --- field values -------------------------------------------------------
    def mo_lot_id(self, mo):
        value = mo.get(self.mo_lot_field)
        if self.v19:
            return value[0] if value else False
        return value or False

    def mo_lot_vals(self, lot_id):
        if self.v19:
            return {self.mo_lot_field: [lot_id] if lot_id else []}
        return {self.mo_lot_field: lot_id or False}

    def wo_waiting_state(self, reason):
        # 18: pending (waits for another WO) / waiting (components); 19: both are "blocked".
        return "blocked" if self.v19 else reason

    def adjust_schema(self, models):
        """fields/19 is derived from the captured diff; the synthetic res.users follows the 19 rename too."""
        if self.v19:
            models["res.users"]["group_ids"] = models["res.users"].pop("groups_id")

    def group_name(self, xmlid):
        return self.internal_user_group if xmlid == "base.group_user" else GROUPS[xmlid]

    # --- behaviour ------------------------------------------------------------
    @property
    def production_group_field(self):
        # 18: procurement_group_id (procurement.group); 19: production_group_id (mrp.production.group)
        return "production_group_id" if self.v19 else "procurement_group_id"

    def assign_production_group(self, env, mo):
        if mo.get(self.production_group_field):
            return
        if self.v19:  # capture 4.7: production_group_id [5, "WH/MO/00005"], reference_ids [5]
            group = env.insert("mrp.production.group", {"name": mo["name"]})
            reference = env.insert("stock.reference", {"name": mo["name"]})
            env.update("mrp.production", mo["id"], {"production_group_id": group, "reference_ids": [reference]})
        else:
            env.update("mrp.production", mo["id"],
                       {"procurement_group_id": env.insert("procurement.group", {"name": mo["name"]})})

    def default_scrap_location(self, env):
        # 18: the scrap_location flag (id 16 in the facts); 19: the flag is gone, first usage='inventory' location.
        for rec in sorted(env.table("stock.location").values(), key=lambda r: r["id"]):
            if (rec.get("usage") == "inventory" if self.v19 else rec.get("scrap_location")) and rec.get("active", True):
                return rec["id"]
        return False

    def request_schedule(self, rec):
        """19: schedule_end defaults to schedule_date + 1 h and duration is computed from it (capture 4.28)."""
        if not self.v19 or not rec.get("schedule_date"):
            return {}
        start = parse_dt(rec["schedule_date"])
        end = parse_dt(rec["schedule_end"]) if rec.get("schedule_end") else start + dt.timedelta(hours=1)
        return {"schedule_end": fmt_dt(end), "duration": round((end - start).total_seconds() / 3600.0, 2)}

    def server_action_name(self, name, state, in_automation, created=False):
        """18's base_automation renames its actions after their type; 19 keeps the given name."""
        label = dict(SERVER_ACTION_STATES).get(state, state)
        if created:
            return label if in_automation and not self.v19 else None
        return None if name else label

    def webhook_sample(self, env, action, model):
        """webhook_sample_payload: 18 shows the first record with a `_name` key, 19 the newest record
        with the real `_action`/`_id` keys (ODOO18 s_hook, ODOO19 4.42)."""
        if self.v19:
            return webhook_payload(env, action, model, max(env.table(model).values(), key=lambda r: r["id"]))
        first = orm_search(env, model, [], limit=1)
        payload = webhook_payload(env, action, model, env.get(model, first[0])) if first else {}
        payload.pop("_action", None)
        payload.pop("_id", None)
        return {**payload, "_name": action["name"], "_model": model}

    def webhook_copies(self, trigger, created):
        # 18 posted the create of an on_create_or_write rule twice (ODOO18 §9 "draft, draft").
        return 2 if not self.v19 and created and trigger == "on_create_or_write" else 1

    def deliver_webhook(self, env, url, payload):
        if self.v19:  # sent after commit, dropped on rollback (ODOO19 §3.1)
            env.postcommit.append((url, payload))
        else:         # sent synchronously inside the transaction, before commit (ODOO18 §9)
            env.double.webhooks.send(url, payload, "in_transaction")

    def seed_renames(self):
        """18 field names accepted in seeds and mapped to this version's names."""
        if not self.v19:
            return {}
        return {("mrp.production", "lot_producing_id"): "lot_producing_ids",
                ("mrp.workorder", "finished_lot_id"): "finished_lot_ids",
                ("res.users", "groups_id"): "group_ids",
                ("mrp.workcenter", "workorder_pending_count"): "workorder_blocked_count"}

    def seed_value(self, model, field, value):
        """18 values in seeds: 19 folds the work order states pending/waiting into blocked."""
        if self.v19 and (model, field) == ("mrp.workorder", "state") and value in ("pending", "waiting"):
            return "blocked"
        return value

    def seed_drops(self):
        """18-only fields silently dropped from seeds when serving 19 (ODOO19 §4.2)."""
        if not self.v19:
            return set()
        return {("mrp.workcenter", "default_capacity"), ("maintenance.equipment", "location"),
                ("stock.location", "scrap_location"), ("stock.move", "name"),
                ("mrp.production", "procurement_group_id"), ("stock.move", "group_id")}


# ----------------------------------------------------------------------------
# Clock: real time by default; settable/freezable for reproducible tests.
# ----------------------------------------------------------------------------

class Clock:
    def __init__(self, start=None):
        self._lock = threading.Lock()
        self._base = start or dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)
        self._mono = time.monotonic()
        self._frozen = False

    def now(self):
        with self._lock:
            if self._frozen:
                return self._base
            return self._base + dt.timedelta(seconds=time.monotonic() - self._mono)

    def set(self, when=None, freeze=None, advance=0.0):
        with self._lock:
            base = when or (self._base if self._frozen else
                            self._base + dt.timedelta(seconds=time.monotonic() - self._mono))
            self._base, self._mono = base + dt.timedelta(seconds=advance), time.monotonic()
            if freeze is not None:
                self._frozen = bool(freeze)


def parse_dt(value):
    value = value.strip().replace("T", " ")
    if len(value) == 10:
        value += " 00:00:00"
    return dt.datetime.fromisoformat(value)


def fmt_dt(value):
    return value.strftime(DT_FMT)


# ----------------------------------------------------------------------------
# Schema: fields per model (fields/<version>/*.json + fields/extra.json).
# ----------------------------------------------------------------------------

# Model descriptions (_description): used in error messages.  Verbatim from the
# facts for mrp.production, ir.model.data, mrp.workcenter.productivity and
# maintenance.request; the rest from Odoo's source as remembered.
MODEL_LABELS = {
    "mrp.production": "Manufacturing Order", "mrp.workorder": "Work Order", "mrp.workcenter": "Work Center",
    "mrp.workcenter.productivity": "Workcenter Productivity Log",
    "mrp.workcenter.productivity.loss": "Workcenter Productivity Losses",
    "mrp.workcenter.productivity.loss.type": "MRP Workorder productivity losses",
    "maintenance.request": "Maintenance Request", "maintenance.equipment": "Maintenance Equipment",
    "maintenance.stage": "Maintenance Stage", "maintenance.team": "Maintenance Teams",
    "stock.scrap": "Scrap", "stock.lot": "Lot/Serial", "stock.quant": "Quants",
    "stock.location": "Inventory Locations", "stock.move": "Stock Move",
    "stock.move.line": "Product Moves (Stock Move Line)", "stock.picking": "Transfer",
    "stock.picking.type": "Picking Type", "stock.quant.relocate": "Stock Quantity Relocation",
    "ir.model.data": "Model Data", "base.automation": "Automation Rule", "ir.actions.server": "Server Actions",
    "mrp.production.backorder": "Wizard to mark as done or create back order",
    "mrp.production.backorder.line": "Backorder Confirmation Line",
    "mrp.consumption.warning": "Wizard in case of consumption in warning/strict and more component has been used for a MO (related to the bom)",
    "res.partner": "Contact", "res.users": "User", "res.company": "Companies", "res.groups": "Access Groups",
    "product.product": "Product Variant", "uom.uom": "Product Unit of Measure", "mail.message": "Message",
    "ir.model": "Models", "ir.model.fields": "Fields", "mrp.bom": "Bill of Material",
}

# Default _order per model; search results follow it (e.g. productivity lines
# come back newest first: time_ids [8, 7] in ODOO18 s_mrp).
MODEL_ORDERS = {
    "mrp.production": "priority desc, date_start, id", "mrp.workorder": "sequence, id",
    "mrp.workcenter": "sequence, id", "mrp.workcenter.productivity": "id desc",
    "mrp.workcenter.productivity.loss": "sequence, id", "maintenance.request": "id desc",
    "maintenance.stage": "sequence, id", "stock.location": "complete_name, id", "stock.move": "sequence, id",
    "stock.picking": "priority desc, scheduled_date, id desc", "stock.picking.type": "sequence, id",
    "stock.lot": "name, id", "stock.scrap": "id desc", "res.partner": "name, id", "res.users": "name, login",
    "product.product": "default_code, name, id", "mail.message": "id desc", "ir.model.fields": "name",
    "ir.model": "model", "ir.actions.server": "sequence, name, id", "base.automation": "id",
}

MAGIC_FIELDS = {
    "id": {"readonly": True, "required": False, "store": True, "string": "ID", "type": "integer"},
    "display_name": {"readonly": True, "required": False, "store": False, "string": "Display Name", "type": "char"},
    "create_uid": {"readonly": True, "relation": "res.users", "required": False, "store": True,
                   "string": "Created by", "type": "many2one"},
    "create_date": {"readonly": True, "required": False, "store": True, "string": "Created on", "type": "datetime"},
    "write_uid": {"readonly": True, "relation": "res.users", "required": False, "store": True,
                  "string": "Last Updated by", "type": "many2one"},
    "write_date": {"readonly": True, "required": False, "store": True, "string": "Last Updated on",
                   "type": "datetime"},
}


class Schema:
    def __init__(self, flavor, fields_dir):
        self.models = {}
        for path in sorted((fields_dir / str(flavor.version)).glob("*.json")):
            self.models[path.stem] = json.loads(path.read_text())
        extra = json.loads((fields_dir / "extra.json").read_text())
        for model, fields in extra.items():
            if not model.startswith("_"):
                self.models.setdefault(model, {}).update(fields)
        flavor.adjust_schema(self.models)
        for fields in self.models.values():
            for name, spec in MAGIC_FIELDS.items():
                fields.setdefault(name, dict(spec))

    def has(self, model):
        return model in self.models

    def fields(self, model):
        return self.models[model]

    def spec(self, model, field):
        return self.models[model].get(field)

    @staticmethod
    def label(model):
        return MODEL_LABELS.get(model, model)

    @staticmethod
    def order(model):
        return MODEL_ORDERS.get(model, "id")


EMPTY_BY_TYPE = {"integer": 0, "float": 0.0, "monetary": 0.0, "boolean": False, "one2many": [],
                 "many2many": [], "many2one_reference": 0}


def empty_value(spec):
    value = EMPTY_BY_TYPE.get(spec["type"], False)
    return list(value) if isinstance(value, list) else value


# ----------------------------------------------------------------------------
# Database and per-call environment (one transaction per call).
# ----------------------------------------------------------------------------

class Database:
    """All records, as {model: {id: {field: raw value}}}.

    Raw values: many2one = id or False, x2many = list of ids, datetimes =
    'YYYY-MM-DD HH:MM:SS' strings (create_date/write_date keep microseconds,
    like PostgreSQL, and are cut to seconds when read).
    """

    def __init__(self):
        self.records = {}
        self.next_ids = {}
        self.sequences = {}

    def table(self, model):
        return self.records.setdefault(model, {})

    def allocate_id(self, model):
        # Like a PostgreSQL sequence: never rolled back (ODOO19 capture 24 vs 25: ids 53/54 are burnt).
        rid = self.next_ids.get(model) or (max(self.table(model), default=0) + 1)
        self.next_ids[model] = rid + 1
        return rid

    def next_number(self, key):
        number = self.sequences.get(key, 1)
        self.sequences[key] = number + 1
        return number


def copy_record(rec):
    return {k: (list(v) if isinstance(v, list) else v) for k, v in rec.items()}


class RecordSet:
    """A recordset returned by a method; serialized per protocol (ids/id)."""

    def __init__(self, model, ids, single=False):
        self.model, self.ids, self.single = model, list(ids), single


class Env:
    """One call = one transaction: every change is undo-logged until commit.

    Undo layers give savepoints (used by `load`, which writes nothing when a
    row fails).  `hook_before` keeps each touched record's state as of the
    last automation evaluation, so webhooks see create/state changes.
    """

    def __init__(self, double, user, context, now):
        self.double = double
        self.db = double.db
        self.schema = double.schema
        self.flavor = double.flavor
        self.user = user
        self.uid = user["id"]
        self.context = dict(context or {})
        self.now = now
        self.layers = [{}]
        self.hook_before = {}
        self.hook_dirty = {}  # ordered set of (model, id) touched since the last automation run
        self.dirty = set()
        self.postcommit = []
        self.records_written = 0
        self.log_access = True  # False while seeding: seeded write_dates are kept as given

    # --- time ----------------------------------------------------------------
    def now_str(self):
        return fmt_dt(self.now)

    def today(self):
        return self.now.strftime("%Y-%m-%d")

    # --- raw record access -----------------------------------------------------
    def table(self, model):
        return self.db.table(model)

    def exists(self, model, rid):
        return isinstance(rid, int) and rid in self.db.table(model)

    def get(self, model, rid):
        rec = self.db.table(model).get(rid)
        if rec is None:
            raise missing_error(model, [rid], self.uid)
        return rec

    def browse(self, model, ids):
        table = self.db.table(model)
        missing = [i for i in ids if i not in table]
        if missing:
            raise missing_error(model, missing, self.uid)
        return [table[i] for i in ids]

    def _touch(self, model, rid):
        key = (model, rid)
        current = self.db.table(model).get(rid)
        snapshot = copy_record(current) if current is not None else None
        self.layers[-1].setdefault(key, snapshot)
        if key not in self.hook_before:
            self.hook_before[key] = snapshot
        self.hook_dirty[key] = None
        self.dirty.add(key)
        self.records_written += 1

    def insert(self, model, vals, rid=None):
        rid = rid or self.db.allocate_id(model)
        self._touch(model, rid)
        stamp = str(self.now)
        rec = {"id": rid, "create_date": stamp, "write_date": stamp, "create_uid": self.uid, "write_uid": self.uid}
        rec.update(vals)
        self.db.table(model)[rid] = rec
        return rid

    def update(self, model, rid, vals, log_access=True):
        """Raw update.  log_access=False is for stored computes: Odoo does not bump write_date for
        them (ODOO18 §9: the `cancel` webhook carries the write_date of the earlier confirm)."""
        rec = self.get(model, rid)
        changed = {k: v for k, v in vals.items() if rec.get(k) != v}
        if not changed:
            return False
        self._touch(model, rid)
        rec.update(changed)
        if log_access and self.log_access:
            rec["write_date"], rec["write_uid"] = str(self.now), self.uid
        return True

    def delete(self, model, rid):
        if rid in self.db.table(model):
            self._touch(model, rid)
            del self.db.table(model)[rid]

    def search_raw(self, model, pred=None):
        return [r for r in self.db.table(model).values() if pred is None or pred(r)]

    # --- savepoints / rollback ---------------------------------------------------
    def savepoint(self):
        self.layers.append({})

    def release(self):
        layer = self.layers.pop()
        for key, snapshot in layer.items():
            self.layers[-1].setdefault(key, snapshot)

    def rollback_to_savepoint(self):
        self._restore(self.layers.pop())

    def rollback(self):
        while self.layers:
            self._restore(self.layers.pop())
        self.layers = [{}]
        self.postcommit.clear()

    def _restore(self, layer):
        for (model, rid), snapshot in layer.items():
            table = self.db.table(model)
            if snapshot is None:
                table.pop(rid, None)
            else:
                table[rid] = snapshot

    # --- stored computes and automations -------------------------------------------
    def flush(self):
        """Recomputes stored computed fields of touched records, then evaluates automations."""
        for _ in range(20):  # recomputes converge quickly; the bound guards against cycles
            if not self.dirty:
                break
            batch, self.dirty = self.dirty, set()
            for model, rid in sorted(recompute_targets(self, batch)):
                if self.exists(model, rid):
                    RECOMPUTE[model](self, self.get(model, rid))
        run_automations(self)


def recompute_targets(env, keys):
    targets = set()
    for model, rid in keys:
        if model in RECOMPUTE:
            targets.add((model, rid))
        rec = env.db.table(model).get(rid)
        if rec is None:
            continue
        for dep_model, field in DEPENDS.get(model, ()):
            target = rec.get(field)
            if target:
                targets.add((dep_model, target))
    return targets


# Stored computes: model -> fn(env, rec); and which records they depend on.
RECOMPUTE = {}
DEPENDS = {
    "mrp.workcenter.productivity": [("mrp.workcenter", "workcenter_id")],
    "mrp.workorder": [("mrp.production", "production_id")],
    "stock.move": [("mrp.production", "raw_material_production_id")],
}


# ----------------------------------------------------------------------------
# Field values and display names
# ----------------------------------------------------------------------------

COMPUTED = {}   # (model or "*", field) -> fn(env, rec): non-stored values computed at read time
DISPLAY = {}    # model -> fn(env, rec): display_name
# one2many field -> inverse many2one on the comodel
INVERSE = {
    ("mrp.production", "move_raw_ids"): "raw_material_production_id",
    ("mrp.production", "move_finished_ids"): "production_id",
    ("mrp.production", "workorder_ids"): "production_id",
    ("mrp.production", "scrap_ids"): "production_id",
    ("mrp.workorder", "time_ids"): "workorder_id",
    ("mrp.workcenter", "time_ids"): "workcenter_id",
    ("mrp.workcenter", "order_ids"): "workcenter_id",
    ("stock.move", "move_line_ids"): "move_id",
    ("stock.lot", "quant_ids"): "lot_id",
    ("stock.location", "quant_ids"): "location_id",
    ("stock.location", "child_ids"): "location_id",
    ("stock.scrap", "move_ids"): "scrap_id",
    ("stock.picking", "move_ids"): "picking_id",
    ("stock.picking", "move_line_ids"): "picking_id",
    ("maintenance.equipment", "maintenance_ids"): "equipment_id",
    ("maintenance.team", "request_ids"): "maintenance_team_id",
    ("maintenance.team", "equipment_ids"): "maintenance_team_id",
    ("base.automation", "action_server_ids"): "base_automation_id",
    ("mrp.production.backorder", "mrp_production_backorder_line_ids"): "mrp_production_backorder_id",
    ("mrp.consumption.warning", "mrp_consumption_warning_line_ids"): "mrp_consumption_warning_id",
    ("mrp.bom", "bom_line_ids"): "bom_id",
    ("mrp.bom", "operation_ids"): "bom_id",
    ("resource.calendar", "attendance_ids"): "calendar_id",
}


def computed(model, *fields):
    def register(fn):
        for field in fields:
            COMPUTED[(model, field)] = fn
        return fn
    return register


def display(model):
    def register(fn):
        DISPLAY[model] = fn
        return fn
    return register


def field_value(env, model, rec, field):
    """Raw value of a field (stored, computed, or one2many by inverse)."""
    fn = COMPUTED.get((model, field)) or COMPUTED.get(("*", field))
    if fn:
        return fn(env, rec)
    if field == "display_name":
        return display_name(env, model, rec["id"])
    spec = env.schema.spec(model, field)
    inverse = INVERSE.get((model, field))
    if inverse:
        return [r["id"] for r in env.table(spec["relation"]).values() if r.get(inverse) == rec["id"]]
    value = rec.get(field)
    return empty_value(spec) if value is None else value


def display_name(env, model, rid):
    rec = env.table(model).get(rid)
    if rec is None:
        return f"{model},{rid}"
    fn = DISPLAY.get(model)
    if fn:
        return fn(env, rec)
    return rec.get("name") or f"{model},{rid}"


def read_value(env, model, rec, field, load):
    spec = env.schema.spec(model, field)
    value = field_value(env, model, rec, field)
    kind = spec["type"]
    if kind == "many2one":
        if not value:
            return False
        return [value, display_name(env, spec["relation"], value)] if load == "_classic_read" else value
    if kind in ("one2many", "many2many"):
        return order_ids(env, spec["relation"], value) if spec.get("relation") in env.schema.models else list(value)
    if kind == "datetime":
        return value[:19] if value else False
    if kind in ("float", "monetary"):
        return float(value or 0.0)
    if kind in ("integer", "many2one_reference"):
        return int(value or 0)
    if kind == "boolean":
        return bool(value)
    return False if value is None else value


# ----------------------------------------------------------------------------
# Domains and ordering
# ----------------------------------------------------------------------------

NUMERIC = ("integer", "float", "monetary", "many2one_reference")


def compile_domain(env, model, domain):
    """Compiles an Odoo prefix-notation domain into a predicate on raw records."""
    if not isinstance(domain, (list, tuple)):
        raise value_error(f"Invalid domain: {domain!r}")
    stack = []
    for item in reversed(domain):
        if item == "&" or item == "|":
            if len(stack) < 2:
                raise value_error(f"Invalid domain: {domain!r}")
            a, b = stack.pop(), stack.pop()
            stack.append((lambda r, a=a, b=b: a(r) and b(r)) if item == "&" else
                         (lambda r, a=a, b=b: a(r) or b(r)))
        elif item == "!":
            if not stack:
                raise value_error(f"Invalid domain: {domain!r}")
            a = stack.pop()
            stack.append(lambda r, a=a: not a(r))
        else:
            stack.append(compile_term(env, model, item))
    return lambda r: all(term(r) for term in stack)  # implicit '&' between leftover terms


def compile_term(env, model, term):
    if not isinstance(term, (list, tuple)) or len(term) != 3:
        raise value_error(f"Invalid leaf {term!r}")
    left, op, right = term
    if left in (0, 1) and op == "=" and right == 1:  # TRUE_LEAF / FALSE_LEAF
        return lambda r, v=bool(left): v
    if op == "child_of":
        return compile_child_of(env, model, left, right, term)
    if op not in OPERATORS:
        raise value_error(f"Invalid operator {op!r} in {tuple(term)!r}")
    path = str(left).split(".")
    specs = []
    current = model
    for i, name in enumerate(path):
        spec = env.schema.spec(current, name)
        if spec is None:
            raise env.flavor.invalid_domain_field(current, name, tuple(term))
        specs.append((current, name, spec))
        if i < len(path) - 1:
            if not spec.get("relation"):
                raise env.flavor.invalid_domain_field(current, path[i + 1], tuple(term))
            current = spec["relation"]
    return lambda r: match_path(env, specs, r, op, right)


def compile_child_of(env, model, left, right, term):
    """`field child_of id(s)`: the many2one points at those records or below them (Odoo's
    hierarchy operator; the double knows stock.location's parent field, location_id)."""
    spec = env.schema.spec(model, left)
    if spec is None or spec.get("relation") != "stock.location":
        raise value_error(f"Invalid leaf {tuple(term)!r}: the double implements child_of for stock.location only")
    roots = right if isinstance(right, (list, tuple)) else [right]
    below = set()
    for root in roots:
        below |= child_location_ids(env, root)
    return lambda r: field_value(env, model, r, left) in below


def match_path(env, specs, rec, op, right):
    (model, field, spec), rest = specs[0], specs[1:]
    value = field_value(env, model, rec, field)
    if not rest:
        return match_value(env, spec, value, op, right)
    ids = value if isinstance(value, list) else ([value] if value else [])
    table = env.table(spec["relation"])
    matches = [match_path(env, rest, table[i], op, right) for i in ids if i in table]
    if not matches:  # an empty path behaves like NULL
        return op in ("!=", "not in", "not like", "not ilike") or (op == "=" and right is False)
    return any(matches)


def like_regex(pattern, exact, icase):
    body = "".join(".*" if c == "%" else "." if c == "_" else re.escape(c) for c in str(pattern))
    if not exact:
        body = ".*" + body + ".*"
    return re.compile(f"^{body}$", re.S | (re.I if icase else 0))


def match_value(env, spec, value, op, right):
    kind = spec["type"]
    if kind in ("one2many", "many2many"):
        ids = value or []
        if op in ("=", "in"):
            wanted = right if isinstance(right, (list, tuple)) else [right]
            return bool(set(ids) & set(wanted)) if wanted != [False] else not ids
        if op in ("!=", "not in"):
            return not match_value(env, spec, value, "in" if op == "not in" else "=", right)
        names = [display_name(env, spec["relation"], i) for i in ids]
        return any(OPERATORS[op](n, right, "char") for n in names)
    if kind == "many2one" and isinstance(right, str) and op in ("=", "!=", "like", "ilike", "=like", "=ilike",
                                                                 "not like", "not ilike"):
        name = display_name(env, spec["relation"], value) if value else False
        sub_op = "ilike" if op in ("=", "!=") else op
        hit = bool(name) and OPERATORS[sub_op](name, right, "char")
        return (not hit) if op == "!=" else hit
    if kind == "datetime" and isinstance(right, str) and len(right) == 10:
        right += " 00:00:00"
    return OPERATORS[op](value, right, kind)


def _null(value, kind):
    return value is None or (value is False and kind != "boolean") or value == ""


def _eq(value, right, kind):
    if kind == "boolean":
        return bool(value) == bool(right)
    if right is False or right is None:
        return _null(value, kind) or (kind in NUMERIC and value == 0)
    if _null(value, kind):
        return False
    if kind in NUMERIC:
        return float(value) == float(right)
    return value == right


def _in(value, right, kind):
    right = right if isinstance(right, (list, tuple)) else [right]
    return any(_eq(value, r, kind) for r in right)


def _cmp(fn):
    def compare(value, right, kind):
        if _null(value, kind) and kind not in NUMERIC or right is False or right is None:
            return False
        if kind in NUMERIC:
            return fn(float(value or 0), float(right))
        return fn(str(value), str(right))
    return compare


def _like(exact, icase, negate=False):
    def like(value, right, kind):
        if _null(value, kind):
            return negate
        hit = bool(like_regex(right, exact, icase).match(str(value)))
        return hit != negate
    return like


OPERATORS = {
    "=": _eq, "!=": lambda v, r, k: not _eq(v, r, k), "in": _in, "not in": lambda v, r, k: not _in(v, r, k),
    "<": _cmp(lambda a, b: a < b), "<=": _cmp(lambda a, b: a <= b),
    ">": _cmp(lambda a, b: a > b), ">=": _cmp(lambda a, b: a >= b),
    "like": _like(False, False), "ilike": _like(False, True), "=like": _like(True, False),
    "=ilike": _like(True, True), "not like": _like(False, False, True), "not ilike": _like(False, True, True),
}


def parse_order(order):
    keys = []
    for part in (order or "").split(","):
        words = part.split()
        if words:
            keys.append((words[0], len(words) > 1 and words[1].lower() == "desc"))
    return keys


def sort_records(env, model, recs, order):
    """Sorts raw records like PostgreSQL: NULLS LAST ascending, NULLS FIRST descending."""
    recs = list(recs)
    for field, desc in reversed(parse_order(order or env.schema.order(model))):
        spec = env.schema.spec(model, field)
        if spec is None:
            raise value_error(f"Invalid field {field!r} on model {model!r}")

        def key(rec, field=field, spec=spec):
            value = field_value(env, model, rec, field)
            if isinstance(value, list):
                value = value[0] if value else None
            return (1, 0) if _null(value, spec["type"]) else (0, value)
        recs.sort(key=key, reverse=desc)
    return recs


def order_ids(env, model, ids):
    table = env.table(model)
    present = [table[i] for i in ids if i in table]
    return [r["id"] for r in sort_records(env, model, present, None)]


def active_filter(env, model, domain):
    """Archived records are hidden unless active_test=False or the domain names `active`."""
    if "active" not in env.schema.fields(model) or env.context.get("active_test", True) is False:
        return lambda r: True
    mentioned = any(isinstance(t, (list, tuple)) and len(t) == 3 and t[0] == "active" for t in domain or [])
    return (lambda r: True) if mentioned else (lambda r: r.get("active", True) is not False)


# ----------------------------------------------------------------------------
# Generic ORM operations
# ----------------------------------------------------------------------------

DEFAULTS = {}    # model -> fn(env, vals) -> default values (only used for absent keys)
ON_CREATE = {}   # model -> fn(env, rec) after insert
ON_WRITE = {}    # model -> fn(env, rec, vals, before) after update
ON_UNLINK = {}   # model -> fn(env, recs) before delete (may raise, may cascade)
UNCHECKED_TYPES = ("boolean", "integer", "float", "monetary", "one2many", "many2many", "many2one_reference")


def hook(registry, model):
    def register(fn):
        registry[model] = fn
        return fn
    return register


def orm_search(env, model, domain, offset=0, limit=None, order=None):
    pred = compile_domain(env, model, domain or [])
    active = active_filter(env, model, domain)
    recs = [r for r in env.table(model).values() if active(r) and pred(r)]
    ids = [r["id"] for r in sort_records(env, model, recs, order)]
    offset = offset or 0
    return ids[offset:offset + limit] if limit else ids[offset:]


def orm_read(env, model, ids, fields=None, load="_classic_read"):
    names = list(fields) if fields else list(env.schema.fields(model))
    for name in names:
        if env.schema.spec(model, name) is None:
            raise env.flavor.invalid_field(model, name)
    table = env.table(model)
    rows = []
    for rid in ids:  # Odoo's read() silently drops missing records (ODOO19 capture 20)
        rec = table.get(rid)
        if rec is None:
            continue
        row = {"id": rid}
        for name in names:
            if name != "id":
                row[name] = read_value(env, model, rec, name, load)
        rows.append(row)
    return rows


def convert_vals(env, model, vals):
    """Validates field names/values; returns (scalar values, deferred x2many commands)."""
    if not isinstance(vals, dict):
        raise type_error(f"vals must be a dict, got {type(vals).__name__}")
    scalars, x2many = {}, []
    for field, value in vals.items():
        spec = env.schema.spec(model, field)
        if spec is None:
            raise env.flavor.invalid_field(model, field)
        if field in MAGIC_FIELDS:
            continue  # Odoo ignores writes to log-access columns
        if spec["type"] in ("one2many", "many2many"):
            x2many.append((field, value))
        else:
            scalars[field] = convert_scalar(env, model, field, spec, value)
    return scalars, x2many


def convert_scalar(env, model, field, spec, value):
    kind = spec["type"]
    if kind == "many2one":
        if isinstance(value, (list, tuple)):
            value = value[0] if value else False
        if not value:
            return False
        if not isinstance(value, int) or isinstance(value, bool):
            raise value_error(f"Wrong value for {model}.{field}: {value!r}")
        relation = spec["relation"]
        if env.schema.has(relation) and not env.exists(relation, value):
            # a dangling id is a foreign-key violation, reported like NOT NULL (same Odoo message)
            raise env.flavor.missing_required(Schema.label(model), model, spec["string"], field)
        return value
    if kind == "selection":
        keys = [k for k, _ in spec.get("selection") or []]
        if value in (False, None):
            return False
        if keys and value not in keys:
            raise value_error(f"Wrong value for {model}.{field}: {value!r}")
        return value
    if kind in ("float", "monetary"):
        return float(value or 0.0)
    if kind in ("integer", "many2one_reference"):
        return int(value or 0)
    if kind == "boolean":
        return bool(value)
    if kind == "datetime":
        return fmt_dt(parse_dt(value)) if value else False
    if kind == "html" and isinstance(value, str) and value and not value.lstrip().startswith("<"):
        return f"<p>{html.escape(value)}</p>"  # plain text is sanitized into a paragraph (ODOO19 4.48)
    if kind in ("char", "text", "html", "date", "selection"):
        return str(value) if value not in (False, None) else False
    return value


def check_required(env, model, vals, only=None):
    for field, spec in env.schema.fields(model).items():
        if only is not None and field not in only:
            continue
        if spec.get("required") and spec.get("store") and spec["type"] not in UNCHECKED_TYPES \
                and field not in MAGIC_FIELDS and vals.get(field) in (None, False, ""):
            raise env.flavor.missing_required(Schema.label(model), model, spec["string"], field)


def orm_create(env, model, vals_list):
    """Access rights are checked once per call by the dispatcher: internal creates run as superuser."""
    if isinstance(vals_list, dict):
        vals_list = [vals_list]
    return [create_one(env, model, vals) for vals in vals_list]


def context_defaults(env, model):
    fields = env.schema.fields(model)
    return {k[8:]: v for k, v in env.context.items() if k.startswith("default_") and k[8:] in fields}


def create_one(env, model, vals):
    vals = {**context_defaults(env, model), **(vals or {})}
    scalars, x2many = convert_vals(env, model, vals)
    defaults = DEFAULTS[model](env, scalars) if model in DEFAULTS else {}
    for field, value in defaults.items():
        scalars.setdefault(field, value)
    if "active" in env.schema.fields(model):
        scalars.setdefault("active", True)
    rid = env.db.allocate_id(model)  # nextval() runs before the INSERT can fail: a failed create burns its id
    check_required(env, model, scalars)
    rid = env.insert(model, scalars, rid)
    for field, commands in x2many:
        apply_x2many(env, model, rid, field, commands)
    if model in ON_CREATE:
        ON_CREATE[model](env, env.get(model, rid))
    return rid


def orm_write(env, model, ids, vals):
    recs = env.browse(model, ids)
    scalars, x2many = convert_vals(env, model, vals)
    check_required(env, model, scalars, only=scalars)
    for rec in recs:
        before = copy_record(rec)
        env.update(model, rec["id"], scalars)
        for field, commands in x2many:
            apply_x2many(env, model, rec["id"], field, commands)
        if model in ON_WRITE:
            ON_WRITE[model](env, rec, vals, before)
    return True


def orm_unlink(env, model, ids):
    recs = env.browse(model, ids)
    if model in ON_UNLINK:
        ON_UNLINK[model](env, recs)
    for rec in recs:
        env.delete(model, rec["id"])
        for imd in env.search_raw("ir.model.data", lambda r: r["model"] == model and r.get("res_id") == rec["id"]):
            env.delete("ir.model.data", imd["id"])  # Odoo drops the xmlids of deleted records
    return True


def normalize_commands(commands):
    if not commands:
        return []
    if all(isinstance(c, int) and not isinstance(c, bool) for c in commands):
        return [[6, 0, list(commands)]]
    return [list(c) for c in commands]


def apply_x2many(env, model, rid, field, commands):
    """Applies Odoo x2many commands: 0 create, 1 update, 2 delete, 3 unlink, 4 link, 5 clear, 6 set."""
    spec = env.schema.spec(model, field)
    comodel = spec["relation"]
    inverse = INVERSE.get((model, field))
    current = list(field_value(env, model, env.get(model, rid), field))
    for cmd in normalize_commands(commands):
        code = cmd[0]
        if code == 0:
            extra = {inverse: rid} if inverse else {}
            current.append(create_one(env, comodel, {**(cmd[2] or {}), **extra}))
        elif code == 1:
            orm_write(env, comodel, [cmd[1]], cmd[2])
        elif code == 2:
            orm_unlink(env, comodel, [cmd[1]])
            current = [i for i in current if i != cmd[1]]
        elif code == 3:
            current = [i for i in current if i != cmd[1]]
        elif code == 4:
            current += [cmd[1]] if cmd[1] not in current else []
        elif code == 5:
            current = []
        elif code == 6:
            current = list(cmd[2] or [])
        else:
            raise value_error(f"Invalid x2many command {cmd!r}")
    if inverse:
        link_inverse(env, comodel, inverse, rid, current)
    else:
        env.update(model, rid, {field: current})


def link_inverse(env, comodel, inverse, rid, ids):
    for rec in list(env.table(comodel).values()):
        if rec.get(inverse) == rid and rec["id"] not in ids:
            env.update(comodel, rec["id"], {inverse: False})
    for i in ids:
        env.update(comodel, i, {inverse: rid})


def orm_fields_get(env, model, allfields=None, attributes=None):
    result = {}
    for name, spec in env.schema.fields(model).items():
        if allfields and name not in allfields:
            continue
        desc = dict(sorted(spec.items()))
        if attributes:
            desc = {k: v for k, v in desc.items() if k in attributes}
        result[name] = desc
    return result


# ----------------------------------------------------------------------------
# RPC method registry.  A method is fn(env, target, *odoo_params); its Python
# signature (minus env/target) is the signature JSON-2 binds named arguments
# to, so binding errors carry Python's own wording, as in Odoo.
# ----------------------------------------------------------------------------

class Method:
    def __init__(self, fn, model_level, acl, applies):
        self.fn = fn
        self.model_level = model_level  # @api.model: no ids
        self.acl = acl                  # access right checked first: read/write/create/unlink/None
        self.applies = applies          # fn(double, model) -> bool, for methods offered on some models only
        self.signature = inspect.Signature(list(inspect.signature(fn).parameters.values())[2:])

    @property
    def readonly(self):
        return self.acl == "read"


METHODS = {}


def rpc(models="*", name=None, *, model_level=False, acl="write", applies=None):
    def register(fn):
        for model in (models,) if isinstance(models, str) else models:
            METHODS[(model, name or fn.__name__)] = Method(fn, model_level, acl, applies)
        return fn
    return register


def find_method(double, model, name):
    method = METHODS.get((model, name)) or METHODS.get(("*", name))
    if method and (method.applies is None or method.applies(double, model)):
        return method
    return None


def has_field(field):
    return lambda double, model: field in double.schema.fields(model)


def ensure_one(env, target):
    if len(target.ids) != 1:
        raise value_error(f"Expected singleton: {target.model}{tuple(target.ids)!r}")
    return env.get(target.model, target.ids[0])


@rpc(name="search", model_level=True, acl="read")
def m_search(env, target, domain, offset=0, limit=None, order=None):
    return RecordSet(target.model, orm_search(env, target.model, domain, offset, limit, order))


@rpc(name="search_read", model_level=True, acl="read")
def m_search_read(env, target, domain=None, fields=None, offset=0, limit=None, order=None, load="_classic_read"):
    ids = orm_search(env, target.model, domain, offset, limit, order)
    return orm_read(env, target.model, ids, fields, load)


@rpc(name="search_count", model_level=True, acl="read")
def m_search_count(env, target, domain, limit=None):
    return len(orm_search(env, target.model, domain, 0, limit))


@rpc(name="read", acl="read")
def m_read(env, target, fields=None, load="_classic_read"):
    return orm_read(env, target.model, target.ids, fields, load)


@rpc(name="name_search", model_level=True, acl="read")
def m_name_search(env, target, name="", domain=None, operator="ilike", limit=100):
    ids = orm_search(env, target.model, domain)
    hits = [[i, display_name(env, target.model, i)] for i in ids]
    if name:
        hits = [h for h in hits if OPERATORS[operator](h[1], name, "char")]
    return hits[:limit] if limit else hits


@rpc(name="create", model_level=True, acl="create")
def m_create(env, target, vals_list):
    # JSON-RPC create({...}) answers an id, create([{...}]) a list (api.model_create_multi).
    return RecordSet(target.model, orm_create(env, target.model, vals_list), single=isinstance(vals_list, dict))


@rpc(name="write")
def m_write(env, target, vals):
    return orm_write(env, target.model, target.ids, vals)


@rpc(name="unlink", acl="unlink")
def m_unlink(env, target):
    return orm_unlink(env, target.model, target.ids)


@rpc(name="fields_get", model_level=True, acl=None)
def m_fields_get(env, target, allfields=None, attributes=None):
    return orm_fields_get(env, target.model, allfields, attributes)


@rpc(name="action_archive", applies=has_field("active"))
def m_action_archive(env, target):
    orm_write(env, target.model, target.ids, {"active": False})


@rpc(name="action_unarchive", applies=has_field("active"))
def m_action_unarchive(env, target):
    orm_write(env, target.model, target.ids, {"active": True})


@rpc(name="message_post", applies=has_field("message_ids"))
def m_message_post(env, target, body="", subject=None, message_type="notification", subtype_xmlid=None,
                   partner_ids=None, body_is_html=False, **kwargs):
    rec = ensure_one(env, target)
    user = env.get("res.users", env.uid)
    mid = create_one(env, "mail.message", {
        "model": target.model, "res_id": rec["id"], "subject": subject or False,
        "body": body if body_is_html else "<p>" + html.escape(body or "").replace("\n", "<br>") + "</p>",
        "message_type": message_type, "subtype_xmlid": subtype_xmlid or False,
        "author_id": user.get("partner_id") or False, "date": env.now_str()})
    return RecordSet("mail.message", [mid], single=True)


def thread_messages(model):
    return lambda env, rec: [m["id"] for m in env.table("mail.message").values()
                             if m.get("model") == model and m.get("res_id") == rec["id"]]


# ----------------------------------------------------------------------------
# External ids (ir.model.data) and load()
# ----------------------------------------------------------------------------

def split_xmlid(xmlid):
    module, _, name = str(xmlid).rpartition(".")
    return module or "__import__", name


def find_xmlid(env, module, name):
    for rec in env.table("ir.model.data").values():
        if rec["module"] == module and rec["name"] == name:
            return rec
    return None


def resolve_xmlid(env, xmlid):
    imd = find_xmlid(env, *split_xmlid(xmlid))
    if imd is None or not env.exists(imd["model"], imd["res_id"]):
        return None
    return imd["model"], imd["res_id"]


@display("ir.model.data")
def _imd_name(env, rec):
    return f"{rec['module']}.{rec['name']}"


@computed("ir.model.data", "complete_name")
def _imd_complete_name(env, rec):
    return f"{rec['module']}.{rec['name']}"


@computed("ir.model.data", "reference")
def _imd_reference(env, rec):
    return f"{rec['model']},{rec.get('res_id') or 0}"


@hook(ON_CREATE, "ir.model.data")
def _imd_unique(env, rec):
    others = [r for r in env.table("ir.model.data").values()
              if r["module"] == rec["module"] and r["name"] == rec["name"] and r["id"] != rec["id"]]
    if others:  # verbatim ODOO18 s_imd: the (module, name) unique index makes create usable as a lock
        raise validation_error(
            "The operation cannot be completed: duplicate key value violates unique constraint "
            "\"ir_model_data_module_name_uniq_index\"\n"
            f"DETAIL:  Key (module, name)=({rec['module']}, {rec['name']}) already exists.\n")


@rpc("ir.model.data", model_level=True, acl="read")
def check_object_reference(env, target, module, xml_id, raise_on_access_error=False):
    found = resolve_xmlid(env, f"{module}.{xml_id}")
    if found is None:
        raise value_error(f"External ID not found in the system: {module}.{xml_id}")
    return [found[0], found[1]]


def load_column(env, model, column):
    """'id' | 'field' | 'field/id' (external id) | 'field/.id' or '.id' (database id)."""
    if column == "id":
        return ("xmlid", None)
    if column == ".id":
        return ("dbid", None)
    field, _, suffix = column.partition("/")
    if env.schema.spec(model, field) is None or suffix not in ("", "id", ".id"):
        raise value_error(f"Invalid field name {field!r}")
    return ({"": "value", "id": "ref", ".id": "dbref"}[suffix], field)


def load_error(index, field, label, message, moreinfo=None):
    msg = {"rows": {"from": index, "to": index}, "type": "error", "record": index}
    if field:
        msg["field"] = field
    msg["message"] = message
    if moreinfo is not None:
        msg["moreinfo"] = moreinfo
    if label:
        msg["field_name"] = label
    return msg


def load_cell(env, model, field, kind, cell):
    """Converts one import cell; returns the value or raises LookupError(message, moreinfo)."""
    spec = env.schema.spec(model, field)
    label, ftype = spec["string"], spec["type"]
    if kind == "ref":
        found = resolve_xmlid(env, cell)
        if found is None or found[0] != spec.get("relation"):
            raise LookupError(f"No matching record found for external id '{cell}' in field '{label}'", None)
        return [found[1]] if ftype == "many2many" else found[1]
    if kind == "dbref":  # Odoo's import: int(value) for a 'field/.id' column
        try:
            rid = int(cell)
        except (TypeError, ValueError):
            raise LookupError(f"Invalid database id '{cell}' for the field '{label}'", None)
        if not env.exists(spec["relation"], rid):
            raise LookupError(f"No matching record found for database id '{cell}' in field '{label}'", None)
        return [rid] if ftype == "many2many" else rid
    if not isinstance(cell, str):
        return cell
    if ftype == "selection":
        for key, text in spec.get("selection") or []:
            if cell == key or cell.lower() == str(text).lower():
                return key
        raise LookupError(f"Value '{cell}' not found in selection field '{label}'",
                          [text for _, text in spec.get("selection") or []])
    if ftype == "many2one":
        hits = [i for i in env.table(spec["relation"]) if display_name(env, spec["relation"], i) == cell]
        if not hits:
            raise LookupError(f"No matching record found for name '{cell}' in field '{label}'", None)
        return hits[0]
    if ftype == "boolean":
        return cell.strip().lower() in ("1", "true", "yes", "y")
    if ftype in ("integer", "float", "monetary"):
        try:
            return float(cell) if ftype != "integer" else int(cell)
        except ValueError:
            raise LookupError(f"'{cell}' does not seem to be a number for field '{label}'", None)
    return cell


def load_row(env, model, columns, cells, index):
    """One import row: its external id, database id, converted values and row errors."""
    row = {"index": index, "xmlid": None, "dbid": None, "vals": {}, "errors": []}
    for (kind, field), cell in zip(columns, cells):
        if kind == "xmlid":
            row["xmlid"] = cell or None
        elif kind == "dbid":
            row["dbid"] = int(cell) if cell not in ("", None, False) else None
        elif cell not in ("", None):
            try:
                row["vals"][field] = load_cell(env, model, field, kind, cell)
            except LookupError as exc:
                message, moreinfo = exc.args
                label = env.schema.spec(model, field)["string"]
                row["errors"].append(load_error(index, field, label, message, moreinfo))
    return row


def upsert(env, model, row):
    if row["dbid"]:
        orm_write(env, model, [row["dbid"]], row["vals"])
        return row["dbid"]
    if not row["xmlid"]:
        return create_one(env, model, row["vals"])
    module, name = split_xmlid(row["xmlid"])
    imd = find_xmlid(env, module, name)
    if imd and imd["model"] == model and env.exists(model, imd["res_id"]):
        orm_write(env, model, [imd["res_id"]], row["vals"])
        return imd["res_id"]
    rid = create_one(env, model, row["vals"])
    if imd:  # dangling external id: point it at the new record
        env.update("ir.model.data", imd["id"], {"model": model, "res_id": rid})
    else:    # load() writes external ids as superuser: no ir.model.data rights needed
        create_one(env, "ir.model.data", {"module": module, "name": name, "model": model, "res_id": rid})
    return rid


@rpc(name="load", model_level=True, acl="create")
def m_load(env, target, fields, data):
    """Idempotent upsert by external id; row errors come back in `messages` and nothing is written."""
    columns = [load_column(env, target.model, column) for column in fields]
    rows = [load_row(env, target.model, columns, cells, index) for index, cells in enumerate(data)]
    messages = [error for row in rows for error in row["errors"]]
    if messages:
        return {"ids": False, "messages": messages, "nextrow": 0}
    env.savepoint()
    ids = []
    for row in rows:
        try:
            ids.append(upsert(env, target.model, row))
        except OdooError as err:
            env.rollback_to_savepoint()
            return {"ids": False, "messages": [load_error(row["index"], None, None, err.message)], "nextrow": 0}
    env.release()
    return {"ids": ids, "messages": [], "nextrow": 0}


# ----------------------------------------------------------------------------
# Base data: companies, users, partners, products
# ----------------------------------------------------------------------------

@display("product.product")
def _product_name(env, rec):
    return f"[{rec['default_code']}] {rec['name']}" if rec.get("default_code") else rec["name"]


@hook(DEFAULTS, "product.product")
def _product_defaults(env, vals):
    return {"tracking": "none", "uom_id": 1, "type": "consu", "is_storable": True}


@display("maintenance.equipment")
def _equipment_name(env, rec):
    return f"{rec['name']}/{rec['serial_no']}" if rec.get("serial_no") else rec["name"]


@display("mrp.workcenter.productivity.loss.type")
def _loss_type_name(env, rec):
    return dict(env.schema.spec("mrp.workcenter.productivity.loss.type", "loss_type")["selection"])[rec["loss_type"]]


@display("mrp.workorder")
def _workorder_name(env, rec):
    production = env.table("mrp.production").get(rec.get("production_id"))
    return f"{production['name']} - {rec['name']}" if production else rec["name"]


@display("stock.picking.type")
def _picking_type_name(env, rec):
    warehouse = env.table("stock.warehouse").get(rec.get("warehouse_id"))
    return f"{warehouse['name']}: {rec['name']}" if warehouse else rec["name"]


@computed("res.partner", "company_type")
def _company_type(env, rec):
    return "company" if rec.get("is_company") else "person"


@hook(DEFAULTS, "res.partner")
def _partner_defaults(env, vals):
    return {"type": "contact"}


@hook(ON_CREATE, "res.partner")
def _partner_check_name(env, rec):
    # SQL constraint res_partner_check_name, converted by Odoo (ODOO19 capture 24)
    if rec.get("type", "contact") == "contact" and not rec.get("name"):
        raise validation_error("The operation cannot be completed: Contacts require a name")


@hook(ON_UNLINK, "res.users")
def _users_unlink(env, recs):
    if any(r["id"] == 1 for r in recs):  # ODOO19 capture 27
        raise user_error("You can not remove the admin user as it is used internally for resources created by "
                         "Odoo (updates, module installation, ...)")


@rpc("res.users", acl=None)
def has_group(env, target, group_ext_id):
    user = ensure_one(env, target)
    return group_ext_id in user_group_xmlids(env, user)


# ----------------------------------------------------------------------------
# Stock: locations, quants, moves, lots
# ----------------------------------------------------------------------------

def location_complete_name(env, rec):
    parent = env.table("stock.location").get(rec.get("location_id"))
    if parent and rec.get("usage") != "view":
        return f"{parent.get('complete_name') or location_complete_name(env, parent)}/{rec['name']}"
    return rec["name"]


@display("stock.location")
def _location_name(env, rec):
    return rec.get("complete_name") or rec["name"]


def _location_recompute(env, rec, *_):
    env.update("stock.location", rec["id"], {"complete_name": location_complete_name(env, rec)}, log_access=False)
    for child in env.search_raw("stock.location", lambda r: r.get("location_id") == rec["id"]):
        _location_recompute(env, child)


ON_CREATE["stock.location"] = ON_WRITE["stock.location"] = _location_recompute


def child_location_ids(env, location_id):
    ids, frontier = {location_id}, [location_id]
    while frontier:
        parent = frontier.pop()
        for rec in env.table("stock.location").values():
            if rec.get("location_id") == parent and rec["id"] not in ids:
                ids.add(rec["id"])
                frontier.append(rec["id"])
    return ids


def warehouse(env):
    rec = next(iter(sorted(env.table("stock.warehouse").values(), key=lambda r: r["id"])), None)
    if rec is None:
        raise user_error("The double has no stock.warehouse in its seed.")
    return rec


def location_by_usage(env, usage):
    for rec in sorted(env.table("stock.location").values(), key=lambda r: r["id"]):
        if rec.get("usage") == usage and rec.get("active", True):
            return rec["id"]
    return False


def product(env, product_id):
    return env.get("product.product", product_id)


def find_quant(env, product_id, location_id, lot_id):
    for rec in env.table("stock.quant").values():
        if (rec["product_id"], rec["location_id"], rec.get("lot_id") or False) == (product_id, location_id, lot_id or False):
            return rec
    return None


def quant_add(env, product_id, location_id, lot_id, quantity=0.0, reserved=0.0):
    """Adds to a quant (creating it); zero quants are removed, as Odoo's quant cleanup does."""
    rec = find_quant(env, product_id, location_id, lot_id)
    if rec is None:
        if not quantity and not reserved:
            return
        env.insert("stock.quant", {"product_id": product_id, "location_id": location_id, "lot_id": lot_id or False,
                                   "quantity": float(quantity), "reserved_quantity": float(reserved),
                                   "in_date": env.now_str(), "company_id": 1, "inventory_quantity": 0.0})
        return
    new_qty = round(rec["quantity"] + quantity, 6)
    new_reserved = round(max(rec.get("reserved_quantity", 0.0) + reserved, 0.0), 6)
    if not new_qty and not new_reserved and not rec.get("inventory_quantity_set"):
        env.delete("stock.quant", rec["id"])
    else:
        env.update("stock.quant", rec["id"], {"quantity": new_qty, "reserved_quantity": new_reserved})


def available_quants(env, product_id, location_id, lot_id=None):
    locations = child_location_ids(env, location_id)
    quants = [q for q in env.table("stock.quant").values()
              if q["product_id"] == product_id and q["location_id"] in locations
              and (lot_id is None or (q.get("lot_id") or False) == (lot_id or False))]
    return sorted(quants, key=lambda q: (q.get("in_date") or "", q["id"]))  # FIFO


def available_qty(env, product_id, location_id, lot_id=None):
    return sum(q["quantity"] - q.get("reserved_quantity", 0.0) for q in available_quants(env, product_id, location_id, lot_id))


@computed("stock.quant", "available_quantity")
def _quant_available(env, rec):
    return rec["quantity"] - rec.get("reserved_quantity", 0.0)


@computed("stock.quant", "inventory_diff_quantity")
def _quant_diff(env, rec):
    return (rec.get("inventory_quantity") or 0.0) - rec["quantity"] if rec.get("inventory_quantity_set") else 0.0


@rpc("stock.quant")
def action_apply_inventory(env, target):
    """Inventory adjustment: quantity becomes inventory_quantity (move from/to the inventory location)."""
    inventory = location_by_usage(env, "inventory")
    for quant in env.browse("stock.quant", target.ids):
        diff = (quant.get("inventory_quantity") or 0.0) - quant["quantity"]
        env.update("stock.quant", quant["id"], {"inventory_quantity_set": False, "inventory_quantity": 0.0})
        if diff:
            src, dest = (inventory, quant["location_id"]) if diff > 0 else (quant["location_id"], inventory)
            create_done_move(env, quant["product_id"], abs(diff), src, dest, quant.get("lot_id"),
                             name="Product Quantity Updated", is_inventory=True)


@hook(ON_WRITE, "stock.quant")
def _quant_written(env, rec, vals, before):
    if "inventory_quantity" in vals:
        env.update("stock.quant", rec["id"], {"inventory_quantity_set": True})


@rpc("stock.quant")
def move_quants(env, target, location_dest_id=False, package_dest_id=False, message=False, unpack=False):
    # ODOO18 s_stock: it expects a recordset, so any RPC value fails like this.
    raise attribute_error(f"'{type(location_dest_id).__name__}' object has no attribute 'id'")


@computed("stock.lot", "product_qty")
def _lot_qty(env, rec):
    internal = {r["id"] for r in env.table("stock.location").values() if r.get("usage") == "internal"}
    return sum(q["quantity"] for q in env.table("stock.quant").values()
               if q.get("lot_id") == rec["id"] and q["location_id"] in internal)


@computed("stock.lot", "product_uom_id")
def _lot_uom(env, rec):
    return product(env, rec["product_id"]).get("uom_id") or False


@hook(ON_CREATE, "stock.lot")
def _lot_unique(env, rec):
    if any(r["name"] == rec["name"] and r["product_id"] == rec["product_id"] and r["id"] != rec["id"]
           for r in env.table("stock.lot").values()):  # not captured: message from Odoo 18 source
        raise validation_error(
            "The combination of lot/serial number and product must be unique within a company including when no "
            "company is defined.\nThe following combinations contain duplicates:\n"
            f" - Product: {display_name(env, 'product.product', rec['product_id'])}, Lot/Serial Number: {rec['name']}")


def new_lot(env, product_id, name=None):
    name = name or f"{env.db.next_number('stock.lot.serial'):07d}"  # "0000002", as in ODOO18 s_mrp
    return create_one(env, "stock.lot", {"name": name, "product_id": product_id})


@hook(DEFAULTS, "stock.move")
def _move_defaults(env, vals):
    prod = env.table("product.product").get(vals.get("product_id")) or {}
    defaults = {"state": "draft", "company_id": 1, "date": env.now_str(), "product_uom": prod.get("uom_id") or 1,
                "procure_method": "make_to_stock", "quantity": 0.0, "picked": False}
    if env.schema.spec("stock.move", "name"):
        defaults["name"] = vals.get("name") or prod.get("name") or "/"
    return defaults


@computed("stock.move", "reference")
def _move_reference(env, rec):
    for field, model in (("picking_id", "stock.picking"), ("raw_material_production_id", "mrp.production"),
                         ("production_id", "mrp.production")):
        if rec.get(field):
            return display_name(env, model, rec[field])
    return rec.get("name") or rec.get("_label") or False


@computed("stock.move", "lot_ids")
def _move_lots(env, rec):
    lots = [line.get("lot_id") for line in move_lines(env, rec)]
    return sorted({lot for lot in lots if lot})


@computed("stock.move", "product_qty")
def _move_product_qty(env, rec):
    return rec.get("product_uom_qty", 0.0)


@computed("stock.move", "is_done")
def _move_is_done(env, rec):
    return rec.get("state") == "done"


@computed("stock.move", "should_consume_qty")
def _move_should_consume(env, rec):
    return 0.0


@hook(DEFAULTS, "stock.move.line")
def _move_line_defaults(env, vals):
    move = env.table("stock.move").get(vals.get("move_id")) or {}
    return {"company_id": 1, "date": env.now_str(), "product_id": move.get("product_id", False),
            "product_uom_id": move.get("product_uom") or 1, "location_id": move.get("location_id", False),
            "location_dest_id": move.get("location_dest_id", False), "picking_id": move.get("picking_id", False),
            "state": move.get("state", "draft"), "quantity": 0.0, "picked": False}


def move_lines(env, move):
    return sorted((r for r in env.table("stock.move.line").values() if r.get("move_id") == move["id"]),
                  key=lambda r: r["id"])


def state_for_quantity(move):
    """Move state from its reserved/picked quantity (not for draft/done/cancel moves)."""
    if move["state"] in ("draft", "done", "cancel"):
        return move["state"]
    qty, demand = move.get("quantity", 0.0), move.get("product_uom_qty", 0.0)
    if qty >= demand > 0 or (qty and qty >= demand):
        return "assigned"
    return "partially_available" if qty > 0 else "confirmed"


def sync_line_reservation(env, line):
    """Keeps the quant reservation of a not-done move line equal to its quantity (internal `_reserved`)."""
    if line.get("state") in ("done", "cancel"):
        return
    held = line.get("_reserved")  # (location, lot, qty) currently reserved on a quant
    if held:
        quant_add(env, line["product_id"], held[0], held[1], reserved=-held[2])
    location = env.table("stock.location").get(line["location_id"]) or {}
    qty = line.get("quantity", 0.0)
    if location.get("usage") == "internal" and qty > 0:
        quant_add(env, line["product_id"], line["location_id"], line.get("lot_id") or False, reserved=qty)
        env.update("stock.move.line", line["id"], {"_reserved": [line["location_id"], line.get("lot_id") or False, qty]})
    elif held:
        env.update("stock.move.line", line["id"], {"_reserved": None})


def set_move_quantity(env, move, quantity, picked=None):
    """Sets a move's quantity through its lines (first lines first), as the quantity inverse does."""
    remaining = quantity
    lines = move_lines(env, move)
    for i, line in enumerate(lines):
        take = remaining if i == len(lines) - 1 else min(remaining, line.get("quantity", 0.0))
        vals = {"quantity": max(take, 0.0)}
        if picked is not None:
            vals["picked"] = picked
        env.update("stock.move.line", line["id"], vals)
        sync_line_reservation(env, env.get("stock.move.line", line["id"]))
        remaining -= take
    if not lines and quantity > 0:
        create_one(env, "stock.move.line", {"move_id": move["id"], "quantity": quantity, "picked": bool(picked)})
    vals = {"quantity": float(quantity)}
    if picked is not None:
        vals["picked"] = picked
    env.update("stock.move", move["id"], vals)
    env.update("stock.move", move["id"], {"state": state_for_quantity(env.get("stock.move", move["id"]))})


@hook(ON_WRITE, "stock.move")
def _move_written(env, rec, vals, before):
    if "quantity" in vals and rec["state"] not in ("done", "cancel"):
        set_move_quantity(env, rec, rec["quantity"], vals.get("picked"))
    elif "picked" in vals:
        for line in move_lines(env, rec):
            env.update("stock.move.line", line["id"], {"picked": rec["picked"]})


def sync_move_from_lines(env, line):
    """stock.move.quantity is a stored compute of its lines' quantities (and picked follows them)."""
    move = env.table("stock.move").get(line.get("move_id"))
    if move and move["state"] not in ("done", "cancel"):
        lines = move_lines(env, move)
        env.update("stock.move", move["id"], {"quantity": sum(l.get("quantity", 0.0) for l in lines),
                                              "picked": all(l.get("picked") for l in lines)})
        env.update("stock.move", move["id"], {"state": state_for_quantity(env.get("stock.move", move["id"]))})


@hook(ON_WRITE, "stock.move.line")
def _move_line_written(env, rec, vals, before):
    if {"quantity", "lot_id", "location_id"} & set(vals):
        sync_line_reservation(env, rec)
    sync_move_from_lines(env, rec)


@hook(ON_CREATE, "stock.move.line")
def _move_line_created(env, rec):
    sync_line_reservation(env, rec)
    sync_move_from_lines(env, rec)  # a line created by hand (import/load) counts at once


def reserve_move(env, move):
    """Reserves the missing quantity FIFO from the source location (lots included)."""
    if move["state"] in ("draft", "done", "cancel"):
        return
    prod = product(env, move["product_id"])
    missing = move["product_uom_qty"] - move.get("quantity", 0.0)
    if missing > 0 and not prod.get("is_storable", True):
        create_one(env, "stock.move.line", {"move_id": move["id"], "quantity": missing})
        missing = 0
    for quant in available_quants(env, move["product_id"], move["location_id"]):
        free = quant["quantity"] - quant.get("reserved_quantity", 0.0)
        if missing <= 0:
            break
        if free <= 0:
            continue
        take = min(free, missing)
        create_one(env, "stock.move.line", {"move_id": move["id"], "quantity": take, "lot_id": quant.get("lot_id") or False,
                                            "location_id": quant["location_id"]})
        missing -= take
    lines = move_lines(env, move)
    env.update("stock.move", move["id"], {"quantity": sum(l.get("quantity", 0.0) for l in lines)})
    env.update("stock.move", move["id"], {"state": state_for_quantity(env.get("stock.move", move["id"]))})


def confirm_move(env, move):
    if move["state"] == "draft":
        env.update("stock.move", move["id"], {"state": "confirmed"})


def done_move(env, move, lot_id=None):
    """Posts a move: releases reservations and moves quants line by line."""
    if move["state"] in ("done", "cancel"):
        return
    lines = move_lines(env, move)
    if not lines and move.get("quantity", 0.0) > 0:
        create_one(env, "stock.move.line", {"move_id": move["id"], "quantity": move["quantity"], "lot_id": lot_id or False})
        lines = move_lines(env, move)
    for line in lines:
        held = line.get("_reserved")
        if held:
            quant_add(env, line["product_id"], held[0], held[1], reserved=-held[2])
        lot = line.get("lot_id") or lot_id or False
        quant_add(env, line["product_id"], line["location_id"], lot, quantity=-line["quantity"])
        quant_add(env, line["product_id"], line["location_dest_id"], lot, quantity=line["quantity"])
        env.update("stock.move.line", line["id"], {"state": "done", "lot_id": lot, "_reserved": None, "picked": True})
    env.update("stock.move", move["id"], {"state": "done", "picked": True,
                                          "quantity": sum(l["quantity"] for l in move_lines(env, move))})


def cancel_move(env, move):
    if move["state"] in ("done", "cancel"):
        return
    for line in move_lines(env, move):
        if line.get("_reserved"):
            held = line["_reserved"]
            quant_add(env, line["product_id"], held[0], held[1], reserved=-held[2])
        env.delete("stock.move.line", line["id"])
    env.update("stock.move", move["id"], {"state": "cancel", "quantity": 0.0})


def create_done_move(env, product_id, qty, src, dest, lot_id=None, name=None, **vals):
    if env.schema.spec("stock.move", "name"):
        vals["name"] = name
    mid = create_one(env, "stock.move", {"product_id": product_id, "product_uom_qty": qty, "location_id": src,
                                         "location_dest_id": dest, **vals})
    env.update("stock.move", mid, {"state": "assigned", "_label": name})  # 19 has no stock.move.name
    create_one(env, "stock.move.line", {"move_id": mid, "quantity": qty, "lot_id": lot_id or False, "picked": True})
    done_move(env, env.get("stock.move", mid), lot_id)
    return mid


# ----------------------------------------------------------------------------
# Stock: scrap, relocation, internal pickings
# ----------------------------------------------------------------------------

@hook(DEFAULTS, "stock.scrap")
def _scrap_defaults(env, vals):
    prod = env.table("product.product").get(vals.get("product_id")) or {}
    return {"name": "New", "state": "draft", "company_id": 1, "product_uom_id": prod.get("uom_id") or 1,
            "scrap_qty": 1.0, "location_id": scrap_source_location(env, vals),
            "scrap_location_id": env.flavor.default_scrap_location(env), "should_replenish": False}


def scrap_source_location(env, vals):
    # ODOO18 §7: the MO's source location while it runs, its destination once done.
    production = env.table("mrp.production").get(vals.get("production_id"))
    if production:
        return production["location_dest_id"] if production["state"] == "done" else production["location_src_id"]
    return warehouse(env)["lot_stock_id"]


@rpc("stock.scrap")
def action_validate(env, target):
    for scrap in env.browse("stock.scrap", target.ids):
        if scrap["state"] == "done":
            continue
        available = available_qty(env, scrap["product_id"], scrap["location_id"], scrap.get("lot_id") or None)
        if scrap["scrap_qty"] > available + 1e-9:
            return insufficient_scrap_action(env, scrap)
        do_scrap_one(env, scrap)
    return True


def insufficient_scrap_action(env, scrap):
    # verbatim shape, ODOO18 s_stock / ODOO19 4.32
    uom = env.table("uom.uom").get(scrap["product_uom_id"]) or {"name": "Units"}
    return {"name": f"{display_name(env, 'product.product', scrap['product_id'])}: Insufficient Quantity To Scrap",
            "view_mode": "form", "res_model": "stock.warn.insufficient.qty.scrap", "view_id": env.flavor.scrap_view_id,
            "type": "ir.actions.act_window",
            "context": {"default_product_id": scrap["product_id"], "default_location_id": scrap["location_id"],
                        "default_scrap_id": scrap["id"], "default_quantity": float(scrap["scrap_qty"]),
                        "default_product_uom_name": uom["name"]},
            "target": "new"}


@rpc("stock.scrap")
def do_scrap(env, target):
    for scrap in env.browse("stock.scrap", target.ids):
        if scrap["state"] != "done":
            do_scrap_one(env, scrap)
    return True


def do_scrap_one(env, scrap):
    name = f"SP/{env.db.next_number('stock.scrap'):05d}"
    env.update("stock.scrap", scrap["id"], {"name": name})
    link = {}
    production = env.table("mrp.production").get(scrap.get("production_id"))
    if production:  # finished product -> production_id; component -> raw_material_production_id
        key = "production_id" if scrap["product_id"] == production["product_id"] else "raw_material_production_id"
        link[key] = production["id"]
    create_done_move(env, scrap["product_id"], scrap["scrap_qty"], scrap["location_id"], scrap["scrap_location_id"],
                     scrap.get("lot_id"), name=name, scrap_id=scrap["id"], **link)
    env.update("stock.scrap", scrap["id"], {"state": "done", "date_done": env.now_str()})


@rpc("stock.warn.insufficient.qty.scrap")
def action_done(env, target):
    for wizard in env.browse("stock.warn.insufficient.qty.scrap", target.ids):
        do_scrap(env, RecordSet("stock.scrap", [wizard["scrap_id"]]))
    return True


@rpc("stock.quant.relocate")
def action_relocate_quants(env, target):
    """Moves whole quants to dest_location_id as done inventory moves (ODOO18 §7 way A)."""
    wizard = ensure_one(env, target)
    for quant in env.browse("stock.quant", list(wizard.get("quant_ids") or [])):
        if quant["quantity"] > 0:
            create_done_move(env, quant["product_id"], quant["quantity"], quant["location_id"],
                             wizard["dest_location_id"], quant.get("lot_id"),
                             name=wizard.get("message") or "Quantity Relocated", is_inventory=True)
    stock_id = warehouse(env)["lot_stock_id"]
    return {"name": "Locations", "view_mode": "list,form,pivot,graph", "res_model": "stock.quant",
            "type": "ir.actions.act_window",
            "context": {"always_show_loc": 1, "search_default_internal_loc": 1, "default_location_id": stock_id,
                        "hide_location": False, "inventory_mode": True, "inventory_report_mode": True},
            "domain": [],
            "help": "\n                <p class=\"o_view_nocontent_empty_folder\">No Stock On Hand</p>\n"
                    "                <p>This analysis gives you an overview of the current stock level of your products.</p>\n"
                    "                ",
            "id": 258, "view_id": 692, "views": [[692, "list"], [691, "form"], [695, "pivot"], [696, "graph"]]}


def sequence_name(env, picking_type_id):
    ptype = env.get("stock.picking.type", picking_type_id)
    wh = env.table("stock.warehouse").get(ptype.get("warehouse_id")) or warehouse(env)
    number = env.db.next_number(f"stock.picking.type.{picking_type_id}")
    return f"{wh['code']}/{ptype.get('sequence_code') or 'OP'}/{number:05d}"


@hook(DEFAULTS, "stock.picking")
def _picking_defaults(env, vals):
    ptype = env.table("stock.picking.type").get(vals.get("picking_type_id")) or {}
    return {"state": "draft", "move_type": "direct", "company_id": 1, "scheduled_date": env.now_str(),
            "priority": "0", "location_id": ptype.get("default_location_src_id", False),
            "location_dest_id": ptype.get("default_location_dest_id", False)}


@hook(ON_CREATE, "stock.picking")
def _picking_created(env, rec):
    env.update("stock.picking", rec["id"], {"name": sequence_name(env, rec["picking_type_id"])})


@hook(DEFAULTS, "stock.picking.type")
def _picking_type_defaults(env, vals):
    return {"reservation_method": "at_confirm", "company_id": 1, "create_backorder": "ask", "move_type": "direct",
            "sequence_code": "OP", "sequence": 10}


def picking_moves(env, picking):
    return sorted((m for m in env.table("stock.move").values() if m.get("picking_id") == picking["id"]),
                  key=lambda m: m["id"])


@rpc("stock.picking", name="action_confirm")
def picking_confirm(env, target):
    for picking in env.browse("stock.picking", target.ids):
        for move in picking_moves(env, picking):
            confirm_move(env, move)
        if picking["state"] == "draft":
            env.update("stock.picking", picking["id"], {"state": "confirmed"})
    return True


@rpc("stock.picking", name="action_assign")
def picking_assign(env, target):
    for picking in env.browse("stock.picking", target.ids):
        for move in picking_moves(env, picking):
            reserve_move(env, move)
        moves = picking_moves(env, picking)
        state = "assigned" if moves and all(m["state"] == "assigned" for m in moves) else picking["state"]
        env.update("stock.picking", picking["id"], {"state": state})
    return True


@rpc("stock.picking")
def button_validate(env, target):
    pickings = env.browse("stock.picking", target.ids)
    short = [p for p in pickings if any(m["quantity"] < m["product_uom_qty"] for m in picking_moves(env, p))]
    if short and not env.context.get("skip_backorder"):
        # not captured verbatim (ODOO18 §7 only names the wizard)
        return {"name": "Create Backorder?", "type": "ir.actions.act_window", "view_mode": "form",
                "res_model": "stock.backorder.confirmation", "views": [[False, "form"]], "target": "new",
                "context": {"button_validate_picking_ids": target.ids,
                            "default_pick_ids": [[4, p["id"]] for p in short]}}
    for picking in pickings:
        validate_picking(env, picking, backorder=False)
    return True


def validate_picking(env, picking, backorder):
    remaining = []
    for move in picking_moves(env, picking):
        left = move["product_uom_qty"] - move["quantity"]
        if left > 0 and backorder:
            remaining.append({"product_id": move["product_id"], "product_uom_qty": left,
                              "location_id": move["location_id"], "location_dest_id": move["location_dest_id"]})
        env.update("stock.move", move["id"], {"product_uom_qty": move["quantity"]})
        done_move(env, env.get("stock.move", move["id"]))
    env.update("stock.picking", picking["id"], {"state": "done", "date_done": env.now_str()})
    if remaining:
        create_one(env, "stock.picking", {"picking_type_id": picking["picking_type_id"],
                                          "location_id": picking["location_id"],
                                          "location_dest_id": picking["location_dest_id"],
                                          "origin": picking.get("origin") or False, "backorder_id": picking["id"],
                                          "move_ids": [[0, 0, vals] for vals in remaining]})


@rpc("stock.backorder.confirmation")
def process(env, target):
    for picking in env.browse("stock.picking", ensure_one(env, target)["pick_ids"]):
        validate_picking(env, picking, backorder=True)
    return True


@rpc("stock.backorder.confirmation")
def process_cancel_backorder(env, target):
    for picking in env.browse("stock.picking", ensure_one(env, target)["pick_ids"]):
        validate_picking(env, picking, backorder=False)
    return True


# ----------------------------------------------------------------------------
# MRP: manufacturing orders
# ----------------------------------------------------------------------------

def raw_moves(env, mo):
    return sorted((m for m in env.table("stock.move").values() if m.get("raw_material_production_id") == mo["id"]),
                  key=lambda m: (m.get("sequence") or 0, m["id"]))


def finished_moves(env, mo):
    return sorted((m for m in env.table("stock.move").values()
                   if m.get("production_id") == mo["id"] and not m.get("scrap_id")), key=lambda m: m["id"])


def workorders(env, mo):
    return sorted((w for w in env.table("mrp.workorder").values() if w.get("production_id") == mo["id"]),
                  key=lambda w: (w.get("sequence") or 0, w["id"]))


def unit_factor(mo, move):
    return move["product_uom_qty"] / mo["product_qty"] if mo["product_qty"] else 0.0


def default_bom(env, product_id):
    boms = [b for b in env.table("mrp.bom").values() if b.get("product_id") == product_id and b.get("active", True)]
    return min(boms, key=lambda b: b["id"])["id"] if boms else False


def manufacturing_type(env):
    types = [t for t in env.table("stock.picking.type").values() if t.get("code") == "mrp_operation"]
    return min(types, key=lambda t: t["id"]) if types else {}


@hook(DEFAULTS, "mrp.production")
def _production_defaults(env, vals):
    prod = env.table("product.product").get(vals.get("product_id")) or {}
    bom_id = vals.get("bom_id") or default_bom(env, vals.get("product_id"))
    bom = env.table("mrp.bom").get(bom_id) or {}
    ptype = manufacturing_type(env)
    stock = ptype.get("default_location_src_id") or warehouse(env)["lot_stock_id"]
    return {"state": "draft", "product_qty": 1.0, "product_uom_id": prod.get("uom_id") or 1, "bom_id": bom_id,
            "picking_type_id": ptype.get("id", False), "location_src_id": stock,
            "location_dest_id": ptype.get("default_location_dest_id") or stock,
            "production_location_id": location_by_usage(env, "production"), "date_start": env.now_str(),
            "company_id": 1, "consumption": bom.get("consumption") or "flexible", "qty_producing": 0.0,
            "qty_produced": 0.0, "user_id": env.uid, "priority": "0", "backorder_sequence": 0,
            "reservation_state": False, "is_locked": False}


@hook(ON_CREATE, "mrp.production")
def _production_created(env, mo):
    if not mo.get("name"):
        ptype = env.table("stock.picking.type").get(mo.get("picking_type_id")) or {}
        code = warehouse(env)["code"]
        number = env.db.next_number("mrp.production")
        env.update("mrp.production", mo["id"], {"name": f"{code}/{ptype.get('sequence_code') or 'MO'}/{number:05d}"})
    env.flavor.assign_production_group(env, env.get("mrp.production", mo["id"]))
    generate_moves_and_workorders(env, env.get("mrp.production", mo["id"]))


def generate_moves_and_workorders(env, mo):
    """Component moves, finished move and work orders from the BoM, scaled to product_qty."""
    bom = env.table("mrp.bom").get(mo.get("bom_id"))
    if not bom:
        return create_one(env, "stock.move", production_move_vals(env, mo, mo["product_id"], mo["product_qty"], False))
    ratio = mo["product_qty"] / (bom.get("product_qty") or 1.0)
    for line in sorted((l for l in env.table("mrp.bom.line").values() if l["bom_id"] == bom["id"]), key=lambda l: l["id"]):
        create_one(env, "stock.move", production_move_vals(env, mo, line["product_id"], line["product_qty"] * ratio, True))
    create_one(env, "stock.move", production_move_vals(env, mo, mo["product_id"], mo["product_qty"], False))
    operations = sorted((o for o in env.table("mrp.routing.workcenter").values() if o["bom_id"] == bom["id"]),
                        key=lambda o: (o.get("sequence") or 0, o["id"]))
    for op in operations:
        create_one(env, "mrp.workorder", {
            "name": op["name"], "workcenter_id": op["workcenter_id"], "production_id": mo["id"],
            "sequence": op.get("sequence") or 0, "product_uom_id": mo["product_uom_id"],
            "duration_expected": float(op.get("time_cycle_manual") or 0.0) * mo["product_qty"],
            "state": env.flavor.wo_waiting_state("pending")})


def production_move_vals(env, mo, product_id, qty, raw):
    vals = {"product_id": product_id, "product_uom_qty": qty, "origin": mo.get("origin") or False,
            "name": mo["name"]}
    if not env.schema.spec("stock.move", "name"):
        vals.pop("name")
    production_location = mo.get("production_location_id") or location_by_usage(env, "production")
    if raw:
        vals.update(location_id=mo["location_src_id"], location_dest_id=production_location,
                    raw_material_production_id=mo["id"])
    else:
        vals.update(location_id=production_location, location_dest_id=mo["location_dest_id"], production_id=mo["id"])
    return vals


def recompute_production_state(env, mo):
    """Odoo's stored `state` compute for running MOs (draft/done/cancel are only set by actions)."""
    if mo["state"] in ("draft", "done", "cancel"):
        return
    wos = workorders(env, mo)
    raws = raw_moves(env, mo)
    if wos and all(w["state"] in ("done", "cancel") for w in wos):
        state = "to_close"
    elif not wos and mo["qty_producing"] >= mo["product_qty"] > 0:
        state = "to_close"
    elif any(w["state"] in ("progress", "done") for w in wos) or mo["qty_producing"] or any(m.get("picked") for m in raws):
        state = "progress"
    else:
        state = "confirmed"
    pending = [m for m in raws if m["state"] not in ("done", "cancel")]
    reservation = ("assigned" if all(m["state"] == "assigned" for m in pending) else "confirmed") if pending else "assigned"
    env.update("mrp.production", mo["id"], {"state": state, "reservation_state": reservation}, log_access=False)


RECOMPUTE["mrp.production"] = recompute_production_state


@computed("mrp.production", "components_availability_state")
def _components_availability(env, mo):
    if mo["state"] in ("draft", "done", "cancel"):
        return False
    return "available" if all(m["state"] in ("assigned", "done") for m in raw_moves(env, mo)) else "unavailable"


@computed("mrp.production", "product_tracking")
def _production_tracking(env, mo):
    return product(env, mo["product_id"]).get("tracking") or "none"


@computed("mrp.production", "mrp_production_backorder_count")
def _backorder_count(env, mo):
    return len(productions_in_group(env, mo))


@computed("mrp.production", "scrap_count")
def _scrap_count(env, mo):
    return sum(1 for s in env.table("stock.scrap").values() if s.get("production_id") == mo["id"])


def productions_in_group(env, mo):
    key = env.flavor.production_group_field
    return [m for m in env.table("mrp.production").values() if mo.get(key) and m.get(key) == mo.get(key)]


def sync_workorder_states(env, mo):
    """Ready work orders: the first open one (with operation dependencies) or all of them."""
    bom = env.table("mrp.bom").get(mo.get("bom_id")) or {}
    sequential = bom.get("allow_workorder_dependencies")
    components_ok = mo.get("reservation_state") == "assigned"
    blocked_by_previous = False
    for wo in workorders(env, mo):
        if wo["state"] in ("progress", "done", "cancel"):
            blocked_by_previous = blocked_by_previous or wo["state"] == "progress"
            continue
        if sequential and blocked_by_previous:
            state = env.flavor.wo_waiting_state("pending")
        elif not components_ok:
            state = env.flavor.wo_waiting_state("waiting")
        else:
            state = "ready"
        env.update("mrp.workorder", wo["id"], {"state": state}, log_access=False)
        blocked_by_previous = True


@rpc("mrp.production", name="action_confirm")
def production_confirm(env, target):
    for mo in env.browse("mrp.production", target.ids):
        if mo["state"] != "draft":
            continue
        env.update("mrp.production", mo["id"], {"state": "confirmed"})
        for move in raw_moves(env, mo) + finished_moves(env, mo):
            confirm_move(env, move)
        assign_production(env, env.get("mrp.production", mo["id"]))
    return True


def assign_production(env, mo):
    for move in raw_moves(env, mo):
        reserve_move(env, move)
    env.flush()
    sync_workorder_states(env, env.get("mrp.production", mo["id"]))


@rpc("mrp.production", name="action_assign")
def production_assign(env, target):
    for mo in env.browse("mrp.production", target.ids):
        if mo["state"] not in ("draft", "done", "cancel"):
            assign_production(env, mo)
    return True


@rpc("mrp.production")
def set_qty_producing(env, target):
    """Propagates qty_producing to the component moves (quantity, picked) -- returns None."""
    for mo in env.browse("mrp.production", target.ids):
        for move in raw_moves(env, mo):
            if move["state"] not in ("done", "cancel"):
                set_move_quantity(env, move, round(unit_factor(mo, move) * mo["qty_producing"], 6), picked=True)


@rpc("mrp.production")
def action_generate_serial(env, target, workorder=False):
    for mo in env.browse("mrp.production", target.ids):
        if not env.flavor.mo_lot_id(mo):
            env.update("mrp.production", mo["id"], env.flavor.mo_lot_vals(new_lot(env, mo["product_id"])))


@hook(ON_WRITE, "mrp.production")
def _production_written(env, mo, vals, before):
    # A lot written on a done MO rewrites the finished move lines (ODOO18 §3.8).
    if mo["state"] == "done" and env.flavor.mo_lot_field in vals:
        relabel_finished_lot(env, mo, before)


def relabel_finished_lot(env, mo, before):
    new_lot_id = env.flavor.mo_lot_id(mo)
    for move in finished_moves(env, mo):
        for line in move_lines(env, move):
            old_lot = line.get("lot_id") or False
            if old_lot == new_lot_id:
                continue
            for location, sign in ((line["location_id"], -1), (line["location_dest_id"], 1)):
                quant_add(env, line["product_id"], location, old_lot, quantity=-sign * line["quantity"])
                quant_add(env, line["product_id"], location, new_lot_id, quantity=sign * line["quantity"])
            env.update("stock.move.line", line["id"], {"lot_id": new_lot_id})


def auto_production_ok(env, mo):
    """Odoo's _auto_production_checks, as the facts describe it (ODOO18 §3.8-3.9)."""
    tracking = product(env, mo["product_id"]).get("tracking") or "none"
    if tracking == "serial" and mo["product_qty"] > 1:
        return False
    return tracking == "none" or mo.get("reservation_state") == "assigned"


def set_quantities(env, mo):
    """Produce everything (auto path): qty_producing = product_qty, components picked, lot generated."""
    env.update("mrp.production", mo["id"], {"qty_producing": mo["product_qty"] - mo.get("qty_produced", 0.0)})
    set_qty_producing(env, RecordSet("mrp.production", [mo["id"]]))
    ensure_finished_lot(env, env.get("mrp.production", mo["id"]))


def ensure_finished_lot(env, mo):
    if product(env, mo["product_id"]).get("tracking", "none") != "none" and not env.flavor.mo_lot_id(mo):
        env.update("mrp.production", mo["id"], env.flavor.mo_lot_vals(new_lot(env, mo["product_id"])))


def batch_produce_action(env, mo):
    # The facts name the wizard and its context only; the other keys are a minimal act_window.
    return {"type": "ir.actions.act_window", "name": "Produce", "res_model": "mrp.batch.produce", "target": "new",
            "view_mode": "form", "views": [[False, "form"]], "context": {"default_production_id": mo["id"]}}


@rpc("mrp.production")
def action_mass_produce(env, target):
    return batch_produce_action(env, ensure_one(env, target))


def consumption_issues(env, mo):
    """Components consumed differently from the BoM (only for warning/strict consumption)."""
    if mo.get("consumption", "flexible") == "flexible" or not mo.get("bom_id"):
        return []
    issues = []
    for move in raw_moves(env, mo):
        expected = round(unit_factor(mo, move) * mo["qty_producing"], 6)
        consumed = move["quantity"] if move.get("picked") else 0.0
        if abs(expected - consumed) > 1e-6:
            issues.append({"mrp_production_id": mo["id"], "product_id": move["product_id"],
                           "consumption": mo["consumption"], "product_uom_id": move.get("product_uom") or 1,
                           "product_consumed_qty_uom": float(consumed), "product_expected_qty_uom": float(expected)})
    return issues


def running_workorder_check(env, mo):
    for wo in workorders(env, mo):
        if open_time_lines(env, workorder_id=wo["id"], loss_types=("productive", "performance")):
            raise user_error(f"Work order {wo['name']} is still running")


@rpc("mrp.production")
def button_mark_done(env, target):
    """Marks MOs done, or answers the wizard Odoo would open (batch produce, consumption, backorder)."""
    mos = env.browse("mrp.production", target.ids)
    todo = [mo for mo in mos if mo["state"] not in ("done", "cancel")]
    if not todo:
        return True  # already done: true again, no error (ODOO18 §3.9)
    for mo in todo:
        if mo["state"] == "draft":
            production_confirm(env, RecordSet("mrp.production", [mo["id"]]))
        running_workorder_check(env, mo)
    for mo in todo:
        if not mo["qty_producing"]:
            if not auto_production_ok(env, mo):
                return batch_produce_action(env, mo)
            set_quantities(env, mo)
    for mo in todo:
        pick_all_if_none_picked(env, env.get("mrp.production", mo["id"]))
    env.flush()  # intermediate states (e.g. to_close) are visible to automations, as in Odoo
    ctx = env.context
    if not ctx.get("skip_consumption"):
        issues = [line for mo in todo for line in consumption_issues(env, env.get("mrp.production", mo["id"]))]
        if issues:
            return env.flavor.consumption_action({
                "default_mrp_production_ids": target.ids,
                "default_mrp_consumption_warning_line_ids": [[0, 0, line] for line in issues],
                "form_view_ref": False})
    short = [mo["id"] for mo in todo if mo["qty_producing"] < mo["product_qty"]]
    if short and not ctx.get("skip_backorder"):
        return env.flavor.backorder_action({
            "always_backorder_mo_ids": [], "default_mrp_production_ids": target.ids,
            "default_mrp_production_backorder_line_ids": [[0, 0, {"mrp_production_id": i, "to_backorder": True}]
                                                          for i in short]})
    to_backorder = set(ctx.get("mo_ids_to_backorder") or []) | set(ctx.get("always_backorder_mo_ids") or [])
    return finish_productions(env, todo, [i for i in short if i in to_backorder])


def pick_all_if_none_picked(env, mo):
    """Odoo 17+: when no component is picked, all are picked with their current (reserved) quantity."""
    pending = [m for m in raw_moves(env, mo) if m["state"] not in ("done", "cancel")]
    if pending and not any(m.get("picked") for m in pending):
        for move in pending:
            orm_write(env, "stock.move", [move["id"]], {"picked": True})


def finish_productions(env, mos, backorder_ids):
    backorders = [split_production(env, env.get("mrp.production", i)) for i in backorder_ids]
    for mo in mos:
        post_production(env, env.get("mrp.production", mo["id"]))
    for bo in backorders:
        production_confirm(env, RecordSet("mrp.production", [bo]))
    if not backorders:
        return True
    # verbatim ODOO18 s_mrp2 / ODOO19 4.13
    return {"res_model": "mrp.production", "type": "ir.actions.act_window",
            "context": {"skip_backorder": False, "mo_ids_to_backorder": None},
            "views": [[False, "form"]], "view_mode": "form", "res_id": backorders[0]}


def split_production(env, mo):
    """Backorder for the unproduced quantity: MO renamed -001, backorder -00N (ODOO18 §3.6)."""
    done_qty, remaining = mo["qty_producing"], mo["product_qty"] - mo["qty_producing"]
    base = mo["name"].rsplit("-", 1)[0] if mo["backorder_sequence"] else mo["name"]
    if not mo["backorder_sequence"]:
        env.update("mrp.production", mo["id"], {"name": f"{base}-001", "backorder_sequence": 1})
    sequence = max(m["backorder_sequence"] for m in productions_in_group(env, mo) + [mo]) + 1
    for move in raw_moves(env, mo):
        env.update("stock.move", move["id"], {"product_uom_qty": round(unit_factor(mo, move) * done_qty, 6)})
    for move in finished_moves(env, mo):
        env.update("stock.move", move["id"], {"product_uom_qty": done_qty})
    env.update("mrp.production", mo["id"], {"product_qty": done_qty})
    group = {env.flavor.production_group_field: mo.get(env.flavor.production_group_field)}
    return create_one(env, "mrp.production", {
        "name": f"{base}-{sequence:03d}", "backorder_sequence": sequence, "product_id": mo["product_id"],
        "bom_id": mo.get("bom_id"), "product_qty": remaining, "origin": mo.get("origin") or False,
        "location_src_id": mo["location_src_id"], "location_dest_id": mo["location_dest_id"],
        "picking_type_id": mo["picking_type_id"], **group})


def post_production(env, mo):
    """Consumes components, produces the finished lot, closes work orders; MO becomes done."""
    for move in raw_moves(env, mo):
        if move["state"] in ("done", "cancel"):
            continue
        if move.get("picked"):
            done_move(env, move)
        else:  # an unpicked component is not consumed: cancelled with the rest (_post_inventory(cancel_backorder))
            cancel_move(env, move)
    ensure_finished_lot(env, mo)
    mo = env.get("mrp.production", mo["id"])
    lot_id = env.flavor.mo_lot_id(mo)
    for move in finished_moves(env, mo):
        if move["state"] not in ("done", "cancel"):
            for line in move_lines(env, move):
                env.delete("stock.move.line", line["id"])
            env.update("stock.move", move["id"], {"quantity": mo["qty_producing"]})
            done_move(env, env.get("stock.move", move["id"]), lot_id)
    for wo in workorders(env, mo):
        if wo["state"] not in ("done", "cancel"):
            fill_workorder_duration(env, wo)
            finish_workorder(env, env.get("mrp.workorder", wo["id"]))
    env.update("mrp.production", mo["id"], {"state": "done", "qty_produced": mo["qty_producing"],
                                            "date_finished": env.now_str(), "is_locked": True, "priority": "0"})


def fill_workorder_duration(env, wo):
    # A work order never timed gets its expected duration as a productive time line (Odoo's _set_duration).
    if workorder_duration(env, wo) == 0.0 and wo.get("duration_expected"):
        end = env.now
        start = end - dt.timedelta(minutes=wo["duration_expected"])
        create_one(env, "mrp.workcenter.productivity", {
            "workcenter_id": wo["workcenter_id"], "workorder_id": wo["id"], "loss_id": productive_loss(env),
            "date_start": fmt_dt(start), "date_end": fmt_dt(end), "description": "Time Tracking: " + env.user["name"]})


@rpc("mrp.production", name="action_cancel")
def production_cancel(env, target):
    for mo in env.browse("mrp.production", target.ids):
        if mo["state"] == "done":
            raise user_error("You cannot cancel a manufacturing order that is already done.")
        for move in raw_moves(env, mo) + finished_moves(env, mo):
            cancel_move(env, move)
        for wo in workorders(env, mo):
            close_time_lines(env, open_time_lines(env, workorder_id=wo["id"]))
            if wo["state"] != "done":
                env.update("mrp.workorder", wo["id"], {"state": "cancel"}, log_access=False)
        # the MO's cancel state is computed from its cancelled moves: no write_date bump
        env.update("mrp.production", mo["id"], {"state": "cancel"}, log_access=False)
    return True


@hook(ON_UNLINK, "mrp.production")
def _production_unlink(env, mos):
    for mo in mos:
        if mo["state"] == "done":  # verbatim ODOO19 4.20
            raise user_error("You cannot cancel a manufacturing order that is already done.")
    production_cancel(env, RecordSet("mrp.production", [mo["id"] for mo in mos]))
    for mo in mos:
        for move in raw_moves(env, mo) + finished_moves(env, mo):
            env.delete("stock.move", move["id"])
        for wo in workorders(env, mo):
            env.delete("mrp.workorder", wo["id"])


# --- wizards: backorder and consumption warning ----------------------------------

@computed("mrp.production.backorder", "show_backorder_lines")
def _show_backorder_lines(env, wizard):
    return len(wizard.get("mrp_production_ids") or []) > 1


def mark_done_with(env, ids, **context):
    env.context = {**env.context, **context}
    return button_mark_done(env, RecordSet("mrp.production", ids))


@rpc("mrp.production.backorder")
def action_backorder(env, target):
    wizard = ensure_one(env, target)
    lines = [l for l in env.table("mrp.production.backorder.line").values()
             if l.get("mrp_production_backorder_id") == wizard["id"]]
    to_backorder = [l["mrp_production_id"] for l in lines if l.get("to_backorder")]
    return mark_done_with(env, wizard["mrp_production_ids"], skip_backorder=True, mo_ids_to_backorder=to_backorder)


@rpc("mrp.production.backorder")
def action_close_mo(env, target):
    return mark_done_with(env, ensure_one(env, target)["mrp_production_ids"], skip_backorder=True,
                          mo_ids_to_backorder=[])


@rpc("mrp.consumption.warning", name="action_confirm")
def consumption_confirm(env, target):
    return mark_done_with(env, ensure_one(env, target)["mrp_production_ids"], skip_consumption=True)


@rpc("mrp.consumption.warning")
def action_set_qty(env, target):
    wizard = ensure_one(env, target)
    for mo in env.browse("mrp.production", wizard["mrp_production_ids"]):
        for move in raw_moves(env, mo):
            set_move_quantity(env, move, round(unit_factor(mo, move) * mo["qty_producing"], 6), picked=True)
    return mark_done_with(env, wizard["mrp_production_ids"], skip_consumption=True)


# ----------------------------------------------------------------------------
# MRP: work orders, work centers, productivity (time lines, downtime)
# ----------------------------------------------------------------------------

def productive_loss(env):
    losses = [l for l in env.table("mrp.workcenter.productivity.loss").values() if l.get("loss_type") == "productive"]
    if not losses:
        raise user_error("You need to define at least one productivity loss in the category 'Productivity'. "
                         "Create one from the Manufacturing app, menu: Configuration / Productivity Losses.")
    return min(losses, key=lambda l: (l.get("sequence") or 0, l["id"]))["id"]


def open_time_lines(env, workcenter_id=None, workorder_id=None, user_id=None, loss_types=None):
    return sorted((l for l in env.table("mrp.workcenter.productivity").values()
                   if not l.get("date_end")
                   and (workcenter_id is None or l["workcenter_id"] == workcenter_id)
                   and (workorder_id is None or l.get("workorder_id") == workorder_id)
                   and (user_id is None or l.get("user_id") == user_id)
                   and (loss_types is None or l.get("loss_type") in loss_types)), key=lambda l: l["id"])


def close_time_lines(env, lines):
    for line in lines:
        orm_write(env, "mrp.workcenter.productivity", [line["id"]], {"date_end": env.now_str()})


@hook(DEFAULTS, "mrp.workcenter.productivity")
def _productivity_defaults(env, vals):
    loss = env.table("mrp.workcenter.productivity.loss").get(vals.get("loss_id")) or {}
    return {"date_start": env.now_str(), "user_id": env.uid, "company_id": 1,
            "loss_type": loss.get("loss_type", False), "duration": 0.0}


def _productivity_changed(env, line, *_):
    loss = env.table("mrp.workcenter.productivity.loss").get(line.get("loss_id")) or {}
    env.update("mrp.workcenter.productivity", line["id"], {"loss_type": loss.get("loss_type", False),
                                                           "duration": productivity_duration(env, line)},
               log_access=False)


ON_CREATE["mrp.workcenter.productivity"] = ON_WRITE["mrp.workcenter.productivity"] = _productivity_changed


def productivity_duration(env, line):
    """Minutes; availability/quality losses only count the work center's working hours (ODOO18 §5 gotcha)."""
    if not line.get("date_end") or not line.get("date_start"):
        return 0.0
    start, end = parse_dt(line["date_start"]), parse_dt(line["date_end"])
    loss = env.table("mrp.workcenter.productivity.loss").get(line.get("loss_id")) or {}
    workcenter = env.table("mrp.workcenter").get(line["workcenter_id"]) or {}
    calendar_id = workcenter.get("resource_calendar_id")
    if loss.get("loss_type") in ("productive", "performance") or not calendar_id:
        return round((end - start).total_seconds() / 60.0, 2)
    return round(working_seconds(env, calendar_id, start, end) / 60.0, 2)


def working_seconds(env, calendar_id, start, end):
    """Overlap of [start, end] with the calendar's attendances (interpreted in UTC)."""
    attendances = [a for a in env.table("resource.calendar.attendance").values() if a["calendar_id"] == calendar_id]
    total, day = 0.0, start.replace(hour=0, minute=0, second=0, microsecond=0)
    while day <= end:
        for att in attendances:
            if int(att["dayofweek"]) == day.weekday():
                a = day + dt.timedelta(hours=att["hour_from"])
                b = day + dt.timedelta(hours=att["hour_to"])
                total += max(0.0, (min(b, end) - max(a, start)).total_seconds())
        day += dt.timedelta(days=1)
    return total


def recompute_workcenter_state(env, wc):
    """working_state from the newest open time line: none -> normal, productive/performance -> done, else blocked."""
    lines = open_time_lines(env, workcenter_id=wc["id"])
    if not lines:
        state = "normal"
    elif lines[-1].get("loss_type") in ("productive", "performance"):
        state = "done"
    else:
        state = "blocked"
    env.update("mrp.workcenter", wc["id"], {"working_state": state}, log_access=False)


RECOMPUTE["mrp.workcenter"] = recompute_workcenter_state


@hook(DEFAULTS, "mrp.workcenter")
def _workcenter_defaults(env, vals):
    resource = env.insert("resource.resource", {"name": vals.get("name") or "Work Center"})
    return {"resource_id": resource, "sequence": 1, "working_state": "normal", "time_efficiency": 100.0,
            "oee_target": 90.0, "company_id": 1}


def last_month(env):
    now = env.now
    month, year = (now.month - 1, now.year) if now.month > 1 else (12, now.year - 1)
    day = min(now.day, [31, 29 if year % 4 == 0 else 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1])
    return fmt_dt(now.replace(year=year, month=month, day=day))


def workcenter_times(env, wc):
    since = last_month(env)
    lines = [l for l in env.table("mrp.workcenter.productivity").values()
             if l["workcenter_id"] == wc["id"] and (l.get("date_start") or "") >= since]
    productive = sum(l.get("duration", 0.0) for l in lines if l.get("loss_type") == "productive") / 60.0
    blocked = sum(l.get("duration", 0.0) for l in lines if l.get("loss_type") != "productive") / 60.0
    return round(productive, 2), round(blocked, 2)


@computed("mrp.workcenter", "productive_time")
def _wc_productive(env, wc):
    return workcenter_times(env, wc)[0]


@computed("mrp.workcenter", "blocked_time")
def _wc_blocked(env, wc):
    return workcenter_times(env, wc)[1]


@computed("mrp.workcenter", "oee")
def _wc_oee(env, wc):
    productive, blocked = workcenter_times(env, wc)
    return round(productive * 100.0 / (productive + blocked), 2) if productive + blocked else 0.0


@computed("mrp.workcenter", "performance")
def _wc_performance(env, wc):
    since = last_month(env)
    done = [w for w in env.table("mrp.workorder").values() if w["workcenter_id"] == wc["id"] and w["state"] == "done"
            and (w.get("date_finished") or "") >= since]
    duration = sum(workorder_duration(env, w) for w in done)
    return int(100 * sum(w.get("duration_expected", 0.0) for w in done) / duration) if duration else 0


def _wc_count(*states):
    return lambda env, wc: sum(1 for w in env.table("mrp.workorder").values()
                               if w["workcenter_id"] == wc["id"] and w["state"] in states)


COMPUTED[("mrp.workcenter", "workorder_count")] = _wc_count("pending", "waiting", "blocked", "ready", "progress")
COMPUTED[("mrp.workcenter", "workorder_ready_count")] = _wc_count("ready")
COMPUTED[("mrp.workcenter", "workorder_progress_count")] = _wc_count("progress")
COMPUTED[("mrp.workcenter", "workorder_pending_count")] = _wc_count("pending")
COMPUTED[("mrp.workcenter", "workorder_blocked_count")] = _wc_count("blocked")


@rpc("mrp.workcenter")
def unblock(env, target):
    for wc in env.browse("mrp.workcenter", target.ids):
        if wc["working_state"] != "blocked":  # verbatim ODOO18 s_wc / ODOO19 4.26
            raise user_error("It has already been unblocked.")
        close_time_lines(env, open_time_lines(env, workcenter_id=wc["id"]))
    return True


@rpc("mrp.workcenter.productivity")
def button_block(env, target):
    """What the UI does after creating a blocking line: end_all() on the work center's work orders."""
    line = ensure_one(env, target)
    for wo in env.table("mrp.workorder").values():
        if wo["workcenter_id"] == line["workcenter_id"]:
            close_time_lines(env, [l for l in open_time_lines(env, workorder_id=wo["id"]) if l["id"] != line["id"]])


def workorder_duration(env, wo):
    return round(sum(l.get("duration", 0.0) for l in env.table("mrp.workcenter.productivity").values()
                     if l.get("workorder_id") == wo["id"]), 2)


@computed("mrp.workorder", "duration")
def _wo_duration(env, wo):
    return workorder_duration(env, wo)


@computed("mrp.workorder", "working_state")
def _wo_working_state(env, wo):
    return (env.table("mrp.workcenter").get(wo["workcenter_id"]) or {}).get("working_state", "normal")


@computed("mrp.workorder", "is_user_working")
def _wo_user_working(env, wo):
    return bool(open_time_lines(env, workorder_id=wo["id"], user_id=env.uid))


def _wo_production(field, default=False):
    return lambda env, wo: (env.table("mrp.production").get(wo.get("production_id")) or {}).get(field, default)


COMPUTED[("mrp.workorder", "qty_producing")] = _wo_production("qty_producing", 0.0)
COMPUTED[("mrp.workorder", "qty_production")] = _wo_production("product_qty", 0.0)
COMPUTED[("mrp.workorder", "production_state")] = _wo_production("state")
COMPUTED[("mrp.workorder", "product_id")] = _wo_production("product_id")


@computed("mrp.workorder", "qty_remaining")
def _wo_remaining(env, wo):
    return max(_wo_production("product_qty", 0.0)(env, wo) - (wo.get("qty_produced") or 0.0), 0.0)


@rpc("mrp.workorder")
def button_start(env, target, raise_on_invalid_state=False):
    for wo in env.browse("mrp.workorder", target.ids):
        if wo["state"] in ("done", "cancel"):
            if raise_on_invalid_state:
                raise user_error("You cannot start a work order that is already done or cancelled")
            continue
        if _wo_working_state(env, wo) == "blocked":  # verbatim ODOO18 s_mrp
            raise user_error("Please unblock the work center to start the work order.")
        if open_time_lines(env, workorder_id=wo["id"], user_id=env.uid):
            continue  # already running for this user: no-op
        create_one(env, "mrp.workcenter.productivity", {
            "workcenter_id": wo["workcenter_id"], "workorder_id": wo["id"], "loss_id": productive_loss(env),
            "description": "Time Tracking: " + env.user["name"]})
        vals = {"state": "progress"}
        if not wo.get("date_start"):
            vals["date_start"] = env.now_str()
        env.update("mrp.workorder", wo["id"], vals)


@rpc("mrp.workorder")
def button_pending(env, target):
    for wo in env.browse("mrp.workorder", target.ids):
        close_time_lines(env, open_time_lines(env, workorder_id=wo["id"], user_id=env.uid))


@rpc("mrp.workorder")
def end_all(env, target):
    for wo in env.browse("mrp.workorder", target.ids):
        close_time_lines(env, open_time_lines(env, workorder_id=wo["id"]))
    return True


def finish_workorder(env, wo):
    close_time_lines(env, open_time_lines(env, workorder_id=wo["id"]))
    production = env.get("mrp.production", wo["production_id"])
    vals = {"state": "done", "date_finished": env.now_str(),
            "qty_produced": wo.get("qty_produced") or production["qty_producing"] or production["product_qty"]}
    if not wo.get("date_start"):
        vals["date_start"] = vals["date_finished"]
    env.update("mrp.workorder", wo["id"], vals)
    sync_workorder_states(env, production)


@rpc("mrp.workorder")
def button_finish(env, target):
    for wo in env.browse("mrp.workorder", target.ids):
        if wo["state"] not in ("done", "cancel"):
            finish_workorder(env, wo)
    return True


METHODS[("mrp.workorder", "button_done")] = METHODS[("mrp.workorder", "button_finish")]
METHODS[("mrp.workorder", "action_mark_as_done")] = METHODS[("mrp.workorder", "button_finish")]


@rpc("mrp.workorder", name="button_unblock")
def workorder_unblock(env, target):
    return unblock(env, RecordSet("mrp.workcenter", [w["workcenter_id"] for w in env.browse("mrp.workorder", target.ids)]))


# ----------------------------------------------------------------------------
# Maintenance
# ----------------------------------------------------------------------------

def first_stage(env):
    stages = sorted(env.table("maintenance.stage").values(), key=lambda s: (s.get("sequence") or 0, s["id"]))
    return stages[0]["id"] if stages else False


@hook(DEFAULTS, "maintenance.request")
def _request_defaults(env, vals):
    equipment = env.table("maintenance.equipment").get(vals.get("equipment_id")) or {}
    teams = sorted(env.table("maintenance.team").values(), key=lambda t: t["id"])
    defaults = {"stage_id": first_stage(env), "kanban_state": "normal", "request_date": env.today(),
                "maintenance_type": "corrective", "company_id": 1, "owner_user_id": env.uid, "archive": False,
                "maintenance_team_id": equipment.get("maintenance_team_id") or (teams[0]["id"] if teams else False),
                "user_id": equipment.get("technician_user_id") or False,
                "category_id": equipment.get("category_id") or False, "duration": 0.0}
    return defaults


@computed("maintenance.request", "done")
def _request_done(env, rec):
    return bool((env.table("maintenance.stage").get(rec.get("stage_id")) or {}).get("done"))


@hook(ON_CREATE, "maintenance.request")
def _request_created(env, rec):
    env.update("maintenance.request", rec["id"], env.flavor.request_schedule(rec))


@hook(ON_WRITE, "maintenance.request")
def _request_written(env, rec, vals, before):
    env.update("maintenance.request", rec["id"], env.flavor.request_schedule(rec))
    if "stage_id" not in vals or rec.get("stage_id") == before.get("stage_id"):
        return
    if _request_done(env, rec):
        env.update("maintenance.request", rec["id"], {"close_date": env.today()})
        if rec.get("recurring_maintenance") and rec.get("maintenance_type") == "preventive":
            schedule_next_occurrence(env, rec)
    else:
        env.update("maintenance.request", rec["id"], {"close_date": False})


def schedule_next_occurrence(env, rec):
    """A done recurring preventive request spawns the next one (ODOO18 §6)."""
    if not rec.get("schedule_date") or rec.get("repeat_type") == "until" and not rec.get("repeat_until"):
        return
    start = parse_dt(rec["schedule_date"])
    step, unit = rec.get("repeat_interval") or 1, rec.get("repeat_unit") or "week"
    if unit in ("month", "year"):
        months = step * (12 if unit == "year" else 1)
        year, month = divmod(start.month - 1 + months, 12)
        nxt = start.replace(year=start.year + year, month=month + 1, day=min(start.day, 28))
    else:
        nxt = start + dt.timedelta(days=step * (7 if unit == "week" else 1))
    if rec.get("repeat_type") == "until" and fmt_dt(nxt)[:10] > rec["repeat_until"]:
        return
    keep = ("name", "equipment_id", "maintenance_type", "priority", "maintenance_team_id", "user_id", "duration",
            "recurring_maintenance", "repeat_interval", "repeat_unit", "repeat_type", "repeat_until", "description")
    create_one(env, "maintenance.request", {**{k: rec[k] for k in keep if k in rec and env.schema.spec(
        "maintenance.request", k)}, "schedule_date": fmt_dt(nxt)})


@rpc("maintenance.request")
def archive_equipment_request(env, target):
    for rec in env.browse("maintenance.request", target.ids):
        env.update("maintenance.request", rec["id"], {"archive": True, "recurring_maintenance": False})


@rpc("maintenance.request")
def reset_equipment_request(env, target):
    for rec in env.browse("maintenance.request", target.ids):
        env.update("maintenance.request", rec["id"], {"archive": False, "stage_id": first_stage(env)})


@hook(DEFAULTS, "maintenance.team")
def _team_defaults(env, vals):
    # 19 teams are mail alias holders with required alias_* fields (ODOO19 Appendix B)
    if not env.schema.spec("maintenance.team", "alias_id"):
        return {}
    model = next((m["id"] for m in env.table("ir.model").values() if m["model"] == "maintenance.request"), False)
    return {"alias_contact": "everyone", "alias_defaults": "{}", "alias_model_id": model,
            "alias_id": env.db.allocate_id("mail.alias")}


@hook(DEFAULTS, "maintenance.equipment")
def _equipment_defaults(env, vals):
    return {"effective_date": env.today(), "company_id": 1}


def _equipment_requests(open_only):
    def count(env, rec):
        return sum(1 for r in env.table("maintenance.request").values() if r.get("equipment_id") == rec["id"]
                   and not (open_only and (r.get("archive") or _request_done(env, r))))
    return count


COMPUTED[("maintenance.equipment", "maintenance_count")] = _equipment_requests(False)
COMPUTED[("maintenance.equipment", "maintenance_open_count")] = _equipment_requests(True)


# ----------------------------------------------------------------------------
# Automation rules and outgoing webhooks (ODOO18 §9, ODOO19 §3.1)
# ----------------------------------------------------------------------------

# Triggers that watch one field, and the domain Odoo derives from the chosen value.
WATCHED_FIELD = {"on_state_set": "state", "on_stage_set": "stage_id", "on_priority_set": "priority",
                 "on_user_set": "user_id", "on_tag_set": "tag_ids"}


@hook(DEFAULTS, "base.automation")
def _automation_defaults(env, vals):
    return {"webhook_uuid": str(uuid.uuid4()), "filter_domain": derived_filter_domain(env, vals),
            "filter_pre_domain": False, "log_webhook_calls": False,
            "record_getter": "model.env[payload.get('_model')].browse(int(payload.get('_id')))"}


def derived_filter_domain(env, vals):
    if vals.get("filter_domain"):
        return vals["filter_domain"]
    field = WATCHED_FIELD.get(vals.get("trigger"))
    if field in ("state", "priority") and vals.get("trg_selection_field_id"):
        selection = env.table("ir.model.fields.selection").get(vals["trg_selection_field_id"]) or {}
        return f"[({field!r}, '=', {selection.get('value')!r})]"  # e.g. "[('state', '=', 'cancel')]"
    if field and vals.get("trg_field_ref"):
        return f"[({field!r}, '=', {vals['trg_field_ref']!r})]"
    return False


@computed("base.automation", "model_name")
def _automation_model(env, rec):
    return (env.table("ir.model").get(rec.get("model_id")) or {}).get("model", False)


@computed("base.automation", "url")
def _automation_url(env, rec):
    if rec.get("trigger") != "on_webhook":
        return ""
    return f"{env.double.base_url}/web/hook/{rec['webhook_uuid']}"


@hook(DEFAULTS, "ir.actions.server")
def _server_action_defaults(env, vals):
    automation = env.table("base.automation").get(vals.get("base_automation_id")) or {}
    defaults = {"type": "ir.actions.server", "binding_type": "action", "state": "object_write", "sequence": 5,
                "usage": "base_automation" if automation else "ir_actions_server",
                "model_id": automation.get("model_id", False)}
    name = env.flavor.server_action_name(vals.get("name"), vals.get("state") or "object_write", bool(automation))
    if name:
        defaults["name"] = name
    return defaults


@hook(ON_CREATE, "ir.actions.server")
def _server_action_created(env, rec):
    # 18 base_automation recomputes the name of its actions ("Send Webhook Notification").
    name = env.flavor.server_action_name(rec["name"], rec["state"], bool(rec.get("base_automation_id")), created=True)
    if name:
        env.update("ir.actions.server", rec["id"], {"name": name})


@computed("ir.actions.server", "model_name")
def _action_model(env, rec):
    return (env.table("ir.model").get(rec.get("model_id")) or {}).get("model", False)


@computed("ir.actions.server", "webhook_sample_payload")
def _webhook_sample(env, rec):
    model = _action_model(env, rec)
    if rec.get("state") != "webhook" or not model or not env.table(model):
        return False
    return json.dumps(env.flavor.webhook_sample(env, rec, model), indent=4, sort_keys=True)


def automation_rules(env):
    rules = {}
    for rule in env.table("base.automation").values():
        if rule.get("active", True):
            rules.setdefault(_automation_model(env, rule), []).append(rule)
    return rules


def run_automations(env):
    """Evaluates rules on records changed since the last evaluation; queues or sends their webhooks."""
    keys, env.hook_dirty = list(env.hook_dirty), {}
    rules = automation_rules(env) if keys else {}
    for model, rid in keys:
        before = env.hook_before.get((model, rid))
        after = env.table(model).get(rid)
        env.hook_before[(model, rid)] = copy_record(after) if after is not None else None
        for rule in sorted(rules.get(model, ()), key=lambda r: r["id"]):
            if after is not None and rule_fires(env, rule, model, before, after):
                fire_rule(env, rule, model, after, created=before is None)


def rule_fires(env, rule, model, before, after):
    trigger = rule["trigger"]
    created = before is None
    if trigger == "on_create":
        fires = created
    elif trigger in ("on_write", "on_create_or_write") or trigger in WATCHED_FIELD:
        watched = [WATCHED_FIELD[trigger]] if trigger in WATCHED_FIELD else trigger_field_names(env, rule)
        changed = created or any(before.get(f) != after.get(f) for f in watched) if watched else \
            created or before != after
        fires = changed and (trigger != "on_write" or not created)
    elif trigger in ("on_archive", "on_unarchive"):
        fires = not created and before.get("active") != after.get("active") and \
            after.get("active") is (trigger == "on_unarchive")
    else:
        fires = False
    return fires and domain_holds(env, model, rule.get("filter_domain"), after) and \
        (created or domain_holds(env, model, rule.get("filter_pre_domain"), before))


def trigger_field_names(env, rule):
    fields = env.table("ir.model.fields")
    return [fields[i]["name"] for i in rule.get("trigger_field_ids") or [] if i in fields]


def domain_holds(env, model, domain_text, rec):
    if not domain_text:
        return True
    domain = ast.literal_eval(domain_text)  # automation domains are Python literals
    return compile_domain(env, model, domain)(rec)


def fire_rule(env, rule, model, rec, created=False):
    actions = env.table("ir.actions.server")
    for action in sorted((a for a in actions.values() if a.get("base_automation_id") == rule["id"]),
                         key=lambda a: (a.get("sequence") or 0, a["id"])):
        if action.get("state") == "webhook" and action.get("webhook_url"):
            payload = json.dumps(webhook_payload(env, action, model, rec), sort_keys=True)
            for _ in range(env.flavor.webhook_copies(rule["trigger"], created)):
                env.flavor.deliver_webhook(env, action["webhook_url"], payload)
        elif action.get("state") == "code":
            run_code_action(env, rule, action, model, rec)


CODE_WRITE = re.compile(r"^\s*record\.write\((\{.*\})\)\s*$", re.S)
CODE_RAISE = re.compile(r"^\s*raise UserError\((['\"])(.*)\1\)\s*$", re.S)


def run_code_action(env, rule, action, model, rec):
    """Only the two literal forms of the facts run: record.write({...}) and raise UserError('...')."""
    code = action.get("code") or ""
    write, veto = CODE_WRITE.match(code), CODE_RAISE.match(code)
    if write:
        orm_write(env, model, [rec["id"]], ast.literal_eval(write.group(1)))
    elif veto:  # the automation is named in the error context (ODOO19 4.52)
        raise OdooError("odoo.exceptions.UserError", veto.group(2), context={
            "exception_class": "base_automation", "base_automation": {"id": rule["id"], "name": rule["name"]}})
    else:
        raise user_error(f"The Odoo test double cannot run this server action code: {code!r}")


def incoming_webhook(double, webhook_uuid, body):
    """POST /web/hook/<uuid>: runs an on_webhook rule on the record named by _model/_id (no auth)."""
    with double.lock:
        env = Env(double, SUPERUSER, {}, double.clock.now())
        rule = next((r for r in env.table("base.automation").values() if r.get("trigger") == "on_webhook"
                     and r.get("webhook_uuid") == webhook_uuid and r.get("active", True)), None)
        if rule is None:
            return 404, {"status": "error"}
        try:
            payload = json.loads(body or b"{}")
            model, rid = payload.get("_model"), int(payload.get("_id"))
            fire_rule(env, rule, model, env.get(model, rid))
            env.flush()
        except (OdooError, ValueError, TypeError, KeyError):
            env.rollback()
            return 500, {"status": "error"}
        return 200, {"status": "ok"}


def webhook_payload(env, action, model, rec):
    """Keys sorted, many2one as raw ids, datetimes via str() (microseconds kept) -- ODOO18 §9."""
    fields = env.table("ir.model.fields")
    names = [fields[i]["name"] for i in action.get("webhook_field_ids") or [] if i in fields]
    payload = {"_action": f"{action['name']}(#{action['id']})", "_id": rec["id"], "_model": model}
    if names:
        payload["id"] = rec["id"]
        for name in names:
            spec = env.schema.spec(model, name)
            value = field_value(env, model, rec, name) if spec else False
            payload[name] = float(value or 0.0) if spec and spec["type"] == "float" else value
    return payload


class WebhookSender:
    """Posts webhooks like Odoo's requests.post(url, json=..., timeout=1): no retry, failures only logged."""

    HEADERS = {"User-Agent": "python-requests/2.28.1", "Accept-Encoding": "gzip, deflate", "Accept": "*/*",
               "Connection": "keep-alive", "Content-Type": "application/json"}

    def __init__(self):
        self.log = []
        self.lock = threading.Lock()

    def send(self, url, body, phase):
        entry = {"url": url, "body": body, "phase": phase, "sent_at": time.time()}
        try:
            parts = urllib.parse.urlsplit(url)
            conn = http.client.HTTPConnection(parts.hostname, parts.port or 80, timeout=1)
            path = parts.path or "/"
            conn.request("POST", path + (f"?{parts.query}" if parts.query else ""), body.encode(), self.HEADERS)
            entry["status"] = conn.getresponse().status
            conn.close()
        except OSError as exc:  # includes timeouts: Odoo logs "Webhook call failed" and carries on
            entry["error"] = str(exc) or type(exc).__name__
        with self.lock:
            self.log.append(entry)


# ----------------------------------------------------------------------------
# Access rights (the groups named in the facts' AccessError messages)
# ----------------------------------------------------------------------------

GROUPS = {  # xmlid -> full name
    "base.group_user": None,  # "Internal User" (18) / "Role / User" (19), see Flavor
    "base.group_system": "Administration/Settings",
    "base.group_erp_manager": "Administration/Access Rights",
    "mrp.group_mrp_user": "Manufacturing/User",
    "mrp.group_mrp_manager": "Manufacturing/Administrator",
    "stock.group_stock_user": "Inventory/User",
    "stock.group_stock_manager": "Inventory/Administrator",
    "maintenance.group_equipment_manager": "Maintenance/Equipment Manager",
}
MRP_READ = ("stock.group_stock_user", "mrp.group_mrp_manager", "mrp.group_mrp_user")  # verbatim list, ODOO18 (c)
MRP_WRITE = ("mrp.group_mrp_manager", "mrp.group_mrp_user")
STOCK = ("stock.group_stock_user", "mrp.group_mrp_user")
ADMIN = ("base.group_erp_manager",)  # ir.model.data: ACL 0,0,0,0 for base.group_user (ODOO18 §8)
SETTINGS = ("base.group_system",)
ACL_BY_PREFIX = [  # (model prefix, groups allowed to read, groups allowed to write/create/unlink)
    ("ir.model.data", ADMIN, ADMIN),
    ("ir.model", ("base.group_user",), SETTINGS),
    ("base.automation", ("base.group_user",), SETTINGS),
    ("ir.actions.server", ("base.group_user",), SETTINGS),
    ("mrp.", MRP_READ, MRP_WRITE),
    ("stock.", STOCK, STOCK),
]
OPERATION_WORDS = {"read": "access", "write": "modify", "create": "create", "unlink": "delete"}


def user_group_xmlids(env, user):
    groups = env.table("res.groups")
    return {groups[g]["_xmlid"] for g in user.get(env.flavor.groups_field) or [] if g in groups}


def check_access(env, model, operation):
    allowed = None
    for prefix, read_groups, write_groups in ACL_BY_PREFIX:
        if model.startswith(prefix):
            allowed = read_groups if operation == "read" else write_groups
            break
    if allowed is None:
        return
    mine = user_group_xmlids(env, env.user)
    if mine & set(allowed):
        return
    names = sorted(env.flavor.group_name(g) for g in allowed)
    listing = "".join(f"\n\t- {n}" for n in names)
    raise access_error(f"You are not allowed to {OPERATION_WORDS[operation]} '{Schema.label(model)}' ({model}) "
                       f"records.\n\nThis operation is allowed for the following groups:{listing}\n\n"
                       "Contact your administrator to request access if necessary.")


@rpc(name="check_access_rights", model_level=True, acl=None, applies=lambda double, model: double.flavor.has_check_access_rights)
def m_check_access_rights(env, target, operation, raise_exception=True):
    try:
        check_access(env, target.model, operation)
        return True
    except OdooError:
        if raise_exception:
            raise
        return False


# ----------------------------------------------------------------------------
# Load model: Odoo workers, service time, hot rows (ODOO18 §11, ODOO19 §6)
# ----------------------------------------------------------------------------

HOT_PARENTS = ("maintenance.equipment", "mrp.workcenter", "mrp.production", "mrp.workorder")


class LoadModel:
    """Imitates a small Odoo: `capacity` workers (extra calls queue, so latency grows with concurrency),
    a mean service time per call class, and rows two writes may not hold at once.

    A write that finds its row held by an in-flight write waits for it, then pays `conflict_ms` -- Odoo's
    serialization-failure retry with back-off -- and the conflict is counted.
    """

    def __init__(self, write_ms, read_ms, capacity, conflict_ms, jitter, rng_seed):
        self.write_ms, self.read_ms = write_ms, read_ms
        self.conflict_ms, self.jitter = conflict_ms, jitter
        self.workers = threading.Semaphore(capacity) if capacity > 0 else None
        self.held_rows = set()
        self.rows_changed = threading.Condition()
        self.rng = random.Random(rng_seed)
        self.rng_lock = threading.Lock()

    def service_seconds(self, readonly):
        mean = (self.read_ms if readonly else self.write_ms) / 1000.0
        if mean <= 0:
            return 0.0
        with self.rng_lock:  # log-normal around the mean: a long tail like the measured p99
            return mean * self.rng.lognormvariate(-self.jitter ** 2 / 2, self.jitter) if self.jitter else mean

    def acquire(self, rows):
        """Takes a worker and the rows; returns True when it had to wait for a row (a conflict)."""
        if self.workers:
            self.workers.acquire()
        waited = False
        with self.rows_changed:
            while self.held_rows & rows:
                waited = True
                self.rows_changed.wait()
            self.held_rows |= rows
        if waited and self.conflict_ms:
            time.sleep(self.conflict_ms / 1000.0)
        return waited

    def release(self, rows):
        with self.rows_changed:
            self.held_rows -= rows
            self.rows_changed.notify_all()
        if self.workers:
            self.workers.release()


def hot_rows(model, method, target_ids, arguments):
    """Rows a write serializes on: its records, and the hot parents a create points at."""
    if method.readonly or method.acl is None:
        return set()
    rows = {(model, i) for i in target_ids}
    vals_list = arguments.get("vals_list")
    for vals in [vals_list] if isinstance(vals_list, dict) else (vals_list or []):
        for field, value in (vals or {}).items() if isinstance(vals, dict) else ():
            relation = FIELD_RELATIONS.get((model, field))
            if relation in HOT_PARENTS and isinstance(value, int):
                rows.add((relation, value))
    return rows


FIELD_RELATIONS = {}  # (model, field) -> relation, filled from the schema at start-up


# ----------------------------------------------------------------------------
# Fault injection (control endpoint /__double/faults)
# ----------------------------------------------------------------------------

ERROR_ALIASES = {
    "UserError": "odoo.exceptions.UserError", "ValidationError": "odoo.exceptions.ValidationError",
    "AccessError": "odoo.exceptions.AccessError", "AccessDenied": "odoo.exceptions.AccessDenied",
    "MissingError": "odoo.exceptions.MissingError", "LockError": "odoo.exceptions.LockError",
    "RedirectWarning": "odoo.exceptions.RedirectWarning",
    "SerializationFailure": "psycopg2.errors.SerializationFailure",
    "ValueError": "builtins.ValueError", "AttributeError": "builtins.AttributeError",
    "TypeError": "builtins.TypeError",
}
FAULT_KEYS = {"model", "method", "count", "protocol", "error", "message", "after", "http_status", "retry_after",
              "delay_ms", "delay_after_commit_ms", "drop"}


class Faults:
    """Faults for the next N calls matching model/method ('*' = any); first added, first used."""

    def __init__(self):
        self.lock = threading.Lock()
        self.pending = []
        self.next_id = 1

    def add(self, spec):
        unknown = set(spec) - FAULT_KEYS
        if unknown:
            raise ValueError(f"unknown fault keys: {sorted(unknown)}")
        if not {"error", "http_status", "delay_ms", "delay_after_commit_ms", "drop"} & set(spec):
            raise ValueError("a fault needs one of error, http_status, delay_ms, delay_after_commit_ms, drop")
        if spec.get("drop") not in (None, "before", "after_commit"):
            raise ValueError("drop is 'before' or 'after_commit'")
        with self.lock:
            fault = {"id": self.next_id, "model": "*", "method": "*", "protocol": "*", "count": 1, **spec}
            if fault.get("error"):
                fault["error"] = ERROR_ALIASES.get(fault["error"], fault["error"])
            self.next_id += 1
            self.pending.append(fault)
            return fault["id"]

    def take(self, model, method, protocol):
        with self.lock:
            for fault in self.pending:
                if fault["model"] in ("*", model) and fault["method"] in ("*", method) \
                        and fault["protocol"] in ("*", protocol):
                    fault["count"] -= 1
                    if fault["count"] <= 0:
                        self.pending.remove(fault)
                    return dict(fault)
            return None

    def clear(self):
        with self.lock:
            self.pending.clear()


class DropConnection(Exception):
    """Close the client's connection without answering."""


class HttpFault(Exception):
    def __init__(self, status, retry_after=None):
        super().__init__(status)
        self.status, self.retry_after = status, retry_after


def injected_error(env, fault, model, ids):
    name = fault["error"]
    if fault.get("message"):
        return OdooError(name, fault["message"])
    defaults = {"psycopg2.errors.SerializationFailure": serialization_failure,
                "odoo.exceptions.AccessDenied": access_denied,
                "odoo.exceptions.MissingError": lambda: missing_error(model, ids or [0], env.uid)}
    if name in defaults:
        return defaults[name]()
    if name == "odoo.exceptions.AccessError":
        return access_error(f"You are not allowed to modify '{Schema.label(model)}' ({model}) records.\n\n"
                            "This operation is allowed for the following groups:\n\t- Administration/Settings\n\n"
                            "Contact your administrator to request access if necessary.")
    return OdooError(name, f"{name.rsplit('.', 1)[-1]} injected by the Odoo test double")


# ----------------------------------------------------------------------------
# Counters
# ----------------------------------------------------------------------------

class Stats:
    def __init__(self):
        self.lock = threading.Lock()
        self.reset()

    def reset(self):
        with self.lock:
            self.calls, self.errors = {}, {}
            self.calls_total = self.read_calls = self.write_calls = self.records_written = 0
            self.connections = self.inflight = self.inflight_max = self.active = self.active_max = 0
            self.conflicts = self.faults_fired = self.dropped = 0

    def bump(self, **deltas):
        with self.lock:
            for key, delta in deltas.items():
                setattr(self, key, getattr(self, key) + delta)
            self.inflight_max = max(self.inflight_max, self.inflight)
            self.active_max = max(self.active_max, self.active)

    def count(self, table, key):
        with self.lock:
            table[key] = table.get(key, 0) + 1

    def snapshot(self):
        with self.lock:
            return {k: (dict(v) if isinstance(v, dict) else v) for k, v in vars(self).items() if k != "lock"}


# ----------------------------------------------------------------------------
# The double: state, users, dispatch of one RPC call
# ----------------------------------------------------------------------------

SUPERUSER = {"id": 1, "name": "OdooBot", "groups_id": [], "group_ids": []}


class Double:
    def __init__(self, args):
        self.args = args
        self.db_name = args.db
        self.flavor = Flavor(args.version)
        self.schema = Schema(self.flavor, pathlib.Path(args.fields_dir))
        for model, fields in self.schema.models.items():
            for field, spec in fields.items():
                if spec.get("relation"):
                    FIELD_RELATIONS[(model, field)] = spec["relation"]
            if "message_ids" in fields:  # mail.thread models: messages point back by (model, res_id)
                COMPUTED[(model, "message_ids")] = thread_messages(model)
        self.clock = Clock(parse_dt(args.start_time) if args.start_time else None)
        self.lock = threading.RLock()  # one transaction at a time: calls are serializable by construction
        read_ms = args.read_latency_ms if args.read_latency_ms is not None else args.latency_ms / 4.0
        conflict_ms = args.conflict_ms if args.conflict_ms is not None else 4 * args.latency_ms
        self.load = LoadModel(args.latency_ms, read_ms, args.capacity, conflict_ms, args.jitter, args.rng_seed)
        self.faults = Faults()
        self.stats = Stats()
        self.webhooks = WebhookSender()
        self.base_url = f"http://{args.host}"
        self.key_file_mtime = None
        self.seed = json.loads(pathlib.Path(args.seed).read_text()) if args.seed else {}
        self.db = Database()
        self.reset()

    def reset(self, seed=None):
        with self.lock:
            db = Database()
            previous, self.db = self.db, db
            try:
                load_seed(self, self.seed if seed is None else seed)
            except Exception:
                self.db = previous
                raise
            self.key_file_mtime = None
            self.faults.clear()
            self.stats.reset()
            self.webhooks.log.clear()

    # --- users ------------------------------------------------------------------
    def refresh_api_key(self):
        """Re-reads --api-key-file when it changes, so a rotated key takes effect without a restart."""
        path = self.args.api_key_file
        if not path:
            return
        mtime = pathlib.Path(path).stat().st_mtime_ns
        if mtime != self.key_file_mtime:
            self.key_file_mtime = mtime
            user = self.user_by_login(self.args.user)
            user["_api_key"] = pathlib.Path(path).read_text().strip()

    def user_by_login(self, login):
        return next((u for u in self.db.table("res.users").values() if u.get("login") == login), None)

    def authenticate(self, uid, secret):
        """JSON-RPC/XML-RPC: the password or an API key (ODOO18 §2, ODOO19 5.2-5.4)."""
        self.refresh_api_key()
        user = self.db.table("res.users").get(uid) if isinstance(uid, int) else None
        if user is None or not user.get("active", True) or not secret:
            return None
        return user if secret in (user.get("_password"), user.get("_api_key")) else None

    def user_by_key(self, key):
        self.refresh_api_key()
        return next((u for u in self.db.table("res.users").values()
                     if key and u.get("_api_key") == key and u.get("active", True)), None)

    # --- method resolution and argument binding ----------------------------------
    def resolve(self, model, name, json2):
        if not self.schema.has(model):
            if json2:
                raise http_exception(404, f"the model {model!r} does not exist")
            raise user_error(f"Object {model} doesn't exist")
        if self.flavor.is_private(name):
            raise self.flavor.private_method(model, name)
        method = find_method(self, model, name)
        if method is None:
            if json2:
                raise http_exception(404, f"The method '{model}.{name}' does not exist")
            raise attribute_error(f"The method '{name}' does not exist on the model '{model}'")
        return method

    # --- one call -------------------------------------------------------------------
    def call(self, user, model, name, method, ids, bound, context, protocol):
        """Runs one RPC call as one transaction, with faults, latency and capacity applied."""
        self.stats.count(self.stats.calls, f"{model}.{name}")
        self.stats.bump(calls_total=1, **{"read_calls" if method.readonly else "write_calls": 1})
        fault = self.faults.take(model, name, protocol)
        if fault:
            self.stats.bump(faults_fired=1)
            self.apply_fault_before(fault, user, model, ids)
        rows = hot_rows(model, method, ids, bound.arguments)
        if self.load.acquire(rows):
            self.stats.bump(conflicts=1)
        self.stats.bump(active=1)
        try:
            now = self.clock.now()  # like PostgreSQL now(): the transaction's start, not its commit
            time.sleep(self.load.service_seconds(method.readonly) + (fault or {}).get("delay_ms", 0) / 1000.0)
            result, postcommit = self.transaction(user, model, method, ids, bound, context, now, fault)
        finally:
            self.stats.bump(active=-1)
            self.load.release(rows)
        for url, body in postcommit:
            self.webhooks.send(url, body, "post_commit")
        if fault and fault.get("delay_after_commit_ms"):
            # Committed, the answer held back: the window in which a client can die after Odoo
            # accepted its write and before it heard so (the exactly-once crash tests).
            time.sleep(fault["delay_after_commit_ms"] / 1000.0)
        if fault and fault.get("drop") == "after_commit":
            raise DropConnection()
        return result

    def apply_fault_before(self, fault, user, model, ids):
        if fault.get("drop") == "before":
            raise DropConnection()
        if fault.get("http_status"):
            raise HttpFault(fault["http_status"], fault.get("retry_after"))
        if fault.get("error") and not fault.get("after"):
            env = Env(self, user, {}, self.clock.now())
            raise injected_error(env, fault, model, ids)

    def transaction(self, user, model, method, ids, bound, context, now, fault):
        with self.lock:
            env = Env(self, user, context, now)
            try:
                if method.acl:
                    check_access(env, model, method.acl)
                result = method.fn(env, RecordSet(model, ids), *bound.args, **bound.kwargs)
                env.flush()
                if fault and fault.get("error") and fault.get("after"):
                    raise injected_error(env, fault, model, ids)  # the work ran, then the transaction fails
            except OdooError:
                env.rollback()
                raise
            except Exception as exc:  # a bug in a business method reaches the client as Odoo's would
                env.rollback()
                print(f"odoo_double: {model}.{method.fn.__name__}: {exc!r}", file=sys.stderr)
                raise OdooError(f"builtins.{type(exc).__name__}", str(exc))
            self.stats.bump(records_written=env.records_written)
            return result, env.postcommit


def normalize_ids(ids):
    if ids is None or ids is False:
        return []
    if isinstance(ids, int) and not isinstance(ids, bool):
        return [ids]
    if isinstance(ids, (list, tuple)) and all(isinstance(i, int) and not isinstance(i, bool) for i in ids):
        return list(ids)
    raise value_error(f"Invalid ids {ids!r}")


# ----------------------------------------------------------------------------
# Protocols: JSON-RPC / XML-RPC (services common, object, db) and JSON-2
# ----------------------------------------------------------------------------

def rpc_result(value, json2):
    """Recordsets: JSON-2 answers an id list; JSON-RPC an id for create({...}) and a list otherwise."""
    if isinstance(value, RecordSet):
        return value.ids[0] if value.single and not json2 else value.ids
    if isinstance(value, tuple):
        return list(value)
    return value


class ServiceDispatcher:
    """The `common`, `object` and `db` services shared by /jsonrpc and /xmlrpc."""

    def __init__(self, double, protocol):
        self.double = double
        self.protocol = protocol

    def dispatch(self, service, method, args):
        handler = getattr(self, f"{service}_{method}", None)
        if handler is None:
            raise OdooError("builtins.Exception", f"No such method {service}.{method}")
        return handler(*args)

    def check_db(self, db):
        if db != self.double.db_name:  # not captured; psycopg2's message for an unknown database
            raise OdooError("psycopg2.OperationalError",
                            f'connection to server on socket "/var/run/postgresql/.s.PGSQL.5432" failed: '
                            f'FATAL:  database "{db}" does not exist\n')

    def common_version(self):
        return dict(self.double.flavor.server_version)

    def common_authenticate(self, db, login, password, user_agent_env=None):
        self.check_db(db)
        with self.double.lock:
            user = self.double.user_by_login(login)
            return user["id"] if user and self.double.authenticate(user["id"], password) else False

    def common_login(self, db, login, password):
        return self.common_authenticate(db, login, password)

    def db_list(self):
        return [self.double.db_name]

    def db_server_version(self):
        return self.double.flavor.server_version["server_version"]

    def object_execute(self, db, uid, password, model, method, *args):
        return self.object_execute_kw(db, uid, password, model, method, list(args), {})

    def object_execute_kw(self, db, uid, password, model, name, args=None, kwargs=None):
        double = self.double
        self.check_db(db)
        with double.lock:
            user = double.authenticate(uid, password)
        if user is None:
            raise access_denied()
        method = double.resolve(model, name, json2=False)
        args, kwargs = list(args or []), dict(kwargs or {})
        context = kwargs.pop("context", None) or {}
        ids = []
        if not method.model_level:
            if not args:
                raise type_error(f"{name}() missing 1 required positional argument: 'ids'")
            ids = normalize_ids(args.pop(0))
        try:
            bound = method.signature.bind(*args, **kwargs)
        except TypeError as exc:
            raise type_error(str(exc))
        return rpc_result(double.call(user, model, name, method, ids, bound, context, self.protocol), json2=False)


def jsonrpc_response(double, body):
    try:
        request = json.loads(body or b"null")
        if not isinstance(request, dict):
            raise ValueError("not a JSON object")
    except ValueError as exc:  # not captured: a JSON-RPC error carrying werkzeug's BadRequest
        return {"jsonrpc": "2.0", "id": None, "error": jsonrpc_error(double, http_exception(400, f"Invalid JSON data: {exc}"))}
    params = request.get("params") or {}
    response = {"jsonrpc": "2.0", "id": request.get("id")}
    try:
        result = ServiceDispatcher(double, "jsonrpc").dispatch(params.get("service"), params.get("method"),
                                                                params.get("args") or [])
        if result is not None:  # a method returning None answers without a `result` key (ODOO18 §0)
            response["result"] = result
    except OdooError as err:
        double.stats.count(double.stats.errors, err.name)
        response["error"] = jsonrpc_error(double, err)
    return response


def jsonrpc_error(double, err):
    return {"code": double.flavor.jsonrpc_error_code, "message": "Odoo Server Error", "data": err.payload()}


def xmlrpc_response(double, service, body):
    """XML-RPC: faults 2 (UserError family), 3 (AccessDenied), 4 (AccessError), 1 (anything else)."""
    try:
        params, method = xmlrpc.client.loads(body, use_builtin_types=True)
        result = ServiceDispatcher(double, "xmlrpc").dispatch(service, method, params)
        try:
            return xmlrpc.client.dumps((result,), methodresponse=True, allow_none=False)
        except TypeError as exc:  # None cannot be marshalled; the side effect is already committed (ODOO18 §0)
            return xmlrpc.client.dumps(xmlrpc.client.Fault(1, traceback_text(exc)), methodresponse=True)
    except OdooError as err:
        double.stats.count(double.stats.errors, err.name)
        code = XMLRPC_FAULT.get(err.name, 1)
        text = err.message if code != 1 else traceback_text(err)
        return xmlrpc.client.dumps(xmlrpc.client.Fault(code, text), methodresponse=True)
    except Exception as exc:
        return xmlrpc.client.dumps(xmlrpc.client.Fault(1, traceback_text(exc)), methodresponse=True)


def traceback_text(exc):
    if isinstance(exc, OdooError):
        return fake_traceback(exc)
    return ("Traceback (most recent call last):\n  File \"odoo/odoo/addons/base/controllers/rpc.py\", line 161, "
            f"in xmlrpc_2\n    response = self._xmlrpc(service)\n{type(exc).__name__}: {exc}\n")


def json2_call(double, http_method, path, headers, body):
    """POST /json/2/<model>/<method>; returns (status, JSON value) or raises Json2Html."""
    parts = path[len("/json/2/"):].split("/")
    if http_method != "POST" or len(parts) != 2 or not all(parts):
        raise http_exception(404, "Did you mean POST /json/2/<model>/<method>?")
    content_type = headers.get("Content-Type", "").split(";")[0].strip().lower()
    if body and content_type != "application/json":
        raise Json2Html(415)
    scheme, _, key = headers.get("Authorization", "").strip().partition(" ")
    if scheme.lower() != "bearer" or not key.strip():
        raise http_exception(401, "User not authenticated, use an API Key with a Bearer Authorization header.")
    with double.lock:
        user = double.user_by_key(key.strip())
    if user is None:  # wrong and expired keys answer alike (capture 17/18)
        raise http_exception(401, "Invalid apikey")
    try:
        data = json.loads(body) if body else {}
    except ValueError as exc:
        raise http_exception(400, f"could not parse the body as json: {exc}")
    if not isinstance(data, dict):
        data = {}  # an array or null body is silently ignored (capture 12)
    model, name = parts
    ids = normalize_ids(data.pop("ids", None))
    context = data.pop("context", None) or {}
    method = double.resolve(model, name, json2=True)
    if ids and method.model_level:
        raise http_exception(422, f"cannot call {model}.{name} with ids")
    try:
        bound = method.signature.bind(**data)
    except TypeError as exc:
        raise http_exception(422, str(exc))
    return rpc_result(double.call(user, model, name, method, ids, bound, context, "json2"), json2=True)


class Json2Html(Exception):
    """JSON-2 answers that come back as werkzeug HTML pages (415, unknown database)."""

    def __init__(self, status):
        super().__init__(status)
        self.status = status


HTML_415 = ("<!doctype html>\n<html lang=en>\n<title>415 Unsupported Media Type</title>\n<h1>Unsupported Media Type</h1>\n"
            "<p>Request inferred type is compatible with [&#39;http&#39;] but &#39;/json/2/&lt;__model__&gt;/"
            "&lt;__method__&gt;&#39; is type=&#39;json2&#39;.<br><br>Please verify the Content-Type request header "
            "and try again.</p>\n")
HTML_NO_DB = ("<!DOCTYPE html>\n<title>404 Not Found</title>\n<h1>Not Found</h1>\n<p>No database is selected and "
              "the requested URL was not found in the server-wide controllers.</p>\n<p>Please verify the hostname, "
              "<a href=/web/login>login</a> and try again.</p>\n\n<!-- Alternatively, use the X-Odoo-Database header. "
              "-->\n")
HTML_404 = ("<!doctype html>\n<html lang=en>\n<title>404 Not Found</title>\n<h1>Not Found</h1>\n<p>The requested URL "
            "was not found on the server. If you entered the URL manually please check your spelling and try "
            "again.</p>\n")


def proxy_error_page(status):
    # What a reverse proxy in front of Odoo answers (nginx style); Odoo itself never sends these.
    phrase = http.HTTPStatus(status).phrase
    return (f"<html>\r\n<head><title>{status} {phrase}</title></head>\r\n<body>\r\n<center><h1>{status} {phrase}"
            f"</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n")


# ----------------------------------------------------------------------------
# HTTP server
# ----------------------------------------------------------------------------

def make_handler(double, keep_alive):
    class Handler(http.server.BaseHTTPRequestHandler):
        # Odoo's werkzeug server answers HTTP/1.0 + Connection: close; behind a proxy, keep-alive.
        protocol_version = "HTTP/1.1" if keep_alive else "HTTP/1.0"
        server_version = "Werkzeug/2.2.2"
        sys_version = "Python/3.11.2"

        def setup(self):
            super().setup()
            self.counted = False  # TCP connections carrying Odoo calls (control calls are not counted)
            self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

        def log_message(self, fmt, *args):
            if double.args.verbose:
                sys.stderr.write("odoo_double: " + fmt % args + "\n")

        def do_GET(self):
            self.route("GET")

        def do_POST(self):
            self.route("POST")

        def do_PUT(self):
            self.route("PUT")

        def do_DELETE(self):
            self.route("DELETE")

        def do_PATCH(self):
            self.route("PATCH")

        # --- plumbing ---------------------------------------------------------------
        def read_body(self):
            length = int(self.headers.get("Content-Length") or 0)
            return self.rfile.read(length) if length else b""

        def send(self, status, body, content_type, headers=(), nosniff=True):
            data = body if isinstance(body, bytes) else body.encode()
            self.send_response(status, http.HTTPStatus(status).phrase.upper())
            for name, value in headers:
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(data)))
            self.send_header("Content-Type", content_type)
            if nosniff:
                self.send_header("X-Content-Type-Options", "nosniff")
            if not keep_alive:
                self.send_header("Connection", "close")
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(data)

        def send_json(self, status, value, headers=(), nosniff=True):
            self.send(status, json.dumps(value), "application/json; charset=utf-8", headers, nosniff)

        def drop(self):
            double.stats.bump(dropped=1)
            self.close_connection = True
            try:
                self.connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

        # --- routing ------------------------------------------------------------------
        def route(self, method):
            path = urllib.parse.urlsplit(self.path).path
            body = self.read_body()
            if path.startswith("/__double/"):
                return self.control(method, path, body)
            if not self.counted:
                self.counted = True
                double.stats.bump(connections=1)
            double.stats.bump(inflight=1)
            try:
                self.serve_odoo(method, path, body)
            except DropConnection:
                self.drop()
            except HttpFault as fault:
                headers = [("Retry-After", str(fault.retry_after))] if fault.retry_after is not None else []
                self.send(fault.status, proxy_error_page(fault.status), "text/html", headers, nosniff=False)
            finally:
                double.stats.bump(inflight=-1)

        def serve_odoo(self, method, path, body):
            if path == "/jsonrpc" and method == "POST":
                return self.send_json(200, jsonrpc_response(double, body))
            if path.startswith("/xmlrpc/") and method == "POST":
                service = path.rstrip("/").rsplit("/", 1)[-1]
                text = xmlrpc_response(double, service, body).replace("<?xml version='1.0'?>", '<?xml version="1.0"?>')
                return self.send(200, text, "text/xml; charset=utf-8")
            if path.startswith("/json/"):
                return self.serve_json(method, path, body)
            if path.startswith("/web/hook/") and method == "POST":
                status, value = incoming_webhook(double, path[len("/web/hook/"):], body)
                return self.send_json(status, value)
            if path == "/web/dataset/call_kw":  # the web client's endpoint, without a session (ODOO19 5.11)
                err = OdooError("odoo.http.SessionExpiredException", "Session expired")
                return self.send_json(200, {"jsonrpc": "2.0", "id": None, "error": {
                    "code": 100, "message": "Odoo Session Expired", "data": err.payload()}})
            if path == "/web/health":
                return self.send_json(200, {"status": "pass"})
            if path == "/web/login":
                return self.send(200, "<!DOCTYPE html><title>Odoo</title><p>Login</p>", "text/html; charset=utf-8")
            self.send(404, HTML_404, "text/html; charset=utf-8", nosniff=False)

        def serve_json(self, method, path, body):
            if not double.flavor.has_json2:  # in 18 /json/<path> is an auth=user page (ODOO18 §0)
                return self.send(303, "", "text/html; charset=utf-8", [("Location", "/web/login")])
            if path == "/json/version":
                info = double.flavor.server_version
                return self.send_json(200, {"version_info": info["server_version_info"],
                                            "version": info["server_version"]})
            database = self.headers.get("X-Odoo-Database")
            try:
                if database is not None and database != double.db_name:
                    raise Json2Html(404)
                if not path.startswith("/json/2/"):
                    raise http_exception(404, "Did you mean POST /json/2/<model>/<method>?")
                self.send_json(200, json2_call(double, method, path, self.headers, body))
            except Json2Html as page:
                self.send(page.status, HTML_415 if page.status == 415 else HTML_NO_DB, "text/html; charset=utf-8",
                          [("Accept", "application/json")] if page.status == 415 else [], nosniff=False)
            except OdooError as err:
                double.stats.count(double.stats.errors, err.name)
                status = http_status_of(err)
                headers = [("WWW-Authenticate", "Bearer ")] if status == 401 else []
                self.send_json(status, err.payload(), headers, nosniff=False)

        # --- control endpoints (not Odoo) -------------------------------------------------
        def control(self, method, path, body):
            try:
                data = json.loads(body) if body else {}
                handler = CONTROL.get((method, path))
                if handler is None:
                    return self.send_json(404, {"error": f"no control endpoint {method} {path}"}, nosniff=False)
                query = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(self.path).query))
                self.send_json(200, handler(double, data, query))
            except (ValueError, KeyError, TypeError, SeedError) as exc:
                self.send_json(400, {"error": str(exc)}, nosniff=False)

    return Handler


def control_state(double, data, query):
    models = query.get("models")
    with double.lock:
        tables = {m: list(t.values()) for m, t in double.db.records.items()
                  if (not models or m in models.split(",")) and not m.startswith("ir.model")}
        if models:
            tables.update({m: list(double.db.table(m).values()) for m in models.split(",") if m.startswith("ir.model")})
        snapshot = json.loads(json.dumps({
            "version": double.flavor.version, "db": double.db_name, "now": str(double.clock.now()),
            "counters": double.stats.snapshot(), "next_ids": double.db.next_ids, "sequences": double.db.sequences,
            "faults": double.faults.pending, "webhooks": double.webhooks.log, "models": tables}, default=str))
    return snapshot


def control_reset(double, data, query):
    double.reset(data.get("seed"))
    return {"ok": True}


def control_add_faults(double, data, query):
    specs = data if isinstance(data, list) else [data]
    return {"ids": [double.faults.add(spec) for spec in specs]}


def control_list_faults(double, data, query):
    return {"faults": list(double.faults.pending)}


def control_clear_faults(double, data, query):
    double.faults.clear()
    return {"ok": True}


def control_clock(double, data, query):
    when = parse_dt(data["set"]) if data.get("set") else None
    double.clock.set(when, data.get("freeze"), float(data.get("advance_s", 0)))
    return {"now": str(double.clock.now())}


def control_ids(double, data, query):
    """Sets id counters (and name sequences): replays use it to follow ids burnt outside a transcript."""
    with double.lock:
        double.db.next_ids.update({m: int(v) for m, v in data.get("next_ids", {}).items()})
        double.db.sequences.update({k: int(v) for k, v in data.get("sequences", {}).items()})
        return {"next_ids": double.db.next_ids, "sequences": double.db.sequences}


CONTROL = {
    ("GET", "/__double/state"): control_state,
    ("POST", "/__double/reset"): control_reset,
    ("POST", "/__double/faults"): control_add_faults,
    ("GET", "/__double/faults"): control_list_faults,
    ("DELETE", "/__double/faults"): control_clear_faults,
    ("POST", "/__double/clock"): control_clock,
    ("POST", "/__double/ids"): control_ids,
}


# ----------------------------------------------------------------------------
# Seed loading
# ----------------------------------------------------------------------------

class SeedError(Exception):
    pass


# Derived values a seeded record gets, as if it had been created through the ORM.
SEED_FINISH = {
    "stock.location": lambda env, rec: _location_recompute(env, rec),
    "mrp.workcenter.productivity": lambda env, rec: _productivity_changed(env, rec),
    "mrp.production": lambda env, rec: env.flavor.assign_production_group(env, rec),
    "stock.move.line": lambda env, rec: sync_line_reservation(env, rec),
    "maintenance.request": lambda env, rec: _request_created(env, rec),
}


def load_seed(double, seed):
    """Inserts the seed (base records, records by model, users, external ids), then ir.model metadata."""
    env = Env(double, SUPERUSER, {}, double.clock.now())
    env.log_access = False
    seeded = []
    for model, rows in base_records(double, seed).items():
        for row in rows:
            seeded.append(insert_seed_row(env, model, row))
    for model, rows in (seed.get("records") or {}).items():
        if not double.schema.has(model):
            raise SeedError(f"seed: unknown model {model!r}")
        for row in rows:
            seeded.append(insert_seed_row(env, model, row))
    seeded += seed_users(double, env, seed.get("users") or [])
    sync_ir_model(env)
    for model, rid in seeded:
        complete_seed_row(env, model, env.get(model, rid))
    for xmlid, (model, rid) in (seed.get("xmlids") or {}).items():
        module, name = split_xmlid(xmlid)
        env.insert("ir.model.data", {"module": module, "name": name, "model": model, "res_id": rid, "noupdate": True})
    env.flush()
    double.db.next_ids.update({m: int(v) for m, v in (seed.get("next_ids") or {}).items()})
    double.db.sequences.update({k: int(v) for k, v in (seed.get("sequences") or {}).items()})


def base_records(double, seed):
    """Company, currency, unit, groups and OdooBot, unless the seed brings its own."""
    given = seed.get("records") or {}
    base = {}
    if "res.company" not in given:
        base["res.company"] = [{"id": 1, "name": "My Company"}]
    if "res.currency" not in given:
        base["res.currency"] = [{"id": 1, "name": "USD"}]
    if "uom.uom" not in given:
        base["uom.uom"] = [{"id": 1, "name": "Units"}]
    base["res.groups"] = [{"id": i, "name": double.flavor.group_name(x).rsplit("/", 1)[-1],
                           "full_name": double.flavor.group_name(x), "_xmlid": x}
                          for i, x in enumerate(GROUPS, start=1)]
    return base


def seed_users(double, env, users):
    """Seed users (shorthand: password, api_key, groups as xmlids or "all") plus the --user login."""
    groups = {g["_xmlid"]: g["id"] for g in env.table("res.groups").values()}
    wanted = list(users)
    if not any(u.get("id") == 1 for u in wanted):  # OdooBot, unless the seed brings its own
        wanted.insert(0, {"id": 1, "login": "__system__", "name": "OdooBot", "active": False, "groups": "all"})
    if not any(u.get("login") == double.args.user for u in wanted):
        taken = {u.get("id") for u in wanted}
        uid = 2 if 2 not in taken else max(taken) + 1  # uid 2, as the admin of a fresh Odoo
        wanted.append({"id": uid, "login": double.args.user, "name": double.args.user, "groups": "all"})
    seeded = []
    for user in wanted:
        user = dict(user)
        wanted_groups = user.pop("groups", "all")
        xmlids = list(GROUPS) if wanted_groups == "all" else list(wanted_groups)
        unknown = [x for x in xmlids if x not in groups]
        if unknown:
            raise SeedError(f"seed: user {user.get('login')}: unknown groups {unknown} (known: {sorted(groups)})")
        row = {k: v for k, v in user.items() if k not in ("password", "api_key")}
        row[double.flavor.groups_field] = [groups[x] for x in xmlids]
        row["_password"] = user.get("password")
        row["_api_key"] = user.get("api_key")
        if user["login"] == double.args.user:
            row["_password"] = double.args.password or row["_password"]
            row["_api_key"] = double.args.api_key or row["_api_key"]
        if "partner_id" not in row:
            row["partner_id"] = env.insert("res.partner", {"name": row["name"], "type": "contact",
                                                           "active": row.get("active", True)})
        seeded.append(insert_seed_row(env, "res.users", row))
    return seeded


def insert_seed_row(env, model, row):
    row = dict(row)
    renames, drops = env.flavor.seed_renames(), env.flavor.seed_drops()
    vals = {}
    for field, value in row.items():
        field = renames.get((model, field), field)
        if (model, field) in drops:
            continue
        spec = env.schema.spec(model, field)
        if field.startswith("_") or field == "id":
            vals[field] = value
            continue
        if spec is None:
            raise SeedError(f"seed: {model} has no field {field!r}")
        if spec["type"] == "many2many" and not isinstance(value, list):
            value = [value] if value else []
        vals[field] = env.flavor.seed_value(model, field, value)
    rid = vals.pop("id", None)
    if rid is not None and env.exists(model, rid):
        raise SeedError(f"seed: duplicate {model} id {rid}")
    if "active" in env.schema.fields(model):
        vals.setdefault("active", True)
    return model, env.insert(model, vals, rid)


def complete_seed_row(env, model, rec):
    """Fills defaults, then checks required fields and references like a create would."""
    if model in DEFAULTS:
        for field, value in DEFAULTS[model](env, dict(rec)).items():
            rec.setdefault(field, value)
    try:
        check_required(env, model, rec)
        for field, value in rec.items():
            spec = env.schema.spec(model, field)
            if spec and spec["type"] == "selection" and value not in (False, None):
                convert_scalar(env, model, field, spec, value)  # raises on a value the version does not know
            if spec and spec["type"] == "many2one" and value and env.schema.has(spec["relation"]) \
                    and not env.exists(spec["relation"], value):
                raise SeedError(f"seed: {model} {rec['id']}: {field} -> missing {spec['relation']} {value}")
    except OdooError as err:
        raise SeedError(f"seed: {model} {rec['id']}: {err.message}")
    if model in SEED_FINISH:
        SEED_FINISH[model](env, rec)


def sync_ir_model(env):
    """ir.model / ir.model.fields / ir.model.fields.selection for every model; seeded ids are kept."""
    models = {r["model"]: r for r in env.table("ir.model").values()}
    fields = {(r["model"], r["name"]): r for r in env.table("ir.model.fields").values()}
    selections = {(r["field_id"], r["value"]): r for r in env.table("ir.model.fields.selection").values()}
    for model in sorted(env.schema.models):
        rec = models.get(model) or env.get("ir.model", env.insert("ir.model", {"model": model}))
        rec.update(name=Schema.label(model))
        for name, spec in env.schema.fields(model).items():
            field = fields.get((model, name)) or env.get("ir.model.fields", env.insert(
                "ir.model.fields", {"model": model, "name": name}))
            field.update(model_id=rec["id"], ttype=spec["type"], field_description=spec["string"],
                         relation=spec.get("relation", False), required=spec["required"],
                         readonly=spec["readonly"], store=spec["store"])
            for seq, (value, label) in enumerate(spec.get("selection") or []):
                if (field["id"], value) not in selections:
                    env.insert("ir.model.fields.selection", {"field_id": field["id"], "value": value,
                                                             "name": label, "sequence": seq})


# ----------------------------------------------------------------------------
# main
# ----------------------------------------------------------------------------

def parse_args(argv):
    p = argparse.ArgumentParser(description="Odoo 18/19 test double for plantbridge (see README.md).")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=0, help="0 picks a free port (printed on stdout)")
    p.add_argument("--version", type=int, choices=(18, 19), default=18)
    p.add_argument("--db", default="odoo")
    p.add_argument("--user", default="admin", help="login of the integration user")
    p.add_argument("--api-key", help="API key of --user")
    p.add_argument("--api-key-file", help="file holding the API key of --user; re-read when it changes")
    p.add_argument("--password", help="password of --user (JSON-RPC/XML-RPC also accept it)")
    p.add_argument("--seed", help="seed JSON file (see README.md)")
    p.add_argument("--fields-dir", default=str(HERE / "fields"))
    p.add_argument("--latency-ms", type=float, default=0.0, help="mean service time of a write call")
    p.add_argument("--read-latency-ms", type=float, help="mean service time of a read call (default latency/4)")
    p.add_argument("--capacity", type=int, default=0, help="Odoo workers; more concurrent calls queue (0 = unlimited)")
    p.add_argument("--conflict-ms", type=float, help="penalty of a write that collides on a row (default 4x latency)")
    p.add_argument("--jitter", type=float, default=0.3, help="log-normal sigma of the service time (0 = constant)")
    p.add_argument("--rng-seed", type=int, default=1)
    p.add_argument("--start-time", help="UTC clock start, e.g. '2026-11-22 06:50:00' (default: now)")
    p.add_argument("--keep-alive", action="store_true", help="HTTP/1.1 keep-alive, as behind a proxy")
    p.add_argument("--verbose", action="store_true")
    args = p.parse_args(argv)
    if args.api_key_file and args.api_key:
        p.error("use --api-key or --api-key-file, not both")
    return args


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 256


def main(argv=None):
    args = parse_args(argv)
    try:
        double = Double(args)
    except (SeedError, OSError, ValueError) as exc:
        print(f"odoo_double: {exc}", file=sys.stderr)
        return 2
    server = Server((args.host, args.port), make_handler(double, args.keep_alive))
    host, port = server.server_address[:2]
    double.base_url = f"http://{host}:{port}"

    def stop(signum, frame):
        threading.Thread(target=server.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    print(f"listening {host}:{port}", flush=True)
    server.serve_forever(poll_interval=0.2)
    server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
