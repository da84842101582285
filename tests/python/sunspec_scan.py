"""Third-party interop check: scan a SunSpec Modbus TCP device with
pysunspec2 (sunspec2.modbus.client) and print what it decoded as JSON.

Usage: python3 sunspec_scan.py HOST PORT
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
    common = d.models["common"][0]
    out["Mn"] = common.Mn.cvalue
    out["Md"] = common.Md.cvalue
    out["SN"] = common.SN.cvalue
    out["Vr"] = common.Vr.cvalue
    cap = d.models[702][0]
    out["WMaxRtg"] = cap.WMaxRtg.cvalue
    out["VNomRtg"] = cap.VNomRtg.cvalue
    meas = d.models[701][0]
    out["W"] = meas.W.cvalue
    out["Hz"] = meas.Hz.cvalue
    out["LNV"] = meas.LNV.cvalue
    out["VA"] = meas.VA.cvalue  # not implemented: decodes to None
    es = d.models[703][0]
    out["ESVHi"] = es.ESVHi.cvalue
    out["ESDlyTms"] = es.ESDlyTms.cvalue
    hv = d.models[708][0]
    must = hv.Crv[0].MustTrip
    out["HV_ActPt"] = must.ActPt.cvalue
    out["HV_V"] = [p.V.cvalue for p in must.Pt]
    out["HV_Tms"] = [p.Tms.cvalue for p in must.Pt]
    hf = d.models[710][0]
    out["HF_Hz"] = [p.Hz.cvalue for p in hf.Crv[0].MustTrip.Pt]
    # A write through the third-party client: anti-islanding off, read back.
    ctl = d.models[704][0]
    ctl.AntiIslEna.cvalue = 0
    ctl.write()
    ctl.read()
    out["AntiIslEna_after_write"] = ctl.AntiIslEna.cvalue
    d.close()
    print(json.dumps(out))


if __name__ == "__main__":
    main()
