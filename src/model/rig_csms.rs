//! The rig's `csms` device (the harness as the charger's OCPP central
//! system) and the emulated charger's OCPP client (`emulation.ocpp`).
//!
//! Security profiles (OCPP 2.0.1 Part 2, A00.FR.2xx): 1 = HTTP Basic auth
//! over plain WebSocket (trusted networks only), 2 = Basic auth over TLS
//! with the central system's certificate. The password never sits in the
//! rig file: it is read from the environment variable the rig names.

use super::check::Checker;
use super::rig::Role;
use super::text::one_line;
use serde::Deserialize;
use std::path::{Path, PathBuf};

/// An OCPP version the central system speaks, named as the WebSocket
/// subprotocol (OCPP-J 2.0.1 §3.1.2: `ocpp2.0.1`; OCPP 2.1: `ocpp2.1`).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize, serde::Serialize, schemars::JsonSchema,
)]
pub enum OcppVersion {
    #[serde(rename = "2.0.1")]
    V201,
    #[serde(rename = "2.1")]
    V21,
}

impl OcppVersion {
    pub fn subprotocol(self) -> &'static str {
        match self {
            OcppVersion::V201 => "ocpp2.0.1",
            OcppVersion::V21 => "ocpp2.1",
        }
    }

    pub fn from_subprotocol(s: &str) -> Option<Self> {
        match s {
            "ocpp2.0.1" => Some(OcppVersion::V201),
            "ocpp2.1" => Some(OcppVersion::V21),
            _ => None,
        }
    }
}

/// The TLS server certificate (chain) and its key, PEM files.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TlsSpec {
    pub cert: PathBuf,
    pub key: PathBuf,
}

/// What the central system offers the charger.
#[derive(Debug, Clone, PartialEq)]
pub struct CsmsSpec {
    /// Subprotocols offered, in the harness's order of preference.
    pub versions: Vec<OcppVersion>,
    /// 1 (Basic auth) or 2 (Basic auth over TLS); 0 only on an emulated rig.
    pub security_profile: u8,
    pub tls: Option<TlsSpec>,
    /// Where the Basic-auth password comes from.
    pub password: Option<PasswordSource>,
    /// The station id expected in the URL (`…/ocpp/<id>`); any when absent.
    pub station_id: Option<String>,
    /// At a depot: each charger device's station id (a run reaches one
    /// charger, and expects its id: [`super::Rig::for_unit`]).
    pub stations: std::collections::BTreeMap<String, String>,
    /// Heartbeat interval the BootNotification answer sets, s.
    pub heartbeat_interval_s: u32,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PasswordSource {
    /// An environment variable's name (real rigs).
    Env(String),
    /// Written in the rig file (emulated rigs only).
    Literal(String),
}

impl PasswordSource {
    /// The password, or what is missing.
    pub fn resolve(&self) -> Result<String, String> {
        match self {
            PasswordSource::Literal(p) => Ok(p.clone()),
            PasswordSource::Env(name) => std::env::var(name).map_err(|_| {
                format!("the csms password variable {name} is not set in the environment")
            }),
        }
    }
}

/// The emulated charger's OCPP client.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct EmulatedOcpp {
    /// The charger's station id (its URL's last segment, the Basic-auth user).
    pub station_id: String,
    /// The version it asks for first.
    #[serde(default = "default_version")]
    pub version: OcppVersion,
    /// The Basic-auth password it presents.
    pub password: Option<String>,
}

fn default_version() -> OcppVersion {
    OcppVersion::V201
}

#[derive(Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, rename = "csms")]
pub(super) struct RawCsms {
    versions: Option<Vec<OcppVersion>>,
    security_profile: Option<u8>,
    tls: Option<RawTls>,
    password_env: Option<String>,
    password: Option<String>,
    station_id: Option<String>,
    stations: Option<std::collections::BTreeMap<String, String>>,
    heartbeat_interval_s: Option<u32>,
}

#[derive(Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, rename = "tls")]
struct RawTls {
    cert: PathBuf,
    key: PathBuf,
}

/// 1 s to a day: what OCPPCommCtrlr.HeartbeatInterval sensibly holds.
const HEARTBEAT_RANGE_S: (u32, u32) = (1, 86_400);

/// Checks a device's `csms:` block against its role and transport.
pub(super) fn check_csms(
    c: &mut Checker,
    key: &str,
    role: Role,
    emulated: bool,
    raw: Option<RawCsms>,
    base: &Path,
) -> Option<CsmsSpec> {
    let ck = format!("{key}.csms");
    let Some(raw) = raw else {
        if role == Role::Csms && !emulated {
            c.invalid(
                &ck,
                "a real central system needs its security settings",
                "add csms: { security_profile: 2, tls: { cert: csms-cert.pem, key: csms-key.pem }, password_env: V2X_HIL_CSMS_PASSWORD }",
            );
        }
        return (role == Role::Csms).then(|| CsmsSpec {
            versions: vec![OcppVersion::V21, OcppVersion::V201],
            security_profile: 0,
            tls: None,
            password: None,
            station_id: None,
            stations: Default::default(),
            heartbeat_interval_s: 60,
        });
    };
    if role != Role::Csms {
        c.invalid(
            &ck,
            format!("`csms` does not apply to {}", role.with_article()),
            "only a device with `role: csms` has csms settings",
        );
        return None;
    }
    let versions = raw
        .versions
        .unwrap_or_else(|| vec![OcppVersion::V21, OcppVersion::V201]);
    if versions.is_empty() {
        c.invalid(
            &format!("{ck}.versions"),
            "no OCPP version offered",
            "list \"2.0.1\", \"2.1\" or both",
        );
    }
    let profile = raw.security_profile.unwrap_or(if emulated { 0 } else { 2 });
    let tls = raw.tls.map(|t| TlsSpec {
        cert: base.join(t.cert),
        key: base.join(t.key),
    });
    let password = match (raw.password_env, raw.password) {
        (Some(env), None) => {
            one_line(c, &format!("{ck}.password_env"), &env);
            Some(PasswordSource::Env(env))
        }
        (None, Some(p)) if emulated => Some(PasswordSource::Literal(p)),
        (None, Some(_)) => {
            c.invalid(
                &format!("{ck}.password"),
                "a real central system's password is not kept in the rig file",
                "name the environment variable that holds it: password_env: V2X_HIL_CSMS_PASSWORD",
            );
            None
        }
        (Some(_), Some(_)) => {
            c.invalid(
                &ck,
                "both `password_env` and `password`",
                "give one: password_env (real rigs) or password (emulated rigs)",
            );
            None
        }
        (None, None) => None,
    };
    match profile {
        0 if !emulated => c.invalid(
            &format!("{ck}.security_profile"),
            "security profile 0 (no authentication) on a real network",
            "use 1 (Basic auth, trusted networks) or 2 (Basic auth over TLS); OCPP 2.0.1 Part 2 A00.FR.2xx",
        ),
        0 => {}
        1 | 2 => {
            if password.is_none() {
                c.invalid(
                    &ck,
                    format!("security profile {profile} authenticates the charger with a password"),
                    "add password_env: V2X_HIL_CSMS_PASSWORD (or password: on an emulated rig)",
                );
            }
            if raw.station_id.is_none() && raw.stations.as_ref().is_none_or(|s| s.is_empty()) {
                c.invalid(
                    &ck,
                    format!("security profile {profile} authenticates one station: its id is the Basic-auth user (A00.FR.203)"),
                    "add station_id: the charger's identity, the last segment of the URL it dials (at a depot: stations: { <charger device>: <station id> })",
                );
            }
            if profile == 2 && tls.is_none() {
                c.invalid(
                    &ck,
                    "security profile 2 runs over TLS",
                    "add tls: { cert: csms-cert.pem, key: csms-key.pem }",
                );
            }
            if profile == 1 && tls.is_some() {
                c.invalid(
                    &format!("{ck}.tls"),
                    "security profile 1 runs without TLS",
                    "use security_profile: 2 with tls, or remove tls",
                );
            }
        }
        p => c.invalid(
            &format!("{ck}.security_profile"),
            format!("security profile {p} is not offered"),
            "expected 1 (Basic auth) or 2 (Basic auth over TLS); profile 3 (client certificates) is not supported",
        ),
    }
    if let Some(id) = &raw.station_id {
        check_station_id(c, &format!("{ck}.station_id"), id);
    }
    for (device, id) in raw.stations.iter().flatten() {
        check_station_id(c, &format!("{ck}.stations.{device}"), id);
    }
    let hb = raw.heartbeat_interval_s.unwrap_or(60);
    if !(HEARTBEAT_RANGE_S.0..=HEARTBEAT_RANGE_S.1).contains(&hb) {
        c.invalid(
            &format!("{ck}.heartbeat_interval_s"),
            format!("{hb} s"),
            "expected 1 to 86400 s",
        );
    }
    Some(CsmsSpec {
        versions,
        security_profile: profile,
        tls,
        password,
        station_id: raw.station_id,
        stations: raw.stations.unwrap_or_default(),
        heartbeat_interval_s: hb,
    })
}

/// OCPP 2.0.1 Part 4 §3.1.1: the station identity is at most 48
/// characters, and is the last path segment of the URL.
pub(super) fn check_station_id(c: &mut Checker, key: &str, id: &str) {
    if id.is_empty() || id.len() > 48 || !id.chars().all(|ch| ch.is_ascii_graphic() && ch != '/') {
        c.invalid(
            key,
            format!("`{}` is not a station id", id.escape_debug()),
            "expected 1 to 48 printable ASCII characters without `/` (OCPP-J §3.1.1)",
        );
    }
}

/// A csms's `stations:` name chargers of the rig.
pub(super) fn check_stations(
    c: &mut Checker,
    devices: &std::collections::BTreeMap<String, super::rig::DeviceSpec>,
) {
    for (name, d) in devices {
        let Some(spec) = &d.csms else { continue };
        for device in spec.stations.keys() {
            if devices.get(device).map(|x| x.role) != Some(Role::Charger) {
                c.invalid(
                    &format!("devices.{name}.csms.stations.{device}"),
                    format!("`{device}` is not a charger of this rig"),
                    "key each station id by the charger device it belongs to",
                );
            }
        }
    }
}
