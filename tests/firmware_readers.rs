//! Raw binary, format detection, and "never panics" fuzzing over every reader.

use v2x_hil::firmware::elf::{write_elf, ElfLoad, EM_ARM};
use v2x_hil::firmware::read::{detect_format, read_bin, ReadErrorKind};
use v2x_hil::firmware::{read_image, FirmwareHeader, ImageFormat, ReadOptions, SigningPublicKey};

fn hex(lines: &[&str]) -> Vec<u8> {
    let mut s = lines.join("\r\n");
    s.push_str("\r\n");
    s.into_bytes()
}

// ---- raw binary and detection --------------------------------------------

#[test]
fn bin_needs_a_base_and_must_fit_4_gib() {
    let img = read_bin(&[1, 2, 3], 0x0800_8000).unwrap();
    assert_eq!(img.segments()[0].address, 0x0800_8000);
    assert_eq!(img.entry(), None);
    assert!(read_bin(&[1, 2, 3], 0xFFFF_FFFF).is_err());
    assert!(read_bin(&[], 0).is_err());
    let e = read_image("fw.bin", &[1, 2, 3], &ReadOptions::default()).unwrap_err();
    assert_eq!(e.file, "fw.bin");
    assert_eq!(e.kind, ReadErrorKind::Unknown);
}

#[test]
fn detection_by_content_with_extension_as_hint() {
    let hexfile = b"\n:0100000000FF\n:00000001FF\n";
    let elf = write_elf(false, EM_ARM, 0, &[]);
    assert_eq!(
        detect_format("x.dat", hexfile, None),
        Some(ImageFormat::IntelHex)
    );
    assert_eq!(detect_format("x.bin", &elf, None), Some(ImageFormat::Elf));
    assert_eq!(detect_format("x", b"\0\0", None), None);
    assert_eq!(detect_format("x", b"\0\0", Some(0)), Some(ImageFormat::Bin));
    // A .bin named by the caller with a base is taken as raw, whatever it holds.
    assert_eq!(
        detect_format("x.BIN", &elf, Some(0)),
        Some(ImageFormat::Bin)
    );
    // Extension names the format when the content is broken: errors come from that reader.
    assert_eq!(
        detect_format("x.hex", b"garbage", None),
        Some(ImageFormat::IntelHex)
    );
    let e = read_image("broken.hex", b"garbage\n", &ReadOptions::default()).unwrap_err();
    assert_eq!(
        e.to_string(),
        "broken.hex: Intel HEX line 1: record does not start with ':'"
    );
    let e = read_image("broken.elf", b"\x7fELF\x01\x02", &ReadOptions::default()).unwrap_err();
    assert!(
        e.to_string().starts_with("broken.elf: ELF offset 0x5:"),
        "{e}"
    );
    let forced = ReadOptions {
        format: Some(ImageFormat::Bin),
        base_address: Some(0x100),
    };
    assert_eq!(
        read_image("a.hex", hexfile, &forced).unwrap().format(),
        ImageFormat::Bin
    );
}

// ---- never panics ----------------------------------------------------------

struct XorShift(u64);
impl XorShift {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

fn all_readers(bytes: &[u8]) {
    for format in [
        None,
        Some(ImageFormat::Elf),
        Some(ImageFormat::IntelHex),
        Some(ImageFormat::Bin),
    ] {
        for base in [None, Some(0), Some(0xFFFF_FF00)] {
            let opts = ReadOptions {
                format,
                base_address: base,
            };
            if let Ok(img) = read_image("fuzz", bytes, &opts) {
                assert!(img.total_size() > 0);
                for w in img.segments().windows(2) {
                    assert!(w[0].end() <= u64::from(w[1].address));
                }
                let _ = v2x_hil::firmware::check_image(&img);
            }
        }
    }
    let _ = FirmwareHeader::parse(bytes);
    let _ = SigningPublicKey::parse(bytes);
    let _ = v2x_hil::firmware::parse_signature(bytes);
}

#[test]
fn readers_never_panic_on_random_or_mutated_bytes() {
    let mut rng = XorShift(0x9E37_79B9_7F4A_7C15);
    let seeds: Vec<Vec<u8>> = vec![
        std::fs::read("fixtures/firmware/v2x-charger-1.1.0.elf").unwrap(),
        std::fs::read("fixtures/firmware/v2x-charger-1.0.0.hex").unwrap()[..2000].to_vec(),
        write_elf(
            true,
            EM_ARM,
            0x2000_0000,
            &[ElfLoad {
                vaddr: 0x8000_0000,
                paddr: 0x2000_0000,
                data: b"xyz".to_vec(),
                memsz: 3,
            }],
        ),
        hex(&[":020000021200EA", ":0B0010006164647265737320676170A7", ":00000001FF"]),
        b"-----BEGIN PUBLIC KEY-----\nMCowBQYDK2VwAyEAhpLgcUyLWB8Pbn8XvlJ50ATrLj53eabnNyxh0EhFmkI=\n-----END PUBLIC KEY-----\n".to_vec(),
    ];
    for _ in 0..3000 {
        let len = rng.below(300);
        let random: Vec<u8> = (0..len).map(|_| rng.next() as u8).collect();
        all_readers(&random);
        // Random bytes behind a valid prefix reach the deeper parsing paths.
        let mut prefixed = b"\x7fELF\x01\x01\x01".to_vec();
        prefixed.extend_from_slice(&random);
        all_readers(&prefixed);
        let hexish: Vec<u8> = (0..len)
            .map(|_| b":0123456789ABCDEF\n"[rng.below(18)])
            .collect();
        all_readers(&hexish);
    }
    for seed in &seeds {
        for _ in 0..300 {
            let mut m = seed.clone();
            for _ in 0..1 + rng.below(4) {
                let i = rng.below(m.len());
                m[i] = rng.next() as u8;
            }
            if rng.below(4) == 0 {
                m.truncate(rng.below(m.len() + 1));
            }
            all_readers(&m);
        }
    }
}
