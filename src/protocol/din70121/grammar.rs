//! The event-code arithmetic of the DIN schema's content models, and the
//! bit writer/reader wrappers that keep the path of the element being coded
//! (for errors that say where a stream went wrong).
//!
//! The DIN message set rides on the schema-informed, bit-packed, non-strict
//! EXI profile (`iso15118::exi`). Under non-strict grammars a state whose
//! first-level productions number `n` is coded in `bit_width(n + 1)` bits
//! (the `+ 1` is the second-level escape). The first level at a position in a
//! sequence is every item from there up to and including the next required
//! one, a choice (a substitution group such as `DC_EVChargeParameter` vs
//! `AC_EVChargeParameter`) counting one production per branch, and `EE`
//! when nothing required is left. This reproduces, state for state, the
//! widths and codes of the grammar EVerest's cbexigen generates from the DIN
//! XSDs (libcbv2g `lib/cbv2g/din/din_msgDefEncoder.c`, each `Grammar: ID=…;
//! read/write bits=…` comment), which the tests check against published
//! vectors.

use super::DinError;
use iso15118::exi::{Decoder, Encoder, ExiError, Lengths, ValueCtx};

/// One item of a content model: an element, or a choice of `branches`
/// elements at consecutive codes.
#[derive(Debug, Clone, Copy)]
pub(super) struct Item {
    pub name: &'static str,
    pub branches: u64,
    pub required: bool,
}

pub(super) const fn req(name: &'static str) -> Item {
    Item {
        name,
        branches: 1,
        required: true,
    }
}

pub(super) const fn opt(name: &'static str) -> Item {
    Item {
        name,
        branches: 1,
        required: false,
    }
}

/// A choice among `branches` elements (a substitution group).
pub(super) const fn choice(name: &'static str, branches: u64, required: bool) -> Item {
    Item {
        name,
        branches,
        required,
    }
}

/// Bits for a state with `productions` first-level productions (non-strict:
/// one more value for the second-level escape).
pub(super) const fn width(productions: u64) -> u32 {
    u64::BITS - productions.leading_zeros()
}

/// Position in one content model.
#[derive(Debug)]
pub(super) struct Seq {
    items: &'static [Item],
    pos: usize,
}

impl Seq {
    pub fn new(items: &'static [Item]) -> Self {
        Seq { items, pos: 0 }
    }

    /// Productions of the current state, and whether `EE` is one of them.
    fn first(&self) -> (u64, bool) {
        let mut n = 0;
        for item in &self.items[self.pos..] {
            n += item.branches;
            if item.required {
                return (n, false);
            }
        }
        (n + 1, true)
    }

    fn width(&self) -> u32 {
        width(self.first().0)
    }

    /// The code of branch `b` of item `j` from here, if the grammar allows it.
    fn code(&self, j: usize, b: u64) -> Option<u64> {
        if j < self.pos || j >= self.items.len() || b >= self.items[j].branches {
            return None;
        }
        let mut code = 0;
        for item in &self.items[self.pos..j] {
            if item.required {
                return None;
            }
            code += item.branches;
        }
        Some(code + b)
    }
}

/// The writer: an EXI encoder and the path of the element being written.
pub(super) struct W<'a> {
    pub e: Encoder<'a>,
    path: Vec<&'static str>,
}

impl<'a> W<'a> {
    pub fn new(e: Encoder<'a>) -> Self {
        W {
            e,
            path: Vec::new(),
        }
    }

    fn here(&self) -> String {
        self.path.join("/")
    }

    pub fn fail(&self, e: ExiError) -> DinError {
        DinError::Exi {
            element: self.here(),
            bit: self.e.bit_len(),
            source: e,
        }
    }

    pub fn invalid(&self, what: impl Into<String>) -> DinError {
        DinError::Invalid {
            element: self.here(),
            what: what.into(),
        }
    }

    pub fn bits(&mut self, code: u64, width: u32) -> Result<(), DinError> {
        self.e.event(code, width).map_err(|e| self.fail(e))
    }

    /// Starts branch `b` of item `j` of `seq`; the element's name joins the
    /// path until [`W::leave`].
    pub fn start(&mut self, seq: &mut Seq, j: usize, b: u64) -> Result<(), DinError> {
        let width = seq.width();
        let Some(code) = seq.code(j, b) else {
            let name = seq.items.get(j).map_or("?", |i| i.name);
            return Err(self.invalid(format!("{name} cannot come here in the schema")));
        };
        self.bits(code, width)?;
        seq.pos = j + 1;
        self.path.push(seq.items[j].name);
        self.e.enter().map_err(|e| self.fail(e))
    }

    pub fn leave(&mut self) {
        self.e.leave();
        self.path.pop();
    }

    /// Names the element just started (a branch of a choice, a repetition).
    pub fn rename(&mut self, name: &'static str) {
        if let Some(top) = self.path.last_mut() {
            *top = name;
        }
    }

    /// Enters a repetition of an element started by [`W::repeat`].
    pub fn push(&mut self, name: &'static str) -> Result<(), DinError> {
        self.path.push(name);
        self.e.enter().map_err(|e| self.fail(e))
    }

    /// `EE` of the element whose content `seq` describes.
    pub fn end(&mut self, seq: &Seq) -> Result<(), DinError> {
        let (n, ee) = seq.first();
        if !ee {
            let missing = seq.items.get(seq.pos).map_or("?", |i| i.name);
            return Err(self.invalid(format!("{missing} is required")));
        }
        self.bits(n - 1, width(n))
    }

    /// After an occurrence of a repeatable last item: another (`true`) or
    /// `EE`. `LOOP (X), END Element` in two bits.
    pub fn repeat(&mut self, again: bool) -> Result<(), DinError> {
        self.bits(u64::from(!again), 2)
    }

    /// A simple-typed element: its start, `CH`, the value, `EE`.
    pub fn leaf(
        &mut self,
        seq: &mut Seq,
        j: usize,
        value: impl FnOnce(&mut Self) -> Result<(), DinError>,
    ) -> Result<(), DinError> {
        self.start(seq, j, 0)?;
        self.bits(0, 1)?;
        value(self)?;
        self.bits(0, 1)?;
        self.leave();
        Ok(())
    }

    pub fn uint(&mut self, v: u64) -> Result<(), DinError> {
        self.e.uint(v).map_err(|e| self.fail(e))
    }

    pub fn int(&mut self, v: i64) -> Result<(), DinError> {
        self.e.int(v).map_err(|e| self.fail(e))
    }

    pub fn boolean(&mut self, v: bool) -> Result<(), DinError> {
        self.e.boolean(v).map_err(|e| self.fail(e))
    }

    /// An enumeration index among `count` values.
    pub fn enumeration(&mut self, index: u8, count: u8) -> Result<(), DinError> {
        let w = iso15118::exi::bit_width(u64::from(count));
        self.bits(u64::from(index), w)
    }

    pub fn restricted(&mut self, v: i64, min: i64, max: i64) -> Result<(), DinError> {
        self.e.restricted(v, min, max).map_err(|e| self.fail(e))
    }

    pub fn binary(&mut self, bytes: &[u8], lengths: Lengths) -> Result<(), DinError> {
        self.e.binary(bytes, lengths).map_err(|e| self.fail(e))
    }

    pub fn string(&mut self, ctx: ValueCtx, s: &str, lengths: Lengths) -> Result<(), DinError> {
        self.e.string(ctx, s, lengths).map_err(|e| self.fail(e))
    }
}

/// The reader: an EXI decoder and the path of the element being read.
pub(super) struct R<'a> {
    pub d: Decoder<'a>,
    path: Vec<&'static str>,
}

impl<'a> R<'a> {
    pub fn new(d: Decoder<'a>) -> Self {
        R {
            d,
            path: Vec::new(),
        }
    }

    fn here(&self) -> String {
        if self.path.is_empty() {
            "document".into()
        } else {
            self.path.join("/")
        }
    }

    pub fn fail(&self, e: ExiError) -> DinError {
        DinError::Exi {
            element: self.here(),
            bit: self.d.bit_pos(),
            source: e,
        }
    }

    /// Content this message set does not take (AC, Plug & Charge,
    /// signatures…), at the bit where it started.
    pub fn unsupported(&self, what: impl Into<String>) -> DinError {
        DinError::Unsupported {
            element: self.here(),
            bit: self.d.bit_pos(),
            what: what.into(),
        }
    }

    pub fn bits(&mut self, width: u32) -> Result<u64, DinError> {
        self.d.event(width).map_err(|e| self.fail(e))
    }

    fn expect(&mut self, code: u64, width: u32) -> Result<(), DinError> {
        if self.bits(width)? == code {
            Ok(())
        } else {
            Err(self.fail(ExiError::UnknownEventCode))
        }
    }

    /// The next event of `seq`: `Some((item, branch))` for a start (its name
    /// joins the path until [`R::leave`]), `None` for `EE`.
    pub fn next(&mut self, seq: &mut Seq) -> Result<Option<(usize, u64)>, DinError> {
        let (n, ee) = seq.first();
        let code = self.bits(width(n))?;
        if ee && code == n - 1 {
            return Ok(None);
        }
        let mut rest = code;
        for j in seq.pos..seq.items.len() {
            let item = seq.items[j];
            if rest < item.branches {
                seq.pos = j + 1;
                self.path.push(item.name);
                self.d.enter().map_err(|e| self.fail(e))?;
                return Ok(Some((j, rest)));
            }
            if item.required {
                break;
            }
            rest -= item.branches;
        }
        Err(self.fail(ExiError::UnknownEventCode))
    }

    /// The next event must start item `j` (its only branch).
    pub fn start(&mut self, seq: &mut Seq, j: usize) -> Result<(), DinError> {
        match self.next(seq)? {
            Some((k, 0)) if k == j => Ok(()),
            Some(_) => {
                self.leave();
                Err(self.fail(ExiError::UnknownEventCode))
            }
            None => Err(self.fail(ExiError::MissingElement)),
        }
    }

    pub fn leave(&mut self) {
        self.d.leave();
        self.path.pop();
    }

    /// Names the element just started (a branch of a choice, a repetition).
    pub fn rename(&mut self, name: &'static str) {
        if let Some(top) = self.path.last_mut() {
            *top = name;
        }
    }

    /// Enters a repetition of an element announced by [`R::repeat`].
    pub fn push(&mut self, name: &'static str) -> Result<(), DinError> {
        self.path.push(name);
        self.d.enter().map_err(|e| self.fail(e))
    }

    /// `EE` must come now.
    pub fn end(&mut self, seq: &mut Seq) -> Result<(), DinError> {
        match self.next(seq)? {
            None => Ok(()),
            Some(_) => {
                self.leave();
                Err(self.fail(ExiError::UnknownEventCode))
            }
        }
    }

    /// After an occurrence of a repeatable last item: another one?
    pub fn repeat(&mut self) -> Result<bool, DinError> {
        match self.bits(2)? {
            0 => Ok(true),
            1 => Ok(false),
            _ => Err(self.fail(ExiError::UnknownEventCode)),
        }
    }

    /// The content of a simple-typed element already started: `CH`, the
    /// value, `EE`; leaves it.
    pub fn leaf<T>(
        &mut self,
        value: impl FnOnce(&mut Self) -> Result<T, DinError>,
    ) -> Result<T, DinError> {
        self.expect(0, 1)?;
        let v = value(self)?;
        self.expect(0, 1)?;
        self.leave();
        Ok(v)
    }

    pub fn uint(&mut self) -> Result<u64, DinError> {
        self.d.uint().map_err(|e| self.fail(e))
    }

    pub fn u32(&mut self) -> Result<u32, DinError> {
        let v = self.uint()?;
        u32::try_from(v).map_err(|_| self.fail(ExiError::IntegerOverflow))
    }

    pub fn u16(&mut self) -> Result<u16, DinError> {
        let v = self.uint()?;
        u16::try_from(v).map_err(|_| self.fail(ExiError::IntegerOverflow))
    }

    pub fn int(&mut self) -> Result<i64, DinError> {
        self.d.int().map_err(|e| self.fail(e))
    }

    pub fn i16(&mut self) -> Result<i16, DinError> {
        let v = self.int()?;
        i16::try_from(v).map_err(|_| self.fail(ExiError::IntegerOverflow))
    }

    pub fn boolean(&mut self) -> Result<bool, DinError> {
        self.d.boolean().map_err(|e| self.fail(e))
    }

    /// An enumeration index among `count` values.
    pub fn enumeration(&mut self, count: u8) -> Result<u8, DinError> {
        let w = iso15118::exi::bit_width(u64::from(count));
        let v = self.bits(w)?;
        match u8::try_from(v) {
            Ok(i) if i < count => Ok(i),
            _ => Err(self.fail(ExiError::UnknownEnumValue)),
        }
    }

    pub fn restricted(&mut self, min: i64, max: i64) -> Result<i64, DinError> {
        self.d.restricted(min, max).map_err(|e| self.fail(e))
    }

    pub fn binary(&mut self, lengths: Lengths) -> Result<Vec<u8>, DinError> {
        self.d.binary(lengths).map_err(|e| self.fail(e))
    }

    pub fn string(&mut self, ctx: ValueCtx, lengths: Lengths) -> Result<String, DinError> {
        self.d.string(ctx, lengths).map_err(|e| self.fail(e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Widths as libcbv2g's DIN grammar states have them.
    #[test]
    fn widths_follow_the_non_strict_grammar() {
        // PhysicalValueType ID=102 (Multiplier): 1 bit; ID=103 (Unit, Value): 2.
        static PV: [Item; 3] = [req("Multiplier"), opt("Unit"), req("Value")];
        let mut s = Seq::new(&PV);
        assert_eq!(s.width(), 1);
        s.pos = 1;
        assert_eq!(s.width(), 2);
        assert_eq!(s.code(2, 0), Some(1));
        // DC_EVChargeParameterType ID=126: 4 optional + EE = 3 bits.
        static CP: [Item; 4] = [opt("a"), opt("b"), opt("c"), opt("d")];
        assert_eq!(Seq::new(&CP).width(), 3);
        // BodyType ID=288: 35 branches + EE: 6 bits.
        static BODY: [Item; 1] = [choice("Body", 35, false)];
        assert_eq!(Seq::new(&BODY).width(), 6);
    }
}
