//! The emulated charger's OCPP device model (2.0.1 Part 2, Appendix 3
//! "Standardized components and variables"): the few variables a central
//! system reads and writes in dispatch and commissioning.

use std::collections::BTreeMap;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// A whole number within a range (seconds, counts).
    Integer {
        min: i64,
        max: i64,
    },
    ReadOnly,
}

#[derive(Debug, Clone)]
struct Variable {
    value: String,
    kind: Kind,
}

/// Component → variable → value.
#[derive(Debug, Clone)]
pub struct DeviceModel {
    vars: BTreeMap<(String, String), Variable>,
}

/// What a GetVariables/SetVariables asks of one variable yields
/// (2.0.1 GetVariableStatusEnumType / SetVariableStatusEnumType).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    pub status: &'static str,
    pub value: Option<String>,
}

impl DeviceModel {
    pub fn new(heartbeat_s: u32, tx_updated_s: u32, v2x: bool) -> Self {
        let mut m = DeviceModel {
            vars: BTreeMap::new(),
        };
        let int = |min, max| Kind::Integer { min, max };
        m.add(
            "OCPPCommCtrlr",
            "HeartbeatInterval",
            &heartbeat_s.to_string(),
            int(1, 86_400),
        );
        m.add(
            "SampledDataCtrlr",
            "TxUpdatedInterval",
            &tx_updated_s.to_string(),
            int(0, 86_400),
        );
        m.add("SampledDataCtrlr", "TxUpdatedMeasurands", "Power.Active.Import,Power.Active.Export,Energy.Active.Import.Register,Energy.Active.Export.Register,SoC", Kind::ReadOnly);
        m.add("SmartChargingCtrlr", "Enabled", "true", Kind::ReadOnly);
        m.add("SmartChargingCtrlr", "RateUnit", "A,W", Kind::ReadOnly);
        m.add(
            "SmartChargingCtrlr",
            "PeriodsPerSchedule",
            "24",
            Kind::ReadOnly,
        );
        if v2x {
            // OCPP 2.1 Q: the V2X controller's supported operation modes.
            m.add("V2XChargingCtrlr", "Enabled", "true", Kind::ReadOnly);
            m.add(
                "V2XChargingCtrlr",
                "SupportedOperationModes",
                "ChargingOnly,CentralSetpoint",
                Kind::ReadOnly,
            );
        }
        m
    }

    fn add(&mut self, component: &str, variable: &str, value: &str, kind: Kind) {
        self.vars.insert(
            (component.to_string(), variable.to_string()),
            Variable {
                value: value.to_string(),
                kind,
            },
        );
    }

    fn has_component(&self, component: &str) -> bool {
        self.vars.keys().any(|(c, _)| c == component)
    }

    pub fn get(&self, component: &str, variable: &str) -> Outcome {
        match self
            .vars
            .get(&(component.to_string(), variable.to_string()))
        {
            Some(v) => Outcome {
                status: "Accepted",
                value: Some(v.value.clone()),
            },
            None if self.has_component(component) => Outcome {
                status: "UnknownVariable",
                value: None,
            },
            None => Outcome {
                status: "UnknownComponent",
                value: None,
            },
        }
    }

    pub fn set(&mut self, component: &str, variable: &str, value: &str) -> Outcome {
        let known = self.has_component(component);
        let Some(v) = self
            .vars
            .get_mut(&(component.to_string(), variable.to_string()))
        else {
            return Outcome {
                status: if known {
                    "UnknownVariable"
                } else {
                    "UnknownComponent"
                },
                value: None,
            };
        };
        let ok = match v.kind {
            Kind::ReadOnly => false,
            Kind::Integer { min, max } => {
                value.parse::<i64>().is_ok_and(|n| (min..=max).contains(&n))
            }
        };
        if ok {
            v.value = value.to_string();
        }
        Outcome {
            status: if ok { "Accepted" } else { "Rejected" },
            value: None,
        }
    }

    /// An integer variable's value (its default if unreadable).
    pub fn integer(&self, component: &str, variable: &str, default: u32) -> u32 {
        self.get(component, variable)
            .value
            .and_then(|v| v.parse().ok())
            .unwrap_or(default)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_are_checked_and_read_back() {
        let mut m = DeviceModel::new(60, 60, false);
        assert_eq!(
            m.set("OCPPCommCtrlr", "HeartbeatInterval", "30").status,
            "Accepted"
        );
        assert_eq!(m.integer("OCPPCommCtrlr", "HeartbeatInterval", 0), 30);
        assert_eq!(
            m.set("OCPPCommCtrlr", "HeartbeatInterval", "-1").status,
            "Rejected"
        );
        assert_eq!(
            m.set("SmartChargingCtrlr", "Enabled", "false").status,
            "Rejected"
        );
        assert_eq!(m.get("OCPPCommCtrlr", "Nope").status, "UnknownVariable");
        assert_eq!(m.get("Nope", "Nope").status, "UnknownComponent");
        assert_eq!(
            m.get("V2XChargingCtrlr", "Enabled").status,
            "UnknownComponent"
        );
    }
}
