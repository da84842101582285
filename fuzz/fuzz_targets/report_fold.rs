//! Folding journal records into the commissioning report and rendering it:
//! whatever records a journal holds (each line that is a record at all,
//! chain unchecked so the fuzzer reaches the fold), the fold and the HTML,
//! JUnit and canonical-JSON renderers never panic, and the canonical JSON
//! is JSON that canonicalises to itself. Bytes after the first NUL are the
//! text of every waveform file the records name.
#![no_main]

use libfuzzer_sys::fuzz_target;
use std::collections::BTreeMap;
use v2x_hil::evidence::journal::Record;
use v2x_hil::report::canonical::to_canonical_string;
use v2x_hil::report::fold::from_records;
use v2x_hil::report::model::JournalSummary;
use v2x_hil::report::{html, junit};

fuzz_target!(|data: &[u8]| {
    let (journal, csv) = match data.iter().position(|&b| b == 0) {
        Some(i) => (&data[..i], &data[i + 1..]),
        None => (data, &[][..]),
    };
    let records: Vec<Record> = journal
        .split(|&c| c == b'\n')
        .filter_map(|line| serde_json::from_slice(line).ok())
        .collect();
    let summary = JournalSummary {
        records: records.len(),
        head_sha256: "0".repeat(64),
        torn_tail: false,
    };
    let report = from_records(&records, summary);
    let csv = String::from_utf8_lossy(csv).into_owned();
    let waveforms: BTreeMap<String, String> = report
        .tests
        .iter()
        .flat_map(|t| t.islands.iter())
        .filter_map(|i| i.waveform.as_ref())
        .map(|w| (w.file.clone(), csv.clone()))
        .collect();
    let _ = html::render(&report, &waveforms);
    let _ = junit::render(&report);
    let value = serde_json::to_value(&report).expect("a report serialises");
    let text = to_canonical_string(&value);
    let parsed: serde_json::Value = serde_json::from_str(&text).expect("canonical JSON parses");
    assert_eq!(to_canonical_string(&parsed), text);
});
