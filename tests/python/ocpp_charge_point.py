#!/usr/bin/env python3
"""An OCPP 2.0.1 charge point built on the mobilityhouse `ocpp` package
(PyPI `ocpp`, over `websockets`), used by tests/ocpp_interop.rs to show that
an independent implementation accepts v2x-hil's central system.

Every frame either side sends goes through the library's own dataclasses and
is validated against the library's bundled OCPP 2.0.1 JSON schemas: a CSMS
request the schema refuses never reaches a handler here (the library answers
it with a CALLERROR), and a CSMS answer the schema refuses raises.

    ocpp_charge_point.py URL STATION_ID PASSWORD [--ca CA.pem] [--timeout S]

Prints one line per CSMS call it received ("CSMS <Action> {json}") and a few
lines of its own ("CP ..."). Exits 0 when the central system closes the
connection (or the process serving it goes away), 1 on any error of ours or a
refused connection, 2 on the overall timeout.
"""

import argparse
import asyncio
import base64
import json
import logging
import ssl
import sys
from datetime import datetime, timezone

import websockets
from ocpp.routing import after, on
from ocpp.v201 import ChargePoint as Cp201
from ocpp.v201 import call, call_result, datatypes, enums
from ocpp.v201.enums import Action

EVSE_ID = 1
CONNECTOR_ID = 1


def now():
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def say(*parts):
    print(*parts, flush=True)


# Failures inside the library's `after` hooks run as detached tasks: kept
# here so that they still decide the exit code.
ERRORS = []


def reported(hook):
    async def run(self, **kwargs):
        try:
            await hook(self, **kwargs)
        except websockets.exceptions.ConnectionClosed:
            pass
        except Exception as e:  # noqa: BLE001
            ERRORS.append(e)
            say(f"CP error in {hook.__name__}: {type(e).__name__}: {e}")

    run.__name__ = hook.__name__
    return run


class InteropChargePoint(Cp201):
    def __init__(self, station_id, connection):
        super().__init__(station_id, connection, response_timeout=15)
        self.heartbeat_interval = 60
        self.tx_updated_interval = 0
        self.export_w = 0.0
        self.transaction_id = None
        self.seq_no = 0
        self.profiles = {}

    # --- what the charger sends ------------------------------------------

    async def boot(self):
        response = await self.call(
            call.BootNotification(
                charging_station=datatypes.ChargingStationType(
                    vendor_name="python-ocpp",
                    model="interop-cp",
                    serial_number="PY-0001",
                    firmware_version="2.0.1-py",
                ),
                reason=enums.BootReasonEnumType.power_up,
            ),
            suppress=False,
        )
        say("CP BootNotification answered", response.status, "interval", response.interval)
        if response.status != enums.RegistrationStatusEnumType.accepted:
            raise RuntimeError(f"BootNotification answered {response.status}")
        self.heartbeat_interval = max(1, int(response.interval))
        await self.status_notification()

    async def status_notification(self):
        await self.call(
            call.StatusNotification(
                timestamp=now(),
                connector_status=enums.ConnectorStatusEnumType.available,
                evse_id=EVSE_ID,
                connector_id=CONNECTOR_ID,
            ),
            suppress=False,
        )

    async def heartbeat(self):
        response = await self.call(call.Heartbeat(), suppress=False)
        say("CP Heartbeat answered currentTime", response.current_time)

    async def heartbeats(self):
        while True:
            await asyncio.sleep(self.heartbeat_interval)
            await self.heartbeat()

    def power_values(self):
        export = max(self.export_w, 0.0)
        imported = max(-self.export_w, 0.0)
        watts = datatypes.UnitOfMeasureType(unit="W")
        return [
            datatypes.MeterValueType(
                timestamp=now(),
                sampled_value=[
                    datatypes.SampledValueType(
                        value=export,
                        measurand=enums.MeasurandEnumType.power_active_export,
                        unit_of_measure=watts,
                    ),
                    datatypes.SampledValueType(
                        value=imported,
                        measurand=enums.MeasurandEnumType.power_active_import,
                        unit_of_measure=watts,
                    ),
                ],
            )
        ]

    async def meter_values(self):
        await self.call(
            call.MeterValues(evse_id=EVSE_ID, meter_value=self.power_values()),
            suppress=False,
        )

    async def transaction_event(self, event_type, reason):
        self.seq_no += 1
        started = event_type == enums.TransactionEventEnumType.started
        await self.call(
            call.TransactionEvent(
                event_type=event_type,
                timestamp=now(),
                trigger_reason=reason,
                seq_no=self.seq_no - 1,
                transaction_info=datatypes.TransactionType(
                    transaction_id=self.transaction_id,
                    charging_state=enums.ChargingStateEnumType.charging,
                ),
                meter_value=self.power_values(),
                evse=datatypes.EVSEType(id=EVSE_ID, connector_id=CONNECTOR_ID) if started else None,
            ),
            suppress=False,
        )
        say("CP TransactionEvent", event_type, "export_w", self.export_w)

    async def report_power(self, reason):
        if self.transaction_id is None:
            self.transaction_id = "PY-TX-1"
            await self.transaction_event(
                enums.TransactionEventEnumType.started,
                enums.TriggerReasonEnumType.charging_state_changed,
            )
            asyncio.ensure_future(reported(InteropChargePoint.tx_updates)(self))
        await self.transaction_event(enums.TransactionEventEnumType.updated, reason)

    async def tx_updates(self):
        # SampledDataCtrlr.TxUpdatedInterval: a periodic report while the
        # transaction lasts (0 = none).
        while True:
            await asyncio.sleep(self.tx_updated_interval or 1)
            if self.tx_updated_interval:
                await self.transaction_event(
                    enums.TransactionEventEnumType.updated,
                    enums.TriggerReasonEnumType.meter_value_periodic,
                )

    # --- what the central system asks ------------------------------------

    def variable(self, component, variable):
        name = (component.get("name"), variable.get("name"))
        if name == ("OCPPCommCtrlr", "HeartbeatInterval"):
            return "heartbeat_interval"
        if name == ("SampledDataCtrlr", "TxUpdatedInterval"):
            return "tx_updated_interval"
        if name[0] not in ("OCPPCommCtrlr", "SampledDataCtrlr"):
            return enums.GetVariableStatusEnumType.unknown_component
        return enums.GetVariableStatusEnumType.unknown_variable

    @on(Action.get_variables)
    def on_get_variables(self, get_variable_data, **rest):
        say("CSMS GetVariables", json.dumps(get_variable_data))
        results = []
        for d in get_variable_data:
            attr = self.variable(d["component"], d["variable"])
            known = attr in ("heartbeat_interval", "tx_updated_interval")
            results.append(
                datatypes.GetVariableResultType(
                    attribute_status=enums.GetVariableStatusEnumType.accepted if known else attr,
                    component=datatypes.ComponentType(name=d["component"]["name"]),
                    variable=datatypes.VariableType(name=d["variable"]["name"]),
                    attribute_value=str(getattr(self, attr)) if known else None,
                )
            )
        return call_result.GetVariables(get_variable_result=results)

    @on(Action.set_variables)
    def on_set_variables(self, set_variable_data, **rest):
        say("CSMS SetVariables", json.dumps(set_variable_data))
        results = []
        for d in set_variable_data:
            attr = self.variable(d["component"], d["variable"])
            status = attr
            if attr in ("heartbeat_interval", "tx_updated_interval"):
                try:
                    value = int(d["attribute_value"])
                    if value < 0:
                        raise ValueError(value)
                    setattr(self, attr, value)
                    status = enums.SetVariableStatusEnumType.accepted
                except ValueError:
                    status = enums.SetVariableStatusEnumType.rejected
            results.append(
                datatypes.SetVariableResultType(
                    attribute_status=status,
                    component=datatypes.ComponentType(name=d["component"]["name"]),
                    variable=datatypes.VariableType(name=d["variable"]["name"]),
                )
            )
        return call_result.SetVariables(set_variable_result=results)

    TRIGGERABLE = {
        enums.MessageTriggerEnumType.meter_values,
        enums.MessageTriggerEnumType.status_notification,
        enums.MessageTriggerEnumType.heartbeat,
    }

    @on(Action.trigger_message)
    def on_trigger_message(self, requested_message, **rest):
        say("CSMS TriggerMessage", json.dumps({"requestedMessage": requested_message, **rest}))
        accepted = requested_message in self.TRIGGERABLE
        return call_result.TriggerMessage(
            status=enums.TriggerMessageStatusEnumType.accepted
            if accepted
            else enums.TriggerMessageStatusEnumType.not_implemented
        )

    @after(Action.trigger_message)
    @reported
    async def after_trigger_message(self, requested_message, **rest):
        # F06.FR.05: the answer first, then the message it asked for.
        if requested_message == enums.MessageTriggerEnumType.meter_values:
            await self.meter_values()
        elif requested_message == enums.MessageTriggerEnumType.status_notification:
            await self.status_notification()
        elif requested_message == enums.MessageTriggerEnumType.heartbeat:
            await self.heartbeat()

    @on(Action.set_charging_profile)
    def on_set_charging_profile(self, evse_id, charging_profile, **rest):
        say("CSMS SetChargingProfile", json.dumps({"evseId": evse_id, "chargingProfile": charging_profile}))
        schedules = charging_profile.get("charging_schedule", [])
        if not schedules or schedules[0].get("charging_rate_unit") != "W":
            return call_result.SetChargingProfile(status=enums.ChargingProfileStatusEnumType.rejected)
        periods = schedules[0].get("charging_schedule_period", [])
        if not periods or "limit" not in periods[0]:
            return call_result.SetChargingProfile(status=enums.ChargingProfileStatusEnumType.rejected)
        limit = float(periods[0]["limit"])
        self.profiles[charging_profile["id"]] = limit
        # OCPP 2.0.1 K01 as v2x-hil uses it: a negative limit discharges.
        self.export_w = -limit
        say("CP profile", charging_profile["id"], "limit", limit, "unit W export_w", self.export_w)
        return call_result.SetChargingProfile(status=enums.ChargingProfileStatusEnumType.accepted)

    @after(Action.set_charging_profile)
    @reported
    async def after_set_charging_profile(self, **rest):
        await self.report_power(enums.TriggerReasonEnumType.charging_rate_changed)

    @on(Action.clear_charging_profile)
    def on_clear_charging_profile(self, **rest):
        say("CSMS ClearChargingProfile", json.dumps(rest))
        profile_id = rest.get("charging_profile_id")
        if profile_id is not None and profile_id not in self.profiles:
            return call_result.ClearChargingProfile(status=enums.ClearChargingProfileStatusEnumType.unknown)
        if profile_id is None:
            self.profiles.clear()
        else:
            self.profiles.pop(profile_id, None)
        self.export_w = 0.0
        return call_result.ClearChargingProfile(status=enums.ClearChargingProfileStatusEnumType.accepted)

    @after(Action.clear_charging_profile)
    @reported
    async def after_clear_charging_profile(self, **rest):
        if self.transaction_id is not None:
            await self.report_power(enums.TriggerReasonEnumType.charging_rate_changed)


async def session(args):
    token = base64.b64encode(f"{args.station_id}:{args.password}".encode()).decode()
    headers = {"Authorization": f"Basic {token}"}
    tls = None
    if args.url.startswith("wss://"):
        tls = ssl.create_default_context(ssl.Purpose.SERVER_AUTH, cafile=args.ca)
    # websockets >= 14 names the argument additional_headers; older, extra_headers.
    major = int(websockets.__version__.split(".")[0])
    header_arg = "additional_headers" if major >= 14 else "extra_headers"
    options = {"subprotocols": ["ocpp2.0.1"], header_arg: headers}
    if tls is not None:
        options["ssl"] = tls
    async with websockets.connect(args.url, **options) as ws:
        say("CP connected subprotocol", ws.subprotocol)
        if ws.subprotocol != "ocpp2.0.1":
            raise RuntimeError(f"the central system agreed to {ws.subprotocol!r}")
        cp = InteropChargePoint(args.station_id, ws)
        serving = asyncio.ensure_future(cp.start())
        await cp.boot()
        beating = asyncio.ensure_future(cp.heartbeats())
        # Ends when the central system closes the connection (or a heartbeat failed).
        done, _ = await asyncio.wait({serving, beating}, return_when=asyncio.FIRST_COMPLETED)
        for task in (serving, beating):
            task.cancel()
        for task in done:
            error = task.exception()
            if error is not None:
                raise error


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("url")
    parser.add_argument("station_id")
    parser.add_argument("password")
    parser.add_argument("--ca", help="CA certificate (PEM) that signed the central system's (wss://)")
    parser.add_argument("--timeout", type=float, default=60.0)
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    try:
        asyncio.run(asyncio.wait_for(session(args), args.timeout))
    except websockets.exceptions.ConnectionClosed as e:
        say("CP connection closed by the central system:", e)
        return 1 if ERRORS else 0
    except asyncio.TimeoutError:
        say(f"CP timed out after {args.timeout} s")
        return 2
    except websockets.exceptions.InvalidStatus as e:
        say("CP refused:", e)
        return 1
    except Exception as e:  # noqa: BLE001 - any other failure is the test's failure
        say(f"CP error: {type(e).__name__}: {e}")
        return 1
    say("CP connection closed")
    return 1 if ERRORS else 0


if __name__ == "__main__":
    sys.exit(main())
