"""Third-party interop check: scan a SunSpec meter on Modbus TCP with
pysunspec2 (sunspec2.modbus.client) and print its meter model as JSON.

Usage: python3 sunspec_meter_scan.py HOST PORT
Exit 0 with a JSON object on stdout; exit 3 if pysunspec2 is missing.
"""
import json
import sys

try:
    import sunspec2.modbus.client as client
except ImportError as e:  # reported as a skip by the Rust test
    print("pysunspec2 not importable: %s" % e, file=sys.stderr)
    sys.exit(3)


def main():
    host, port = sys.argv[1], int(sys.argv[2])
    d = client.SunSpecModbusClientDeviceTCP(slave_id=1, ipaddr=host, ipport=port, timeout=5)
    d.scan()
    out = {"ids": [m.model_id for m in d.model_list]}
    out["SN"] = d.models["common"][0].SN.cvalue
    meter_ids = [i for i in (201, 202, 203, 204) if i in d.models]
    m = d.models[meter_ids[0]][0]
    out["model"] = meter_ids[0]
    for name in ("A", "AphA", "AphB", "PhV", "PhVphA", "PhVphB", "PPV", "PhVphAB",
                 "Hz", "W", "WphA", "WphB", "VA", "VAR", "PF", "TotWhImp", "Evt"):
        out[name] = m.points[name].cvalue
    d.close()
    print(json.dumps(out))


if __name__ == "__main__":
    main()
