//! Status and fault bit fields of H'102.4, H'102.5 and H'109.5.
//!
//! Bit numbers agree across furdog/chademo (IEEE 2030.1.1-2015 based),
//! Battery-Emulator `process_vehicle_charging_session`, jamiejones85
//! ESP32-Chademo `CARSIDE_FAULT_*`/`CARSIDE_STATUS_*`/`EVSE_STATUS_*`,
//! osexpert ccs32clara-chademo `CarFaults`/`CarStatus`/`ChargerStatus` and
//! OpenInverter (Huebner) `ChaDeMo::SendMessages`.
//!
//! Disagreement, H'102.4: rand12345/chademo-rs decodes the faults in reverse
//! (`overvoltage = bit 4 … voltage_deviation = bit 0`) although its own doc
//! comments say "102.4.0 overvoltage"; Battery-Emulator's header declares
//! the bit-field struct in reverse too, but its parser uses
//! `bitRead(d[4], 0)` for overvoltage. We follow the bit numbers that the
//! documents and five implementations agree on (bit 0 = overvoltage).
//!
//! Undocumented bits are kept verbatim in `reserved_bits`, so that a frame
//! from a real vehicle re-encodes to the same bytes (a Nissan Leaf ZE0 sets
//! H'102.5.6, see [`VehicleFlags::reserved_bits`]).

/// H'102.4: battery faults reported by the vehicle (1 = fault).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct VehicleFaults {
    /// 102.4.0 battery overvoltage; the charger must stop.
    pub battery_overvoltage: bool,
    /// 102.4.1 battery undervoltage.
    pub battery_undervoltage: bool,
    /// 102.4.2 battery current deviation (charger current differs from the
    /// request, or from the discharge limit in V2H, for > 5 s by > 10 A).
    pub battery_current_deviation: bool,
    /// 102.4.3 high battery temperature.
    pub battery_high_temperature: bool,
    /// 102.4.4 battery voltage deviation (vehicle's measurement differs from
    /// the charger's H'109 present output voltage).
    pub battery_voltage_deviation: bool,
    /// Bits 5..7, undefined; kept as received.
    pub reserved_bits: u8,
}

impl VehicleFaults {
    const RESERVED: u8 = 0xE0;

    /// Splits the fault byte into flags.
    pub fn from_bits(bits: u8) -> Self {
        Self {
            battery_overvoltage: bits & 0x01 != 0,
            battery_undervoltage: bits & 0x02 != 0,
            battery_current_deviation: bits & 0x04 != 0,
            battery_high_temperature: bits & 0x08 != 0,
            battery_voltage_deviation: bits & 0x10 != 0,
            reserved_bits: bits & Self::RESERVED,
        }
    }

    /// Packs the flags back into the fault byte.
    pub fn bits(&self) -> u8 {
        u8::from(self.battery_overvoltage)
            | u8::from(self.battery_undervoltage) << 1
            | u8::from(self.battery_current_deviation) << 2
            | u8::from(self.battery_high_temperature) << 3
            | u8::from(self.battery_voltage_deviation) << 4
            | (self.reserved_bits & Self::RESERVED)
    }

    /// Any of the five defined faults; each one is a stop order.
    pub fn any(&self) -> bool {
        self.bits() & !Self::RESERVED != 0
    }
}

/// H'102.5: vehicle status flags.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct VehicleFlags {
    /// 102.5.0 vehicle charging (or discharging) enabled; mirrors the
    /// permission switch (k). 0 after having been 1 is a stop request.
    pub charging_enabled: bool,
    /// 102.5.1 shift lever not in "parking" (1 = other position).
    pub shift_not_parked: bool,
    /// 102.5.2 charging system fault detected by the vehicle.
    pub charging_system_fault: bool,
    /// 102.5.3 vehicle status: 1 = EV contactors open or welding detection
    /// finished, 0 = contactors closed or welding detection running.
    /// Only protocol number >= 2 (CHAdeMO 1.0) defines it (jamiejones85
    /// sends it only then; osexpert waits 2 s instead for protocol < 2).
    pub contactor_open: bool,
    /// 102.5.4 normal stop request before charging.
    pub normal_stop_request: bool,
    /// 102.5.7 vehicle is discharge (V2H) compatible.
    pub discharge_compatible: bool,
    /// Bits 5 and 6, kept as received. Bit 6 is set by Nissan Leaf ZE0
    /// (rand12345/chademo-rs log: status 0xC8); osexpert names it
    /// `LEGACY_DYNAMIC_CONTROL` as a guess, Battery-Emulator `unused`. No
    /// implementation acts on it besides osexpert's guess, so we only keep it.
    pub reserved_bits: u8,
}

impl VehicleFlags {
    const RESERVED: u8 = 0x60;

    /// Splits the status byte into flags.
    pub fn from_bits(bits: u8) -> Self {
        Self {
            charging_enabled: bits & 0x01 != 0,
            shift_not_parked: bits & 0x02 != 0,
            charging_system_fault: bits & 0x04 != 0,
            contactor_open: bits & 0x08 != 0,
            normal_stop_request: bits & 0x10 != 0,
            discharge_compatible: bits & 0x80 != 0,
            reserved_bits: bits & Self::RESERVED,
        }
    }

    /// Packs the flags back into the status byte.
    pub fn bits(&self) -> u8 {
        u8::from(self.charging_enabled)
            | u8::from(self.shift_not_parked) << 1
            | u8::from(self.charging_system_fault) << 2
            | u8::from(self.contactor_open) << 3
            | u8::from(self.normal_stop_request) << 4
            | u8::from(self.discharge_compatible) << 7
            | (self.reserved_bits & Self::RESERVED)
    }
}

/// H'109.5: charger status flags.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ChargerFlags {
    /// 109.5.0 charger status: 1 = energy transfer (charging or
    /// discharging), 0 = standby or current fell to <= 5 A while stopping.
    pub energy_transfer: bool,
    /// 109.5.1 station (charger) malfunction.
    pub station_malfunction: bool,
    /// 109.5.2 vehicle connector locked. IEEE 2030.1.1 later redefines it
    /// as "energizing" (output > 10 V); osexpert names it
    /// `ENERGIZING_OR_PLUG_LOCKED`, Battery-Emulator notes the same double
    /// meaning. Both readings are 1 from lock to unlock, so one flag serves.
    pub connector_locked: bool,
    /// 109.5.3 battery incompatibility (target voltage above available
    /// output voltage, or similar); the charger stops.
    pub battery_incompatible: bool,
    /// 109.5.4 charging system malfunction (vehicle or charger side).
    pub charging_system_malfunction: bool,
    /// 109.5.5 charging stop control: 1 before start and while stopping,
    /// 0 while operating. Exclusive with 109.5.0 rising.
    pub stop_control: bool,
    /// Bits 6 and 7, undefined; kept as received.
    pub reserved_bits: u8,
}

impl ChargerFlags {
    const RESERVED: u8 = 0xC0;

    /// Splits the status byte into flags.
    pub fn from_bits(bits: u8) -> Self {
        Self {
            energy_transfer: bits & 0x01 != 0,
            station_malfunction: bits & 0x02 != 0,
            connector_locked: bits & 0x04 != 0,
            battery_incompatible: bits & 0x08 != 0,
            charging_system_malfunction: bits & 0x10 != 0,
            stop_control: bits & 0x20 != 0,
            reserved_bits: bits & Self::RESERVED,
        }
    }

    /// Packs the flags back into the status byte.
    pub fn bits(&self) -> u8 {
        u8::from(self.energy_transfer)
            | u8::from(self.station_malfunction) << 1
            | u8::from(self.connector_locked) << 2
            | u8::from(self.battery_incompatible) << 3
            | u8::from(self.charging_system_malfunction) << 4
            | u8::from(self.stop_control) << 5
            | (self.reserved_bits & Self::RESERVED)
    }

    /// A fault flag the vehicle must treat as a stop (bits 1, 3, 4:
    /// jamiejones85 masks `0x1A`; OpenInverter adds 109.5.5 with `0x2A`).
    pub fn fault(&self) -> bool {
        self.station_malfunction || self.battery_incompatible || self.charging_system_malfunction
    }
}
