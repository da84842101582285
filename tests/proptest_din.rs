//! DIN SPEC 70121 codec properties: every generated valid message encodes,
//! and decodes back to itself (encode → decode is the identity); arbitrary
//! bytes never panic the decoder, and what decodes re-encodes to a message
//! that decodes the same. `fuzz/fuzz_targets/din70121.rs` runs the second
//! property for as long as it is given.

mod proptest_common;

use proptest::collection::vec;
use proptest::option::of;
use proptest::prelude::*;
use proptest_common::config;
use v2x_hil::protocol::din70121::*;

fn pick<T: Copy + std::fmt::Debug + 'static>(all: &'static [T]) -> impl Strategy<Value = T> {
    proptest::sample::select(all)
}

fn physical() -> impl Strategy<Value = PhysicalValue> {
    (-3i8..=3, of(pick(Unit::ALL)), any::<i16>()).prop_map(|(multiplier, unit, value)| {
        PhysicalValue {
            multiplier,
            unit,
            value,
        }
    })
}

fn ascii(max: usize) -> impl Strategy<Value = String> {
    proptest::string::string_regex(&format!("[ -~]{{0,{max}}}")).unwrap()
}

fn ev_status() -> impl Strategy<Value = EvStatus> {
    (
        any::<bool>(),
        of(any::<bool>()),
        of(any::<bool>()),
        pick(EvErrorCode::ALL),
        0u8..=100,
    )
        .prop_map(|(ready, cabin, ress, error_code, soc)| EvStatus {
            ready,
            cabin_conditioning: cabin,
            ress_conditioning: ress,
            error_code,
            ress_soc_pct: soc,
        })
}

fn evse_status() -> impl Strategy<Value = EvseStatus> {
    (
        of(pick(IsolationLevel::ALL)),
        pick(EvseStatusCode::ALL),
        any::<u32>(),
        pick(EvseNotification::ALL),
    )
        .prop_map(|(isolation, status_code, delay, notification)| EvseStatus {
            isolation,
            status_code,
            notification_max_delay: delay,
            notification,
        })
}

fn service_tag() -> impl Strategy<Value = ServiceTag> {
    (
        any::<u16>(),
        of(ascii(32)),
        pick(ServiceCategory::ALL),
        of(ascii(32)),
    )
        .prop_map(
            |(service_id, service_name, service_category, service_scope)| ServiceTag {
                service_id,
                service_name,
                service_category,
                service_scope,
            },
        )
}

fn code() -> impl Strategy<Value = ResponseCode> {
    pick(ResponseCode::ALL)
}

fn processing() -> impl Strategy<Value = EvseProcessing> {
    pick(EvseProcessing::ALL)
}

fn evse_voltage_res() -> impl Strategy<Value = EvseVoltageRes> {
    (code(), evse_status(), physical()).prop_map(|(response_code, evse_status, v)| EvseVoltageRes {
        response_code,
        evse_status,
        evse_present_voltage: v,
    })
}

fn schedules() -> impl Strategy<Value = Option<Vec<SaScheduleTuple>>> {
    let entry = (any::<u32>(), of(any::<u32>()), any::<i16>()).prop_map(|(s, d, p)| PMaxEntry {
        start_s: s,
        duration_s: d,
        pmax: p,
    });
    let tuple = (any::<i16>(), any::<i16>(), vec(entry, 1..=5)).prop_map(|(id, pid, entries)| {
        SaScheduleTuple {
            sa_schedule_tuple_id: id,
            pmax_schedule_id: pid,
            entries,
        }
    });
    of(vec(tuple, 1..=5))
}

fn evse_charge_parameter() -> impl Strategy<Value = DcEvseChargeParameter> {
    (evse_status(), vec(physical(), 6), vec(of(physical()), 3)).prop_map(|(status, p, o)| {
        DcEvseChargeParameter {
            evse_status: status,
            evse_maximum_current_limit: p[0],
            evse_maximum_power_limit: o[0],
            evse_maximum_voltage_limit: p[1],
            evse_minimum_current_limit: p[2],
            evse_minimum_voltage_limit: p[3],
            evse_current_regulation_tolerance: o[1],
            evse_peak_current_ripple: p[4],
            evse_energy_to_be_delivered: o[2],
        }
    })
}

fn body() -> impl Strategy<Value = Body> {
    let requests = prop_oneof![
        vec(any::<u8>(), 0..=8)
            .prop_map(|evcc_id| Body::SessionSetupReq(SessionSetupReq { evcc_id })),
        (of(ascii(32)), of(pick(ServiceCategory::ALL))).prop_map(|(scope, cat)| {
            Body::ServiceDiscoveryReq(ServiceDiscoveryReq {
                service_scope: scope,
                service_category: cat,
            })
        }),
        (
            pick(PaymentOption::ALL),
            vec((any::<u16>(), of(any::<i16>())), 1..=16)
        )
            .prop_map(|(p, s)| {
                Body::ServicePaymentSelectionReq(ServicePaymentSelectionReq {
                    selected_payment_option: p,
                    selected_services: s
                        .into_iter()
                        .map(|(service_id, parameter_set_id)| SelectedService {
                            service_id,
                            parameter_set_id,
                        })
                        .collect(),
                })
            }),
        (of(ascii(64)), of(ascii(64))).prop_map(|(id, gen_challenge)| {
            Body::ContractAuthenticationReq(ContractAuthenticationReq { id, gen_challenge })
        }),
        (
            pick(EvEnergyTransfer::ALL),
            ev_status(),
            vec(physical(), 2),
            vec(of(physical()), 3),
            of(0u8..=100),
            of(0u8..=100)
        )
            .prop_map(|(t, s, p, o, full, bulk)| {
                Body::ChargeParameterDiscoveryReq(ChargeParameterDiscoveryReq {
                    requested_energy_transfer: t,
                    dc_ev_charge_parameter: DcEvChargeParameter {
                        ev_status: s,
                        ev_maximum_current_limit: p[0],
                        ev_maximum_power_limit: o[0],
                        ev_maximum_voltage_limit: p[1],
                        ev_energy_capacity: o[1],
                        ev_energy_request: o[2],
                        full_soc_pct: full,
                        bulk_soc_pct: bulk,
                    },
                })
            }),
        ev_status().prop_map(|ev_status| Body::CableCheckReq { ev_status }),
        (ev_status(), physical(), physical()).prop_map(|(s, v, i)| {
            Body::PreChargeReq(PreChargeReq {
                ev_status: s,
                ev_target_voltage: v,
                ev_target_current: i,
            })
        }),
        (
            any::<bool>(),
            of((ev_status(), of(any::<bool>()), any::<bool>()))
        )
            .prop_map(|(ready, p)| {
                Body::PowerDeliveryReq(PowerDeliveryReq {
                    ready_to_charge: ready,
                    dc_ev_power_delivery_parameter: p.map(|(s, b, c)| DcEvPowerDeliveryParameter {
                        ev_status: s,
                        bulk_charging_complete: b,
                        charging_complete: c,
                    }),
                })
            }),
        (
            ev_status(),
            physical(),
            vec(of(physical()), 5),
            of(any::<bool>()),
            any::<bool>(),
            physical()
        )
            .prop_map(|(s, i, o, bulk, complete, v)| {
                Body::CurrentDemandReq(CurrentDemandReq {
                    ev_status: s,
                    ev_target_current: i,
                    ev_maximum_voltage_limit: o[0],
                    ev_maximum_current_limit: o[1],
                    ev_maximum_power_limit: o[2],
                    bulk_charging_complete: bulk,
                    charging_complete: complete,
                    remaining_time_to_full_soc: o[3],
                    remaining_time_to_bulk_soc: o[4],
                    ev_target_voltage: v,
                })
            }),
        ev_status().prop_map(|ev_status| Body::WeldingDetectionReq { ev_status }),
        Just(Body::SessionStopReq),
    ];
    let responses = prop_oneof![
        (code(), vec(any::<u8>(), 0..=32), of(any::<i64>())).prop_map(|(c, id, t)| {
            Body::SessionSetupRes(SessionSetupRes {
                response_code: c,
                evse_id: id,
                date_time_now: t,
            })
        }),
        (
            code(),
            vec(pick(PaymentOption::ALL), 1..=2),
            service_tag(),
            any::<bool>(),
            pick(EvseEnergyTransfer::ALL),
            of(vec((service_tag(), any::<bool>()), 1..=8))
        )
            .prop_map(|(c, p, tag, free, t, list)| {
                Body::ServiceDiscoveryRes(ServiceDiscoveryRes {
                    response_code: c,
                    payment_options: p,
                    charge_service: ChargeService {
                        service_tag: tag,
                        free_service: free,
                        energy_transfer: t,
                    },
                    service_list: list.map(|l| {
                        l.into_iter()
                            .map(|(service_tag, free_service)| Service {
                                service_tag,
                                free_service,
                            })
                            .collect()
                    }),
                })
            }),
        code().prop_map(|response_code| Body::ServicePaymentSelectionRes { response_code }),
        (code(), processing()).prop_map(|(response_code, evse_processing)| {
            Body::ContractAuthenticationRes {
                response_code,
                evse_processing,
            }
        }),
        (code(), processing(), schedules(), evse_charge_parameter()).prop_map(|(c, p, s, e)| {
            Body::ChargeParameterDiscoveryRes(ChargeParameterDiscoveryRes {
                response_code: c,
                evse_processing: p,
                sa_schedule_list: s,
                dc_evse_charge_parameter: e,
            })
        }),
        (code(), evse_status(), processing()).prop_map(|(c, s, p)| {
            Body::CableCheckRes(CableCheckRes {
                response_code: c,
                evse_status: s,
                evse_processing: p,
            })
        }),
        evse_voltage_res().prop_map(Body::PreChargeRes),
        (code(), evse_status()).prop_map(|(c, s)| {
            Body::PowerDeliveryRes(PowerDeliveryRes {
                response_code: c,
                dc_evse_status: s,
            })
        }),
        (
            code(),
            evse_status(),
            physical(),
            physical(),
            any::<[bool; 3]>(),
            vec(of(physical()), 3)
        )
            .prop_map(|(c, s, v, i, f, o)| {
                Body::CurrentDemandRes(CurrentDemandRes {
                    response_code: c,
                    evse_status: s,
                    evse_present_voltage: v,
                    evse_present_current: i,
                    evse_current_limit_achieved: f[0],
                    evse_voltage_limit_achieved: f[1],
                    evse_power_limit_achieved: f[2],
                    evse_maximum_voltage_limit: o[0],
                    evse_maximum_current_limit: o[1],
                    evse_maximum_power_limit: o[2],
                })
            }),
        evse_voltage_res().prop_map(Body::WeldingDetectionRes),
        code().prop_map(|response_code| Body::SessionStopRes { response_code }),
    ];
    prop_oneof![requests, responses]
}

fn message() -> impl Strategy<Value = V2gMessage> {
    (
        vec(any::<u8>(), 0..=8),
        of((pick(FaultCode::ALL), of(ascii(64)))),
        body(),
    )
        .prop_map(|(session_id, n, body)| V2gMessage {
            header: Header {
                session_id,
                notification: n.map(|(fault_code, fault_msg)| Notification {
                    fault_code,
                    fault_msg,
                }),
            },
            body,
        })
}

proptest! {
    #![proptest_config(config(512))]

    #[test]
    fn encode_then_decode_is_the_identity(m in message()) {
        let bytes = encode(&m).expect("a valid message encodes");
        prop_assert_eq!(bytes[0], 0x80);
        prop_assert_eq!(decode(&bytes), Ok(m));
    }

    #[test]
    fn any_bytes_are_refused_or_decode_stably(bytes in vec(any::<u8>(), 0..96)) {
        if let Ok(m) = decode(&bytes) {
            let again = encode(&m).expect("what decodes is valid");
            prop_assert_eq!(decode(&again), Ok(m));
        }
    }

    /// Mutations of a real CurrentDemandRes (pyPLC's Alpitronic capture):
    /// closer to valid than random bytes, so deeper in the grammar.
    #[test]
    fn mutated_vectors_are_refused_or_decode_stably(
        flips in vec((0usize..44, 0u8..8), 1..4),
        cut in 1usize..=44,
    ) {
        let mut bytes = hex_vector();
        for (i, bit) in flips {
            bytes[i] ^= 1 << bit;
        }
        bytes.truncate(cut);
        if let Ok(m) = decode(&bytes) {
            let again = encode(&m).expect("what decodes is valid");
            prop_assert_eq!(decode(&again), Ok(m));
        }
    }
}

fn hex_vector() -> Vec<u8> {
    let h =
        "809a020000000002e75d14d0e000408000008287fd900800187f0080000a0a00a01030f7800102038628e800";
    (0..h.len() / 2)
        .map(|i| u8::from_str_radix(&h[2 * i..2 * i + 2], 16).unwrap())
        .collect()
}
