//! ELF firmware reader: never panics, keeps no more bytes than the file
//! holds, and the image it reads, written again as an ELF, reads back the
//! same (segments and entry point). The header check runs on it too.
#![no_main]

use libfuzzer_sys::fuzz_target;
use v2x_hil::firmware::elf::{read_elf, write_elf, ElfLoad};
use v2x_hil::firmware::{check_image, read_image, ReadOptions};

fuzz_target!(|data: &[u8]| {
    let _ = read_image("fw.elf", data, &ReadOptions::default());
    let Ok(image) = read_elf(data) else {
        return;
    };
    assert!(image.total_size() <= data.len() as u64);
    let _ = check_image(&image);
    let loads: Vec<ElfLoad> = image
        .segments()
        .iter()
        .map(|s| ElfLoad {
            vaddr: u64::from(s.address),
            paddr: u64::from(s.address),
            data: s.data.clone(),
            memsz: s.data.len() as u64,
        })
        .collect();
    let entry = u64::from(image.entry().unwrap_or(0));
    let again = read_elf(&write_elf(false, 40, entry, &loads)).expect("our own ELF reads back");
    assert_eq!(again.segments(), image.segments());
});
