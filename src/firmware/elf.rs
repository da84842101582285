//! ELF reader (and a minimal writer for fixtures and tests), per the System V
//! ABI generic chapter 4 (ELF header, e_ident) and chapter 5 (program headers).
//!
//! Flash tools program what the loader would copy from the file: PT_LOAD
//! program headers with p_filesz > 0, placed at their *physical* address
//! p_paddr (the load memory address, LMA). For initialised RAM data (.data)
//! p_vaddr is the RAM address while p_paddr is where its initial value sits in
//! flash; the p_memsz − p_filesz tail (.bss) is zeroed at run time and never
//! flashed. This matches probe-rs, OpenOCD and `objcopy -O binary`.

use thiserror::Error;

use super::image::{Image, ImageError, ImageFormat, Segment};

const MAGIC: [u8; 4] = [0x7F, b'E', b'L', b'F'];
const ELFCLASS32: u8 = 1;
const ELFCLASS64: u8 = 2;
const ELFDATA2LSB: u8 = 1;
const EV_CURRENT: u8 = 1;
const ET_EXEC: u16 = 2;
const ET_DYN: u16 = 3;
const PT_LOAD: u32 = 1;
/// e_phnum value meaning "real count in section header 0" (gABI ch. 4).
const PN_XNUM: u16 = 0xFFFF;
/// EM_ARM (gABI e_machine table); used by the writer only.
pub const EM_ARM: u16 = 40;

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ElfErrorKind {
    #[error("not an ELF file (no \\x7fELF magic)")]
    BadMagic,
    #[error("EI_CLASS {0} is neither ELFCLASS32 (1) nor ELFCLASS64 (2)")]
    BadClass(u8),
    #[error("EI_DATA {0}: only little-endian (ELFDATA2LSB = 1) is supported")]
    NotLittleEndian(u8),
    #[error("EI_VERSION {0} is not EV_CURRENT (1)")]
    BadVersion(u8),
    #[error("e_type {0} is not an executable (ET_EXEC 2 or ET_DYN 3)")]
    NotExecutable(u16),
    #[error("file ends inside {what}")]
    Truncated { what: &'static str },
    #[error("e_phentsize {found} is smaller than a program header ({needed} bytes)")]
    BadPhentsize { found: u16, needed: u16 },
    #[error("e_phnum is PN_XNUM (more than 65534 program headers): not supported")]
    TooManyProgramHeaders,
    #[error("program header {index}: {what} {value:#x} does not fit 32-bit flash addresses")]
    AddressTooWide {
        index: usize,
        what: &'static str,
        value: u64,
    },
    #[error(
        "program header {index}: file data [{offset:#x}..+{size:#x}) lies past the end of the file"
    )]
    DataOutsideFile {
        index: usize,
        offset: u64,
        size: u64,
    },
    #[error("loadable segments take {loaded} bytes from a {file} byte file")]
    LoadsMoreThanFile { loaded: u64, file: u64 },
    #[error("no PT_LOAD program header with file data")]
    NoLoadableData,
    #[error("{0}")]
    Image(ImageError),
}

/// A located ELF error: byte offset in the file of the field that failed.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("offset {offset:#x}: {kind}")]
pub struct ElfError {
    pub offset: u64,
    pub kind: ElfErrorKind,
}

/// Little-endian field reader over the whole file with located errors.
struct Reader<'a> {
    bytes: &'a [u8],
}

impl Reader<'_> {
    fn uint(&self, at: u64, width: usize, what: &'static str) -> Result<u64, ElfError> {
        let slice = usize::try_from(at)
            .ok()
            .and_then(|a| self.bytes.get(a..a.checked_add(width)?));
        let slice = slice.ok_or(ElfError {
            offset: at,
            kind: ElfErrorKind::Truncated { what },
        })?;
        Ok(slice
            .iter()
            .rev()
            .fold(0u64, |acc, &b| acc << 8 | u64::from(b)))
    }
}

/// One PT_LOAD entry, before its bytes are copied.
struct Load {
    index: usize,
    offset: u64,
    paddr: u32,
    filesz: u64,
}

/// Parses an ELF32/ELF64 little-endian executable into an [`Image`].
pub fn read_elf(bytes: &[u8]) -> Result<Image, ElfError> {
    let r = Reader { bytes };
    let fail = |offset: u64, kind| ElfError { offset, kind };
    if bytes.get(..4) != Some(&MAGIC[..]) {
        return Err(fail(0, ElfErrorKind::BadMagic));
    }
    let class = r.uint(4, 1, "e_ident")? as u8;
    let wide = match class {
        ELFCLASS32 => false,
        ELFCLASS64 => true,
        c => return Err(fail(4, ElfErrorKind::BadClass(c))),
    };
    let data = r.uint(5, 1, "e_ident")? as u8;
    if data != ELFDATA2LSB {
        return Err(fail(5, ElfErrorKind::NotLittleEndian(data)));
    }
    let version = r.uint(6, 1, "e_ident")? as u8;
    if version != EV_CURRENT {
        return Err(fail(6, ElfErrorKind::BadVersion(version)));
    }
    let e_type = r.uint(16, 2, "the ELF header")? as u16;
    if e_type != ET_EXEC && e_type != ET_DYN {
        return Err(fail(16, ElfErrorKind::NotExecutable(e_type)));
    }
    // Field offsets differ between the two classes (gABI ch. 4, "ELF Header").
    let (addr_w, entry_at, phoff_at, phentsize_at, phnum_at, ph_size) = if wide {
        (8, 24, 32, 54, 56, 56u16)
    } else {
        (4, 24, 28, 42, 44, 32u16)
    };
    let entry = r.uint(entry_at, addr_w, "the ELF header")?;
    let phoff = r.uint(phoff_at, addr_w, "the ELF header")?;
    let phentsize = r.uint(phentsize_at, 2, "the ELF header")? as u16;
    let phnum = r.uint(phnum_at, 2, "the ELF header")? as u16;
    if phnum == PN_XNUM {
        return Err(fail(phnum_at, ElfErrorKind::TooManyProgramHeaders));
    }
    if phnum > 0 && phentsize < ph_size {
        return Err(fail(
            phentsize_at,
            ElfErrorKind::BadPhentsize {
                found: phentsize,
                needed: ph_size,
            },
        ));
    }
    let entry = u32::try_from(entry).map_err(|_| {
        fail(
            entry_at,
            ElfErrorKind::AddressTooWide {
                index: 0,
                what: "e_entry",
                value: entry,
            },
        )
    })?;

    let mut loads = Vec::new();
    for index in 0..usize::from(phnum) {
        let base = phoff
            .checked_add(index as u64 * u64::from(phentsize))
            .ok_or(fail(phoff_at, ElfErrorKind::Truncated { what: "e_phoff" }))?;
        let what = "a program header";
        let p_type = r.uint(base, 4, what)? as u32;
        if p_type != PT_LOAD {
            continue;
        }
        // Program header field offsets (gABI ch. 5, Elf32_Phdr / Elf64_Phdr).
        let (off_at, paddr_at, filesz_at) = if wide { (8, 24, 32) } else { (4, 12, 16) };
        let offset = r.uint(base + off_at, addr_w, what)?;
        let paddr = r.uint(base + paddr_at, addr_w, what)?;
        let filesz = r.uint(base + filesz_at, addr_w, what)?;
        if filesz == 0 {
            continue;
        }
        let wide_err = |what, value| {
            fail(
                base + paddr_at,
                ElfErrorKind::AddressTooWide { index, what, value },
            )
        };
        let paddr_u32 = u32::try_from(paddr).map_err(|_| wide_err("p_paddr", paddr))?;
        if paddr.checked_add(filesz).is_none_or(|end| end > 1 << 32) {
            return Err(wide_err("p_paddr + p_filesz", paddr.saturating_add(filesz)));
        }
        if offset
            .checked_add(filesz)
            .is_none_or(|end| end > bytes.len() as u64)
        {
            return Err(fail(
                base + off_at,
                ElfErrorKind::DataOutsideFile {
                    index,
                    offset,
                    size: filesz,
                },
            ));
        }
        loads.push(Load {
            index,
            offset,
            paddr: paddr_u32,
            filesz,
        });
    }
    if loads.is_empty() {
        return Err(fail(phoff, ElfErrorKind::NoLoadableData));
    }
    // Each flashed byte comes from a distinct file byte; refusing more than
    // the file holds keeps a hostile header table from exhausting memory.
    let loaded: u64 = loads.iter().map(|l| l.filesz).sum();
    if loaded > bytes.len() as u64 {
        return Err(fail(
            phoff,
            ElfErrorKind::LoadsMoreThanFile {
                loaded,
                file: bytes.len() as u64,
            },
        ));
    }
    let tagged = loads
        .iter()
        .map(|l| {
            let from = l.offset as usize;
            let data = bytes
                .get(from..from + l.filesz as usize)
                .unwrap_or(&[])
                .to_vec();
            (
                Segment {
                    address: l.paddr,
                    data,
                },
                format!("program header {}", l.index),
            )
        })
        .collect();
    Image::from_tagged(tagged, Some(entry), ImageFormat::Elf)
        .map_err(|e| fail(phoff, ElfErrorKind::Image(e)))
}

/// One loadable segment for [`write_elf`]: `paddr` is where the bytes go in
/// flash, `vaddr` where the program sees them, `memsz` ≥ data length.
#[derive(Debug, Clone)]
pub struct ElfLoad {
    pub vaddr: u64,
    pub paddr: u64,
    pub data: Vec<u8>,
    pub memsz: u64,
}

/// Writes a minimal little-endian ELF executable (no sections) holding
/// `loads` as PT_LOAD program headers, for fixtures and round-trip tests.
pub fn write_elf(wide: bool, machine: u16, entry: u64, loads: &[ElfLoad]) -> Vec<u8> {
    let (ehsize, phentsize) = if wide { (64u64, 56u64) } else { (52, 32) };
    let mut out = Vec::new();
    out.extend_from_slice(&MAGIC);
    out.extend_from_slice(&[
        if wide { ELFCLASS64 } else { ELFCLASS32 },
        ELFDATA2LSB,
        EV_CURRENT,
        0, // ELFOSABI_NONE
        0,
        0,
        0,
        0,
        0,
        0,
        0,
        0,
    ]);
    let word = |out: &mut Vec<u8>, v: u64| {
        if wide {
            out.extend_from_slice(&v.to_le_bytes());
        } else {
            out.extend_from_slice(&(v as u32).to_le_bytes());
        }
    };
    out.extend_from_slice(&ET_EXEC.to_le_bytes());
    out.extend_from_slice(&machine.to_le_bytes());
    out.extend_from_slice(&1u32.to_le_bytes()); // e_version
    word(&mut out, entry);
    word(&mut out, ehsize); // e_phoff: program headers right after the ELF header
    word(&mut out, 0); // e_shoff: no sections
    out.extend_from_slice(&0u32.to_le_bytes()); // e_flags
    out.extend_from_slice(&(ehsize as u16).to_le_bytes());
    out.extend_from_slice(&(phentsize as u16).to_le_bytes());
    out.extend_from_slice(&(loads.len() as u16).to_le_bytes());
    out.extend_from_slice(&[0; 6]); // e_shentsize, e_shnum, e_shstrndx
    let mut data_off = ehsize + phentsize * loads.len() as u64;
    for l in loads {
        let filesz = l.data.len() as u64;
        out.extend_from_slice(&PT_LOAD.to_le_bytes());
        let flags = 0x5u32; // PF_R | PF_X
        if wide {
            out.extend_from_slice(&flags.to_le_bytes());
        }
        word(&mut out, if filesz > 0 { data_off } else { 0 });
        word(&mut out, l.vaddr);
        word(&mut out, l.paddr);
        word(&mut out, filesz);
        word(&mut out, l.memsz.max(filesz));
        if !wide {
            out.extend_from_slice(&flags.to_le_bytes());
        }
        word(&mut out, 4); // p_align
        data_off += filesz;
    }
    for l in loads {
        out.extend_from_slice(&l.data);
    }
    out
}
