"""A local stand-in for the Stripe API, answering with Stripe's own example objects.

The real ``stripe`` SDK is pointed at it (``STRIPE_API_BASE``), so requests, the SDK's parsing and
its error handling run as in production. Each answer starts from the object in Stripe's
``fixtures3.json`` (../shared/stripe, MIT) and overrides the ids and fields the flow needs. Every
request is recorded so tests can assert what was sent. Webhook events are built from the same
fixtures and signed exactly as Stripe signs them.
"""
from __future__ import annotations

import copy
import hashlib
import hmac
import itertools
import json
import os
import pathlib
import re
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlsplit

# Stripe's fixtures, vendored beside this file (a copy of shared/stripe), unless STRIPE_FIXTURES names one.
FIXTURES = pathlib.Path(os.environ.get("STRIPE_FIXTURES") or
                        pathlib.Path(__file__).resolve().parent / "stripe_fixtures" / "fixtures3.json")


def load_fixtures() -> dict:
    return json.loads(FIXTURES.read_text())["resources"]


def nested(pairs) -> dict:
    """Stripe's form encoding (``metadata[plan]=x``, ``line_items[0][price]=y``) back into objects."""
    out: dict = {}
    for key, value in pairs:
        parts = re.findall(r"[^\[\]]+", key)
        node = out
        for part in parts[:-1]:
            node = node.setdefault(part, {})
        node[parts[-1]] = value

    def lists(node):
        if isinstance(node, dict):
            if node and all(k.isdigit() for k in node):
                return [lists(node[k]) for k in sorted(node, key=int)]
            return {k: lists(v) for k, v in node.items()}
        return node
    return lists(out)


class Recorded:
    def __init__(self, method, path, params, headers):
        self.method, self.path, self.params, self.headers = method, path, params, headers

    def __repr__(self):
        return f"<{self.method} {self.path} {self.params}>"


class StripeStub:
    """Products, prices, customers, Checkout and portal sessions, invoices and subscriptions."""

    def __init__(self):
        self.fixtures = load_fixtures()
        self._lock = threading.Lock()
        self.reset()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_port}"

    def stop(self):
        self.server.shutdown()

    def reset(self):
        self.requests: list[Recorded] = []
        self.products: dict[str, dict] = {}
        self.prices: dict[str, dict] = {}
        self.customers: dict[str, dict] = {}
        self.invoices: list[dict] = []
        self.subscriptions: dict[str, dict] = {}
        self.fail_next: dict[str, int] = {}  # "POST /v1/checkout/sessions" -> HTTP status, once
        self._ids = itertools.count(1)

    # ---- what tests look at ---------------------------------------------------------------------

    def calls(self, method=None, path=None) -> list[Recorded]:
        return [r for r in self.requests if (method is None or r.method == method)
                and (path is None or r.path == path or (path.endswith("*") and r.path.startswith(path[:-1])))]

    def writes(self) -> list[Recorded]:
        return [r for r in self.requests if r.method in ("POST", "DELETE")]

    def new_id(self, prefix: str) -> str:
        return f"{prefix}_test{next(self._ids):04d}"

    def fixture(self, name: str) -> dict:
        return copy.deepcopy(self.fixtures[name])

    # ---- the API ---------------------------------------------------------------------------------

    def _handler(self):
        stub = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def _answer(self, status, body):
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.send_header("Request-Id", "req_stub")
                self.end_headers()
                self.wfile.write(data)

            def _serve(self, method):
                parts = urlsplit(self.path)
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length).decode() if length else ""
                pairs = parse_qsl(parts.query, keep_blank_values=True) + parse_qsl(body, keep_blank_values=True)
                params = nested(pairs)
                with stub._lock:
                    stub.requests.append(Recorded(method, parts.path, params, dict(self.headers)))
                    failure = stub.fail_next.pop(f"{method} {parts.path}", None)
                    if failure:
                        return self._answer(failure, {"error": {"type": "api_error", "message": "stub failure"}})
                    if not (self.headers.get("Authorization") or "").startswith("Bearer sk_test_"):
                        return self._answer(401, {"error": {"type": "invalid_request_error",
                                                            "message": "Invalid API Key provided"}})
                    status, answer = stub.route(method, parts.path, params)
                return self._answer(status, answer)

            def do_GET(self):
                self._serve("GET")

            def do_POST(self):
                self._serve("POST")

            def do_DELETE(self):
                self._serve("DELETE")

        return Handler

    @staticmethod
    def _missing(kind, id_):
        return 404, {"error": {"type": "invalid_request_error", "code": "resource_missing",
                               "message": f"No such {kind}: '{id_}'", "param": "id"}}

    @staticmethod
    def _list(data, url):
        return 200, {"object": "list", "data": data, "has_more": False, "url": url}

    def route(self, method, path, p):
        segments = path.strip("/").split("/")
        if segments[0] != "v1" or len(segments) < 2:
            return 404, {"error": {"type": "invalid_request_error", "message": f"Unrecognized request URL ({path})"}}
        segments = segments[1:]
        width = 2 if segments[:2] in (["checkout", "sessions"], ["billing_portal", "sessions"]) else 1
        resource, rest = "_".join(segments[:width]), segments[width:]
        handler = getattr(self, f"{method.lower()}_{resource}", None)
        id_ = rest[0] if rest else None
        if handler is None or len(rest) > 1:
            return 404, {"error": {"type": "invalid_request_error", "message": f"Unrecognized request URL ({path})"}}
        return handler(id_, p)

    def post_customers(self, id_, p):
        if id_:
            return self._missing("customer", id_)
        obj = self.fixture("customer")
        obj.update(id=self.new_id("cus"), email=p.get("email"), name=p.get("name"),
                   metadata=p.get("metadata") or {}, created=int(time.time()), discount=None)
        self.customers[obj["id"]] = obj
        return 200, obj

    def get_products(self, id_, p):
        if id_ is None:
            return self._list(list(self.products.values()), "/v1/products")
        return (200, self.products[id_]) if id_ in self.products else self._missing("product", id_)

    def post_products(self, id_, p):
        if id_ is None:
            obj = self.fixture("product")
            obj.update(id=p.get("id") or self.new_id("prod"), name=p["name"], metadata=p.get("metadata") or {},
                       default_price=None, description=None, created=int(time.time()), active=True)
            self.products[obj["id"]] = obj
            return 200, obj
        if id_ not in self.products:
            return self._missing("product", id_)
        obj = self.products[id_]
        for key in ("name", "metadata"):
            if key in p:
                obj[key] = p[key]
        if "active" in p:
            obj["active"] = p["active"] == "true"
        return 200, obj

    def get_prices(self, id_, p):
        if id_ is not None:
            return (200, self.prices[id_]) if id_ in self.prices else self._missing("price", id_)
        keys = p.get("lookup_keys")
        keys = keys if isinstance(keys, list) else [keys] if keys else None
        found = [x for x in self.prices.values()
                 if (keys is None or x["lookup_key"] in keys)
                 and ("active" not in p or x["active"] == (p["active"] == "true"))]
        return self._list(found[: int(p.get("limit", 10))], "/v1/prices")

    def post_prices(self, id_, p):
        if id_ is not None:
            if id_ not in self.prices:
                return self._missing("price", id_)
            if "active" in p:
                self.prices[id_]["active"] = p["active"] == "true"
            return 200, self.prices[id_]
        if p.get("product") not in self.products:
            return self._missing("product", p.get("product"))
        if p.get("transfer_lookup_key") == "true":
            for other in self.prices.values():
                if other["lookup_key"] == p.get("lookup_key"):
                    other["lookup_key"] = None
        obj = self.fixture("price")
        obj.update(id=self.new_id("price"), product=p["product"], currency=p["currency"],
                   unit_amount=int(p["unit_amount"]), unit_amount_decimal=p["unit_amount"],
                   lookup_key=p.get("lookup_key"), metadata=p.get("metadata") or {}, active=True,
                   transform_quantity=None, created=int(time.time()))
        obj["recurring"].update(interval=p["recurring"]["interval"])
        self.prices[obj["id"]] = obj
        return 200, obj

    def post_checkout_sessions(self, id_, p):
        obj = self.fixture("checkout.session")
        sid = self.new_id("cs")
        obj.update(id=sid, mode=p.get("mode"), customer=p.get("customer"), metadata=p.get("metadata") or {},
                   client_reference_id=p.get("client_reference_id"), success_url=p.get("success_url"),
                   cancel_url=p.get("cancel_url"), status="open", payment_status="unpaid", subscription=None,
                   payment_intent=None, created=int(time.time()), url=f"https://checkout.stripe.test/c/pay/{sid}")
        return 200, obj

    def post_billing_portal_sessions(self, id_, p):
        if p.get("customer") not in self.customers:
            return self._missing("customer", p.get("customer"))
        obj = self.fixture("billing_portal.session")
        sid = self.new_id("bps")
        obj.update(id=sid, customer=p["customer"], return_url=p.get("return_url"), flow=None,
                   url=f"https://billing.stripe.test/p/session/{sid}")
        return 200, obj

    def get_invoices(self, id_, p):
        found = [i for i in self.invoices if p.get("customer") in (None, i["customer"])]
        found.sort(key=lambda i: i["created"], reverse=True)
        return self._list(found[: int(p.get("limit", 10))], "/v1/invoices")

    def get_subscriptions(self, id_, p):
        return (200, self.subscriptions[id_]) if id_ in self.subscriptions else self._missing("subscription", id_)

    def delete_subscriptions(self, id_, p):
        if id_ not in self.subscriptions:
            return self._missing("subscription", id_)
        sub = self.subscriptions[id_]
        if sub["status"] == "canceled":
            return 400, {"error": {"type": "invalid_request_error",
                                   "message": "A canceled subscription can only update its cancellation_details."}}
        sub.update(status="canceled", canceled_at=int(time.time()), ended_at=int(time.time()))
        return 200, sub

    # ---- Stripe's objects for events -----------------------------------------------------------------

    def subscription(self, *, customer, status, created, lookup_key, id=None, metadata=None, period_end=None,
                     trial_end=None, cancel_at_period_end=False) -> dict:
        """A subscription as Stripe sends it in customer.subscription.* events (and keeps it here)."""
        sub = self.fixture("subscription")
        price = next((x for x in self.prices.values() if x["lookup_key"] == lookup_key), None)
        sub_id = id or self.new_id("sub")
        item = sub["items"]["data"][0]
        if price is not None:
            item["price"] = copy.deepcopy(price)
        else:
            item["price"].update(lookup_key=lookup_key, metadata={})
        item.update(subscription=sub_id, current_period_start=created,
                    current_period_end=period_end or created + 30 * 86400)
        sub["items"]["url"] = f"/v1/subscription_items?subscription={sub_id}"
        sub.update(id=sub_id, customer=customer, status=status, created=created, start_date=created,
                   metadata=metadata or {}, cancel_at_period_end=cancel_at_period_end,
                   trial_end=trial_end, trial_start=created if trial_end else None,
                   cancel_at=None, canceled_at=None, ended_at=None, pending_update=None,
                   latest_invoice=None, transfer_data=None)
        if status == "canceled":
            sub.update(canceled_at=created, ended_at=created)
        self.subscriptions[sub_id] = copy.deepcopy(sub)
        return sub

    def invoice(self, *, customer, subscription, paid: bool, created, amount=99900, id=None) -> dict:
        inv = self.fixture("invoice")
        inv_id = id or self.new_id("in")
        inv.update(id=inv_id, customer=customer, created=created, amount_due=amount,
                   amount_paid=amount if paid else 0, amount_remaining=0 if paid else amount,
                   status="paid" if paid else "open", number=f"VIP-{inv_id[-4:]}", billing_reason="subscription_cycle",
                   currency="cny", hosted_invoice_url=f"https://invoice.stripe.test/i/{inv_id}",
                   invoice_pdf=f"https://invoice.stripe.test/i/{inv_id}/pdf", attempted=True,
                   attempt_count=1, subscription=None, period_start=created - 30 * 86400, period_end=created)
        inv["parent"] = {"type": "subscription_details", "quote_details": None,
                         "subscription_details": {"metadata": {}, "subscription": subscription}}
        for line in inv["lines"]["data"]:
            line["invoice"] = inv_id
        self.invoices = [i for i in self.invoices if i["id"] != inv_id] + [copy.deepcopy(inv)]
        return inv

    def completed_checkout(self, *, customer, subscription, metadata, created, paid=True) -> dict:
        cs = self.fixture("checkout.session")
        cs.update(id=self.new_id("cs"), mode="subscription", customer=customer, subscription=subscription,
                  metadata=metadata, client_reference_id=metadata.get("tenant_id"), status="complete",
                  payment_status="paid" if paid else "no_payment_required", created=created,
                  payment_intent=None, url=None)
        return cs

    def event(self, kind: str, obj: dict, created: int, id=None) -> dict:
        ev = self.fixture("event")
        ev.update(id=id or self.new_id("evt"), type=kind, created=created, data={"object": obj},
                  livemode=False, api_version="2026-10-28.endive", pending_webhooks=1)
        return ev


def sign(payload: str, secret: str, timestamp: int | None = None) -> str:
    """The ``Stripe-Signature`` header exactly as Stripe computes it: HMAC-SHA256 with the
    endpoint's secret over ``"{timestamp}.{raw body}"``, hex, as the ``v1`` scheme."""
    t = int(time.time()) if timestamp is None else timestamp
    mac = hmac.new(secret.encode(), f"{t}.{payload}".encode(), hashlib.sha256).hexdigest()
    return f"t={t},v1={mac}"
