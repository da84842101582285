//! DIN SPEC 70121:2014 (the DC charging profile of the first CCS cars), the
//! DC EIM message set a DIN charge needs: pure EXI encode/decode of
//! `V2G_Message` over byte slices, both requests and responses, with a
//! validated representation. No I/O; nothing here panics on any input
//! (fuzzed by `fuzz/fuzz_targets/din70121.rs`); every length and count is
//! bounded by its schema facet before anything is allocated; an error names
//! the element being coded and the bit where it went wrong.
//!
//! The EXI profile (schema-informed, bit-packed, non-strict, header 0x80)
//! and the primitive codings are the `iso15118` crate's; that crate has no
//! DIN message set, so the grammars are here (see [`grammar`] for how event
//! codes are derived). The schema is DIN SPEC 70121:2014 Annex A
//! (`V2G_CI_MsgDef.xsd`, `V2G_CI_MsgBody.xsd`, `V2G_CI_MsgDataTypes.xsd`,
//! namespace `urn:din:70121:2012:MsgDef`); each type cites the libcbv2g
//! grammar ids (EVerest/libcbv2g `lib/cbv2g/din/din_msgDefEncoder.c`) its
//! codes were checked against. `tests/din_vectors.rs` checks the bytes
//! against captures of real chargers (pyPLC) and libcbv2g's own tests.
//!
//! Not in this set, and refused with [`DinError::Unsupported`]: a header
//! `Signature` (DIN charges are EIM; the schema has it for PnC, which DIN
//! never made mandatory), AC parameters, `SalesTariff`, ServiceDetail,
//! PaymentDetails, certificate and metering messages.

mod codec;
mod grammar;

pub use codec::{decode, encode};

use iso15118::exi::ExiError;
use thiserror::Error;

/// What went wrong, and where.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum DinError {
    /// The EXI layer refused a value or an event code.
    #[error("{element}: {source} (bit {bit}, byte {})", bit / 8)]
    Exi {
        element: String,
        bit: usize,
        source: ExiError,
    },
    /// Valid DIN, but outside the DC EIM message set this codec takes.
    #[error("{element}: {what} (bit {bit}, byte {})", bit / 8)]
    Unsupported {
        element: String,
        bit: usize,
        what: String,
    },
    /// A message that cannot be encoded as the schema requires.
    #[error("{element}: {what}")]
    Invalid { element: String, what: String },
}

/// Schema bounds (V2G_CI_MsgDataTypes.xsd facets).
pub mod limits {
    /// `sessionIDType`: hexBinary, maxLength 8.
    pub const SESSION_ID: usize = 8;
    /// `evccIDType`: hexBinary, maxLength 8.
    pub const EVCC_ID: usize = 8;
    /// `evseIDType`: hexBinary, maxLength 32.
    pub const EVSE_ID: usize = 32;
    /// `serviceNameType`, `serviceScopeType`: string, maxLength 32.
    pub const SERVICE_NAME: usize = 32;
    /// `faultMsgType`: string, maxLength 64.
    pub const FAULT_MSG: usize = 64;
    /// `GenChallenge` and the `Id` attribute carry no facet in the DIN
    /// schema; this codec takes up to 64 characters (libcbv2g's bound).
    pub const FREE_STRING: usize = 64;
    /// Repetitions this codec takes (the schema says unbounded; libcbv2g
    /// keeps 2 payment options, 16 selected services, 5 schedule tuples and
    /// 5 PMax entries, and so do we; 8 services in a ServiceList).
    pub const PAYMENT_OPTIONS: usize = 2;
    pub const SELECTED_SERVICES: usize = 16;
    pub const SCHEDULE_TUPLES: usize = 5;
    pub const PMAX_ENTRIES: usize = 5;
    pub const SERVICES: usize = 8;
}

macro_rules! din_enum {
    ($(#[$m:meta])* $name:ident [$count:expr] { $($variant:ident = $i:expr),+ $(,)? }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum $name { $($variant),+ }
        impl $name {
            /// Number of values in the schema's enumeration.
            pub const COUNT: u8 = $count;
            pub const ALL: &'static [$name] = &[$($name::$variant),+];
            pub fn index(self) -> u8 {
                match self { $($name::$variant => $i),+ }
            }
            pub fn from_index(i: u8) -> Option<Self> {
                match i { $($i => Some($name::$variant),)+ _ => None }
            }
        }
    };
}

din_enum! {
    /// `responseCodeType` (DIN 70121 Table 77).
    ResponseCode [23] {
        Ok = 0, OkNewSessionEstablished = 1, OkOldSessionJoined = 2,
        OkCertificateExpiresSoon = 3, Failed = 4, FailedSequenceError = 5,
        FailedServiceIdInvalid = 6, FailedUnknownSession = 7,
        FailedServiceSelectionInvalid = 8, FailedPaymentSelectionInvalid = 9,
        FailedCertificateExpired = 10, FailedSignatureError = 11,
        FailedNoCertificateAvailable = 12, FailedCertChainError = 13,
        FailedChallengeInvalid = 14, FailedContractCanceled = 15,
        FailedWrongChargeParameter = 16, FailedPowerDeliveryNotApplied = 17,
        FailedTariffSelectionInvalid = 18, FailedChargingProfileInvalid = 19,
        FailedEvsePresentVoltageTooLow = 20, FailedMeteringSignatureNotValid = 21,
        FailedWrongEnergyTransferType = 22,
    }
}

impl ResponseCode {
    /// `OK…` rather than `FAILED…`.
    pub fn is_ok(self) -> bool {
        self.index() <= 3
    }
}

din_enum! {
    /// `DC_EVSEStatusCodeType`.
    EvseStatusCode [12] {
        NotReady = 0, Ready = 1, Shutdown = 2, UtilityInterruptEvent = 3,
        IsolationMonitoringActive = 4, EmergencyShutdown = 5, Malfunction = 6,
        Reserved8 = 7, Reserved9 = 8, ReservedA = 9, ReservedB = 10, ReservedC = 11,
    }
}

din_enum! {
    /// `isolationLevelType`.
    IsolationLevel [4] { Invalid = 0, Valid = 1, Warning = 2, Fault = 3 }
}

din_enum! {
    /// `EVSENotificationType`.
    EvseNotification [3] { None = 0, StopCharging = 1, ReNegotiation = 2 }
}

din_enum! {
    /// `DC_EVErrorCodeType`.
    EvErrorCode [12] {
        NoError = 0, RessTemperatureInhibit = 1, EvShiftPosition = 2,
        ChargerConnectorLockFault = 3, EvRessMalfunction = 4,
        ChargingCurrentDifferential = 5, ChargingVoltageOutOfRange = 6,
        ReservedA = 7, ReservedB = 8, ReservedC = 9,
        ChargingSystemIncompatibility = 10, NoData = 11,
    }
}

din_enum! {
    /// `EVSEProcessingType`.
    EvseProcessing [2] { Finished = 0, Ongoing = 1 }
}

din_enum! {
    /// `paymentOptionType`.
    PaymentOption [2] { Contract = 0, ExternalPayment = 1 }
}

din_enum! {
    /// `serviceCategoryType`.
    ServiceCategory [4] { EvCharging = 0, Internet = 1, ContractCertificate = 2, OtherCustom = 3 }
}

din_enum! {
    /// `EVSESupportedEnergyTransferType`.
    EvseEnergyTransfer [10] {
        AcSinglePhaseCore = 0, AcThreePhaseCore = 1, DcCore = 2, DcExtended = 3,
        DcComboCore = 4, DcDual = 5, AcCore1pDcExtended = 6, AcSingleDcCore = 7,
        AcSinglePhaseThreePhaseCoreDcExtended = 8, AcCore3pDcExtended = 9,
    }
}

din_enum! {
    /// `EVRequestedEnergyTransferType`.
    EvEnergyTransfer [6] {
        AcSinglePhaseCore = 0, AcThreePhaseCore = 1, DcCore = 2, DcExtended = 3,
        DcComboCore = 4, DcUnique = 5,
    }
}

din_enum! {
    /// `unitSymbolType`.
    Unit [10] { H = 0, M = 1, S = 2, A = 3, Ah = 4, V = 5, Va = 6, W = 7, Ws = 8, Wh = 9 }
}

din_enum! {
    /// `faultCodeType`.
    FaultCode [3] { ParsingError = 0, NoTlsRootCertificateAvailable = 1, UnknownError = 2 }
}

/// `PhysicalValueType`: `value × 10^multiplier` in `unit`. The unit is
/// optional in the schema (and many cars leave it out).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct PhysicalValue {
    /// `unitMultiplierType`: −3..=3.
    pub multiplier: i8,
    pub unit: Option<Unit>,
    pub value: i16,
}

impl PhysicalValue {
    pub const MULTIPLIERS: std::ops::RangeInclusive<i8> = -3..=3;

    /// The quantity as a number (volts, amps, watts… per `unit`).
    pub fn to_f64(&self) -> f64 {
        f64::from(self.value) * 10f64.powi(i32::from(self.multiplier))
    }

    /// The closest value in `unit` with the finest multiplier (down to
    /// 10^-1) that keeps it in an `i16`; non-finite is 0, beyond 32767 ×
    /// 10^3 saturates.
    pub fn new(x: f64, unit: Unit) -> Self {
        let x = if x.is_finite() { x } else { 0.0 };
        for multiplier in -1i8..=3 {
            let scaled = (x / 10f64.powi(i32::from(multiplier))).round();
            if scaled.abs() <= f64::from(i16::MAX) {
                return PhysicalValue {
                    multiplier,
                    unit: Some(unit),
                    value: scaled as i16,
                };
            }
        }
        PhysicalValue {
            multiplier: 3,
            unit: Some(unit),
            value: if x < 0.0 { -i16::MAX } else { i16::MAX },
        }
    }

    pub fn volts(v: f64) -> Self {
        Self::new(v, Unit::V)
    }

    pub fn amps(a: f64) -> Self {
        Self::new(a, Unit::A)
    }

    pub fn watts(w: f64) -> Self {
        Self::new(w, Unit::W)
    }

    pub fn seconds(s: f64) -> Self {
        Self::new(s, Unit::S)
    }

    pub fn watt_hours(wh: f64) -> Self {
        Self::new(wh, Unit::Wh)
    }
}

/// `MessageHeaderType`: the session id and an optional notification. A
/// `Signature` is refused on decode (DIN EIM never signs).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Header {
    /// `sessionIDType`: up to 8 bytes (all zeros before SessionSetupRes).
    pub session_id: Vec<u8>,
    pub notification: Option<Notification>,
}

impl Header {
    pub fn new(session_id: &[u8]) -> Self {
        Header {
            session_id: session_id.to_vec(),
            notification: None,
        }
    }
}

/// `NotificationType`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notification {
    pub fault_code: FaultCode,
    pub fault_msg: Option<String>,
}

/// `DC_EVStatusType` (DIN 70121 §9.5.3.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EvStatus {
    pub ready: bool,
    pub cabin_conditioning: Option<bool>,
    pub ress_conditioning: Option<bool>,
    pub error_code: EvErrorCode,
    /// `percentValueType`: 0..=100.
    pub ress_soc_pct: u8,
}

/// `DC_EVSEStatusType` (DIN 70121 §9.5.3.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EvseStatus {
    pub isolation: Option<IsolationLevel>,
    pub status_code: EvseStatusCode,
    /// Seconds.
    pub notification_max_delay: u32,
    pub notification: EvseNotification,
}

/// `ServiceTagType`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceTag {
    pub service_id: u16,
    pub service_name: Option<String>,
    pub service_category: ServiceCategory,
    pub service_scope: Option<String>,
}

/// `ServiceChargeType`: the charge service the EVSE offers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChargeService {
    pub service_tag: ServiceTag,
    pub free_service: bool,
    pub energy_transfer: EvseEnergyTransfer,
}

/// `ServiceType` in a `ServiceList`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Service {
    pub service_tag: ServiceTag,
    pub free_service: bool,
}

/// `SelectedServiceType`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SelectedService {
    pub service_id: u16,
    pub parameter_set_id: Option<i16>,
}

/// `DC_EVChargeParameterType`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DcEvChargeParameter {
    pub ev_status: EvStatus,
    pub ev_maximum_current_limit: PhysicalValue,
    pub ev_maximum_power_limit: Option<PhysicalValue>,
    pub ev_maximum_voltage_limit: PhysicalValue,
    pub ev_energy_capacity: Option<PhysicalValue>,
    pub ev_energy_request: Option<PhysicalValue>,
    pub full_soc_pct: Option<u8>,
    pub bulk_soc_pct: Option<u8>,
}

/// `DC_EVSEChargeParameterType`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DcEvseChargeParameter {
    pub evse_status: EvseStatus,
    pub evse_maximum_current_limit: PhysicalValue,
    pub evse_maximum_power_limit: Option<PhysicalValue>,
    pub evse_maximum_voltage_limit: PhysicalValue,
    pub evse_minimum_current_limit: PhysicalValue,
    pub evse_minimum_voltage_limit: PhysicalValue,
    pub evse_current_regulation_tolerance: Option<PhysicalValue>,
    pub evse_peak_current_ripple: PhysicalValue,
    pub evse_energy_to_be_delivered: Option<PhysicalValue>,
}

/// `PMaxScheduleEntryType` with a `RelativeTimeInterval` (seconds).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PMaxEntry {
    pub start_s: u32,
    pub duration_s: Option<u32>,
    /// `PMaxType`: watts (a plain short in DIN, no multiplier).
    pub pmax: i16,
}

/// `SAScheduleTupleType` without a `SalesTariff`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SaScheduleTuple {
    pub sa_schedule_tuple_id: i16,
    pub pmax_schedule_id: i16,
    pub entries: Vec<PMaxEntry>,
}

/// `DC_EVPowerDeliveryParameterType`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DcEvPowerDeliveryParameter {
    pub ev_status: EvStatus,
    pub bulk_charging_complete: Option<bool>,
    pub charging_complete: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionSetupReq {
    /// `EVCCID`: the vehicle's MAC, up to 8 bytes.
    pub evcc_id: Vec<u8>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionSetupRes {
    pub response_code: ResponseCode,
    pub evse_id: Vec<u8>,
    /// Unix seconds.
    pub date_time_now: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ServiceDiscoveryReq {
    pub service_scope: Option<String>,
    pub service_category: Option<ServiceCategory>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceDiscoveryRes {
    pub response_code: ResponseCode,
    /// 1..=2.
    pub payment_options: Vec<PaymentOption>,
    pub charge_service: ChargeService,
    /// None, or 1..=8 services.
    pub service_list: Option<Vec<Service>>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServicePaymentSelectionReq {
    pub selected_payment_option: PaymentOption,
    /// 1..=16.
    pub selected_services: Vec<SelectedService>,
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ContractAuthenticationReq {
    pub id: Option<String>,
    pub gen_challenge: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChargeParameterDiscoveryReq {
    pub requested_energy_transfer: EvEnergyTransfer,
    pub dc_ev_charge_parameter: DcEvChargeParameter,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChargeParameterDiscoveryRes {
    pub response_code: ResponseCode,
    pub evse_processing: EvseProcessing,
    /// `SAScheduleList`: 1..=5 tuples; `None` for the empty abstract
    /// `SASchedules` element some SECCs (OpenV2G-based) send instead.
    pub sa_schedule_list: Option<Vec<SaScheduleTuple>>,
    pub dc_evse_charge_parameter: DcEvseChargeParameter,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CableCheckRes {
    pub response_code: ResponseCode,
    pub evse_status: EvseStatus,
    pub evse_processing: EvseProcessing,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PreChargeReq {
    pub ev_status: EvStatus,
    pub ev_target_voltage: PhysicalValue,
    pub ev_target_current: PhysicalValue,
}

/// PreChargeRes and WeldingDetectionRes have the same content.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EvseVoltageRes {
    pub response_code: ResponseCode,
    pub evse_status: EvseStatus,
    pub evse_present_voltage: PhysicalValue,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PowerDeliveryReq {
    pub ready_to_charge: bool,
    /// `ChargingProfile` is not taken (refused on decode); the DC
    /// parameter is optional in the schema.
    pub dc_ev_power_delivery_parameter: Option<DcEvPowerDeliveryParameter>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PowerDeliveryRes {
    pub response_code: ResponseCode,
    pub dc_evse_status: EvseStatus,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CurrentDemandReq {
    pub ev_status: EvStatus,
    pub ev_target_current: PhysicalValue,
    pub ev_maximum_voltage_limit: Option<PhysicalValue>,
    pub ev_maximum_current_limit: Option<PhysicalValue>,
    pub ev_maximum_power_limit: Option<PhysicalValue>,
    pub bulk_charging_complete: Option<bool>,
    pub charging_complete: bool,
    pub remaining_time_to_full_soc: Option<PhysicalValue>,
    pub remaining_time_to_bulk_soc: Option<PhysicalValue>,
    pub ev_target_voltage: PhysicalValue,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CurrentDemandRes {
    pub response_code: ResponseCode,
    pub evse_status: EvseStatus,
    pub evse_present_voltage: PhysicalValue,
    pub evse_present_current: PhysicalValue,
    pub evse_current_limit_achieved: bool,
    pub evse_voltage_limit_achieved: bool,
    pub evse_power_limit_achieved: bool,
    pub evse_maximum_voltage_limit: Option<PhysicalValue>,
    pub evse_maximum_current_limit: Option<PhysicalValue>,
    pub evse_maximum_power_limit: Option<PhysicalValue>,
}

/// The message bodies of a DC EIM charge (DIN 70121 §9.4).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Body {
    SessionSetupReq(SessionSetupReq),
    SessionSetupRes(SessionSetupRes),
    ServiceDiscoveryReq(ServiceDiscoveryReq),
    ServiceDiscoveryRes(ServiceDiscoveryRes),
    ServicePaymentSelectionReq(ServicePaymentSelectionReq),
    ServicePaymentSelectionRes {
        response_code: ResponseCode,
    },
    ContractAuthenticationReq(ContractAuthenticationReq),
    ContractAuthenticationRes {
        response_code: ResponseCode,
        evse_processing: EvseProcessing,
    },
    ChargeParameterDiscoveryReq(ChargeParameterDiscoveryReq),
    ChargeParameterDiscoveryRes(ChargeParameterDiscoveryRes),
    CableCheckReq {
        ev_status: EvStatus,
    },
    CableCheckRes(CableCheckRes),
    PreChargeReq(PreChargeReq),
    PreChargeRes(EvseVoltageRes),
    PowerDeliveryReq(PowerDeliveryReq),
    PowerDeliveryRes(PowerDeliveryRes),
    CurrentDemandReq(CurrentDemandReq),
    CurrentDemandRes(CurrentDemandRes),
    WeldingDetectionReq {
        ev_status: EvStatus,
    },
    WeldingDetectionRes(EvseVoltageRes),
    SessionStopReq,
    SessionStopRes {
        response_code: ResponseCode,
    },
}

impl Body {
    /// The element's name, as the schema spells it.
    pub fn name(&self) -> &'static str {
        match self {
            Body::SessionSetupReq(_) => "SessionSetupReq",
            Body::SessionSetupRes(_) => "SessionSetupRes",
            Body::ServiceDiscoveryReq(_) => "ServiceDiscoveryReq",
            Body::ServiceDiscoveryRes(_) => "ServiceDiscoveryRes",
            Body::ServicePaymentSelectionReq(_) => "ServicePaymentSelectionReq",
            Body::ServicePaymentSelectionRes { .. } => "ServicePaymentSelectionRes",
            Body::ContractAuthenticationReq(_) => "ContractAuthenticationReq",
            Body::ContractAuthenticationRes { .. } => "ContractAuthenticationRes",
            Body::ChargeParameterDiscoveryReq(_) => "ChargeParameterDiscoveryReq",
            Body::ChargeParameterDiscoveryRes(_) => "ChargeParameterDiscoveryRes",
            Body::CableCheckReq { .. } => "CableCheckReq",
            Body::CableCheckRes(_) => "CableCheckRes",
            Body::PreChargeReq(_) => "PreChargeReq",
            Body::PreChargeRes(_) => "PreChargeRes",
            Body::PowerDeliveryReq(_) => "PowerDeliveryReq",
            Body::PowerDeliveryRes(_) => "PowerDeliveryRes",
            Body::CurrentDemandReq(_) => "CurrentDemandReq",
            Body::CurrentDemandRes(_) => "CurrentDemandRes",
            Body::WeldingDetectionReq { .. } => "WeldingDetectionReq",
            Body::WeldingDetectionRes(_) => "WeldingDetectionRes",
            Body::SessionStopReq => "SessionStopReq",
            Body::SessionStopRes { .. } => "SessionStopRes",
        }
    }

    /// The response code of a response, `None` for a request.
    pub fn response_code(&self) -> Option<ResponseCode> {
        Some(match self {
            Body::SessionSetupRes(r) => r.response_code,
            Body::ServiceDiscoveryRes(r) => r.response_code,
            Body::ServicePaymentSelectionRes { response_code }
            | Body::ContractAuthenticationRes { response_code, .. }
            | Body::SessionStopRes { response_code } => *response_code,
            Body::ChargeParameterDiscoveryRes(r) => r.response_code,
            Body::CableCheckRes(r) => r.response_code,
            Body::PreChargeRes(r) | Body::WeldingDetectionRes(r) => r.response_code,
            Body::PowerDeliveryRes(r) => r.response_code,
            Body::CurrentDemandRes(r) => r.response_code,
            _ => return None,
        })
    }
}

/// `V2G_Message`: one DIN message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct V2gMessage {
    pub header: Header,
    pub body: Body,
}

impl V2gMessage {
    /// The EXI document (header byte 0x80 first).
    pub fn encode(&self) -> Result<Vec<u8>, DinError> {
        encode(self)
    }

    /// Parses a complete EXI document, trailing bytes refused.
    pub fn decode(bytes: &[u8]) -> Result<Self, DinError> {
        decode(bytes)
    }
}
