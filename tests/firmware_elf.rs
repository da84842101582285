//! ELF reader: headers built field by field per the System V ABI (gABI
//! ch. 4 "ELF Header", ch. 5 "Program Header"), located errors, round trips.

use v2x_hil::firmware::elf::{read_elf, write_elf, ElfErrorKind, ElfLoad, EM_ARM};
use v2x_hil::firmware::ImageFormat;

// ---- ELF -------------------------------------------------------------------

/// ELF32 little-endian header + program headers, field by field (System V
/// ABI gABI ch. 4 "ELF Header", ch. 5 "Program Header").
fn elf32(e_type: u16, phdrs: &[[u32; 8]], tail: &[u8]) -> Vec<u8> {
    let mut b = vec![
        0x7F, b'E', b'L', b'F', 1, /*ELFCLASS32*/
        1, /*ELFDATA2LSB*/
        1, /*EV_CURRENT*/
    ];
    b.resize(16, 0); // EI_OSABI, EI_ABIVERSION, EI_PAD
    b.extend_from_slice(&e_type.to_le_bytes()); // e_type
    b.extend_from_slice(&40u16.to_le_bytes()); // e_machine EM_ARM
    b.extend_from_slice(&1u32.to_le_bytes()); // e_version
    b.extend_from_slice(&0x0800_0101u32.to_le_bytes()); // e_entry
    b.extend_from_slice(&52u32.to_le_bytes()); // e_phoff
    b.extend_from_slice(&0u32.to_le_bytes()); // e_shoff
    b.extend_from_slice(&0x0500_0200u32.to_le_bytes()); // e_flags (EABI5, hard float)
    b.extend_from_slice(&52u16.to_le_bytes()); // e_ehsize
    b.extend_from_slice(&32u16.to_le_bytes()); // e_phentsize
    b.extend_from_slice(&(phdrs.len() as u16).to_le_bytes()); // e_phnum
    b.extend_from_slice(&[40, 0, 0, 0, 0, 0]); // e_shentsize, e_shnum, e_shstrndx
    assert_eq!(b.len(), 52);
    // p_type, p_offset, p_vaddr, p_paddr, p_filesz, p_memsz, p_flags, p_align
    for p in phdrs {
        for f in p {
            b.extend_from_slice(&f.to_le_bytes());
        }
    }
    b.extend_from_slice(tail);
    b
}

const PT_LOAD: u32 = 1;
const PT_NOTE: u32 = 4;

#[test]
fn elf32_loads_at_physical_addresses_and_skips_bss_and_notes() {
    let data_off = 52 + 3 * 32;
    let bytes = elf32(
        2,
        &[
            [PT_LOAD, data_off, 0x0800_0000, 0x0800_0000, 4, 4, 5, 4],
            // .data: runs in RAM, stored in flash after the text
            [
                PT_LOAD,
                data_off + 4,
                0x2000_0000,
                0x0800_0004,
                2,
                0x100,
                6,
                4,
            ],
            [PT_NOTE, data_off, 0, 0, 6, 6, 4, 4],
        ],
        &[1, 2, 3, 4, 0xAA, 0xBB],
    );
    let img = read_elf(&bytes).unwrap();
    assert_eq!(img.format(), ImageFormat::Elf);
    assert_eq!(img.entry(), Some(0x0800_0101));
    assert_eq!(img.segments().len(), 2);
    assert_eq!(img.flat(), [1, 2, 3, 4, 0xAA, 0xBB]);
    assert_eq!(img.start_address(), 0x0800_0000);
}

/// ELF64 little-endian: header fields are 8 bytes wide from e_entry on.
fn elf64(paddr: u64, filesz: u64, tail: &[u8]) -> Vec<u8> {
    let mut b = vec![0x7F, b'E', b'L', b'F', 2 /*ELFCLASS64*/, 1, 1];
    b.resize(16, 0);
    b.extend_from_slice(&2u16.to_le_bytes()); // e_type ET_EXEC
    b.extend_from_slice(&243u16.to_le_bytes()); // e_machine EM_RISCV
    b.extend_from_slice(&1u32.to_le_bytes()); // e_version
    b.extend_from_slice(&0x2000_0000u64.to_le_bytes()); // e_entry
    b.extend_from_slice(&64u64.to_le_bytes()); // e_phoff
    b.extend_from_slice(&0u64.to_le_bytes()); // e_shoff
    b.extend_from_slice(&0u32.to_le_bytes()); // e_flags
    b.extend_from_slice(&64u16.to_le_bytes()); // e_ehsize
    b.extend_from_slice(&56u16.to_le_bytes()); // e_phentsize
    b.extend_from_slice(&1u16.to_le_bytes()); // e_phnum
    b.extend_from_slice(&[0; 6]);
    assert_eq!(b.len(), 64);
    b.extend_from_slice(&PT_LOAD.to_le_bytes()); // p_type
    b.extend_from_slice(&5u32.to_le_bytes()); // p_flags (64-bit puts it second)
    b.extend_from_slice(&120u64.to_le_bytes()); // p_offset
    b.extend_from_slice(&0x8000_0000u64.to_le_bytes()); // p_vaddr
    b.extend_from_slice(&paddr.to_le_bytes()); // p_paddr
    b.extend_from_slice(&filesz.to_le_bytes()); // p_filesz
    b.extend_from_slice(&filesz.to_le_bytes()); // p_memsz
    b.extend_from_slice(&8u64.to_le_bytes()); // p_align
    assert_eq!(b.len(), 120);
    b.extend_from_slice(tail);
    b
}

#[test]
fn elf64_little_endian() {
    let img = read_elf(&elf64(0x2000_0000, 3, b"xyz")).unwrap();
    assert_eq!(img.segments()[0].address, 0x2000_0000);
    assert_eq!(img.segments()[0].data, b"xyz");
    assert_eq!(img.entry(), Some(0x2000_0000));
    let e = read_elf(&elf64(0x1_0000_0000, 3, b"xyz")).unwrap_err();
    assert!(matches!(
        e.kind,
        ElfErrorKind::AddressTooWide {
            what: "p_paddr",
            ..
        }
    ));
    assert_eq!(e.offset, 64 + 24);
    let e = read_elf(&elf64(0xFFFF_FFFE, 3, b"xyz")).unwrap_err();
    assert!(matches!(e.kind, ElfErrorKind::AddressTooWide { .. }));
}

#[test]
fn elf_errors_are_located() {
    let good = elf32(2, &[[PT_LOAD, 84, 0x100, 0x100, 2, 2, 5, 4]], &[1, 2]);
    assert_eq!(
        read_elf(b"\x7fELG").unwrap_err().kind,
        ElfErrorKind::BadMagic
    );
    let mut be = good.clone();
    be[5] = 2; // ELFDATA2MSB
    let e = read_elf(&be).unwrap_err();
    assert_eq!((e.offset, e.kind), (5, ElfErrorKind::NotLittleEndian(2)));
    let mut class = good.clone();
    class[4] = 3;
    assert_eq!(
        read_elf(&class).unwrap_err().kind,
        ElfErrorKind::BadClass(3)
    );
    let rel = elf32(1, &[[PT_LOAD, 84, 0x100, 0x100, 2, 2, 5, 4]], &[1, 2]);
    assert_eq!(
        read_elf(&rel).unwrap_err().kind,
        ElfErrorKind::NotExecutable(1)
    );
    let e = read_elf(&good[..60]).unwrap_err();
    assert_eq!(
        (e.offset, e.kind),
        (
            64,
            ElfErrorKind::Truncated {
                what: "a program header"
            }
        )
    );
    let outside = elf32(2, &[[PT_LOAD, 84, 0x100, 0x100, 3, 3, 5, 4]], &[1, 2]);
    let e = read_elf(&outside).unwrap_err();
    assert_eq!(e.offset, 52 + 4);
    assert!(matches!(
        e.kind,
        ElfErrorKind::DataOutsideFile { index: 0, .. }
    ));
    let none = elf32(2, &[[PT_NOTE, 84, 0, 0, 2, 2, 4, 4]], &[1, 2]);
    assert_eq!(
        read_elf(&none).unwrap_err().kind,
        ElfErrorKind::NoLoadableData
    );
    let mut small = good.clone();
    small[42] = 16; // e_phentsize
    assert!(matches!(
        read_elf(&small).unwrap_err().kind,
        ElfErrorKind::BadPhentsize {
            found: 16,
            needed: 32
        }
    ));
    assert!(read_elf(&good).is_ok());
}

#[test]
fn elf_overlapping_loads_name_both_program_headers() {
    let bytes = elf32(
        2,
        &[
            [PT_NOTE, 0, 0, 0, 0, 0, 0, 0],
            [PT_LOAD, 116, 0x100, 0x100, 4, 4, 5, 4],
            [PT_LOAD, 120, 0x102, 0x102, 4, 4, 5, 4],
        ],
        &[0; 8],
    );
    let msg = read_elf(&bytes).unwrap_err().to_string();
    assert!(
        msg.contains("program header 1 [0x00000100..0x00000104)"),
        "{msg}"
    );
    assert!(
        msg.contains("program header 2 [0x00000102..0x00000106)"),
        "{msg}"
    );
}

#[test]
fn elf_load_table_cannot_claim_more_than_the_file() {
    // Many headers pointing at the same bytes at distinct addresses.
    let phdrs: Vec<[u32; 8]> = (0..4)
        .map(|i| [PT_LOAD, 0, 0x1000 * i, 0x1000 * i, 150, 150, 5, 4])
        .collect();
    let bytes = elf32(2, &phdrs, &[0; 40]);
    assert!(matches!(
        read_elf(&bytes).unwrap_err().kind,
        ElfErrorKind::LoadsMoreThanFile { .. }
    ));
}

#[test]
fn elf_writer_round_trips_both_classes() {
    for wide in [false, true] {
        let loads = [
            ElfLoad {
                vaddr: 0x0800_0000,
                paddr: 0x0800_0000,
                data: vec![1; 100],
                memsz: 100,
            },
            ElfLoad {
                vaddr: 0x2000_0000,
                paddr: 0x0800_0064,
                data: vec![2; 10],
                memsz: 64,
            },
        ];
        let bytes = write_elf(wide, EM_ARM, 0x0800_0001, &loads);
        let img = read_elf(&bytes).unwrap();
        let mut want = vec![1; 100];
        want.extend_from_slice(&[2; 10]);
        assert_eq!(img.flat(), want);
        assert_eq!(img.entry(), Some(0x0800_0001));
    }
}
