//! Loading and validating a rig file.

use super::check::{list, Checker};
use super::error::ModelErrors;
use super::load::{parse_doc, read_text};
use super::ordered::OrderedMap;
use super::rig::*;
use super::rig_transport::{validate_transport, RawTransport, TRANSPORT_FORMS};
use super::spans::Spans;
use super::text::one_line;
use crate::der::AntiIslanding;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::Path;

const RIG_KEYS: &str =
    "a rig: a mapping with keys rig, kind, nominal, plant, safety_limits, safe_state, devices, faults, emulated_site";

#[derive(Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, rename = "rig")]
struct RawRig {
    rig: String,
    #[serde(default)]
    kind: RigKind,
    nominal: Nominal,
    #[serde(default)]
    plant: PlantSettings,
    safety_limits: RawSafetyLimits,
    #[serde(default)]
    safe_state: SafeState,
    devices: OrderedMap<RawDevice>,
    #[serde(default)]
    faults: Vec<super::fault::RawScheduledFault>,
    emulated_site: Option<EmulatedSite>,
}

/// The JSON Schema of a rig file ([`super::schema`]).
pub(super) fn schema(generator: schemars::SchemaGenerator) -> schemars::Schema {
    generator.into_root_schema_for::<RawRig>()
}

/// Safety limits as written: a site rig commands no grid, so its grid
/// limits may be left out (nothing may then set a grid value at all).
#[derive(Deserialize, Clone, Copy, schemars::JsonSchema)]
#[serde(deny_unknown_fields, rename = "safety_limits")]
struct RawSafetyLimits {
    max_grid_voltage_v: Option<f64>,
    max_frequency_deviation_hz: Option<f64>,
    max_charger_power_w: f64,
}

#[derive(Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, rename = "device")]
struct RawDevice {
    role: Role,
    driver: String,
    transport: RawTransport,
    #[serde(default)]
    ratings: Ratings,
    #[serde(default)]
    options: DeviceOptions,
    identity: Option<IdentitySpec>,
    emulation: Option<RawEmulation>,
    vehicle: Option<VehicleSpec>,
    protocol: Option<String>,
    v2g_root: Option<String>,
    firmware: Option<RawFirmware>,
    csms: Option<super::rig_csms::RawCsms>,
}

/// UDS physical request/response ids most ECUs use (ISO 15765-4 §6.3.2).
fn default_request_id() -> u32 {
    0x7E0
}

fn default_response_id() -> u32 {
    0x7E8
}

#[derive(Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, rename = "probe")]
struct RawProbe {
    chip: String,
    selector: Option<String>,
}

#[derive(Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, rename = "firmware")]
struct RawFirmware {
    transport: Option<RawTransport>,
    probe: Option<RawProbe>,
    #[serde(default = "default_request_id")]
    request_id: u32,
    #[serde(default = "default_response_id")]
    response_id: u32,
    memory_map: Vec<FlashRegionSpec>,
    signing_key: Option<String>,
    security_secret: Option<String>,
}

#[derive(Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, rename = "emulation")]
pub(super) struct RawEmulation {
    pub(super) trip_profile: Option<std::path::PathBuf>,
    pub(super) anti_islanding: Option<RawAntiIslanding>,
    pub(super) backup: Option<BackupSpec>,
    pub(super) ct_reversed: Option<CtReversed>,
    pub(super) meter_model: Option<u16>,
    #[serde(default)]
    pub(super) settings_locked: bool,
    pub(super) ocpp: Option<super::rig_csms::EmulatedOcpp>,
}

/// der::AntiIslanding with every key optional (omitted keys default).
#[derive(Deserialize, Default, schemars::JsonSchema)]
#[serde(deny_unknown_fields, rename = "anti_islanding")]
#[schemars(
    description = "The emulated charger's anti-islanding settings; omitted keys take their defaults."
)]
pub(super) struct RawAntiIslanding {
    enabled: Option<bool>,
    cf0: Option<f64>,
    k_per_hz: Option<f64>,
    detect_above_hz: Option<f64>,
    detect_below_hz: Option<f64>,
    min_drift_hz_per_s: Option<f64>,
}

/// Loads and validates a rig with the default driver table.
pub fn load_rig(path: &Path) -> Result<Rig, ModelErrors> {
    load_rig_with(path, &default_drivers)
}

/// Parses a rig held in memory (the embedded default rig); `source_name`
/// is used in errors and to resolve relative paths.
pub fn parse_rig(source_name: &Path, text: &str) -> Result<Rig, ModelErrors> {
    parse_rig_with(source_name, text, &default_drivers)
}

/// Like [`load_rig`], validating drivers against `drivers(role)`. Also checks
/// that each emulated charger's `trip_profile` loads and validates.
pub fn load_rig_with(
    path: &Path,
    drivers: &dyn Fn(Role) -> &'static [&'static str],
) -> Result<Rig, ModelErrors> {
    let text = read_text(path)?;
    let rig = parse_rig_with(path, &text, drivers)?;
    let mut c = Checker::new(&rig.spans);
    let mut nested = Vec::new();
    for name in &rig.device_order {
        let Some(d) = rig.devices.get(name) else {
            continue;
        };
        let Some(profile) = d.emulation.as_ref().and_then(|e| e.trip_profile.as_ref()) else {
            continue;
        };
        let key = format!("devices.{name}.emulation.trip_profile");
        if let Some(p) =
            super::profile::check_profile_ref(&mut c, &mut nested, &key, profile, "the rig file")
        {
            super::plan_check::check_profile_nominal(&mut c, &rig, &key, &p);
        }
    }
    c.errors.extend(nested);
    c.finish()?;
    Ok(rig)
}

/// Like [`parse_rig`], validating drivers against `drivers(role)`. Reads no
/// other file (a trip profile is only resolved to a path).
pub fn parse_rig_with(
    source_name: &Path,
    text: &str,
    drivers: &dyn Fn(Role) -> &'static [&'static str],
) -> Result<Rig, ModelErrors> {
    let (raw, spans): (RawRig, Spans) = parse_doc(source_name, text, RIG_KEYS)?;
    let mut c = Checker::new(&spans);
    validate_top(&mut c, &raw);
    let base = source_name.parent().unwrap_or(Path::new(""));
    let mut devices = BTreeMap::new();
    let mut order = Vec::new();
    // Roles of every device, even ones with other errors, so one bad
    // transport does not also report "the rig has no grid_simulator".
    let roles: Vec<(String, Role)> = raw
        .devices
        .0
        .iter()
        .map(|(n, d)| (n.clone(), d.role))
        .collect();
    for (name, d) in raw.devices.0 {
        let key = format!("devices.{name}");
        if name.trim().is_empty() {
            c.invalid(
                &key,
                "empty device name",
                "name each device, e.g. `grid`, `charger`, `s3`",
            );
        } else {
            one_line(&mut c, &key, &name);
        }
        if let Some(spec) = validate_device(&mut c, &key, d, base, drivers) {
            order.push(name.clone());
            devices.insert(name, spec);
        }
    }
    validate_roles(&mut c, &roles, raw.kind);
    super::rig_csms::check_stations(&mut c, &devices);
    validate_emulated_site(&mut c, raw.kind, raw.emulated_site.as_ref(), &devices);
    let safety_limits = SafetyLimits {
        // A site rig without grid limits may set no grid value at all.
        max_grid_voltage_v: raw
            .safety_limits
            .max_grid_voltage_v
            .unwrap_or(raw.nominal.voltage_v),
        max_frequency_deviation_hz: raw.safety_limits.max_frequency_deviation_hz.unwrap_or(0.0),
        max_charger_power_w: raw.safety_limits.max_charger_power_w,
    };
    let faults = super::fault::rig_faults(&mut c, raw.faults);
    c.finish()?;
    let rig = Rig {
        name: raw.rig,
        kind: raw.kind,
        emulated_site: raw.emulated_site,
        nominal: raw.nominal,
        plant: raw.plant,
        safety_limits,
        safe_state: raw.safe_state,
        devices,
        device_order: order,
        faults,
        source: source_name.to_path_buf(),
        spans,
    };
    let mut c = Checker::new(&rig.spans);
    super::fault::check_rig_faults(&mut c, &rig);
    c.finish()?;
    Ok(rig)
}

fn validate_top(c: &mut Checker, raw: &RawRig) {
    if raw.rig.trim().is_empty() {
        c.invalid(
            "rig",
            "the rig name is empty",
            "give the rig a name, e.g. `rig: lab-a`",
        );
    } else {
        one_line(c, "rig", &raw.rig);
    }
    let n = raw.nominal;
    // 100..480 V covers 120/208/230/240/277/480 V services.
    c.within("nominal.voltage_v", n.voltage_v, 100.0, 480.0, " V");
    if n.frequency_hz != 50.0 && n.frequency_hz != 60.0 {
        c.invalid(
            "nominal.frequency_hz",
            format!(
                "{} Hz is not a grid frequency",
                super::check::show(n.frequency_hz)
            ),
            "expected 50 or 60",
        );
    }
    if raw.plant.step_rate_hz < MIN_STEP_RATE_HZ || raw.plant.step_rate_hz > 10_000_000 {
        c.invalid(
            "plant.step_rate_hz",
            format!("{} Hz is out of range", raw.plant.step_rate_hz),
            format!(
                "expected {MIN_STEP_RATE_HZ} to 10000000 (DESIGN.md: the plant steps at >= 20 kHz)"
            ),
        );
    }
    let l = raw.safety_limits;
    if raw.kind == RigKind::Lab {
        for (key, value) in [
            ("max_grid_voltage_v", l.max_grid_voltage_v),
            ("max_frequency_deviation_hz", l.max_frequency_deviation_hz),
        ] {
            if value.is_none() {
                c.invalid(
                    &format!("safety_limits.{key}"),
                    format!("a lab rig needs safety_limits.{key}"),
                    "its grid simulator is refused any setpoint beyond it; only a `kind: site` rig, which commands no grid, may leave it out",
                );
            }
        }
    }
    if let Some(max_v) = l.max_grid_voltage_v {
        if c.positive("safety_limits.max_grid_voltage_v", max_v)
            && n.voltage_v.is_finite()
            && max_v < n.voltage_v
        {
            c.invalid(
                "safety_limits.max_grid_voltage_v",
                format!("{max_v} V is below the nominal voltage {} V", n.voltage_v),
                "the limit must allow at least nominal voltage",
            );
        }
    }
    if let Some(max_df) = l.max_frequency_deviation_hz {
        if c.positive("safety_limits.max_frequency_deviation_hz", max_df)
            && max_df >= n.frequency_hz
        {
            c.invalid(
                "safety_limits.max_frequency_deviation_hz",
                format!("{max_df} Hz is not below the nominal frequency"),
                "expected a deviation smaller than nominal frequency, e.g. 3.0 Hz",
            );
        }
    }
    c.positive("safety_limits.max_charger_power_w", l.max_charger_power_w);
    let s = raw.safe_state.charger_power_w;
    if c.finite("safe_state.charger_power_w", s)
        && l.max_charger_power_w.is_finite()
        && s.abs() > l.max_charger_power_w
    {
        c.invalid(
            "safe_state.charger_power_w",
            format!(
                "{s} W is beyond max_charger_power_w = {} W",
                l.max_charger_power_w
            ),
            "the safe state must be within the safety limits; 0 W is usual",
        );
    }
}

fn validate_device(
    c: &mut Checker,
    key: &str,
    d: RawDevice,
    base: &Path,
    drivers: &dyn Fn(Role) -> &'static [&'static str],
) -> Option<DeviceSpec> {
    let valid = drivers(d.role);
    if !valid.contains(&d.driver.as_str()) {
        c.invalid(
            &format!("{key}.driver"),
            format!("unknown driver `{}` for role {}", d.driver, d.role),
            format!("valid drivers for {}: {}", d.role, list(valid)),
        );
    }
    let transport = validate_transport(c, &format!("{key}.transport"), &d.transport);
    let r = d.ratings;
    for (k, v) in [
        ("voltage_max_v", r.voltage_max_v),
        ("current_max_a", r.current_max_a),
        ("power_w", r.power_w),
        ("frequency_min_hz", r.frequency_min_hz),
        ("frequency_max_hz", r.frequency_max_hz),
        ("reactive_var", r.reactive_var),
    ] {
        if let Some(v) = v {
            c.positive(&format!("{key}.ratings.{k}"), v);
        }
    }
    if let (Some(lo), Some(hi)) = (r.frequency_min_hz, r.frequency_max_hz) {
        if lo >= hi {
            c.invalid(
                &format!("{key}.ratings.frequency_max_hz"),
                format!("frequency_max_hz {hi} is not above frequency_min_hz {lo}"),
                "expected frequency_min_hz < frequency_max_hz",
            );
        }
    }
    let o = &d.options;
    if o.channel.is_some() && d.role != Role::IslandSwitch {
        c.invalid(
            &format!("{key}.options.channel"),
            format!("`channel` does not apply to {}", d.role.with_article()),
            "channel is for island_switch devices; valid options here: unit_id (charger, site_meter), timeout_ms",
        );
    }
    if let Some(u) = o.unit_id {
        if !matches!(d.role, Role::Charger | Role::SiteMeter) {
            c.invalid(
                &format!("{key}.options.unit_id"),
                format!("`unit_id` does not apply to {}", d.role.with_article()),
                "unit_id is for the charger and the site_meter (Modbus); valid options here: channel (island_switch), timeout_ms",
            );
        } else if !(1..=247).contains(&u) {
            // Modbus over serial line §2.2: individual addresses 1..247.
            c.invalid(
                &format!("{key}.options.unit_id"),
                format!("unit id {u} is not a device address"),
                "expected 1 to 247",
            );
        }
    }
    if o.timeout_ms == Some(0) {
        c.invalid(
            &format!("{key}.options.timeout_ms"),
            "a 0 ms timeout",
            "expected at least 1 ms",
        );
    }
    if let Some(id) = &d.identity {
        for (k, v) in [
            ("manufacturer", &id.manufacturer),
            ("model", &id.model),
            ("serial", &id.serial),
            ("firmware", &id.firmware),
        ] {
            if let Some(v) = v {
                one_line(c, &format!("{key}.identity.{k}"), v);
            }
        }
    }
    let emulated = transport.as_ref().is_some_and(|t| t.is_emulated());
    if d.identity.is_some() && transport.is_some() && !emulated {
        c.invalid(
            &format!("{key}.identity"),
            "identity is only for emulated devices (a real device reports its own)",
            "remove `identity`, or use an emulated transport",
        );
    }
    let emulation = d.emulation.map(|e| {
        let ek = format!("{key}.emulation");
        if !matches!(d.role, Role::Charger | Role::SiteMeter) {
            c.invalid(&ek, format!("`emulation` does not apply to {}", d.role.with_article()), "only the charger and the site_meter have emulation settings");
        } else if transport.is_some() && !emulated {
            c.invalid(&ek, "`emulation` needs an emulated transport", "use `transport: { emulated: serial }` or `{ emulated: tcp }`, or remove `emulation`");
        }
        super::rig_meter::check_emulation_keys(c, &ek, d.role, &e);
        let def = AntiIslanding::default();
        let a = e.anti_islanding.unwrap_or_default();
        let anti_islanding = AntiIslanding {
            enabled: a.enabled.unwrap_or(def.enabled),
            cf0: a.cf0.unwrap_or(def.cf0),
            k_per_hz: a.k_per_hz.unwrap_or(def.k_per_hz),
            detect_above_hz: a.detect_above_hz.unwrap_or(def.detect_above_hz),
            detect_below_hz: a.detect_below_hz.unwrap_or(def.detect_below_hz),
            min_drift_hz_per_s: a.min_drift_hz_per_s.unwrap_or(def.min_drift_hz_per_s),
        };
        let ak = format!("{ek}.anti_islanding");
        // Sandia Frequency Shift: cf is a fraction of the half cycle.
        c.within(&format!("{ak}.cf0"), anti_islanding.cf0, 0.0, 0.5, "");
        c.finite(&format!("{ak}.k_per_hz"), anti_islanding.k_per_hz);
        c.positive(&format!("{ak}.detect_above_hz"), anti_islanding.detect_above_hz);
        c.positive(&format!("{ak}.detect_below_hz"), anti_islanding.detect_below_hz);
        c.positive(&format!("{ak}.min_drift_hz_per_s"), anti_islanding.min_drift_hz_per_s);
        if let Some(b) = &e.backup {
            c.within(&format!("{ek}.backup.transfer_time_s"), b.transfer_time_s, 0.0, 10.0, "");
        }
        if let Some(o) = &e.ocpp {
            super::rig_csms::check_station_id(c, &format!("{ek}.ocpp.station_id"), &o.station_id);
        }
        EmulationSpec {
            ocpp: e.ocpp,
            trip_profile: e.trip_profile.map(|p| base.join(p)),
            anti_islanding,
            backup: e.backup,
            settings_locked: e.settings_locked,
            ct_reversed: e.ct_reversed.unwrap_or_default(),
            meter_model: e.meter_model,
        }
    });
    let ccs = d.role == Role::EvSimulator && d.driver == "ccs";
    if let (Some(t), true) = (&transport, ccs) {
        if !matches!(
            t,
            TransportSpec::EmulatedTcp | TransportSpec::Ethernet { .. }
        ) {
            c.invalid(
                &format!("{key}.transport"),
                "a ccs ev_simulator talks V2GTP over the Ethernet interface of a Green PHY modem",
                "use { ethernet: eth1 } on hardware or { emulated: tcp } on the emulated rig",
            );
        }
    } else if let Some(TransportSpec::Ethernet { .. }) = &transport {
        c.invalid(
            &format!("{key}.transport"),
            format!(
                "an Ethernet interface is a CCS vehicle's link, not {}'s",
                d.role.with_article()
            ),
            TRANSPORT_FORMS,
        );
    } else if let Some(t) = &transport {
        let can_role = d.role == Role::EvSimulator;
        if t.is_can() != can_role {
            c.invalid(
                &format!("{key}.transport"),
                if can_role {
                    "an ev_simulator talks CAN".to_string()
                } else {
                    format!("a CAN transport does not apply to {}", d.role.with_article())
                },
                if can_role {
                    "use { emulated: can, bit_rate: 500000 }, { socketcan: can0 } or { slcan: /dev/ttyACM0, bit_rate: 500000 }"
                } else {
                    TRANSPORT_FORMS
                },
            );
        }
    }
    if let Some(v) = &d.vehicle {
        let vk = format!("{key}.vehicle");
        if d.role != Role::EvSimulator {
            c.invalid(
                &vk,
                format!("`vehicle` does not apply to {}", d.role.with_article()),
                "only an ev_simulator plays a vehicle",
            );
        }
        check_vehicle(c, &vk, v);
    }
    let protocol = match (&d.protocol, ccs) {
        (Some(p), true) => {
            let parsed = EvProtocol::parse(p.trim());
            if parsed.is_none() {
                c.invalid(
                    &format!("{key}.protocol"),
                    format!("unknown protocol `{p}`"),
                    format!("valid protocols: {}", list(EvProtocol::NAMES)),
                );
            }
            parsed
        }
        (Some(_), false) => {
            c.invalid(
                &format!("{key}.protocol"),
                "`protocol` is for a ccs ev_simulator",
                "remove `protocol`, or use `driver: ccs` on an ev_simulator",
            );
            None
        }
        (None, true) => Some(EvProtocol::default()),
        (None, false) => None,
    };
    // DIN 70121 has no TLS, so no V2G root to trust.
    let tls = protocol != Some(EvProtocol::Din70121);
    let mut root = d.v2g_root;
    if ccs && !tls && root.take().is_some() {
        c.invalid(
            &format!("{key}.v2g_root"),
            "a DIN 70121 vehicle has no TLS, so it trusts no V2G root",
            "remove `v2g_root`",
        );
    }
    let v2g_root = check_v2g_root(c, key, ccs && tls, transport.as_ref(), root, base);
    let firmware = d.firmware.and_then(|f| {
        let fk = format!("{key}.firmware");
        if d.role != Role::Charger {
            c.invalid(&fk, format!("`firmware` does not apply to {}", d.role.with_article()), "only the charger is flashed");
        }
        let method = match (&f.transport, f.probe) {
            (Some(raw), None) => {
                let t = validate_transport(c, &format!("{fk}.transport"), raw);
                if t.as_ref().is_some_and(|t| !t.is_can()) {
                    c.invalid(&format!("{fk}.transport"), "the bootloader talks UDS over CAN", "use { emulated: can }, { socketcan: can0 } or { slcan: /dev/ttyACM0, bit_rate: 500000 }");
                }
                t.map(FlashMethod::Uds)
            }
            (None, Some(p)) => {
                if p.chip.trim().is_empty() {
                    c.invalid(&format!("{fk}.probe.chip"), "empty chip name", "a probe-rs target name, e.g. STM32G474RETx");
                } else {
                    one_line(c, &format!("{fk}.probe.chip"), &p.chip);
                }
                Some(FlashMethod::Probe { chip: p.chip, selector: p.selector })
            }
            _ => {
                c.invalid(&fk, "give exactly one of `transport` (UDS over CAN) and `probe` (a debug probe)", "e.g. transport: { socketcan: can0 } or probe: { chip: STM32G474RETx }");
                None
            }
        };
        for (k, id) in [("request_id", f.request_id), ("response_id", f.response_id)] {
            if id > 0x1FFF_FFFF {
                c.invalid(&format!("{fk}.{k}"), format!("0x{id:X} is not a CAN identifier"), "expected at most 0x7FF (11-bit) or 0x1FFFFFFF (29-bit)");
            }
        }
        if f.request_id == f.response_id {
            c.invalid(&format!("{fk}.response_id"), "the response id equals the request id", "ISO-TP needs two ids, e.g. 0x7E0 and 0x7E8");
        }
        if f.memory_map.is_empty() {
            c.invalid(&format!("{fk}.memory_map"), "no flash region", "list at least one { name, start, length, sector_size }");
        }
        for (i, r) in f.memory_map.iter().enumerate() {
            let rk = format!("{fk}.memory_map[{i}]");
            one_line(c, &format!("{rk}.name"), &r.name);
            if r.length == 0 || r.sector_size == 0 || r.length % r.sector_size != 0 {
                c.invalid(&rk, format!("region `{}`: length {} is not a whole number of {}-byte sectors", r.name, r.length, r.sector_size), "length must be a non-zero multiple of sector_size");
            }
            if u64::from(r.start) + u64::from(r.length) > 1 << 32 {
                c.invalid(&rk, format!("region `{}` runs past 4 GiB", r.name), "start + length must fit in 32 bits");
            }
        }
        if let Some(s) = &f.security_secret {
            if s.len() != 32 || !s.bytes().all(|b| b.is_ascii_hexdigit()) {
                c.invalid(&format!("{fk}.security_secret"), "not 16 bytes of hex", "expected 32 hex digits, e.g. 00112233445566778899aabbccddeeff");
            }
        }
        Some(FirmwareSpec {
            method: method?,
            request_id: f.request_id,
            response_id: f.response_id,
            memory_map: f.memory_map,
            signing_key: f.signing_key.map(|k| {
                if k.trim_start().starts_with("-----BEGIN") {
                    KeySource::Pem(k)
                } else {
                    KeySource::File(base.join(k))
                }
            }),
            security_secret: f.security_secret,
        })
    });
    let csms = super::rig_csms::check_csms(c, key, d.role, emulated, d.csms, base);
    if d.role == Role::Csms
        && transport
            .as_ref()
            .is_some_and(|t| !matches!(t, TransportSpec::EmulatedTcp | TransportSpec::Tcp { .. }))
    {
        c.invalid(
            &format!("{key}.transport"),
            "the central system listens on a TCP port for the charger to connect",
            "use { tcp: \"0.0.0.0:9000\" } (the address to listen on) or { emulated: tcp }",
        );
    }
    Some(DeviceSpec {
        csms,
        role: d.role,
        driver: d.driver,
        transport: transport?,
        ratings: r,
        options: d.options,
        identity: d.identity,
        emulation,
        vehicle: d
            .vehicle
            .or((d.role == Role::EvSimulator).then(VehicleSpec::default)),
        protocol,
        v2g_root,
        firmware,
    })
}

/// `v2g_root`: the V2G root certificate(s) a CCS vehicle on Ethernet trusts
/// for the SECC's TLS 1.3 chain (ISO 15118-20 §7.7.3 makes TLS mandatory),
/// so it is required there; the emulated rig trusts its own throwaway root.
fn check_v2g_root(
    c: &mut Checker,
    key: &str,
    ccs: bool,
    transport: Option<&TransportSpec>,
    v2g_root: Option<String>,
    base: &Path,
) -> Option<std::path::PathBuf> {
    let rk = format!("{key}.v2g_root");
    match (ccs, transport, v2g_root) {
        (false, _, Some(_)) => {
            c.invalid(
                &rk,
                "`v2g_root` is for a ccs ev_simulator",
                "remove `v2g_root`",
            );
            None
        }
        (true, Some(TransportSpec::EmulatedTcp), Some(_)) => {
            c.invalid(
                &rk,
                "the emulated rig's vehicle trusts the emulated charger's own V2G root",
                "remove `v2g_root`, or use `transport: { ethernet: eth1 }`",
            );
            None
        }
        (true, Some(TransportSpec::Ethernet { .. }), None) => {
            c.invalid(
                key,
                "an ISO 15118-20 vehicle needs the V2G root its SECC's TLS chain leads to",
                "add `v2g_root: certs/v2g-root-ca.pem` (PEM, one or more root certificates)",
            );
            None
        }
        (_, _, Some(path)) => Some(base.join(path)),
        _ => None,
    }
}

/// `emulated_site:` belongs to an emulated site rig, and its numbers are
/// physical.
fn validate_emulated_site(
    c: &mut Checker,
    kind: RigKind,
    site: Option<&EmulatedSite>,
    devices: &BTreeMap<String, DeviceSpec>,
) {
    let Some(site) = site else {
        return;
    };
    let emulated = devices.values().any(|d| d.transport.is_emulated());
    if kind != RigKind::Site || !emulated {
        c.invalid(
            "emulated_site",
            "`emulated_site` describes what the emulator plays at an emulated site",
            "only a `kind: site` rig whose devices are emulated has one; a real site has its own loads, car and installer",
        );
    }
    let k = "emulated_site";
    for (key, v) in [
        ("home_load.p_w", site.home_load.p_w),
        ("home_load.q_var", site.home_load.q_var),
    ] {
        c.within(&format!("{k}.{key}"), v, 0.0, 100_000.0, "");
    }
    c.within(
        &format!("{k}.installer_reaction_s"),
        site.installer_reaction_s,
        0.0,
        600.0,
        "",
    );
    check_vehicle(c, &format!("{k}.vehicle"), &site.vehicle);
}

/// A vehicle's numbers, as CHAdeMO can carry them.
fn check_vehicle(c: &mut Checker, vk: &str, v: &VehicleSpec) {
    c.positive(&format!("{vk}.capacity_kwh"), v.capacity_kwh);
    c.within(
        &format!("{vk}.initial_soc_pct"),
        v.initial_soc_pct,
        0.0,
        100.0,
        "",
    );
    c.within(
        &format!("{vk}.min_discharge_soc_pct"),
        v.min_discharge_soc_pct,
        0.0,
        100.0,
        "",
    );
    c.within(
        &format!("{vk}.max_charge_current_a"),
        v.max_charge_current_a,
        0.0,
        255.0,
        " A",
    );
    c.within(
        &format!("{vk}.max_discharge_current_a"),
        v.max_discharge_current_a,
        0.0,
        255.0,
        " A",
    );
    c.within(
        &format!("{vk}.min_discharge_voltage_v"),
        v.min_discharge_voltage_v,
        0.0,
        1000.0,
        "",
    );
    c.within(
        &format!("{vk}.max_battery_voltage_v"),
        v.max_battery_voltage_v,
        50.0,
        1000.0,
        "",
    );
}

fn validate_roles(c: &mut Checker, roles: &[(String, Role)], kind: RigKind) {
    if kind == RigKind::Site {
        for (name, role) in roles {
            if !role.allowed_on_site() {
                c.invalid(
                    &format!("devices.{name}.role"),
                    format!("a site rig has no {role}"),
                    "at a site the grid is the utility's and is never commanded, and the vehicle is the customer's (the charger talks to it): a site rig has the charger and a site meter; use `kind: lab` for a test rig",
                );
            }
        }
    }
    for role in Role::ALL {
        let names: Vec<&str> = roles
            .iter()
            .filter(|(_, r)| *r == role)
            .map(|(n, _)| n.as_str())
            .collect();
        if role.required(kind) && names.is_empty() {
            let needs = match kind {
                RigKind::Lab => "every lab rig needs a grid_simulator, an island_switch and a charger (a rig for a real installation is `kind: site`)",
                RigKind::Site => "a site rig needs its charger",
            };
            c.invalid(
                "devices",
                format!("the rig has no {role}"),
                format!("add one device with `role: {role}`; {needs}"),
            );
        }
        // A depot has several chargers behind one service, commissioned
        // one after another (each run sees one: `Rig::for_unit`).
        let several_ok = kind == RigKind::Site && role == Role::Charger;
        if names.len() > 1 && !several_ok {
            for extra in names.iter().skip(1) {
                c.invalid(
                    &format!("devices.{extra}.role"),
                    format!(
                        "a second {role} (`{}` is already one)",
                        names.first().copied().unwrap_or("")
                    ),
                    format!("a rig has at most one {role}"),
                );
            }
        }
    }
}
