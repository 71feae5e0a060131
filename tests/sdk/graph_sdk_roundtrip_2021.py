#!/usr/bin/env python3
"""PATCH and GET a deviceConfigurationUserOverview through the typed fields
of the official Microsoft Graph beta SDK for Python (msgraph-beta-sdk),
pointed at a graph-conformance embedded reference service that serves the
pack user-overview-2021.

That pack is the page as Graph's docs had it in July 2021. Its property names
(pendingCount, notApplicableCount, successCount, errorCount, failedCount,
conflictCount, lastUpdateDateTime, configurationVersion, id) are the SDK
model's own, so the round trip goes through the model's typed fields
(pending_count, ..., last_update_date_time, configuration_version) and
``additional_data`` must stay empty (annotations aside).

Usage:
    graph_sdk_roundtrip_2021.py --base-url http://127.0.0.1:P/beta --token TOKEN \
        (--config-id ID | --ids /tmp/sdk21-ids.json)

Each argument may instead come from the environment: GRAPH_BASE_URL,
GRAPH_TOKEN, GRAPH_CONFIG_ID, GRAPH_IDS_FILE. With --ids the `direct`
variant's deviceConfigurationId is used.

It writes to the overview of the given configuration: point it only at the
embedded service (`graph-conformance serve --pack user-overview-2021`), never
at a real tenant.

Exit status: 0 when every check held, 1 when one failed, 2 on bad arguments.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
from datetime import datetime, timedelta, timezone
from typing import Any, Optional
from urllib.parse import urlparse

import httpx
from kiota_abstractions.authentication import BaseBearerTokenAuthenticationProvider
from msgraph_beta import GraphRequestAdapter, GraphServiceClient
from msgraph_beta.generated.models.device_configuration_user_overview import (
    DeviceConfigurationUserOverview,
)
from msgraph_beta.generated.models.o_data_errors.o_data_error import ODataError

# The token provider, the wire recorder, the exchange printer and the
# DateTimeOffset-to-ticks helper are the 2017 script's (same folder).
from graph_sdk_roundtrip import StaticTokenProvider, Wire, show_exchange, ticks

ODATA_TYPE = "#microsoft.graph.deviceConfigurationUserOverview"
# The page's properties: wire name -> the SDK model's typed field.
FIELDS: dict[str, str] = {
    "pendingCount": "pending_count",
    "notApplicableCount": "not_applicable_count",
    "successCount": "success_count",
    "errorCount": "error_count",
    "failedCount": "failed_count",
    "conflictCount": "conflict_count",
    "lastUpdateDateTime": "last_update_date_time",
    "configurationVersion": "configuration_version",
}
TIME = "lastUpdateDateTime"
# Names of the February-2017 page, which this page does not have.
OLD_NAMES = {
    "numberOfPendingUsers", "numberOfSucceededUsers", "numberOfErrorUsers",
    "numberOfFailedUsers", "lastUpdateTime", "policyRevision",
}

# Two sets of values for step 2; the first one that differs from the current
# overview in every property is used, so that the script can run twice
# against the same service. Times are timezone-aware, with microseconds.
VALUE_SETS: list[dict[str, Any]] = [
    {
        "pendingCount": 4, "notApplicableCount": 1, "successCount": 6,
        "errorCount": 2, "failedCount": 3, "conflictCount": 5,
        TIME: datetime(2021, 7, 14, 9, 30, 15, 123456, tzinfo=timezone(timedelta(hours=-7))),
        "configurationVersion": 15,
    },
    {
        "pendingCount": 40, "notApplicableCount": 10, "successCount": 60,
        "errorCount": 20, "failedCount": 30, "conflictCount": 50,
        TIME: datetime(2021, 7, 15, 10, 31, 16, 654321, tzinfo=timezone(timedelta(hours=5, minutes=30))),
        "configurationVersion": 16,
    },
]

_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)


def dt_ticks(value: Any) -> Any:
    """An aware datetime as 100-ns ticks since the epoch (exact, no float);
    anything else is returned unchanged so that it compares unequal."""
    if not isinstance(value, datetime) or value.tzinfo is None:
        return value
    d = value - _EPOCH
    return (d.days * 86400 + d.seconds) * 10_000_000 + d.microseconds * 10


def as_ticks(values: dict[str, Any]) -> dict[str, Any]:
    """The values with the time as ticks: what must be on the wire."""
    return {k: dt_ticks(v) if k == TIME else v for k, v in values.items()}


def wire_values(ex: dict[str, Any]) -> dict[str, Any]:
    """The page's properties as the service sent them, the time as an instant
    in ticks (the contract lets the service re-express the offset or the
    fraction digits, not change the instant)."""
    try:
        body = json.loads(ex.get("response_body") or "{}")
    except ValueError:
        return {}
    return {k: ticks(body.get(k)) if k == TIME else body.get(k) for k in FIELDS}


def model_values(m: Optional[DeviceConfigurationUserOverview]) -> dict[str, Any]:
    """The SDK model's typed fields under their wire names, the time in ticks."""
    if m is None:
        return {}
    return as_ticks({k: getattr(m, f) for k, f in FIELDS.items()})


def truncated_to_us(values: dict[str, Any]) -> dict[str, Any]:
    """What a Python datetime can hold of `values`: the time truncated to the
    microsecond (datetime.fromisoformat drops a 7th fraction digit)."""
    out = dict(values)
    if isinstance(out.get(TIME), int):
        out[TIME] = out[TIME] // 10 * 10
    return out


def only_annotations(m: Optional[DeviceConfigurationUserOverview]) -> bool:
    return m is not None and all("@" in k for k in (m.additional_data or {}))


def show_model(label: str, m: Optional[DeviceConfigurationUserOverview]) -> None:
    if m is None:
        print(f"  SDK returned {label}: None")
        return
    typed = {"id": m.id, "odata_type": m.odata_type}
    typed.update({f: getattr(m, f) for f in FIELDS.values()})
    print(f"  SDK returned {label}: {type(m).__name__}")
    print(f"    typed fields:    {typed}")
    print(f"    additional_data: {m.additional_data}")


def sent_body(ex: dict[str, Any]) -> dict[str, Any]:
    return json.loads(ex["request_body"]) if ex.get("request_body") else {}


failures: list[str] = []


def check(ok: bool, what: str) -> None:
    print(f"  [{'ok' if ok else 'FAIL'}] {what}")
    if not ok:
        failures.append(what)


def config_id_from_ids(path: str) -> str:
    """The `direct` variant's deviceConfigurationId, from either shape of the
    ids file: {"direct": {"keys": {...}, "reads": {...}}} or the older
    {"direct": {"deviceConfigurationId": ...}}."""
    with open(path, encoding="utf-8") as f:
        direct = json.load(f)["variants"]["direct"]
    return direct["keys"]["deviceConfigurationId"] if "keys" in direct else direct["deviceConfigurationId"]


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

    # 1 ------------------------------------------------------------------
    wire.step = "1"
    print("\n1. GET userStatusOverview (before)")
    before = await overview.get()
    ex = wire.last()
    show_exchange(ex)
    show_model("GET", before)
    check(ex.get("status") == 200, "GET answered 200")
    check(before is not None and isinstance(before.id, str), "SDK parsed the body; id is a typed field")
    check(before is not None and all(getattr(before, f) is not None for f in FIELDS.values()),
          "every typed field is filled")
    check(model_values(before) == truncated_to_us(wire_values(ex)),
          "typed fields hold the body's values (the time to the microsecond)")
    check(only_annotations(before),
          f"additional_data is empty or holds only annotations ({sorted(before.additional_data) if before else None})")
    wire_time = json.loads(ex.get("response_body") or "{}").get(TIME)
    held = getattr(before, "last_update_date_time", None)
    if isinstance(ticks(wire_time), int) and ticks(wire_time) % 10 and isinstance(held, datetime):
        print(f"  note: the body says {TIME} {wire_time!r}; the SDK's datetime holds "
              f"{held.isoformat()!r}: the 7th fraction digit "
              f"({ticks(wire_time) % 10}00 ns) is dropped, not rounded")

    # 2 ------------------------------------------------------------------
    current = wire_values(ex)
    values = next((v for v in VALUE_SETS
                   if all(as_ticks(v)[k] != current.get(k) for k in FIELDS)), VALUE_SETS[-1])
    expected = as_ticks(values)
    wire.step = "2"
    print("\n2. PATCH with every typed field set")
    body = DeviceConfigurationUserOverview(**{FIELDS[k]: v for k, v in values.items()})
    print(f"  model given: {', '.join(f'{FIELDS[k]}={v!r}' for k, v in values.items())}")
    check(all(expected[k] != current.get(k) for k in FIELDS), "every value differs from the current one")
    patched = await overview.patch(body)
    ex = wire.last()
    show_exchange(ex)
    show_model("PATCH", patched)
    sent = sent_body(ex)
    odata_type = sent.get("@odata.type", "(none)")
    print(f"  note: @odata.type the SDK sent: {odata_type}")
    check(set(sent) - {"@odata.type"} == set(FIELDS),
          f"SDK sent exactly the page's names (sent {sorted(sent)})")
    check(odata_type in ("(none)", ODATA_TYPE), "any @odata.type sent names the entity's type")
    check(None not in sent.values(), "no nulls on the wire")
    check({k: sent.get(k) for k in FIELDS if k != TIME} == {k: v for k, v in values.items() if k != TIME},
          "the counts and the version went out as given")
    check(ticks(sent.get(TIME)) == expected[TIME],
          f"{TIME} went out as the instant given, to the microsecond ({sent.get(TIME)!r})")
    check(ex.get("status") == 200 and bool(ex.get("response_body")), "PATCH answered 200 with a body")
    check(wire_values(ex) == expected, "the 200 body carries the new values (same instant to 100 ns)")
    check(model_values(patched) == expected and only_annotations(patched),
          "SDK returned the model with the new values in its typed fields, additional_data empty (or annotations)")

    # 3 ------------------------------------------------------------------
    wire.step = "3"
    print("\n3. GET userStatusOverview (after)")
    after = await overview.get()
    ex = wire.last()
    show_exchange(ex)
    show_model("GET", after)
    check(wire_values(ex) == expected, "GET body shows the PATCHed values (same instant to 100 ns)")
    check(model_values(after) == expected, "SDK typed fields show the PATCHed values (time equal to the microsecond)")
    check(after is not None and before is not None and after.id == before.id, "id unchanged by the PATCH")
    got_time = json.loads(ex.get("response_body") or "{}").get(TIME)
    lost = (ticks(got_time) - expected[TIME]) if isinstance(ticks(got_time), int) else None
    print(f"  note: {TIME}: the SDK sent {sent.get(TIME)!r}, the service answers {got_time!r}; "
          f"difference {lost if lost is None else lost * 100} ns")

    # 4 ------------------------------------------------------------------
    wire.step = "4"
    bogus = values["pendingCount"] + 100
    print(f"\n4. PATCH pending_count={bogus} plus a property the page does not have "
          f"(additional_data numberOfPendingUsers={bogus})")
    bad = DeviceConfigurationUserOverview(pending_count=bogus)
    bad.additional_data = {"numberOfPendingUsers": bogus}
    try:
        answer = await overview.patch(bad)
        show_exchange(wire.last())
        show_model("PATCH", answer)
        check(False, "a property the page does not have is refused (C3.3)")
    except ODataError as e:
        show_exchange(wire.last())
        err = e.error
        print(f"  SDK raised {type(e).__name__}: status={e.response_status_code} "
              f"code={err.code if err else None!r} message={err.message if err else None!r}")
        check(sent_body(wire.last()) == {"pendingCount": bogus, "numberOfPendingUsers": bogus},
              "SDK sent the typed field and the additional_data entry, nothing else")
        print(f"  note: the SDK wrote {list(sent_body(wire.last()))}: additional_data goes out before "
              "the typed fields (Entity.serialize writes it before the subclass's fields)")
        check(e.response_status_code == 400 and bool(err and err.code),
              "refused with 400 and an error code, surfaced as ODataError")

    # 5 ------------------------------------------------------------------
    wire.step = "5"
    print("\n5. GET userStatusOverview (the refused PATCH changed nothing)")
    final = await overview.get()
    show_exchange(wire.last())
    check(wire_values(wire.last()) == expected and model_values(final) == expected,
          "values still those of step 2 (pendingCount included)")

    # 6 ------------------------------------------------------------------
    wire.step = "6"
    pending = values["pendingCount"] + 3
    merged = dict(expected, pendingCount=pending)
    print(f"\n6. Partial PATCH: pending_count={pending} only")
    answer = await overview.patch(DeviceConfigurationUserOverview(pending_count=pending))
    ex = wire.last()
    show_exchange(ex)
    show_model("PATCH", answer)
    check(sent_body(ex) == {"pendingCount": pending}, "SDK sent only pendingCount")
    check(ex.get("status") == 200, "PATCH answered 200")
    check(wire_values(ex) == merged and model_values(answer) == merged,
          "the 200 body and the SDK model: pendingCount new, the rest as in step 2")
    wire.step = "6b"
    print("\n6b. GET userStatusOverview (the partial PATCH merged)")
    merged_get = await overview.get()
    show_exchange(wire.last())
    check(wire_values(wire.last()) == merged and model_values(merged_get) == merged,
          "GET: pendingCount new, every other property unchanged (C4.5)")

    # 7 ------------------------------------------------------------------
    wire.step = "7"
    print("\n7. Read-modify-write: PATCH back the model the SDK parsed in 6b, with conflict_count changed")
    if merged_get is None:
        check(False, "a model to write back")
    else:
        merged_get.conflict_count = values["conflictCount"] + 1
        rewritten = dict(merged, conflictCount=values["conflictCount"] + 1)
        answer = await overview.patch(merged_get)
        ex = wire.last()
        show_exchange(ex)
        sent = sent_body(ex)
        extra = sorted(set(sent) - set(FIELDS))
        print(f"  note: besides the page's properties the SDK sent {extra} "
              "(the model's id, odata_type and additional_data, as parsed)")
        check(set(FIELDS) <= set(sent) and all(k in ("id", "@odata.type") or "@" in k for k in extra),
              "SDK sent the page's properties, id, @odata.type and annotations only")
        check(ex.get("status") == 200 and wire_values(ex) == rewritten and model_values(answer) == rewritten,
              "accepted with 200; conflictCount new, the rest unchanged")

    print()
    print(f"requests sent: {len(wire.exchanges)}, answers: "
          f"{' '.join(str(x.get('status')) for x in wire.exchanges)} "
          "(as the SDK's client saw them: its RetryHandler sits below the recorder, so a retried 429 does not show)")
    nulls = [x["step"] for x in wire.exchanges if None in sent_body(x).values()]
    check(not nulls, "no request carried a null")
    leaked = [x["step"] for x in wire.exchanges if x["step"] != "4" and OLD_NAMES & set(sent_body(x))]
    check(not leaked, "no request other than step 4 carried a name the page does not have")


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--base-url", default=os.environ.get("GRAPH_BASE_URL"),
                   help="service root with its version segment, e.g. http://127.0.0.1:8080/beta")
    p.add_argument("--token", default=os.environ.get("GRAPH_TOKEN"),
                   help="bearer token (graph-conformance token --pack user-overview-2021)")
    p.add_argument("--config-id", default=os.environ.get("GRAPH_CONFIG_ID"),
                   help="deviceConfiguration id")
    p.add_argument("--ids", default=os.environ.get("GRAPH_IDS_FILE"),
                   help="ids file from `serve --ids-out`; its `direct` variant is used")
    a = p.parse_args()
    config_id = a.config_id
    if not config_id and a.ids:
        try:
            config_id = config_id_from_ids(a.ids)
        except (OSError, ValueError, KeyError, TypeError) as e:
            p.error(f"cannot read the direct variant's deviceConfigurationId from {a.ids}: {e!r}")
    if not (a.base_url and a.token and config_id):
        p.error("need --base-url, --token and --config-id (or --ids)")
    try:
        asyncio.run(run(a.base_url.rstrip("/"), a.token.strip(), config_id))
    except Exception as e:  # an unexpected SDK error is a failure, not a crash
        code = getattr(getattr(e, "error", None), "code", None)
        what = f"{type(e).__name__}: {e}" + (f" code={code!r}" if code else "")
        print(f"\nERROR: {what}")
        failures.append(what)
    print()
    if failures:
        print(f"FAILED: {len(failures)} check(s)")
        for f in failures:
            print(f"  - {f}")
        return 1
    print("PASSED: the SDK PATCHed and GOT the overview through its typed fields")
    return 0


if __name__ == "__main__":
    sys.exit(main())
