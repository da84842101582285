//! The DIN message set's EXI grammars, type by type. Each content model is
//! the schema type's particle list (V2G_CI_MsgBody.xsd /
//! V2G_CI_MsgDataTypes.xsd), with the libcbv2g grammar ids whose codes and
//! widths it reproduces (EVerest/libcbv2g `lib/cbv2g/din/din_msgDefEncoder.c`).
//! Encoding writes what the parent started and the element's `EE`; decoding
//! reads the same. Leaves: booleans 1 bit, enumerations `bit_width(count)`
//! bits, `percentValueType` 0..=100 in 7 bits, `unitMultiplierType` −3..=3 in
//! 3 bits, `short`/`long` as EXI Integers, `unsignedShort`/`unsignedInt` as
//! Unsigned Integers, `hexBinary` as length + bytes, strings as literals.

use super::grammar::{choice, opt, req, Item, Seq, R, W};
use super::limits as lim;
use super::*;
use iso15118::exi::{Decoder, Encoder, ExiError, Lengths, ValueCtx};

type Res<T> = Result<T, DinError>;

/// String table partitions (one per element name that carries a string).
const CTX_SERVICE_NAME: ValueCtx = ValueCtx(1);
const CTX_SERVICE_SCOPE: ValueCtx = ValueCtx(2);
const CTX_FAULT_MSG: ValueCtx = ValueCtx(3);
const CTX_ID: ValueCtx = ValueCtx(4);
const CTX_GEN_CHALLENGE: ValueCtx = ValueCtx(5);

/// `V2G_Message` is global element 77 of the DIN schema set, coded in 7 bits
/// (libcbv2g `encode_din_exiDocument`).
const ROOT_CODE: u64 = 77;
const ROOT_WIDTH: u32 = 7;

/// Room for the largest message this set makes (a ServiceDiscoveryRes with
/// eight named services is under 1 KiB).
const MAX_ENCODED: usize = 4096;

// ---- content models -------------------------------------------------------

/// V2G_Message (grammar 289, 290).
static V2G_MESSAGE: [Item; 2] = [req("Header"), req("Body")];
/// MessageHeaderType (285–287).
static HEADER: [Item; 3] = [req("SessionID"), opt("Notification"), opt("Signature")];
/// NotificationType (276, 277).
static NOTIFICATION: [Item; 2] = [req("FaultCode"), opt("FaultMsg")];
/// BodyType (288): a choice of the 35 BodyElement substitutes, 6 bits.
static BODY: [Item; 1] = [choice("Body", 35, false)];
/// The substitutes in code order (libcbv2g `encode_din_BodyType`).
const BODY_ELEMENTS: [&str; 35] = [
    "BodyElement",
    "CableCheckReq",
    "CableCheckRes",
    "CertificateInstallationReq",
    "CertificateInstallationRes",
    "CertificateUpdateReq",
    "CertificateUpdateRes",
    "ChargeParameterDiscoveryReq",
    "ChargeParameterDiscoveryRes",
    "ChargingStatusReq",
    "ChargingStatusRes",
    "ContractAuthenticationReq",
    "ContractAuthenticationRes",
    "CurrentDemandReq",
    "CurrentDemandRes",
    "MeteringReceiptReq",
    "MeteringReceiptRes",
    "PaymentDetailsReq",
    "PaymentDetailsRes",
    "PowerDeliveryReq",
    "PowerDeliveryRes",
    "PreChargeReq",
    "PreChargeRes",
    "ServiceDetailReq",
    "ServiceDetailRes",
    "ServiceDiscoveryReq",
    "ServiceDiscoveryRes",
    "ServicePaymentSelectionReq",
    "ServicePaymentSelectionRes",
    "SessionSetupReq",
    "SessionSetupRes",
    "SessionStopReq",
    "SessionStopRes",
    "WeldingDetectionReq",
    "WeldingDetectionRes",
];

/// PhysicalValueType (102–104).
static PHYSICAL: [Item; 3] = [req("Multiplier"), opt("Unit"), req("Value")];
/// DC_EVStatusType (89–93).
static EV_STATUS: [Item; 5] = [
    req("EVReady"),
    opt("EVCabinConditioning"),
    opt("EVRESSConditioning"),
    req("EVErrorCode"),
    req("EVRESSSOC"),
];
/// DC_EVSEStatusType (98–101).
static EVSE_STATUS: [Item; 4] = [
    opt("EVSEIsolationStatus"),
    req("EVSEStatusCode"),
    req("NotificationMaxDelay"),
    req("EVSENotification"),
];
/// ServiceTagType (44–47).
static SERVICE_TAG: [Item; 4] = [
    req("ServiceID"),
    opt("ServiceName"),
    req("ServiceCategory"),
    opt("ServiceScope"),
];
/// ServiceChargeType (135–137).
static CHARGE_SERVICE: [Item; 3] = [
    req("ServiceTag"),
    req("FreeService"),
    req("EnergyTransferType"),
];
/// ServiceType (48, 49).
static SERVICE: [Item; 2] = [req("ServiceTag"), req("FreeService")];
/// ServiceTagListType (149, 150), PaymentOptionsType (113, 114),
/// SelectedServiceListType (115, 116), SAScheduleListType (140, 141): one
/// repeated element, `LOOP (X), END Element` after each.
static SERVICE_LIST: [Item; 1] = [req("Service")];
static PAYMENT_OPTIONS: [Item; 1] = [req("PaymentOption")];
static SELECTED_SERVICE_LIST: [Item; 1] = [req("SelectedService")];
static SA_SCHEDULE_LIST: [Item; 1] = [req("SAScheduleTuple")];
/// SelectedServiceType (50, 51).
static SELECTED_SERVICE: [Item; 2] = [req("ServiceID"), opt("ParameterSetID")];
/// SAScheduleTupleType (52–54).
static SA_SCHEDULE_TUPLE: [Item; 3] = [
    req("SAScheduleTupleID"),
    req("PMaxSchedule"),
    opt("SalesTariff"),
];
/// PMaxScheduleType (33–35).
static PMAX_SCHEDULE: [Item; 2] = [req("PMaxScheduleID"), req("PMaxScheduleEntry")];
/// PMaxScheduleEntryType (12, 13): RelativeTimeInterval | TimeInterval, PMax.
static PMAX_ENTRY: [Item; 2] = [choice("RelativeTimeInterval", 2, true), req("PMax")];
/// RelativeTimeIntervalType (5, 6).
static RELATIVE_TIME: [Item; 2] = [req("start"), opt("duration")];
/// DC_EVChargeParameterType (122–129).
static DC_EV_CHARGE_PARAMETER: [Item; 8] = [
    req("DC_EVStatus"),
    req("EVMaximumCurrentLimit"),
    opt("EVMaximumPowerLimit"),
    req("EVMaximumVoltageLimit"),
    opt("EVEnergyCapacity"),
    opt("EVEnergyRequest"),
    opt("FullSOC"),
    opt("BulkSOC"),
];
/// DC_EVSEChargeParameterType (151–159).
static DC_EVSE_CHARGE_PARAMETER: [Item; 9] = [
    req("DC_EVSEStatus"),
    req("EVSEMaximumCurrentLimit"),
    opt("EVSEMaximumPowerLimit"),
    req("EVSEMaximumVoltageLimit"),
    req("EVSEMinimumCurrentLimit"),
    req("EVSEMinimumVoltageLimit"),
    opt("EVSECurrentRegulationTolerance"),
    req("EVSEPeakCurrentRipple"),
    opt("EVSEEnergyToBeDelivered"),
];
/// DC_EVPowerDeliveryParameterType (142–144).
static DC_EV_POWER_DELIVERY: [Item; 3] = [
    req("DC_EVStatus"),
    opt("BulkChargingComplete"),
    req("ChargingComplete"),
];
/// SessionSetupReqType (209).
static SESSION_SETUP_REQ: [Item; 1] = [req("EVCCID")];
/// SessionSetupResType (214–216).
static SESSION_SETUP_RES: [Item; 3] = [req("ResponseCode"), req("EVSEID"), opt("DateTimeNow")];
/// ServiceDiscoveryReqType (217, 218).
static SERVICE_DISCOVERY_REQ: [Item; 2] = [opt("ServiceScope"), opt("ServiceCategory")];
/// ServiceDiscoveryResType (219–222).
static SERVICE_DISCOVERY_RES: [Item; 4] = [
    req("ResponseCode"),
    req("PaymentOptions"),
    req("ChargeService"),
    opt("ServiceList"),
];
/// ServicePaymentSelectionReqType (227, 228).
static PAYMENT_SELECTION_REQ: [Item; 2] =
    [req("SelectedPaymentOption"), req("SelectedServiceList")];
/// ServicePaymentSelectionResType (229), SessionStopResType (263).
static RESPONSE_CODE_ONLY: [Item; 1] = [req("ResponseCode")];
/// ContractAuthenticationReqType (235, 236): the `Id` attribute, GenChallenge.
static CONTRACT_AUTH_REQ: [Item; 2] = [opt("Id"), opt("GenChallenge")];
/// ContractAuthenticationResType (237, 238).
static CONTRACT_AUTH_RES: [Item; 2] = [req("ResponseCode"), req("EVSEProcessing")];
/// ChargeParameterDiscoveryReqType (239, 240): AC_ | DC_ | EVChargeParameter.
static CPD_REQ: [Item; 2] = [
    req("EVRequestedEnergyTransferType"),
    choice("EVChargeParameter", 3, true),
];
/// ChargeParameterDiscoveryResType (241–244).
static CPD_RES: [Item; 4] = [
    req("ResponseCode"),
    req("EVSEProcessing"),
    choice("SAScheduleList", 2, true),
    choice("EVSEChargeParameter", 3, true),
];
/// CableCheckReqType (175), WeldingDetectionReqType (205).
static EV_STATUS_ONLY: [Item; 1] = [req("DC_EVStatus")];
/// CableCheckResType (176–178).
static CABLE_CHECK_RES: [Item; 3] = [
    req("ResponseCode"),
    req("DC_EVSEStatus"),
    req("EVSEProcessing"),
];
/// PreChargeReqType (179–181).
static PRE_CHARGE_REQ: [Item; 3] = [
    req("DC_EVStatus"),
    req("EVTargetVoltage"),
    req("EVTargetCurrent"),
];
/// PreChargeResType (182–184), WeldingDetectionResType (206–208).
static EVSE_VOLTAGE_RES: [Item; 3] = [
    req("ResponseCode"),
    req("DC_EVSEStatus"),
    req("EVSEPresentVoltage"),
];
/// PowerDeliveryReqType (245–247).
static POWER_DELIVERY_REQ: [Item; 3] = [
    req("ReadyToChargeState"),
    opt("ChargingProfile"),
    choice("DC_EVPowerDeliveryParameter", 2, false),
];
/// PowerDeliveryResType (248, 249): AC_ | DC_ | EVSEStatus.
static POWER_DELIVERY_RES: [Item; 2] = [req("ResponseCode"), choice("EVSEStatus", 3, true)];
/// CurrentDemandReqType (185–194).
static CURRENT_DEMAND_REQ: [Item; 10] = [
    req("DC_EVStatus"),
    req("EVTargetCurrent"),
    opt("EVMaximumVoltageLimit"),
    opt("EVMaximumCurrentLimit"),
    opt("EVMaximumPowerLimit"),
    opt("BulkChargingComplete"),
    req("ChargingComplete"),
    opt("RemainingTimeToFullSoC"),
    opt("RemainingTimeToBulkSoC"),
    req("EVTargetVoltage"),
];
/// CurrentDemandResType (195–204).
static CURRENT_DEMAND_RES: [Item; 10] = [
    req("ResponseCode"),
    req("DC_EVSEStatus"),
    req("EVSEPresentVoltage"),
    req("EVSEPresentCurrent"),
    req("EVSECurrentLimitAchieved"),
    req("EVSEVoltageLimitAchieved"),
    req("EVSEPowerLimitAchieved"),
    opt("EVSEMaximumVoltageLimit"),
    opt("EVSEMaximumCurrentLimit"),
    opt("EVSEMaximumPowerLimit"),
];
/// SessionStopType: empty content.
static EMPTY: [Item; 0] = [];

// ---- entry points ---------------------------------------------------------

/// Encodes one message as an EXI document.
pub fn encode(m: &V2gMessage) -> Res<Vec<u8>> {
    let mut buf = vec![0u8; MAX_ENCODED];
    let mut w = W::new(Encoder::new(&mut buf));
    w.e.write_header(iso15118::exi::Header::ISO15118)
        .map_err(|e| w.fail(e))?;
    w.bits(ROOT_CODE, ROOT_WIDTH)?;
    w.push("V2G_Message")?;
    let mut s = Seq::new(&V2G_MESSAGE);
    w.start(&mut s, 0, 0)?;
    enc_header(&mut w, &m.header)?;
    w.leave();
    w.start(&mut s, 1, 0)?;
    enc_body(&mut w, &m.body)?;
    w.leave();
    w.end(&s)?;
    w.leave();
    let W { e, .. } = w;
    let len = e.finish().map_err(|source| DinError::Exi {
        element: "V2G_Message".into(),
        bit: MAX_ENCODED * 8,
        source,
    })?;
    buf.truncate(len);
    Ok(buf)
}

/// Decodes one complete EXI document; trailing bytes are refused.
pub fn decode(bytes: &[u8]) -> Res<V2gMessage> {
    let mut r = R::new(Decoder::new(bytes));
    r.d.read_header().map_err(|e| r.fail(e))?;
    let root = r.bits(ROOT_WIDTH)?;
    if root != ROOT_CODE {
        return Err(r.unsupported(format!(
            "document element {root} of the DIN schema is not V2G_Message (77)"
        )));
    }
    r.push("V2G_Message")?;
    let mut s = Seq::new(&V2G_MESSAGE);
    r.start(&mut s, 0)?;
    let header = dec_header(&mut r)?;
    r.leave();
    r.start(&mut s, 1)?;
    let body = dec_body(&mut r)?;
    r.leave();
    r.end(&mut s)?;
    r.leave();
    // The pad bits must be zero. Bytes after the document are refused,
    // unless all zero: a Tesla Model Y sends its ContractAuthenticationReq
    // with one zero byte more (pyPLC results/2024-04-20_ModelY_pyPLC_stop_in_precharge),
    // and libcbv2g reads past them too.
    let bit = r.d.bit_pos();
    let end = bit.div_ceil(8);
    let pad = (8 - bit % 8) % 8;
    let last_ok = pad == 0
        || bytes
            .get(end - 1)
            .is_some_and(|b| b & ((1u8 << pad) - 1) == 0);
    let fail = |source| DinError::Exi {
        element: "V2G_Message".into(),
        bit,
        source,
    };
    if !last_ok {
        return Err(fail(ExiError::NonZeroPadding));
    }
    if bytes
        .get(end..)
        .is_some_and(|rest| rest.iter().any(|b| *b != 0))
    {
        return Err(fail(ExiError::TrailingData));
    }
    Ok(V2gMessage { header, body })
}

// ---- helpers ---------------------------------------------------------------

fn missing(r: &R<'_>, what: &str) -> DinError {
    r.unsupported(format!("{what} missing"))
}

fn need<T>(r: &R<'_>, v: Option<T>, what: &str) -> Res<T> {
    v.ok_or_else(|| missing(r, what))
}

/// A complex child: its start (branch `b` of item `j`), content, leave.
fn child(
    w: &mut W<'_>,
    s: &mut Seq,
    j: usize,
    content: impl FnOnce(&mut W<'_>) -> Res<()>,
) -> Res<()> {
    w.start(s, j, 0)?;
    content(w)?;
    w.leave();
    Ok(())
}

fn enc_enum(w: &mut W<'_>, s: &mut Seq, j: usize, index: u8, count: u8) -> Res<()> {
    w.leaf(s, j, |w| w.enumeration(index, count))
}

fn enc_bool(w: &mut W<'_>, s: &mut Seq, j: usize, v: bool) -> Res<()> {
    w.leaf(s, j, |w| w.boolean(v))
}

fn enc_soc(w: &mut W<'_>, s: &mut Seq, j: usize, pct: u8) -> Res<()> {
    w.leaf(s, j, |w| w.restricted(i64::from(pct), 0, 100))
}

fn enc_response(w: &mut W<'_>, s: &mut Seq, code: ResponseCode) -> Res<()> {
    enc_enum(w, s, 0, code.index(), ResponseCode::COUNT)
}

fn dec_enum<T>(r: &mut R<'_>, count: u8, from: fn(u8) -> Option<T>) -> Res<T> {
    r.leaf(|r| {
        let i = r.enumeration(count)?;
        from(i).ok_or_else(|| r.fail(ExiError::UnknownEnumValue))
    })
}

fn dec_bool(r: &mut R<'_>) -> Res<bool> {
    r.leaf(|r| r.boolean())
}

fn dec_soc(r: &mut R<'_>) -> Res<u8> {
    r.leaf(|r| {
        let v = r.restricted(0, 100)?;
        u8::try_from(v).map_err(|_| r.fail(ExiError::ValueOutOfRange))
    })
}

fn dec_response(r: &mut R<'_>) -> Res<ResponseCode> {
    dec_enum(r, ResponseCode::COUNT, ResponseCode::from_index)
}

fn enc_pv(w: &mut W<'_>, s: &mut Seq, j: usize, v: &PhysicalValue) -> Res<()> {
    child(w, s, j, |w| enc_physical(w, v))
}

fn enc_pv_opt(w: &mut W<'_>, s: &mut Seq, j: usize, v: &Option<PhysicalValue>) -> Res<()> {
    match v {
        Some(v) => enc_pv(w, s, j, v),
        None => Ok(()),
    }
}

fn dec_pv(r: &mut R<'_>) -> Res<PhysicalValue> {
    let v = dec_physical(r)?;
    r.leave();
    Ok(v)
}

/// A substitution group of an AC member (branch 0), a DC one (1) and the
/// abstract head (2): only the DC member is taken; it is started and named.
fn dc_branch(r: &mut R<'_>, s: &mut Seq, [ac, dc]: [&'static str; 2]) -> Res<()> {
    match r.next(s)? {
        Some((_, 1)) => {
            r.rename(dc);
            Ok(())
        }
        Some((_, 0)) => Err(r.unsupported(format!("{ac}: this set is DC only"))),
        _ => Err(r.unsupported(format!("the abstract head of {dc}'s group"))),
    }
}

// ---- header and body ------------------------------------------------------

fn enc_header(w: &mut W<'_>, h: &Header) -> Res<()> {
    let mut s = Seq::new(&HEADER);
    w.leaf(&mut s, 0, |w| {
        w.binary(&h.session_id, Lengths::max(lim::SESSION_ID))
    })?;
    if let Some(n) = &h.notification {
        child(w, &mut s, 1, |w| {
            let mut s = Seq::new(&NOTIFICATION);
            enc_enum(w, &mut s, 0, n.fault_code.index(), FaultCode::COUNT)?;
            if let Some(m) = &n.fault_msg {
                w.leaf(&mut s, 1, |w| {
                    w.string(CTX_FAULT_MSG, m, Lengths::max(lim::FAULT_MSG))
                })?;
            }
            w.end(&s)
        })?;
    }
    w.end(&s)
}

fn dec_header(r: &mut R<'_>) -> Res<Header> {
    let mut s = Seq::new(&HEADER);
    let mut session_id = None;
    let mut notification = None;
    while let Some((j, _)) = r.next(&mut s)? {
        match j {
            0 => session_id = Some(r.leaf(|r| r.binary(Lengths::max(lim::SESSION_ID)))?),
            1 => {
                let mut n = Seq::new(&NOTIFICATION);
                let mut fault_code = None;
                let mut fault_msg = None;
                while let Some((k, _)) = r.next(&mut n)? {
                    match k {
                        0 => {
                            fault_code = Some(dec_enum(r, FaultCode::COUNT, FaultCode::from_index)?)
                        }
                        _ => {
                            fault_msg =
                                Some(r.leaf(|r| {
                                    r.string(CTX_FAULT_MSG, Lengths::max(lim::FAULT_MSG))
                                })?)
                        }
                    }
                }
                notification = Some(Notification {
                    fault_code: need(r, fault_code, "FaultCode")?,
                    fault_msg,
                });
                r.leave();
            }
            _ => {
                return Err(r.unsupported(
                    "a Signature: DIN 70121 EIM messages are not signed, and this codec \
                     takes no XML signature",
                ))
            }
        }
    }
    Ok(Header {
        session_id: need(r, session_id, "SessionID")?,
        notification,
    })
}

fn enc_body(w: &mut W<'_>, b: &Body) -> Res<()> {
    let name = b.name();
    let code = BODY_ELEMENTS
        .iter()
        .position(|n| *n == name)
        .ok_or_else(|| w.invalid(format!("{name} is not a DIN body element")))?;
    let mut s = Seq::new(&BODY);
    w.start(&mut s, 0, code as u64)?;
    w.rename(BODY_ELEMENTS[code]);
    match b {
        Body::SessionSetupReq(m) => {
            let mut s = Seq::new(&SESSION_SETUP_REQ);
            w.leaf(&mut s, 0, |w| {
                w.binary(&m.evcc_id, Lengths::max(lim::EVCC_ID))
            })?;
            w.end(&s)?;
        }
        Body::SessionSetupRes(m) => {
            let mut s = Seq::new(&SESSION_SETUP_RES);
            enc_response(w, &mut s, m.response_code)?;
            w.leaf(&mut s, 1, |w| {
                w.binary(&m.evse_id, Lengths::max(lim::EVSE_ID))
            })?;
            if let Some(t) = m.date_time_now {
                w.leaf(&mut s, 2, |w| w.int(t))?;
            }
            w.end(&s)?;
        }
        Body::ServiceDiscoveryReq(m) => {
            let mut s = Seq::new(&SERVICE_DISCOVERY_REQ);
            if let Some(scope) = &m.service_scope {
                w.leaf(&mut s, 0, |w| {
                    w.string(CTX_SERVICE_SCOPE, scope, Lengths::max(lim::SERVICE_NAME))
                })?;
            }
            if let Some(c) = m.service_category {
                enc_enum(w, &mut s, 1, c.index(), ServiceCategory::COUNT)?;
            }
            w.end(&s)?;
        }
        Body::ServiceDiscoveryRes(m) => enc_service_discovery_res(w, m)?,
        Body::ServicePaymentSelectionReq(m) => {
            let mut s = Seq::new(&PAYMENT_SELECTION_REQ);
            let p = m.selected_payment_option;
            enc_enum(w, &mut s, 0, p.index(), PaymentOption::COUNT)?;
            child(w, &mut s, 1, |w| {
                let list = &m.selected_services;
                let mut s = Seq::new(&SELECTED_SERVICE_LIST);
                repeated(w, &mut s, 0, list, lim::SELECTED_SERVICES, |w, sel| {
                    let mut s = Seq::new(&SELECTED_SERVICE);
                    w.leaf(&mut s, 0, |w| w.uint(u64::from(sel.service_id)))?;
                    if let Some(p) = sel.parameter_set_id {
                        w.leaf(&mut s, 1, |w| w.int(i64::from(p)))?;
                    }
                    w.end(&s)
                })
            })?;
            w.end(&s)?;
        }
        Body::ServicePaymentSelectionRes { response_code }
        | Body::SessionStopRes { response_code } => {
            let mut s = Seq::new(&RESPONSE_CODE_ONLY);
            enc_response(w, &mut s, *response_code)?;
            w.end(&s)?;
        }
        Body::ContractAuthenticationReq(m) => {
            let mut s = Seq::new(&CONTRACT_AUTH_REQ);
            if let Some(id) = &m.id {
                // An attribute: no CH/EE around the value.
                w.start(&mut s, 0, 0)?;
                w.string(CTX_ID, id, Lengths::max(lim::FREE_STRING))?;
                w.leave();
            }
            if let Some(g) = &m.gen_challenge {
                w.leaf(&mut s, 1, |w| {
                    w.string(CTX_GEN_CHALLENGE, g, Lengths::max(lim::FREE_STRING))
                })?;
            }
            w.end(&s)?;
        }
        Body::ContractAuthenticationRes {
            response_code,
            evse_processing,
        } => {
            let mut s = Seq::new(&CONTRACT_AUTH_RES);
            enc_response(w, &mut s, *response_code)?;
            let p = *evse_processing;
            enc_enum(w, &mut s, 1, p.index(), EvseProcessing::COUNT)?;
            w.end(&s)?;
        }
        Body::ChargeParameterDiscoveryReq(m) => {
            let mut s = Seq::new(&CPD_REQ);
            let t = m.requested_energy_transfer;
            enc_enum(w, &mut s, 0, t.index(), EvEnergyTransfer::COUNT)?;
            // Branch 1: DC_EVChargeParameter.
            w.start(&mut s, 1, 1)?;
            w.rename("DC_EVChargeParameter");
            enc_dc_ev_charge_parameter(w, &m.dc_ev_charge_parameter)?;
            w.leave();
            w.end(&s)?;
        }
        Body::ChargeParameterDiscoveryRes(m) => enc_cpd_res(w, m)?,
        Body::CableCheckReq { ev_status } | Body::WeldingDetectionReq { ev_status } => {
            let mut s = Seq::new(&EV_STATUS_ONLY);
            child(w, &mut s, 0, |w| enc_ev_status(w, ev_status))?;
            w.end(&s)?;
        }
        Body::CableCheckRes(m) => {
            let mut s = Seq::new(&CABLE_CHECK_RES);
            enc_response(w, &mut s, m.response_code)?;
            child(w, &mut s, 1, |w| enc_evse_status(w, &m.evse_status))?;
            let p = m.evse_processing;
            enc_enum(w, &mut s, 2, p.index(), EvseProcessing::COUNT)?;
            w.end(&s)?;
        }
        Body::PreChargeReq(m) => {
            let mut s = Seq::new(&PRE_CHARGE_REQ);
            child(w, &mut s, 0, |w| enc_ev_status(w, &m.ev_status))?;
            enc_pv(w, &mut s, 1, &m.ev_target_voltage)?;
            enc_pv(w, &mut s, 2, &m.ev_target_current)?;
            w.end(&s)?;
        }
        Body::PreChargeRes(m) | Body::WeldingDetectionRes(m) => {
            let mut s = Seq::new(&EVSE_VOLTAGE_RES);
            enc_response(w, &mut s, m.response_code)?;
            child(w, &mut s, 1, |w| enc_evse_status(w, &m.evse_status))?;
            enc_pv(w, &mut s, 2, &m.evse_present_voltage)?;
            w.end(&s)?;
        }
        Body::PowerDeliveryReq(m) => {
            let mut s = Seq::new(&POWER_DELIVERY_REQ);
            enc_bool(w, &mut s, 0, m.ready_to_charge)?;
            if let Some(p) = &m.dc_ev_power_delivery_parameter {
                child(w, &mut s, 2, |w| {
                    let mut s = Seq::new(&DC_EV_POWER_DELIVERY);
                    child(w, &mut s, 0, |w| enc_ev_status(w, &p.ev_status))?;
                    if let Some(b) = p.bulk_charging_complete {
                        enc_bool(w, &mut s, 1, b)?;
                    }
                    enc_bool(w, &mut s, 2, p.charging_complete)?;
                    w.end(&s)
                })?;
            }
            w.end(&s)?;
        }
        Body::PowerDeliveryRes(m) => {
            let mut s = Seq::new(&POWER_DELIVERY_RES);
            enc_response(w, &mut s, m.response_code)?;
            // Branch 1: DC_EVSEStatus.
            w.start(&mut s, 1, 1)?;
            w.rename("DC_EVSEStatus");
            enc_evse_status(w, &m.dc_evse_status)?;
            w.leave();
            w.end(&s)?;
        }
        Body::CurrentDemandReq(m) => {
            let mut s = Seq::new(&CURRENT_DEMAND_REQ);
            child(w, &mut s, 0, |w| enc_ev_status(w, &m.ev_status))?;
            enc_pv(w, &mut s, 1, &m.ev_target_current)?;
            enc_pv_opt(w, &mut s, 2, &m.ev_maximum_voltage_limit)?;
            enc_pv_opt(w, &mut s, 3, &m.ev_maximum_current_limit)?;
            enc_pv_opt(w, &mut s, 4, &m.ev_maximum_power_limit)?;
            if let Some(b) = m.bulk_charging_complete {
                enc_bool(w, &mut s, 5, b)?;
            }
            enc_bool(w, &mut s, 6, m.charging_complete)?;
            enc_pv_opt(w, &mut s, 7, &m.remaining_time_to_full_soc)?;
            enc_pv_opt(w, &mut s, 8, &m.remaining_time_to_bulk_soc)?;
            enc_pv(w, &mut s, 9, &m.ev_target_voltage)?;
            w.end(&s)?;
        }
        Body::CurrentDemandRes(m) => {
            let mut s = Seq::new(&CURRENT_DEMAND_RES);
            enc_response(w, &mut s, m.response_code)?;
            child(w, &mut s, 1, |w| enc_evse_status(w, &m.evse_status))?;
            enc_pv(w, &mut s, 2, &m.evse_present_voltage)?;
            enc_pv(w, &mut s, 3, &m.evse_present_current)?;
            enc_bool(w, &mut s, 4, m.evse_current_limit_achieved)?;
            enc_bool(w, &mut s, 5, m.evse_voltage_limit_achieved)?;
            enc_bool(w, &mut s, 6, m.evse_power_limit_achieved)?;
            enc_pv_opt(w, &mut s, 7, &m.evse_maximum_voltage_limit)?;
            enc_pv_opt(w, &mut s, 8, &m.evse_maximum_current_limit)?;
            enc_pv_opt(w, &mut s, 9, &m.evse_maximum_power_limit)?;
            w.end(&s)?;
        }
        Body::SessionStopReq => w.end(&Seq::new(&EMPTY))?,
    }
    w.leave();
    w.end(&s)
}

fn dec_body(r: &mut R<'_>) -> Res<Body> {
    let mut s = Seq::new(&BODY);
    let Some((_, code)) = r.next(&mut s)? else {
        return Err(r.unsupported("an empty Body"));
    };
    let name = BODY_ELEMENTS.get(code as usize).copied().unwrap_or("?");
    r.rename(name);
    let body = match name {
        "SessionSetupReq" => {
            let mut s = Seq::new(&SESSION_SETUP_REQ);
            r.start(&mut s, 0)?;
            let evcc_id = r.leaf(|r| r.binary(Lengths::max(lim::EVCC_ID)))?;
            r.end(&mut s)?;
            Body::SessionSetupReq(SessionSetupReq { evcc_id })
        }
        "SessionSetupRes" => {
            let mut s = Seq::new(&SESSION_SETUP_RES);
            r.start(&mut s, 0)?;
            let response_code = dec_response(r)?;
            r.start(&mut s, 1)?;
            let evse_id = r.leaf(|r| r.binary(Lengths::max(lim::EVSE_ID)))?;
            let mut date_time_now = None;
            while r.next(&mut s)?.is_some() {
                date_time_now = Some(r.leaf(|r| r.int())?);
            }
            Body::SessionSetupRes(SessionSetupRes {
                response_code,
                evse_id,
                date_time_now,
            })
        }
        "ServiceDiscoveryReq" => {
            let mut s = Seq::new(&SERVICE_DISCOVERY_REQ);
            let mut m = ServiceDiscoveryReq::default();
            while let Some((j, _)) = r.next(&mut s)? {
                if j == 0 {
                    m.service_scope =
                        Some(r.leaf(|r| {
                            r.string(CTX_SERVICE_SCOPE, Lengths::max(lim::SERVICE_NAME))
                        })?);
                } else {
                    m.service_category = Some(dec_enum(
                        r,
                        ServiceCategory::COUNT,
                        ServiceCategory::from_index,
                    )?);
                }
            }
            Body::ServiceDiscoveryReq(m)
        }
        "ServiceDiscoveryRes" => Body::ServiceDiscoveryRes(dec_service_discovery_res(r)?),
        "ServicePaymentSelectionReq" => {
            let mut s = Seq::new(&PAYMENT_SELECTION_REQ);
            r.start(&mut s, 0)?;
            let selected_payment_option =
                dec_enum(r, PaymentOption::COUNT, PaymentOption::from_index)?;
            r.start(&mut s, 1)?;
            let mut list = Seq::new(&SELECTED_SERVICE_LIST);
            let selected_services = dec_repeated(r, &mut list, 0, lim::SELECTED_SERVICES, |r| {
                let mut s = Seq::new(&SELECTED_SERVICE);
                r.start(&mut s, 0)?;
                let service_id = r.leaf(|r| r.u16())?;
                let mut parameter_set_id = None;
                while r.next(&mut s)?.is_some() {
                    parameter_set_id = Some(r.leaf(|r| r.i16())?);
                }
                Ok(SelectedService {
                    service_id,
                    parameter_set_id,
                })
            })?;
            r.leave();
            r.end(&mut s)?;
            Body::ServicePaymentSelectionReq(ServicePaymentSelectionReq {
                selected_payment_option,
                selected_services,
            })
        }
        "ServicePaymentSelectionRes" | "SessionStopRes" => {
            let mut s = Seq::new(&RESPONSE_CODE_ONLY);
            r.start(&mut s, 0)?;
            let response_code = dec_response(r)?;
            r.end(&mut s)?;
            if name == "SessionStopRes" {
                Body::SessionStopRes { response_code }
            } else {
                Body::ServicePaymentSelectionRes { response_code }
            }
        }
        "ContractAuthenticationReq" => {
            let mut s = Seq::new(&CONTRACT_AUTH_REQ);
            let mut m = ContractAuthenticationReq::default();
            while let Some((j, _)) = r.next(&mut s)? {
                if j == 0 {
                    m.id = Some(r.string(CTX_ID, Lengths::max(lim::FREE_STRING))?);
                    r.leave();
                } else {
                    m.gen_challenge =
                        Some(r.leaf(|r| {
                            r.string(CTX_GEN_CHALLENGE, Lengths::max(lim::FREE_STRING))
                        })?);
                }
            }
            Body::ContractAuthenticationReq(m)
        }
        "ContractAuthenticationRes" => {
            let mut s = Seq::new(&CONTRACT_AUTH_RES);
            r.start(&mut s, 0)?;
            let response_code = dec_response(r)?;
            r.start(&mut s, 1)?;
            let evse_processing = dec_enum(r, EvseProcessing::COUNT, EvseProcessing::from_index)?;
            r.end(&mut s)?;
            Body::ContractAuthenticationRes {
                response_code,
                evse_processing,
            }
        }
        "ChargeParameterDiscoveryReq" => {
            let mut s = Seq::new(&CPD_REQ);
            r.start(&mut s, 0)?;
            let requested_energy_transfer =
                dec_enum(r, EvEnergyTransfer::COUNT, EvEnergyTransfer::from_index)?;
            dc_branch(r, &mut s, ["AC_EVChargeParameter", "DC_EVChargeParameter"])?;
            let dc_ev_charge_parameter = dec_dc_ev_charge_parameter(r)?;
            r.leave();
            r.end(&mut s)?;
            Body::ChargeParameterDiscoveryReq(ChargeParameterDiscoveryReq {
                requested_energy_transfer,
                dc_ev_charge_parameter,
            })
        }
        "ChargeParameterDiscoveryRes" => Body::ChargeParameterDiscoveryRes(dec_cpd_res(r)?),
        "CableCheckReq" | "WeldingDetectionReq" => {
            let mut s = Seq::new(&EV_STATUS_ONLY);
            r.start(&mut s, 0)?;
            let ev_status = dec_ev_status(r)?;
            r.leave();
            r.end(&mut s)?;
            if name == "CableCheckReq" {
                Body::CableCheckReq { ev_status }
            } else {
                Body::WeldingDetectionReq { ev_status }
            }
        }
        "CableCheckRes" => {
            let mut s = Seq::new(&CABLE_CHECK_RES);
            r.start(&mut s, 0)?;
            let response_code = dec_response(r)?;
            r.start(&mut s, 1)?;
            let evse_status = dec_evse_status(r)?;
            r.leave();
            r.start(&mut s, 2)?;
            let evse_processing = dec_enum(r, EvseProcessing::COUNT, EvseProcessing::from_index)?;
            r.end(&mut s)?;
            Body::CableCheckRes(CableCheckRes {
                response_code,
                evse_status,
                evse_processing,
            })
        }
        "PreChargeReq" => {
            let mut s = Seq::new(&PRE_CHARGE_REQ);
            r.start(&mut s, 0)?;
            let ev_status = dec_ev_status(r)?;
            r.leave();
            r.start(&mut s, 1)?;
            let ev_target_voltage = dec_pv(r)?;
            r.start(&mut s, 2)?;
            let ev_target_current = dec_pv(r)?;
            r.end(&mut s)?;
            Body::PreChargeReq(PreChargeReq {
                ev_status,
                ev_target_voltage,
                ev_target_current,
            })
        }
        "PreChargeRes" | "WeldingDetectionRes" => {
            let mut s = Seq::new(&EVSE_VOLTAGE_RES);
            r.start(&mut s, 0)?;
            let response_code = dec_response(r)?;
            r.start(&mut s, 1)?;
            let evse_status = dec_evse_status(r)?;
            r.leave();
            r.start(&mut s, 2)?;
            let evse_present_voltage = dec_pv(r)?;
            r.end(&mut s)?;
            let m = EvseVoltageRes {
                response_code,
                evse_status,
                evse_present_voltage,
            };
            if name == "PreChargeRes" {
                Body::PreChargeRes(m)
            } else {
                Body::WeldingDetectionRes(m)
            }
        }
        "PowerDeliveryReq" => {
            let mut s = Seq::new(&POWER_DELIVERY_REQ);
            r.start(&mut s, 0)?;
            let ready_to_charge = dec_bool(r)?;
            let mut dc_ev_power_delivery_parameter = None;
            while let Some((j, b)) = r.next(&mut s)? {
                if j == 1 {
                    return Err(r.unsupported("a ChargingProfile: this set takes none"));
                }
                if b != 0 {
                    return Err(r.unsupported("an abstract EVPowerDeliveryParameter"));
                }
                let mut p = Seq::new(&DC_EV_POWER_DELIVERY);
                r.start(&mut p, 0)?;
                let ev_status = dec_ev_status(r)?;
                r.leave();
                let mut bulk_charging_complete = None;
                if let Some((k, _)) = r.next(&mut p)? {
                    if k == 1 {
                        bulk_charging_complete = Some(dec_bool(r)?);
                        r.start(&mut p, 2)?;
                    }
                }
                let charging_complete = dec_bool(r)?;
                r.end(&mut p)?;
                r.leave();
                dc_ev_power_delivery_parameter = Some(DcEvPowerDeliveryParameter {
                    ev_status,
                    bulk_charging_complete,
                    charging_complete,
                });
            }
            Body::PowerDeliveryReq(PowerDeliveryReq {
                ready_to_charge,
                dc_ev_power_delivery_parameter,
            })
        }
        "PowerDeliveryRes" => {
            let mut s = Seq::new(&POWER_DELIVERY_RES);
            r.start(&mut s, 0)?;
            let response_code = dec_response(r)?;
            dc_branch(r, &mut s, ["AC_EVSEStatus", "DC_EVSEStatus"])?;
            let dc_evse_status = dec_evse_status(r)?;
            r.leave();
            r.end(&mut s)?;
            Body::PowerDeliveryRes(PowerDeliveryRes {
                response_code,
                dc_evse_status,
            })
        }
        "CurrentDemandReq" => Body::CurrentDemandReq(dec_current_demand_req(r)?),
        "CurrentDemandRes" => Body::CurrentDemandRes(dec_current_demand_res(r)?),
        "SessionStopReq" => {
            r.end(&mut Seq::new(&EMPTY))?;
            Body::SessionStopReq
        }
        other => {
            return Err(r.unsupported(format!(
                "{other} is not in the DC EIM message set this codec takes"
            )))
        }
    };
    r.leave();
    r.end(&mut s)?;
    Ok(body)
}

/// A list of one repeated element (`LOOP (X), END Element`): 1..=`max`.
fn repeated<T>(
    w: &mut W<'_>,
    s: &mut Seq,
    j: usize,
    list: &[T],
    max: usize,
    mut each: impl FnMut(&mut W<'_>, &T) -> Res<()>,
) -> Res<()> {
    if list.is_empty() || list.len() > max {
        return Err(w.invalid(format!(
            "{} entries, the schema takes 1 to {max}",
            list.len()
        )));
    }
    for (i, item) in list.iter().enumerate() {
        if i == 0 {
            w.start(s, j, 0)?;
        } else {
            w.repeat(true)?;
            w.push(SELF_NAME)?;
        }
        each(w, item)?;
        w.leave();
    }
    w.repeat(false)
}

/// The path name of a repetition (the first occurrence carries the real one).
const SELF_NAME: &str = "(next)";

fn dec_repeated<T>(
    r: &mut R<'_>,
    s: &mut Seq,
    j: usize,
    max: usize,
    mut each: impl FnMut(&mut R<'_>) -> Res<T>,
) -> Res<Vec<T>> {
    r.start(s, j)?;
    let mut out = vec![each(r)?];
    r.leave();
    while r.repeat()? {
        if out.len() >= max {
            return Err(r.unsupported(format!("more than {max} entries")));
        }
        r.push(SELF_NAME)?;
        out.push(each(r)?);
        r.leave();
    }
    Ok(out)
}

// ---- data types -------------------------------------------------------------

fn enc_physical(w: &mut W<'_>, v: &PhysicalValue) -> Res<()> {
    let mut s = Seq::new(&PHYSICAL);
    w.leaf(&mut s, 0, |w| w.restricted(i64::from(v.multiplier), -3, 3))?;
    if let Some(u) = v.unit {
        enc_enum(w, &mut s, 1, u.index(), Unit::COUNT)?;
    }
    w.leaf(&mut s, 2, |w| w.int(i64::from(v.value)))?;
    w.end(&s)
}

fn dec_physical(r: &mut R<'_>) -> Res<PhysicalValue> {
    let mut s = Seq::new(&PHYSICAL);
    r.start(&mut s, 0)?;
    let multiplier = r.leaf(|r| {
        let m = r.restricted(-3, 3)?;
        i8::try_from(m).map_err(|_| r.fail(ExiError::ValueOutOfRange))
    })?;
    let mut unit = None;
    let mut value = None;
    while let Some((j, _)) = r.next(&mut s)? {
        if j == 1 {
            unit = Some(dec_enum(r, Unit::COUNT, Unit::from_index)?);
        } else {
            value = Some(r.leaf(|r| r.i16())?);
        }
    }
    Ok(PhysicalValue {
        multiplier,
        unit,
        value: need(r, value, "Value")?,
    })
}

fn enc_ev_status(w: &mut W<'_>, v: &EvStatus) -> Res<()> {
    let mut s = Seq::new(&EV_STATUS);
    enc_bool(w, &mut s, 0, v.ready)?;
    if let Some(b) = v.cabin_conditioning {
        enc_bool(w, &mut s, 1, b)?;
    }
    if let Some(b) = v.ress_conditioning {
        enc_bool(w, &mut s, 2, b)?;
    }
    enc_enum(w, &mut s, 3, v.error_code.index(), EvErrorCode::COUNT)?;
    enc_soc(w, &mut s, 4, v.ress_soc_pct)?;
    w.end(&s)
}

fn dec_ev_status(r: &mut R<'_>) -> Res<EvStatus> {
    let mut s = Seq::new(&EV_STATUS);
    let (mut ready, mut cabin, mut ress, mut error, mut soc) = (None, None, None, None, None);
    while let Some((j, _)) = r.next(&mut s)? {
        match j {
            0 => ready = Some(dec_bool(r)?),
            1 => cabin = Some(dec_bool(r)?),
            2 => ress = Some(dec_bool(r)?),
            3 => error = Some(dec_enum(r, EvErrorCode::COUNT, EvErrorCode::from_index)?),
            _ => soc = Some(dec_soc(r)?),
        }
    }
    Ok(EvStatus {
        ready: need(r, ready, "EVReady")?,
        cabin_conditioning: cabin,
        ress_conditioning: ress,
        error_code: need(r, error, "EVErrorCode")?,
        ress_soc_pct: need(r, soc, "EVRESSSOC")?,
    })
}

fn enc_evse_status(w: &mut W<'_>, v: &EvseStatus) -> Res<()> {
    let mut s = Seq::new(&EVSE_STATUS);
    if let Some(i) = v.isolation {
        enc_enum(w, &mut s, 0, i.index(), IsolationLevel::COUNT)?;
    }
    enc_enum(w, &mut s, 1, v.status_code.index(), EvseStatusCode::COUNT)?;
    w.leaf(&mut s, 2, |w| w.uint(u64::from(v.notification_max_delay)))?;
    let n = v.notification;
    enc_enum(w, &mut s, 3, n.index(), EvseNotification::COUNT)?;
    w.end(&s)
}

fn dec_evse_status(r: &mut R<'_>) -> Res<EvseStatus> {
    let mut s = Seq::new(&EVSE_STATUS);
    let (mut isolation, mut code, mut delay, mut notification) = (None, None, None, None);
    while let Some((j, _)) = r.next(&mut s)? {
        match j {
            0 => {
                isolation = Some(dec_enum(
                    r,
                    IsolationLevel::COUNT,
                    IsolationLevel::from_index,
                )?)
            }
            1 => {
                code = Some(dec_enum(
                    r,
                    EvseStatusCode::COUNT,
                    EvseStatusCode::from_index,
                )?)
            }
            2 => delay = Some(r.leaf(|r| r.u32())?),
            _ => {
                notification = Some(dec_enum(
                    r,
                    EvseNotification::COUNT,
                    EvseNotification::from_index,
                )?)
            }
        }
    }
    Ok(EvseStatus {
        isolation,
        status_code: need(r, code, "EVSEStatusCode")?,
        notification_max_delay: need(r, delay, "NotificationMaxDelay")?,
        notification: need(r, notification, "EVSENotification")?,
    })
}

fn enc_service_tag(w: &mut W<'_>, t: &ServiceTag) -> Res<()> {
    let mut s = Seq::new(&SERVICE_TAG);
    w.leaf(&mut s, 0, |w| w.uint(u64::from(t.service_id)))?;
    if let Some(n) = &t.service_name {
        w.leaf(&mut s, 1, |w| {
            w.string(CTX_SERVICE_NAME, n, Lengths::max(lim::SERVICE_NAME))
        })?;
    }
    let c = t.service_category;
    enc_enum(w, &mut s, 2, c.index(), ServiceCategory::COUNT)?;
    if let Some(n) = &t.service_scope {
        w.leaf(&mut s, 3, |w| {
            w.string(CTX_SERVICE_SCOPE, n, Lengths::max(lim::SERVICE_NAME))
        })?;
    }
    w.end(&s)
}

fn dec_service_tag(r: &mut R<'_>) -> Res<ServiceTag> {
    let mut s = Seq::new(&SERVICE_TAG);
    let (mut id, mut name, mut category, mut scope) = (None, None, None, None);
    while let Some((j, _)) = r.next(&mut s)? {
        match j {
            0 => id = Some(r.leaf(|r| r.u16())?),
            1 => {
                name =
                    Some(r.leaf(|r| r.string(CTX_SERVICE_NAME, Lengths::max(lim::SERVICE_NAME)))?)
            }
            2 => {
                category = Some(dec_enum(
                    r,
                    ServiceCategory::COUNT,
                    ServiceCategory::from_index,
                )?)
            }
            _ => {
                scope =
                    Some(r.leaf(|r| r.string(CTX_SERVICE_SCOPE, Lengths::max(lim::SERVICE_NAME)))?)
            }
        }
    }
    Ok(ServiceTag {
        service_id: need(r, id, "ServiceID")?,
        service_name: name,
        service_category: need(r, category, "ServiceCategory")?,
        service_scope: scope,
    })
}

fn enc_service_discovery_res(w: &mut W<'_>, m: &ServiceDiscoveryRes) -> Res<()> {
    let mut s = Seq::new(&SERVICE_DISCOVERY_RES);
    enc_response(w, &mut s, m.response_code)?;
    child(w, &mut s, 1, |w| {
        let mut s = Seq::new(&PAYMENT_OPTIONS);
        repeated(
            w,
            &mut s,
            0,
            &m.payment_options,
            lim::PAYMENT_OPTIONS,
            |w, p| {
                // A simple-typed repetition: CH, value, EE.
                w.bits(0, 1)?;
                w.enumeration(p.index(), PaymentOption::COUNT)?;
                w.bits(0, 1)
            },
        )
    })?;
    child(w, &mut s, 2, |w| {
        let c = &m.charge_service;
        let mut s = Seq::new(&CHARGE_SERVICE);
        child(w, &mut s, 0, |w| enc_service_tag(w, &c.service_tag))?;
        enc_bool(w, &mut s, 1, c.free_service)?;
        let t = c.energy_transfer;
        enc_enum(w, &mut s, 2, t.index(), EvseEnergyTransfer::COUNT)?;
        w.end(&s)
    })?;
    if let Some(list) = &m.service_list {
        child(w, &mut s, 3, |w| {
            let mut s = Seq::new(&SERVICE_LIST);
            repeated(w, &mut s, 0, list, lim::SERVICES, |w, svc| {
                let mut s = Seq::new(&SERVICE);
                child(w, &mut s, 0, |w| enc_service_tag(w, &svc.service_tag))?;
                enc_bool(w, &mut s, 1, svc.free_service)?;
                w.end(&s)
            })
        })?;
    }
    w.end(&s)
}

fn dec_service_discovery_res(r: &mut R<'_>) -> Res<ServiceDiscoveryRes> {
    let mut s = Seq::new(&SERVICE_DISCOVERY_RES);
    r.start(&mut s, 0)?;
    let response_code = dec_response(r)?;
    r.start(&mut s, 1)?;
    let mut p = Seq::new(&PAYMENT_OPTIONS);
    let payment_options = dec_repeated(r, &mut p, 0, lim::PAYMENT_OPTIONS, |r| {
        r.bits(1).and_then(|ch| {
            if ch != 0 {
                return Err(r.fail(ExiError::UnknownEventCode));
            }
            let i = r.enumeration(PaymentOption::COUNT)?;
            let v =
                PaymentOption::from_index(i).ok_or_else(|| r.fail(ExiError::UnknownEnumValue))?;
            if r.bits(1)? != 0 {
                return Err(r.fail(ExiError::UnknownEventCode));
            }
            Ok(v)
        })
    })?;
    r.leave();
    r.start(&mut s, 2)?;
    let mut c = Seq::new(&CHARGE_SERVICE);
    r.start(&mut c, 0)?;
    let service_tag = dec_service_tag(r)?;
    r.leave();
    r.start(&mut c, 1)?;
    let free_service = dec_bool(r)?;
    r.start(&mut c, 2)?;
    let energy_transfer = dec_enum(r, EvseEnergyTransfer::COUNT, EvseEnergyTransfer::from_index)?;
    r.end(&mut c)?;
    r.leave();
    let mut service_list = None;
    while r.next(&mut s)?.is_some() {
        let mut l = Seq::new(&SERVICE_LIST);
        service_list = Some(dec_repeated(r, &mut l, 0, lim::SERVICES, |r| {
            let mut s = Seq::new(&SERVICE);
            r.start(&mut s, 0)?;
            let service_tag = dec_service_tag(r)?;
            r.leave();
            r.start(&mut s, 1)?;
            let free_service = dec_bool(r)?;
            r.end(&mut s)?;
            Ok(Service {
                service_tag,
                free_service,
            })
        })?);
        r.leave();
    }
    Ok(ServiceDiscoveryRes {
        response_code,
        payment_options,
        charge_service: ChargeService {
            service_tag,
            free_service,
            energy_transfer,
        },
        service_list,
    })
}

fn enc_dc_ev_charge_parameter(w: &mut W<'_>, p: &DcEvChargeParameter) -> Res<()> {
    let mut s = Seq::new(&DC_EV_CHARGE_PARAMETER);
    child(w, &mut s, 0, |w| enc_ev_status(w, &p.ev_status))?;
    enc_pv(w, &mut s, 1, &p.ev_maximum_current_limit)?;
    enc_pv_opt(w, &mut s, 2, &p.ev_maximum_power_limit)?;
    enc_pv(w, &mut s, 3, &p.ev_maximum_voltage_limit)?;
    enc_pv_opt(w, &mut s, 4, &p.ev_energy_capacity)?;
    enc_pv_opt(w, &mut s, 5, &p.ev_energy_request)?;
    if let Some(v) = p.full_soc_pct {
        enc_soc(w, &mut s, 6, v)?;
    }
    if let Some(v) = p.bulk_soc_pct {
        enc_soc(w, &mut s, 7, v)?;
    }
    w.end(&s)
}

fn dec_dc_ev_charge_parameter(r: &mut R<'_>) -> Res<DcEvChargeParameter> {
    let mut s = Seq::new(&DC_EV_CHARGE_PARAMETER);
    let mut status = None;
    let mut pv: [Option<PhysicalValue>; 5] = [None; 5];
    let (mut full, mut bulk) = (None, None);
    while let Some((j, _)) = r.next(&mut s)? {
        match j {
            0 => {
                status = Some(dec_ev_status(r)?);
                r.leave();
            }
            1..=5 => pv[j - 1] = Some(dec_pv(r)?),
            6 => full = Some(dec_soc(r)?),
            _ => bulk = Some(dec_soc(r)?),
        }
    }
    Ok(DcEvChargeParameter {
        ev_status: need(r, status, "DC_EVStatus")?,
        ev_maximum_current_limit: need(r, pv[0], "EVMaximumCurrentLimit")?,
        ev_maximum_power_limit: pv[1],
        ev_maximum_voltage_limit: need(r, pv[2], "EVMaximumVoltageLimit")?,
        ev_energy_capacity: pv[3],
        ev_energy_request: pv[4],
        full_soc_pct: full,
        bulk_soc_pct: bulk,
    })
}

fn enc_cpd_res(w: &mut W<'_>, m: &ChargeParameterDiscoveryRes) -> Res<()> {
    let mut s = Seq::new(&CPD_RES);
    enc_response(w, &mut s, m.response_code)?;
    let p = m.evse_processing;
    enc_enum(w, &mut s, 1, p.index(), EvseProcessing::COUNT)?;
    let Some(list) = &m.sa_schedule_list else {
        // Branch 1: the empty abstract SASchedules.
        w.start(&mut s, 2, 1)?;
        w.rename("SASchedules");
        w.end(&Seq::new(&EMPTY))?;
        w.leave();
        return enc_evse_charge_parameter(w, &mut s, &m.dc_evse_charge_parameter);
    };
    // Branch 0: SAScheduleList.
    child(w, &mut s, 2, |w| {
        let mut s = Seq::new(&SA_SCHEDULE_LIST);
        repeated(w, &mut s, 0, list, lim::SCHEDULE_TUPLES, |w, t| {
            let mut s = Seq::new(&SA_SCHEDULE_TUPLE);
            w.leaf(&mut s, 0, |w| w.int(i64::from(t.sa_schedule_tuple_id)))?;
            child(w, &mut s, 1, |w| {
                let mut s = Seq::new(&PMAX_SCHEDULE);
                w.leaf(&mut s, 0, |w| w.int(i64::from(t.pmax_schedule_id)))?;
                repeated(w, &mut s, 1, &t.entries, lim::PMAX_ENTRIES, |w, entry| {
                    let mut s = Seq::new(&PMAX_ENTRY);
                    child(w, &mut s, 0, |w| {
                        let mut s = Seq::new(&RELATIVE_TIME);
                        w.leaf(&mut s, 0, |w| w.uint(u64::from(entry.start_s)))?;
                        if let Some(d) = entry.duration_s {
                            w.leaf(&mut s, 1, |w| w.uint(u64::from(d)))?;
                        }
                        w.end(&s)
                    })?;
                    w.leaf(&mut s, 1, |w| w.int(i64::from(entry.pmax)))?;
                    w.end(&s)
                })
            })?;
            w.end(&s)
        })
    })?;
    enc_evse_charge_parameter(w, &mut s, &m.dc_evse_charge_parameter)
}

/// Branch 1 of ChargeParameterDiscoveryRes's last item, and its `EE`.
fn enc_evse_charge_parameter(w: &mut W<'_>, s: &mut Seq, p: &DcEvseChargeParameter) -> Res<()> {
    w.start(s, 3, 1)?;
    w.rename("DC_EVSEChargeParameter");
    let mut c = Seq::new(&DC_EVSE_CHARGE_PARAMETER);
    child(w, &mut c, 0, |w| enc_evse_status(w, &p.evse_status))?;
    enc_pv(w, &mut c, 1, &p.evse_maximum_current_limit)?;
    enc_pv_opt(w, &mut c, 2, &p.evse_maximum_power_limit)?;
    enc_pv(w, &mut c, 3, &p.evse_maximum_voltage_limit)?;
    enc_pv(w, &mut c, 4, &p.evse_minimum_current_limit)?;
    enc_pv(w, &mut c, 5, &p.evse_minimum_voltage_limit)?;
    enc_pv_opt(w, &mut c, 6, &p.evse_current_regulation_tolerance)?;
    enc_pv(w, &mut c, 7, &p.evse_peak_current_ripple)?;
    enc_pv_opt(w, &mut c, 8, &p.evse_energy_to_be_delivered)?;
    w.end(&c)?;
    w.leave();
    w.end(s)
}

fn dec_cpd_res(r: &mut R<'_>) -> Res<ChargeParameterDiscoveryRes> {
    let mut s = Seq::new(&CPD_RES);
    r.start(&mut s, 0)?;
    let response_code = dec_response(r)?;
    r.start(&mut s, 1)?;
    let evse_processing = dec_enum(r, EvseProcessing::COUNT, EvseProcessing::from_index)?;
    let schedules = match r.next(&mut s)? {
        Some((_, b)) => b,
        None => return Err(r.fail(ExiError::MissingElement)),
    };
    if schedules == 1 {
        // The empty abstract `SASchedules` (OpenV2G-based SECCs send it):
        // its only content is EE (libcbv2g `decode_din_SASchedulesType`).
        r.rename("SASchedules");
        r.end(&mut Seq::new(&EMPTY))?;
    }
    let mut l = Seq::new(&SA_SCHEDULE_LIST);
    let sa_schedule_list = (schedules == 0)
        .then(|| {
            dec_repeated(r, &mut l, 0, lim::SCHEDULE_TUPLES, |r| {
                let mut s = Seq::new(&SA_SCHEDULE_TUPLE);
                r.start(&mut s, 0)?;
                let sa_schedule_tuple_id = r.leaf(|r| r.i16())?;
                r.start(&mut s, 1)?;
                let mut p = Seq::new(&PMAX_SCHEDULE);
                r.start(&mut p, 0)?;
                let pmax_schedule_id = r.leaf(|r| r.i16())?;
                let entries = dec_repeated(r, &mut p, 1, lim::PMAX_ENTRIES, |r| {
                    let mut s = Seq::new(&PMAX_ENTRY);
                    match r.next(&mut s)? {
                        Some((_, 0)) => {}
                        _ => return Err(r.unsupported("an abstract TimeInterval")),
                    }
                    let mut t = Seq::new(&RELATIVE_TIME);
                    r.start(&mut t, 0)?;
                    let start_s = r.leaf(|r| r.u32())?;
                    let mut duration_s = None;
                    while r.next(&mut t)?.is_some() {
                        duration_s = Some(r.leaf(|r| r.u32())?);
                    }
                    r.leave();
                    r.start(&mut s, 1)?;
                    let pmax = r.leaf(|r| r.i16())?;
                    r.end(&mut s)?;
                    Ok(PMaxEntry {
                        start_s,
                        duration_s,
                        pmax,
                    })
                })?;
                r.leave();
                if r.next(&mut s)?.is_some() {
                    return Err(r.unsupported("a SalesTariff: this set takes none"));
                }
                Ok(SaScheduleTuple {
                    sa_schedule_tuple_id,
                    pmax_schedule_id,
                    entries,
                })
            })
        })
        .transpose()?;
    r.leave();
    dc_branch(
        r,
        &mut s,
        ["AC_EVSEChargeParameter", "DC_EVSEChargeParameter"],
    )?;
    let mut c = Seq::new(&DC_EVSE_CHARGE_PARAMETER);
    let mut status = None;
    let mut pv: [Option<PhysicalValue>; 8] = [None; 8];
    while let Some((j, _)) = r.next(&mut c)? {
        if j == 0 {
            status = Some(dec_evse_status(r)?);
            r.leave();
        } else {
            pv[j - 1] = Some(dec_pv(r)?);
        }
    }
    r.leave();
    r.end(&mut s)?;
    Ok(ChargeParameterDiscoveryRes {
        response_code,
        evse_processing,
        sa_schedule_list,
        dc_evse_charge_parameter: DcEvseChargeParameter {
            evse_status: need(r, status, "DC_EVSEStatus")?,
            evse_maximum_current_limit: need(r, pv[0], "EVSEMaximumCurrentLimit")?,
            evse_maximum_power_limit: pv[1],
            evse_maximum_voltage_limit: need(r, pv[2], "EVSEMaximumVoltageLimit")?,
            evse_minimum_current_limit: need(r, pv[3], "EVSEMinimumCurrentLimit")?,
            evse_minimum_voltage_limit: need(r, pv[4], "EVSEMinimumVoltageLimit")?,
            evse_current_regulation_tolerance: pv[5],
            evse_peak_current_ripple: need(r, pv[6], "EVSEPeakCurrentRipple")?,
            evse_energy_to_be_delivered: pv[7],
        },
    })
}

fn dec_current_demand_req(r: &mut R<'_>) -> Res<CurrentDemandReq> {
    let mut s = Seq::new(&CURRENT_DEMAND_REQ);
    let mut status = None;
    let mut pv: [Option<PhysicalValue>; 10] = [None; 10];
    let (mut bulk, mut complete) = (None, None);
    while let Some((j, _)) = r.next(&mut s)? {
        match j {
            0 => {
                status = Some(dec_ev_status(r)?);
                r.leave();
            }
            5 => bulk = Some(dec_bool(r)?),
            6 => complete = Some(dec_bool(r)?),
            _ => pv[j] = Some(dec_pv(r)?),
        }
    }
    Ok(CurrentDemandReq {
        ev_status: need(r, status, "DC_EVStatus")?,
        ev_target_current: need(r, pv[1], "EVTargetCurrent")?,
        ev_maximum_voltage_limit: pv[2],
        ev_maximum_current_limit: pv[3],
        ev_maximum_power_limit: pv[4],
        bulk_charging_complete: bulk,
        charging_complete: need(r, complete, "ChargingComplete")?,
        remaining_time_to_full_soc: pv[7],
        remaining_time_to_bulk_soc: pv[8],
        ev_target_voltage: need(r, pv[9], "EVTargetVoltage")?,
    })
}

fn dec_current_demand_res(r: &mut R<'_>) -> Res<CurrentDemandRes> {
    let mut s = Seq::new(&CURRENT_DEMAND_RES);
    let mut code = None;
    let mut status = None;
    let mut pv: [Option<PhysicalValue>; 10] = [None; 10];
    let mut flags = [None; 3];
    while let Some((j, _)) = r.next(&mut s)? {
        match j {
            0 => code = Some(dec_response(r)?),
            1 => {
                status = Some(dec_evse_status(r)?);
                r.leave();
            }
            4..=6 => flags[j - 4] = Some(dec_bool(r)?),
            _ => pv[j] = Some(dec_pv(r)?),
        }
    }
    Ok(CurrentDemandRes {
        response_code: need(r, code, "ResponseCode")?,
        evse_status: need(r, status, "DC_EVSEStatus")?,
        evse_present_voltage: need(r, pv[2], "EVSEPresentVoltage")?,
        evse_present_current: need(r, pv[3], "EVSEPresentCurrent")?,
        evse_current_limit_achieved: need(r, flags[0], "EVSECurrentLimitAchieved")?,
        evse_voltage_limit_achieved: need(r, flags[1], "EVSEVoltageLimitAchieved")?,
        evse_power_limit_achieved: need(r, flags[2], "EVSEPowerLimitAchieved")?,
        evse_maximum_voltage_limit: pv[7],
        evse_maximum_current_limit: pv[8],
        evse_maximum_power_limit: pv[9],
    })
}
