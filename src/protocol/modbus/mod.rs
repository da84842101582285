//! Modbus application protocol (PDU) with RTU and TCP framings.
