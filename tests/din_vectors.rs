//! DIN SPEC 70121 EXI, byte for byte against independent published vectors:
//! each is decoded and its fields checked against what the source says they
//! are, then re-encoded and compared with the original bytes.
//!
//! Sources:
//! - EVerest/libcbv2g `tests/din/session_setup.cpp` and
//!   `tests/din/service_discovery.cpp` (unit tests of EVerest's DIN codec,
//!   with the field values they encode/decode);
//! - uhi22/pyPLC `results/2022-12-21_westpark_alpi_charge_ok_with_bulb.pcap.decoded.txt`:
//!   a whole DC charge between pyPLC (the car) and an Alpitronic HYC charger,
//!   each frame's EXI hex with the fields OpenV2G decoded from it;
//! - other pyPLC captures in `results/` where named (a Polestar 2, a Hyundai
//!   Ioniq, a Tesla Model Y against pyPLC as the charger).
//!
//! (While writing the codec every DIN frame of those pyPLC captures, about
//! 7,700 of them from six sessions, decoded and re-encoded to the same bytes,
//! bar the one Model Y frame with a trailing zero byte checked below.)

use v2x_hil::protocol::din70121::*;

fn hex(s: &str) -> Vec<u8> {
    (0..s.len() / 2)
        .map(|i| u8::from_str_radix(&s[2 * i..2 * i + 2], 16).unwrap())
        .collect()
}

/// Decodes `h`, checks it is `expected`, and re-encodes it to the same bytes.
fn vector(h: &str, expected: V2gMessage) {
    let bytes = hex(h);
    let m = decode(&bytes).unwrap_or_else(|e| panic!("{h}: {e}"));
    assert_eq!(m, expected, "decoding {h}");
    assert_eq!(encode(&m).unwrap(), bytes, "re-encoding {h}");
    assert_eq!(encode(&expected).unwrap(), bytes, "encoding {h}");
}

const ALPI_SESSION: [u8; 8] = [0, 0, 0, 0, 0x0b, 0x9d, 0x74, 0x53];
const ALPI_SESSION_1: [u8; 8] = [0, 0, 0, 0, 0x48, 0xaf, 0x31, 0xad];
const LIBCBV2G_SESSION: [u8; 8] = [0x47, 0x58, 0xFD, 0xD3, 0x48, 0xA5, 0xEB, 0x24];
const PYPLC_EVSE_SESSION: [u8; 8] = [1, 2, 3, 4, 5, 6, 7, 8];

fn msg(session: &[u8], body: Body) -> V2gMessage {
    V2gMessage {
        header: Header::new(session),
        body,
    }
}

fn pv(multiplier: i8, unit: Option<Unit>, value: i16) -> PhysicalValue {
    PhysicalValue {
        multiplier,
        unit,
        value,
    }
}

fn ev_status(soc: u8) -> EvStatus {
    EvStatus {
        ready: true,
        cabin_conditioning: None,
        ress_conditioning: None,
        error_code: EvErrorCode::NoError,
        ress_soc_pct: soc,
    }
}

fn evse_status(isolation: IsolationLevel, code: EvseStatusCode) -> EvseStatus {
    EvseStatus {
        isolation: Some(isolation),
        status_code: code,
        notification_max_delay: 0,
        notification: EvseNotification::None,
    }
}

#[test]
fn session_setup_libcbv2g() {
    // libcbv2g tests/din/session_setup.cpp: "Encode an SessionSetupReq".
    vector(
        "809a02000000000000000011d01a121dc983cd6000",
        msg(
            &[0; 8],
            Body::SessionSetupReq(SessionSetupReq {
                evcc_id: vec![0x84, 0x87, 0x72, 0x60, 0xF3, 0x58],
            }),
        ),
    );
    // Same file: "Encode an SessionSetupRes".
    vector(
        "809a0211d63f74d2297ac911e020152 6a2698d8017da353360c0"
            .replace(' ', "")
            .as_str(),
        msg(
            &LIBCBV2G_SESSION,
            Body::SessionSetupRes(SessionSetupRes {
                response_code: ResponseCode::OkNewSessionEstablished,
                evse_id: vec![0x49, 0xA8, 0x9A, 0x63, 0x60],
                date_time_now: Some(1_667_918_014),
            }),
        ),
    );
}

#[test]
fn service_discovery_libcbv2g() {
    // libcbv2g tests/din/service_discovery.cpp: ServiceDiscoveryReq with
    // ServiceCategory EVCharging, no scope.
    vector(
        "809a0211d63f74d2297ac9119400",
        msg(
            &LIBCBV2G_SESSION,
            Body::ServiceDiscoveryReq(ServiceDiscoveryReq {
                service_scope: None,
                service_category: Some(ServiceCategory::EvCharging),
            }),
        ),
    );
    // Same file: ServiceDiscoveryRes, OK, ExternalPayment, service 1
    // (EVCharging, not free, DC_extended). The Alpitronic sends the same body.
    vector(
        "809a0211d63f74d2297ac911a00120024100c4",
        msg(&LIBCBV2G_SESSION, discovery_res()),
    );
}

fn discovery_res() -> Body {
    Body::ServiceDiscoveryRes(ServiceDiscoveryRes {
        response_code: ResponseCode::Ok,
        payment_options: vec![PaymentOption::ExternalPayment],
        charge_service: ChargeService {
            service_tag: ServiceTag {
                service_id: 1,
                service_name: None,
                service_category: ServiceCategory::EvCharging,
                service_scope: None,
            },
            free_service: false,
            energy_transfer: EvseEnergyTransfer::DcExtended,
        },
        service_list: None,
    })
}

/// The Alpitronic charge (pyPLC westpark capture), message by message in
/// the order of the session; the packet numbers are the capture's.
#[test]
fn a_whole_charge_with_an_alpitronic_charger() {
    // #13 SessionSetupReq: session id zeros, EVCCID empty.
    vector(
        "809a02000000000000000011d00000",
        msg(
            &[0; 8],
            Body::SessionSetupReq(SessionSetupReq { evcc_id: vec![] }),
        ),
    );
    // #14 SessionSetupRes: OK_NewSessionEstablished, EVSEID 00 (pyPLC does
    // not print DateTimeNow: 1671605160 is 2022-12-21 06:46:00 UTC, the
    // capture's own time stamp, 07:45:58 CET, give or take the charger's clock).
    vector(
        "809a0200000000122bcc6b51e0200400151af153a0c0",
        msg(
            &ALPI_SESSION_1,
            Body::SessionSetupRes(SessionSetupRes {
                response_code: ResponseCode::OkNewSessionEstablished,
                evse_id: vec![0],
                date_time_now: Some(1_671_605_160),
            }),
        ),
    );
    // #16 ServiceDiscoveryReq, #17 ServiceDiscoveryRes (OK).
    vector(
        "809a0200000000122bcc6b5198",
        msg(
            &ALPI_SESSION_1,
            Body::ServiceDiscoveryReq(ServiceDiscoveryReq::default()),
        ),
    );
    vector(
        "809a0200000000122bcc6b51a00120024100c4",
        msg(&ALPI_SESSION_1, discovery_res()),
    );
    // #19 ServicePaymentSelectionReq: ExternalPayment, service 1.
    vector(
        "809a0200000000122bcc6b51b2001280",
        msg(
            &ALPI_SESSION_1,
            Body::ServicePaymentSelectionReq(ServicePaymentSelectionReq {
                selected_payment_option: PaymentOption::ExternalPayment,
                selected_services: vec![SelectedService {
                    service_id: 1,
                    parameter_set_id: None,
                }],
            }),
        ),
    );
    // #20 ServicePaymentSelectionRes: OK.
    vector(
        "809a0200000000122bcc6b51c000",
        msg(
            &ALPI_SESSION_1,
            Body::ServicePaymentSelectionRes {
                response_code: ResponseCode::Ok,
            },
        ),
    );
    // #22 ContractAuthenticationReq, #23 Res (Ongoing), #195 Res (Finished).
    vector(
        "809a0200000000122bcc6b50b8",
        msg(
            &ALPI_SESSION_1,
            Body::ContractAuthenticationReq(ContractAuthenticationReq::default()),
        ),
    );
    vector(
        "809a0200000000122bcc6b50c00200",
        msg(
            &ALPI_SESSION_1,
            Body::ContractAuthenticationRes {
                response_code: ResponseCode::Ok,
                evse_processing: EvseProcessing::Ongoing,
            },
        ),
    );
    vector(
        "809a020000000002e75d14d0c00000",
        msg(
            &ALPI_SESSION,
            Body::ContractAuthenticationRes {
                response_code: ResponseCode::Ok,
                evse_processing: EvseProcessing::Finished,
            },
        ),
    );
    // #211 ChargeParameterDiscoveryReq: DC_extended (3), SoC 20 %, ready,
    // max 100 A and 398 V, no units.
    vector(
        "809a020000000002e75d14d07191400500c8c82324701900",
        msg(
            &ALPI_SESSION,
            Body::ChargeParameterDiscoveryReq(ChargeParameterDiscoveryReq {
                requested_energy_transfer: EvEnergyTransfer::DcExtended,
                dc_ev_charge_parameter: DcEvChargeParameter {
                    ev_status: ev_status(20),
                    ev_maximum_current_limit: pv(0, None, 100),
                    ev_maximum_power_limit: None,
                    ev_maximum_voltage_limit: pv(0, None, 398),
                    ev_energy_capacity: None,
                    ev_energy_request: None,
                    full_soc_pct: None,
                    bulk_soc_pct: None,
                },
            }),
        ),
    );
    // #212 ChargeParameterDiscoveryRes: Finished, EVSE_Ready, isolation
    // Invalid; 1×10² A, 3781×10 W, 5×10² V, min 0 A, 15×10 V.
    let res = hex(concat!(
        "809a020000000002e75d14d080000004002000040518283fffc0455000800002818008101c",
        "3147414140140c0c000101403c460600c200"
    ));
    let m = decode(&res).unwrap();
    let Body::ChargeParameterDiscoveryRes(r) = &m.body else {
        panic!("{m:?}")
    };
    assert_eq!(r.response_code, ResponseCode::Ok);
    assert_eq!(r.evse_processing, EvseProcessing::Finished);
    let p = &r.dc_evse_charge_parameter;
    assert_eq!(
        p.evse_status,
        evse_status(IsolationLevel::Invalid, EvseStatusCode::Ready)
    );
    assert_eq!(p.evse_maximum_current_limit, pv(2, Some(Unit::A), 1));
    assert_eq!(p.evse_maximum_power_limit, Some(pv(1, Some(Unit::W), 3781)));
    assert_eq!(p.evse_maximum_voltage_limit, pv(2, Some(Unit::V), 5));
    assert_eq!(p.evse_minimum_current_limit, pv(0, Some(Unit::A), 0));
    assert_eq!(p.evse_minimum_voltage_limit, pv(1, Some(Unit::V), 15));
    assert_eq!(p.evse_maximum_current_limit.to_f64(), 100.0);
    assert_eq!(p.evse_maximum_power_limit.unwrap().to_f64(), 37_810.0);
    let list = r.sa_schedule_list.as_ref().expect("an SAScheduleList");
    assert_eq!(list.len(), 1);
    assert!(!list[0].entries.is_empty());
    assert_eq!(encode(&m).unwrap(), res);
    // #262 CableCheckReq: SoC 20 %, ready.
    vector(
        "809a020000000002e75d14d011400500",
        msg(
            &ALPI_SESSION,
            Body::CableCheckReq {
                ev_status: ev_status(20),
            },
        ),
    );
    // #95 CableCheckRes: FAILED, EVSE_Shutdown, Finished (first session).
    vector(
        "809a0200000000122bcc6b5020800100000000",
        msg(
            &ALPI_SESSION_1,
            Body::CableCheckRes(CableCheckRes {
                response_code: ResponseCode::Failed,
                evse_status: evse_status(IsolationLevel::Invalid, EvseStatusCode::Shutdown),
                evse_processing: EvseProcessing::Finished,
            }),
        ),
    );
    // #263 CableCheckRes: OK, isolation Valid, EVSE_Ready, Finished.
    vector(
        "809a020000000002e75d14d020004080000000",
        msg(
            &ALPI_SESSION,
            Body::CableCheckRes(CableCheckRes {
                response_code: ResponseCode::Ok,
                evse_status: evse_status(IsolationLevel::Valid, EvseStatusCode::Ready),
                evse_processing: EvseProcessing::Finished,
            }),
        ),
    );
    // #265 PreChargeReq: target 230 V, 1 A.
    vector(
        "809a020000000002e75d14d151400500c14398040c0c0040",
        msg(
            &ALPI_SESSION,
            Body::PreChargeReq(PreChargeReq {
                ev_status: ev_status(20),
                ev_target_voltage: pv(0, Some(Unit::V), 230),
                ev_target_current: pv(0, Some(Unit::A), 1),
            }),
        ),
    );
    // #309 PreChargeRes: OK, present voltage 22862×10⁻² V.
    let precharge = msg(
        &ALPI_SESSION,
        Body::PreChargeRes(EvseVoltageRes {
            response_code: ResponseCode::Ok,
            evse_status: evse_status(IsolationLevel::Valid, EvseStatusCode::Ready),
            evse_present_voltage: pv(-2, Some(Unit::V), 22862),
        }),
    );
    vector(
        "809a020000000002e75d14d1600040800000828675900800",
        precharge,
    );
    // #312 PowerDeliveryReq(ReadyToChargeState true), SoC 20 %.
    let power_delivery = |ready: bool, soc: u8| {
        msg(
            &ALPI_SESSION,
            Body::PowerDeliveryReq(PowerDeliveryReq {
                ready_to_charge: ready,
                dc_ev_power_delivery_parameter: Some(DcEvPowerDeliveryParameter {
                    ev_status: ev_status(soc),
                    bulk_charging_complete: None,
                    charging_complete: false,
                }),
            }),
        )
    };
    vector(
        "809a020000000002e75d14d13222800a0800",
        power_delivery(true, 20),
    );
    // #5488 PowerDeliveryReq(false) at SoC 98 %.
    vector(
        "809a020000000002e75d14d1302280310800",
        power_delivery(false, 98),
    );
    // #313 PowerDeliveryRes: OK, Valid, EVSE_Ready.
    vector(
        "809a020000000002e75d14d1400420400000",
        msg(
            &ALPI_SESSION,
            Body::PowerDeliveryRes(PowerDeliveryRes {
                response_code: ResponseCode::Ok,
                dc_evse_status: evse_status(IsolationLevel::Valid, EvseStatusCode::Ready),
            }),
        ),
    );
    // #315 CurrentDemandReq: 10 A at 230 V, not complete (the decoded
    // listing leaves out BulkChargingComplete and the remaining times, which
    // pyPLC's car sends as false, 1200 s and 600 s).
    vector(
        "809a020000000002e75d14d0d1400500c0c0286001810580480c08360100c143980400",
        msg(
            &ALPI_SESSION,
            Body::CurrentDemandReq(CurrentDemandReq {
                ev_status: ev_status(20),
                ev_target_current: pv(0, Some(Unit::A), 10),
                ev_maximum_voltage_limit: None,
                ev_maximum_current_limit: None,
                ev_maximum_power_limit: None,
                bulk_charging_complete: Some(false),
                charging_complete: false,
                remaining_time_to_full_soc: Some(pv(0, Some(Unit::S), 1200)),
                remaining_time_to_bulk_soc: Some(pv(0, Some(Unit::S), 600)),
                ev_target_voltage: pv(0, Some(Unit::V), 230),
            }),
        ),
    );
    // #2905 CurrentDemandRes: 229.11 V, 0.254 A, limits 500 V, 165.03 A, 37.81 kW.
    vector(
        "809a020000000002e75d14d0e000408000008287fd900800187f0080000a0a00a01030f7800102038628e800",
        msg(
            &ALPI_SESSION,
            Body::CurrentDemandRes(CurrentDemandRes {
                response_code: ResponseCode::Ok,
                evse_status: evse_status(IsolationLevel::Valid, EvseStatusCode::Ready),
                evse_present_voltage: pv(-2, Some(Unit::V), 22911),
                evse_present_current: pv(-3, Some(Unit::A), 254),
                evse_current_limit_achieved: false,
                evse_voltage_limit_achieved: false,
                evse_power_limit_achieved: false,
                evse_maximum_voltage_limit: Some(pv(2, Some(Unit::V), 5)),
                evse_maximum_current_limit: Some(pv(-2, Some(Unit::A), 16503)),
                evse_maximum_power_limit: Some(pv(1, Some(Unit::W), 3781)),
            }),
        ),
    );
    // #5492 WeldingDetectionReq at 98 %.
    vector(
        "809a020000000002e75d14d211401880",
        msg(
            &ALPI_SESSION,
            Body::WeldingDetectionReq {
                ev_status: ev_status(98),
            },
        ),
    );
    // #5494 WeldingDetectionRes: FAILED, 0 V.
    vector(
        "809a020000000002e75d14d220804080000182800000",
        msg(
            &ALPI_SESSION,
            Body::WeldingDetectionRes(EvseVoltageRes {
                response_code: ResponseCode::Failed,
                evse_status: evse_status(IsolationLevel::Valid, EvseStatusCode::Ready),
                evse_present_voltage: pv(0, Some(Unit::V), 0),
            }),
        ),
    );
    // #5497 SessionStopReq.
    vector(
        "809a020000000002e75d14d1f0",
        msg(&ALPI_SESSION, Body::SessionStopReq),
    );
}

#[test]
fn session_stop_res_from_a_polestar_session() {
    // pyPLC results/2024-06-11_Griffigroen_polestar2_stop_in_precharge.pcapng.decoded.txt
    // #139: SessionStopRes OK (pyPLC as the charger, session 0102…08).
    vector(
        "809a02004080c1014181c2120000",
        msg(
            &PYPLC_EVSE_SESSION,
            Body::SessionStopRes {
                response_code: ResponseCode::Ok,
            },
        ),
    );
}

#[test]
fn an_empty_saschedules_from_an_openv2g_charger_is_taken() {
    // pyPLC results/2023-05-24_pyPlc_with_Ioniq93prcSoc.pcapng.decoded.txt
    // #33: pyPLC (OpenV2G) as the charger answers ChargeParameterDiscovery
    // with the empty abstract SASchedules; 200 A, 10 kW, 450 V, 1 A, 200 V.
    let bytes =
        hex("809a02004080c1014181c21080004820400000c99002062050193080c0c802064c8010190140c80a20");
    let m = decode(&bytes).unwrap();
    let Body::ChargeParameterDiscoveryRes(r) = &m.body else {
        panic!("{m:?}")
    };
    assert_eq!(r.sa_schedule_list, None);
    let p = &r.dc_evse_charge_parameter;
    assert_eq!(
        p.evse_status,
        evse_status(IsolationLevel::Valid, EvseStatusCode::Ready)
    );
    assert_eq!(p.evse_maximum_current_limit.to_f64(), 200.0);
    assert_eq!(
        p.evse_maximum_power_limit.map(|v| v.to_f64()),
        Some(10_000.0)
    );
    assert_eq!(p.evse_maximum_voltage_limit.to_f64(), 450.0);
    assert_eq!(p.evse_minimum_current_limit.to_f64(), 1.0);
    assert_eq!(p.evse_minimum_voltage_limit.to_f64(), 200.0);
    assert_eq!(encode(&m).unwrap(), bytes);
}

#[test]
fn a_model_y_trailing_zero_byte_is_tolerated() {
    // pyPLC results/2024-04-20_ModelY_pyPLC_stop_in_precharge.pcapng.decoded.txt:
    // the car's ContractAuthenticationReq carries one zero byte past the
    // document. It decodes; our encoding is the byte shorter.
    let m = decode(&hex("809a02004080c1014181c210b800")).unwrap();
    assert_eq!(
        m,
        msg(
            &PYPLC_EVSE_SESSION,
            Body::ContractAuthenticationReq(ContractAuthenticationReq::default())
        )
    );
    assert_eq!(encode(&m).unwrap(), hex("809a02004080c1014181c210b8"));
    // A non-zero byte after the document is refused.
    let err = decode(&hex("809a02004080c1014181c210b801")).unwrap_err();
    assert!(err.to_string().contains("trailing"), "{err}");
}

#[test]
fn errors_name_the_element_and_the_bit() {
    // The westpark CurrentDemandRes cut short inside EVSEPresentVoltage.
    let full = hex(
        "809a020000000002e75d14d0e000408000008287fd900800187f0080000a0a00a01030f7800102038628e800",
    );
    let err = decode(&full[..22]).unwrap_err();
    let text = err.to_string();
    assert!(
        text.contains("V2G_Message/Body/CurrentDemandRes/EVSEPresentVoltage/Value"),
        "{text}"
    );
    assert!(text.contains("(bit 173, byte 21)"), "{text}");
    // Not EXI at all.
    assert!(decode(b"GET / HTTP/1.1").is_err());
    assert!(decode(&[]).is_err());
}

#[test]
fn a_signed_header_is_refused_plainly() {
    use iso15118::exi::{Encoder, Header as ExiHeader, Lengths};
    let mut buf = [0u8; 64];
    let mut e = Encoder::new(&mut buf);
    e.write_header(ExiHeader::ISO15118).unwrap();
    e.event(77, 7).unwrap(); // V2G_Message
    e.event(0, 1).unwrap(); // Header
    e.event(0, 1).unwrap(); // SessionID
    e.event(0, 1).unwrap(); // CH
    e.binary(&[1; 8], Lengths::max(8)).unwrap();
    e.event(0, 1).unwrap(); // EE
    e.event(1, 2).unwrap(); // Signature (grammar 286, code 1)
    e.event(0, 8).unwrap();
    let n = e.finish().unwrap();
    let err = decode(&buf[..n]).unwrap_err();
    assert!(matches!(err, DinError::Unsupported { .. }), "{err:?}");
    let text = err.to_string();
    assert!(
        text.contains("Signature") && text.contains("not signed"),
        "{text}"
    );
    assert!(text.contains("V2G_Message/Header"), "{text}");
}

#[test]
fn ac_and_out_of_set_messages_are_refused() {
    // A ChargeParameterDiscoveryReq with AC_EVChargeParameter (branch 0).
    use iso15118::exi::{Encoder, Header as ExiHeader, Lengths};
    let mut buf = [0u8; 64];
    let mut e = Encoder::new(&mut buf);
    e.write_header(ExiHeader::ISO15118).unwrap();
    for (code, width) in [(77, 7), (0, 1), (0, 1), (0, 1)] {
        e.event(code, width).unwrap();
    }
    e.binary(&[0; 8], Lengths::max(8)).unwrap();
    for (code, width) in [
        (0, 1),
        (2, 2),
        (0, 1),
        (7, 6),
        (0, 1),
        (0, 1),
        (1, 3),
        (0, 1),
        (0, 2),
    ] {
        e.event(code, width).unwrap();
    }
    let n = e.finish().unwrap();
    let err = decode(&buf[..n]).unwrap_err().to_string();
    assert!(
        err.contains("AC_EVChargeParameter") && err.contains("DC only"),
        "{err}"
    );
}

#[test]
fn physical_values_convert_to_si() {
    assert_eq!(pv(-2, Some(Unit::V), 22862).to_f64(), 228.62);
    assert_eq!(pv(-3, Some(Unit::A), 254).to_f64(), 0.254);
    let v = PhysicalValue::volts(398.44);
    assert_eq!((v.multiplier, v.unit, v.value), (-1, Some(Unit::V), 3984));
    let w = PhysicalValue::watts(150_000.0);
    assert_eq!((w.multiplier, w.value), (1, 15_000));
    assert_eq!(PhysicalValue::amps(f64::NAN).value, 0);
    assert_eq!(PhysicalValue::amps(-125.0).to_f64(), -125.0);
}

#[test]
fn encoding_refuses_what_the_schema_does_not_allow() {
    let too_long = msg(&[0; 9], Body::SessionStopReq);
    let err = encode(&too_long).unwrap_err().to_string();
    assert!(err.contains("SessionID"), "{err}");
    let mut soc = ev_status(101);
    let err = encode(&msg(&[0; 8], Body::CableCheckReq { ev_status: soc }))
        .unwrap_err()
        .to_string();
    assert!(err.contains("EVRESSSOC"), "{err}");
    soc.ress_soc_pct = 100;
    let bad_multiplier = Body::PreChargeReq(PreChargeReq {
        ev_status: soc,
        ev_target_voltage: pv(4, None, 1),
        ev_target_current: pv(0, None, 1),
    });
    let err = encode(&msg(&[0; 8], bad_multiplier))
        .unwrap_err()
        .to_string();
    assert!(err.contains("EVTargetVoltage/Multiplier"), "{err}");
    let no_payment = Body::ServicePaymentSelectionReq(ServicePaymentSelectionReq {
        selected_payment_option: PaymentOption::ExternalPayment,
        selected_services: vec![],
    });
    assert!(encode(&msg(&[0; 8], no_payment)).is_err());
}
