//! SunSpec information models over Modbus.
