//! Intel HEX reader: records from the Intel Hexadecimal Object File Format
//! Specification Rev. A and vendor manuals, located errors, round trips.

use v2x_hil::firmware::ihex::{read_ihex, write_ihex, HexErrorKind};
use v2x_hil::firmware::{Image, ImageFormat, Segment};

fn hex(lines: &[&str]) -> Vec<u8> {
    let mut s = lines.join("\r\n");
    s.push_str("\r\n");
    s.into_bytes()
}

// ---- Intel HEX -----------------------------------------------------------

#[test]
fn hex_data_record_from_keil_oh51_guide() {
    // Keil OH51 User's Guide, "Data Record": 16 bytes at 0x2462.
    let img = read_ihex(&hex(&[
        ":10246200464C5549442050524F46494C4500464C33",
        ":00000001FF",
    ]))
    .unwrap();
    assert_eq!(img.format(), ImageFormat::IntelHex);
    assert_eq!(img.segments().len(), 1);
    assert_eq!(img.segments()[0].address, 0x2462);
    assert_eq!(img.segments()[0].data, b"FLUID PROFILE\0FL");
    assert_eq!(img.entry(), None);
}

#[test]
fn hex_extended_segment_address_record() {
    // Spec Rev. A §3 example USBA 0x1200 (":020000021200EA"): data at 1200:0010 = 0x12010.
    let img = read_ihex(&hex(&[
        ":020000021200EA",
        ":0B0010006164647265737320676170A7",
        ":00000001FF",
    ]))
    .unwrap();
    assert_eq!(img.segments()[0].address, 0x12010);
    assert_eq!(img.segments()[0].data, b"address gap");
}

#[test]
fn hex_segment_offset_wraps_inside_the_64k_segment() {
    // Spec: segmented address = SBA×16 + ((DRLO + DRI) MOD 64K).
    let img = read_ihex(&hex(&[
        ":020000021200EA",
        ":04FFFE0001020304F5", // 2 bytes at 0x21FFE, then 2 wrap to 0x12000
        ":00000001FF",
    ]))
    .unwrap();
    let segs = img.segments();
    assert_eq!(segs.len(), 2);
    assert_eq!(
        (segs[0].address, &segs[0].data[..]),
        (0x12000, &[3u8, 4][..])
    );
    assert_eq!(
        (segs[1].address, &segs[1].data[..]),
        (0x21FFE, &[1u8, 2][..])
    );
}

#[test]
fn hex_extended_linear_address_record_and_start_linear() {
    // Spec examples ":02000004FFFFFC" (ULBA 0xFFFF) and ":04000005000000CD2A" (EIP 0xCD).
    let img = read_ihex(&hex(&[
        ":02000004FFFFFC",
        ":02FFF000AABBAA",
        ":04000005000000CD2A",
        ":00000001FF",
    ]))
    .unwrap();
    assert_eq!(img.segments()[0].address, 0xFFFF_FFF0);
    assert_eq!(img.segments()[0].data, [0xAA, 0xBB]);
    assert_eq!(img.entry(), Some(0xCD));
}

#[test]
fn hex_start_segment_address_is_cs_times_16_plus_ip() {
    // Spec example ":0400000300003800C1": CS 0x0000, IP 0x3800.
    let img = read_ihex(&hex(&[
        ":0400000300003800C1",
        ":0100000000FF",
        ":00000001FF",
    ]))
    .unwrap();
    assert_eq!(img.entry(), Some(0x3800));
    let img = read_ihex(&hex(&[
        ":0400000312340010A3",
        ":0100000000FF",
        ":00000001FF",
    ]))
    .unwrap();
    assert_eq!(img.entry(), Some(0x12350));
}

#[test]
fn hex_consecutive_records_merge_and_lf_or_lowercase_accepted() {
    let text = ":020000000102fb\n:020002000304F5\n:00000001ff\n";
    let img = read_ihex(text.as_bytes()).unwrap();
    assert_eq!(img.segments().len(), 1);
    assert_eq!(img.segments()[0].data, [1, 2, 3, 4]);
}

fn hex_err(lines: &[&str]) -> (usize, HexErrorKind) {
    let e = read_ihex(&hex(lines)).unwrap_err();
    (e.line, e.kind)
}

#[test]
fn hex_errors_are_located() {
    assert_eq!(
        hex_err(&[":0100000000FF", "", ":0100010000FF", ":00000001FF"]),
        (
            3,
            HexErrorKind::Checksum {
                expected: 0xFE,
                found: 0xFF
            }
        )
    );
    assert_eq!(
        hex_err(&[":01000000G0FF"]),
        (1, HexErrorKind::NotHex { column: 10 })
    );
    assert_eq!(hex_err(&["0100000000FF"]), (1, HexErrorKind::MissingColon));
    assert_eq!(hex_err(&[":0100000000F"]), (1, HexErrorKind::OddDigits));
    assert_eq!(hex_err(&[":0000"]), (1, HexErrorKind::TooShort));
    assert_eq!(
        hex_err(&[":0200000000FE"]),
        (
            1,
            HexErrorKind::LengthMismatch {
                declared: 2,
                actual: 1
            }
        )
    );
    assert_eq!(hex_err(&[":00000006FA"]), (1, HexErrorKind::UnknownType(6)));
    assert_eq!(
        hex_err(&[":0100000400FB"]),
        (
            1,
            HexErrorKind::BadTypeLength {
                record_type: 4,
                expected: 2,
                actual: 1
            }
        )
    );
    assert_eq!(
        hex_err(&[":0100000000FF", ":00000001FF", ":0100000000FF"]),
        (3, HexErrorKind::AfterEof)
    );
    assert_eq!(
        hex_err(&[":0100000000FF", ":0100010000FE"]),
        (2, HexErrorKind::MissingEof)
    );
    assert_eq!(hex_err(&[":00000001FF"]), (1, HexErrorKind::NoData));
    assert_eq!(
        hex_err(&[":04000005000000CD2A", ":04000005000000CE29", ":00000001FF"]),
        (2, HexErrorKind::ConflictingStart { first: 0xCD })
    );
}

#[test]
fn hex_overlap_names_both_lines() {
    let e = read_ihex(&hex(&[
        ":0400000001020304F2",
        ":0100100000EF",
        ":020002000505F2",
        ":00000001FF",
    ]))
    .unwrap_err();
    let msg = e.to_string();
    assert!(msg.contains("line 1 [0x00000000..0x00000004)"), "{msg}");
    assert!(msg.contains("line 3 [0x00000002..0x00000004)"), "{msg}");
}

#[test]
fn hex_round_trip_across_64k_boundaries() {
    let data: Vec<u8> = (0..70_000u32).map(|i| (i * 7) as u8).collect();
    let img = Image::new(
        vec![
            Segment {
                address: 0x0800_FFF0,
                data: data.clone(),
            },
            Segment {
                address: 0x2000_0000,
                data: vec![9; 3],
            },
        ],
        Some(0x0801_0001),
        ImageFormat::IntelHex,
    )
    .unwrap();
    let text = write_ihex(&img, 32);
    let back = read_ihex(text.as_bytes()).unwrap();
    assert_eq!(back, img);
    // The writer never lets a record cross a 64 KiB boundary.
    assert!(text.contains(":020000040801F1"));
}
