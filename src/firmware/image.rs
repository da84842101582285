//! One memory-segment model for every image format: what bytes go at which
//! flash address. Readers build it; verification and flashing read it.

use std::fmt;
use std::ops::Range;

use thiserror::Error;

/// Value of erased NOR flash: gaps between segments read back as this.
pub const ERASED_BYTE: u8 = 0xFF;

/// Which file format an image was read from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ImageFormat {
    /// ELF32/ELF64 little-endian executable (System V ABI, gABI ch. 4–5).
    Elf,
    /// Intel HEX (Intel Hexadecimal Object File Format Specification, Rev. A, 1988).
    IntelHex,
    /// Raw binary placed at a base address chosen by the caller.
    Bin,
}

impl fmt::Display for ImageFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ImageFormat::Elf => "ELF",
            ImageFormat::IntelHex => "Intel HEX",
            ImageFormat::Bin => "raw binary",
        })
    }
}

/// Contiguous bytes to be programmed starting at `address`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Segment {
    pub address: u32,
    pub data: Vec<u8>,
}

impl Segment {
    /// First address past the segment; u64 because a segment may end at 4 GiB.
    pub fn end(&self) -> u64 {
        u64::from(self.address) + self.data.len() as u64
    }
}

/// A segment's address range and where it came from, for error messages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SegmentOrigin {
    pub start: u64,
    pub end: u64,
    /// E.g. "line 12", "program header 2", "segment 0".
    pub origin: String,
}

impl fmt::Display for SegmentOrigin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} [{:#010x}..{:#010x})",
            self.origin, self.start, self.end
        )
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ImageError {
    #[error("segments overlap: {first} and {second}")]
    Overlap {
        first: SegmentOrigin,
        second: SegmentOrigin,
    },
    #[error("{0} ends past the 32-bit address space")]
    BeyondAddressSpace(SegmentOrigin),
    #[error("image holds no data")]
    Empty,
    #[error("no image data at {address:#010x} and no fill byte was given")]
    Gap { address: u64 },
}

/// Memory image: segments sorted by address, never overlapping, never empty.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Image {
    segments: Vec<Segment>,
    entry: Option<u32>,
    format: ImageFormat,
}

impl Image {
    /// Sorts `segments`, drops empty ones and rejects overlaps (naming both by
    /// index in the given list).
    pub fn new(
        segments: Vec<Segment>,
        entry: Option<u32>,
        format: ImageFormat,
    ) -> Result<Image, ImageError> {
        let tagged = segments
            .into_iter()
            .enumerate()
            .map(|(i, s)| (s, format!("segment {i}")))
            .collect();
        Image::from_tagged(tagged, entry, format)
    }

    /// Like [`Image::new`], with a caller-supplied origin per segment so the
    /// overlap error can say "line 7" or "program header 1".
    pub(crate) fn from_tagged(
        mut tagged: Vec<(Segment, String)>,
        entry: Option<u32>,
        format: ImageFormat,
    ) -> Result<Image, ImageError> {
        tagged.retain(|(s, _)| !s.data.is_empty());
        if tagged.is_empty() {
            return Err(ImageError::Empty);
        }
        tagged.sort_by_key(|(s, _)| s.address);
        let span = |(s, o): &(Segment, String)| SegmentOrigin {
            start: u64::from(s.address),
            end: s.end(),
            origin: o.clone(),
        };
        for t in &tagged {
            if t.0.end() > 1u64 << 32 {
                return Err(ImageError::BeyondAddressSpace(span(t)));
            }
        }
        for pair in tagged.windows(2) {
            if let [a, b] = pair {
                if a.0.end() > u64::from(b.0.address) {
                    return Err(ImageError::Overlap {
                        first: span(a),
                        second: span(b),
                    });
                }
            }
        }
        Ok(Image {
            segments: tagged.into_iter().map(|(s, _)| s).collect(),
            entry,
            format,
        })
    }

    pub fn segments(&self) -> &[Segment] {
        &self.segments
    }

    /// Start address the file named (ELF e_entry, HEX type 03/05), if any.
    pub fn entry(&self) -> Option<u32> {
        self.entry
    }

    pub fn format(&self) -> ImageFormat {
        self.format
    }

    /// Number of data bytes over all segments (gaps not counted).
    pub fn total_size(&self) -> u64 {
        self.segments.iter().map(|s| s.data.len() as u64).sum()
    }

    /// Lowest address holding data.
    pub fn start_address(&self) -> u32 {
        self.segments.first().map_or(0, |s| s.address)
    }

    /// First address past the highest data byte.
    pub fn end_address(&self) -> u64 {
        self.segments.last().map_or(0, Segment::end)
    }

    /// Flat bytes for `range`. Addresses with no data are filled with `fill`
    /// (use [`ERASED_BYTE`] for what erased flash reads back); with `None`
    /// a gap is an error.
    pub fn bytes_at(&self, range: Range<u64>, fill: Option<u8>) -> Result<Vec<u8>, ImageError> {
        let len = range.end.saturating_sub(range.start);
        let mut out = Vec::with_capacity(usize::try_from(len).unwrap_or(0));
        let mut pos = range.start;
        // Segments are sorted: skip those ending before the range.
        let first = self.segments.partition_point(|s| s.end() <= range.start);
        for seg in self.segments.get(first..).unwrap_or(&[]) {
            if pos >= range.end {
                break;
            }
            let seg_start = u64::from(seg.address);
            if seg_start > pos {
                let gap_end = seg_start.min(range.end);
                let fill = fill.ok_or(ImageError::Gap { address: pos })?;
                out.resize(out.len() + (gap_end - pos) as usize, fill);
                pos = gap_end;
            }
            let take_end = seg.end().min(range.end);
            if take_end > pos {
                let from = (pos - seg_start) as usize;
                let to = (take_end - seg_start) as usize;
                out.extend_from_slice(seg.data.get(from..to).unwrap_or(&[]));
                pos = take_end;
            }
        }
        if pos < range.end {
            let fill = fill.ok_or(ImageError::Gap { address: pos })?;
            out.resize(out.len() + (range.end - pos) as usize, fill);
        }
        Ok(out)
    }

    /// Every byte from the lowest to the highest address, gaps as erased flash.
    pub fn flat(&self) -> Vec<u8> {
        self.bytes_at(
            u64::from(self.start_address())..self.end_address(),
            Some(ERASED_BYTE),
        )
        .unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seg(address: u32, data: &[u8]) -> Segment {
        Segment {
            address,
            data: data.to_vec(),
        }
    }

    #[test]
    fn sorts_and_sizes() {
        let img = Image::new(
            vec![seg(0x20, &[3, 4]), seg(0x10, &[1, 2])],
            None,
            ImageFormat::Bin,
        )
        .unwrap();
        assert_eq!(img.segments()[0].address, 0x10);
        assert_eq!(img.total_size(), 4);
        assert_eq!(img.start_address(), 0x10);
        assert_eq!(img.end_address(), 0x22);
    }

    #[test]
    fn overlap_names_both() {
        let err = Image::new(
            vec![seg(0x10, &[0; 8]), seg(0x14, &[0; 2])],
            None,
            ImageFormat::Bin,
        )
        .unwrap_err();
        let msg = err.to_string();
        assert!(msg.contains("segment 0 [0x00000010..0x00000018)"), "{msg}");
        assert!(msg.contains("segment 1 [0x00000014..0x00000016)"), "{msg}");
    }

    #[test]
    fn touching_segments_are_fine_and_empty_is_not() {
        assert!(Image::new(vec![seg(0, &[1]), seg(1, &[2])], None, ImageFormat::Bin).is_ok());
        assert_eq!(
            Image::new(vec![seg(5, &[])], None, ImageFormat::Bin),
            Err(ImageError::Empty)
        );
    }

    #[test]
    fn segment_may_end_exactly_at_4_gib_but_not_past() {
        assert!(Image::new(vec![seg(0xFFFF_FFFE, &[1, 2])], None, ImageFormat::Bin).is_ok());
        assert!(matches!(
            Image::new(vec![seg(0xFFFF_FFFE, &[1, 2, 3])], None, ImageFormat::Bin),
            Err(ImageError::BeyondAddressSpace(_))
        ));
    }

    #[test]
    fn flat_view_pads_gaps_only_when_asked() {
        let img = Image::new(
            vec![seg(0x10, &[1, 2]), seg(0x14, &[5])],
            None,
            ImageFormat::Bin,
        )
        .unwrap();
        assert_eq!(
            img.bytes_at(0x0F..0x16, Some(ERASED_BYTE)).unwrap(),
            vec![0xFF, 1, 2, 0xFF, 0xFF, 5, 0xFF]
        );
        assert_eq!(img.bytes_at(0x11..0x12, None).unwrap(), vec![2]);
        assert_eq!(
            img.bytes_at(0x10..0x15, None),
            Err(ImageError::Gap { address: 0x12 })
        );
        assert_eq!(img.flat(), vec![1, 2, 0xFF, 0xFF, 5]);
        #[allow(clippy::reversed_empty_ranges)]
        let backwards = 0x30..0x20;
        assert!(img.bytes_at(backwards, None).unwrap().is_empty());
    }
}
