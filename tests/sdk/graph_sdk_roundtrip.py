#!/usr/bin/env python3
"""PATCH and GET a deviceConfigurationUserOverview through the official
Microsoft Graph beta SDK for Python (msgraph-beta-sdk), pointed at a
graph-conformance embedded reference service.

The service speaks the February-2017 property names (numberOfPendingUsers,
numberOfSucceededUsers, numberOfErrorUsers, numberOfFailedUsers,
lastUpdateTime, policyRevision, id); the SDK's model carries the later names
(pendingCount, successCount, ...). So the page's names travel as the model's
``additional_data`` both ways.

Usage:
    graph_sdk_roundtrip.py --base-url http://127.0.0.1:P/beta --token TOKEN \
        (--config-id ID | --ids /tmp/sdk-ids.json)

Each argument may instead come from the environment: GRAPH_BASE_URL,
GRAPH_TOKEN, GRAPH_CONFIG_ID, GRAPH_IDS_FILE. With --ids the `direct`
variant's deviceConfigurationId is used.

It writes to the overview of the given configuration: point it only at the
embedded service (`graph-conformance serve`), never at a real tenant.

Exit status: 0 when every check held, 1 when one failed, 2 on bad arguments.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import sys
from datetime import datetime
from typing import Any, Optional
from urllib.parse import urlparse

import httpx
from kiota_abstractions.date_utils import datetime_from_iso_format_compat
from kiota_abstractions.authentication import (
    AccessTokenProvider,
    AllowedHostsValidator,
    BaseBearerTokenAuthenticationProvider,
)
from msgraph_beta import GraphRequestAdapter, GraphServiceClient
from msgraph_beta.generated.models.device_configuration_user_overview import (
    DeviceConfigurationUserOverview,
)
from msgraph_beta.generated.models.o_data_errors.o_data_error import ODataError

# The body the page's PATCH example sends (February-2017 names).
PATCH_VALUES: dict[str, Any] = {
    "numberOfPendingUsers": 4,
    "numberOfSucceededUsers": 6,
    "numberOfErrorUsers": 2,
    "numberOfFailedUsers": 3,
    "lastUpdateTime": "2017-01-01T00:02:03.0612494-08:00",
    "policyRevision": 14,
}
PAGE_NAMES = set(PATCH_VALUES) | {"id"}
# Names the SDK model knows (the later schema), as they go on the wire.
SDK_TYPED_NAMES = {
    "configurationVersion", "conflictCount", "errorCount", "failedCount",
    "lastUpdateDateTime", "notApplicableCount", "pendingCount", "successCount",
}


class StaticTokenProvider(AccessTokenProvider):
    """Hands out one fixed token, only for the service's own host."""

    def __init__(self, token: str, host: str) -> None:
        self._token = token
        self._validator = AllowedHostsValidator([host])

    async def get_authorization_token(
        self, uri: str, additional_authentication_context: dict[str, Any] = {}
    ) -> str:
        if not self._validator.is_url_host_valid(uri):
            return ""
        return self._token

    def get_allowed_hosts_validator(self) -> AllowedHostsValidator:
        return self._validator


class Wire:
    """Records every exchange the SDK's HTTP client makes (httpx event hooks)."""

    def __init__(self) -> None:
        self.exchanges: list[dict[str, Any]] = []
        self.step = ""

    async def on_request(self, request: httpx.Request) -> None:
        body = request.content.decode("utf-8") if request.content else ""
        self.exchanges.append({
            "step": self.step,
            "method": request.method,
            "url": str(request.url),
            "authorization": "Bearer <token>" if request.headers.get(
                "authorization", "").startswith("Bearer ") else request.headers.get("authorization"),
            "content_type": request.headers.get("content-type"),
            "request_body": body,
        })

    async def on_response(self, response: httpx.Response) -> None:
        await response.aread()
        self.exchanges[-1].update({
            "status": response.status_code,
            "response_content_type": response.headers.get("content-type"),
            "response_body": response.text,
        })

    def last(self) -> dict[str, Any]:
        return self.exchanges[-1]


failures: list[str] = []


def check(ok: bool, what: str) -> None:
    print(f"  [{'ok' if ok else 'FAIL'}] {what}")
    if not ok:
        failures.append(what)


def show_exchange(ex: dict[str, Any]) -> None:
    print(f"  > {ex['method']} {ex['url']}")
    print(f"  > Authorization: {ex['authorization']}")
    if ex["request_body"]:
        print(f"  > Content-Type: {ex['content_type']}")
        print(f"  > {ex['request_body']}")
    print(f"  < {ex.get('status')} ({ex.get('response_content_type')})")
    if ex.get("response_body"):
        print(f"  < {ex['response_body']}")


def show_model(label: str, m: Optional[DeviceConfigurationUserOverview]) -> None:
    if m is None:
        print(f"  SDK returned {label}: None")
        return
    typed = {
        "id": m.id, "odata_type": m.odata_type,
        "pending_count": m.pending_count, "success_count": m.success_count,
        "error_count": m.error_count, "failed_count": m.failed_count,
        "last_update_date_time": m.last_update_date_time,
        "configuration_version": m.configuration_version,
    }
    print(f"  SDK returned {label}: {type(m).__name__}")
    print(f"    typed fields:    {typed}")
    print(f"    additional_data: {m.additional_data}")


def page_values(m: Optional[DeviceConfigurationUserOverview]) -> dict[str, Any]:
    if m is None:
        return {}
    return {k: m.additional_data.get(k) for k in PATCH_VALUES}


def as_parsed(values: dict[str, Any]) -> dict[str, Any]:
    """What the SDK's JSON parse node makes of `values` in additional_data: a
    string shaped like an ISO date-time becomes a datetime.datetime, whose
    resolution is one microsecond (the 7th fractional digit is dropped)."""
    return {k: datetime_from_iso_format_compat(v) if k == "lastUpdateTime" else v
            for k, v in values.items()}


_DTO = re.compile(r"^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d{1,7}))?(Z|[+-]\d\d:\d\d)$")


def ticks(text: Any) -> Any:
    """A DateTimeOffset string as 100-ns ticks since the epoch (same instant,
    same number, whatever the offset or the count of fraction digits);
    anything else is returned unchanged so that it compares unequal."""
    m = _DTO.match(text) if isinstance(text, str) else None
    if not m:
        return text
    base, frac, off = m.groups()
    seconds = datetime.fromisoformat(base + ("+00:00" if off == "Z" else off)).timestamp()
    return int(seconds) * 10_000_000 + int((frac or "").ljust(7, "0"))


def wire_values(ex: dict[str, Any]) -> dict[str, Any]:
    """The page's properties as the service sent them, lastUpdateTime as an
    instant in ticks (the contract lets the service re-express the offset or
    the fraction digits, not change the instant)."""
    body = json.loads(ex.get("response_body") or "{}")
    return {k: ticks(body.get(k)) if k == "lastUpdateTime" else body.get(k) for k in PATCH_VALUES}


EXPECTED_ON_WIRE = {k: ticks(v) if k == "lastUpdateTime" else v for k, v in PATCH_VALUES.items()}


async def run(base_url: str, token: str, config_id: str) -> None:
    host = urlparse(base_url).hostname or ""
    auth = BaseBearerTokenAuthenticationProvider(StaticTokenProvider(token, host))
    # The SDK's own adapter with its default middleware pipeline (retry,
    # redirect, parameters, user agent, telemetry); only the base URL changes.
    adapter = GraphRequestAdapter(auth)
    adapter.base_url = base_url
    wire = Wire()
    http_client: httpx.AsyncClient = adapter._http_client  # the SDK-built client
    http_client.event_hooks = {"request": [wire.on_request], "response": [wire.on_response]}
    client = GraphServiceClient(request_adapter=adapter)
    overview = (client.device_management.device_configurations
                .by_device_configuration_id(config_id).user_status_overview)

    print(f"base URL: {base_url}   configuration: {config_id}")

    wire.step = "1"
    print("\n1. GET userStatusOverview (before)")
    before = await overview.get()
    show_exchange(wire.last())
    show_model("GET", before)
    check(wire.last().get("status") == 200, "GET answered 200")
    check(before is not None and isinstance(before.id, str), "SDK parsed the body; id is a typed field")
    check(before is not None and PAGE_NAMES - {"id"} <= set(before.additional_data),
          "the page's names arrive in additional_data")

    wire.step = "2"
    print("\n2. PATCH with the page's names in additional_data, typed fields left unset")
    body = DeviceConfigurationUserOverview()
    body.additional_data = dict(PATCH_VALUES)
    patched = await overview.patch(body)
    ex = wire.last()
    show_exchange(ex)
    show_model("PATCH", patched)
    sent = json.loads(ex["request_body"])
    check(set(sent) == set(PATCH_VALUES),
          f"SDK sent exactly the page's names, no later names, no nulls (sent {sorted(sent)})")
    check(sent == PATCH_VALUES, "sent values are the ones given (lastUpdateTime as the string given)")
    check(ex.get("status") == 200, "PATCH answered 200 with a body")
    check(wire_values(ex) == EXPECTED_ON_WIRE, "the 200 body carries the new values (same instant to 100 ns)")
    check(patched is not None and page_values(patched) == as_parsed(PATCH_VALUES),
          "SDK parsed the 200 body into the model; values in additional_data "
          "(lastUpdateTime as a datetime)")

    wire.step = "3"
    print("\n3. GET userStatusOverview (after)")
    after = await overview.get()
    show_exchange(wire.last())
    show_model("GET", after)
    check(wire_values(wire.last()) == EXPECTED_ON_WIRE, "GET body shows the PATCHed values (same instant to 100 ns)")
    check(page_values(after) == as_parsed(PATCH_VALUES), "SDK model shows the PATCHed values")
    check(after is not None and before is not None and after.id == before.id,
          "id unchanged by the PATCH")

    wire.step = "4"
    print("\n4. PATCH with a typed (later-named) field set: pending_count=5")
    typed_body = DeviceConfigurationUserOverview(pending_count=5)
    try:
        await overview.patch(typed_body)
        show_exchange(wire.last())
        check(False, "a later-named property is refused (C3.3)")
    except ODataError as e:
        show_exchange(wire.last())
        err = e.error
        print(f"  SDK raised {type(e).__name__}: status={e.response_status_code} "
              f"code={err.code if err else None!r} message={err.message if err else None!r}")
        check(json.loads(wire.last()["request_body"]) == {"pendingCount": 5},
              "SDK sent only the set typed field")
        check(e.response_status_code == 400, "refused with 400, surfaced as ODataError")

    wire.step = "5"
    print("\n5. GET userStatusOverview (the refused PATCH changed nothing)")
    final = await overview.get()
    show_exchange(wire.last())
    check(wire_values(wire.last()) == EXPECTED_ON_WIRE, "values still those of step 2")

    wire.step = "6"
    print("\n6. Read-modify-write: PATCH back the additional_data the SDK parsed, with one count changed")
    echo = DeviceConfigurationUserOverview()
    echo.additional_data = {k: v for k, v in final.additional_data.items() if k in PATCH_VALUES}
    echo.additional_data["numberOfPendingUsers"] = 5
    await overview.patch(echo)
    ex = wire.last()
    show_exchange(ex)
    sent = json.loads(ex["request_body"])
    check(ex.get("status") == 200 and set(sent) == set(PATCH_VALUES),
          "SDK sent only the page's names and the service accepted them")
    got = json.loads(ex.get("response_body") or "{}").get("lastUpdateTime")
    print(f"  note: lastUpdateTime was {PATCH_VALUES['lastUpdateTime']!r}, the SDK sent back "
          f"{sent['lastUpdateTime']!r}, the service now holds {got!r}")
    if ticks(got) != EXPECTED_ON_WIRE["lastUpdateTime"]:
        print("  note: an SDK read-modify-write drops the 7th fractional-second digit (100 ns);"
              " the datetime is parsed to microseconds by kiota-serialization-json")

    leaked = [x for x in wire.exchanges if x["step"] != "4" and x["request_body"]
              and SDK_TYPED_NAMES & set(json.loads(x["request_body"]))]
    check(not leaked, "no request other than step 4 carried a later-named property")


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--base-url", default=os.environ.get("GRAPH_BASE_URL"),
                   help="service root with its version segment, e.g. http://127.0.0.1:8080/beta")
    p.add_argument("--token", default=os.environ.get("GRAPH_TOKEN"),
                   help="bearer token (graph-conformance token)")
    p.add_argument("--config-id", default=os.environ.get("GRAPH_CONFIG_ID"),
                   help="deviceConfiguration id")
    p.add_argument("--ids", default=os.environ.get("GRAPH_IDS_FILE"),
                   help="ids file from `serve --ids-out`; its `direct` variant is used")
    a = p.parse_args()
    config_id = a.config_id
    if not config_id and a.ids:
        with open(a.ids, encoding="utf-8") as f:
            direct = json.load(f)["variants"]["direct"]
        # An ids file holds {"keys": {...}, "reads": {...}} per variant (and,
        # for this pack, the first wave's fields beside them); a hand-written
        # one may hold only the first wave's.
        config_id = (direct["keys"] if "keys" in direct else direct)["deviceConfigurationId"]
    if not (a.base_url and a.token and config_id):
        p.error("need --base-url, --token and --config-id (or --ids)")
    try:
        asyncio.run(run(a.base_url.rstrip("/"), a.token.strip(), config_id))
    except Exception as e:  # an unexpected SDK error is a failure, not a crash
        print(f"\nERROR: {type(e).__name__}: {e}")
        failures.append(f"{type(e).__name__}: {e}")
    print()
    if failures:
        print(f"FAILED: {len(failures)} check(s)")
        for f in failures:
            print(f"  - {f}")
        return 1
    print("PASSED: the SDK PATCHed and GOT the overview with the page's names")
    return 0


if __name__ == "__main__":
    sys.exit(main())
