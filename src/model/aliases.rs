//! Alias accounting for the spans pass. serde expands every `*alias` into a
//! full copy of the node its `&anchor` names, so a small file can stand for
//! billions of values (a 609 KB plan of `steps: *st` in 20 000 tests is
//! 20 million steps). The spans pass sees each alias once, before serde
//! expands anything, and counts what it stands for.

use std::collections::HashMap;

/// Most alias uses (`*name`) one file may have. The shipped anti-islanding
/// plan uses two (its island sweep, written once for three power levels); a
/// few hundred leaves room for any hand-written file.
pub const MAX_ALIASES: usize = 256;

/// Most nodes (scalars, keys, mappings, sequences) a file may stand for,
/// each alias counted as the nodes it repeats. A plan at the step limits
/// (100 000 steps of about ten nodes each) fits; parsing it takes a few
/// hundred MB at most.
pub const MAX_NODES: u64 = 2_000_000;

/// Running count of the nodes a document stands for.
#[derive(Default)]
pub(crate) struct NodeBudget {
    nodes: u64,
    aliases: usize,
    /// Anchor id → nodes its complete node stands for (aliases included).
    sizes: HashMap<usize, u64>,
    /// Collections not yet ended: their anchor id (0: none) and the count at their start.
    open: Vec<(usize, u64)>,
}

/// Why the budget refuses a node; the spans pass words it.
#[derive(Debug, PartialEq)]
pub(crate) enum Refusal {
    TooManyAliases,
    TooManyNodes,
    /// An alias inside the node its anchor names: an endless structure.
    Recursive,
}

impl NodeBudget {
    /// A scalar (`collection: false`) or the start of a mapping or sequence.
    pub fn node(&mut self, anchor: usize, collection: bool) -> Result<(), Refusal> {
        self.add(1)?;
        if collection {
            self.open.push((anchor, self.nodes - 1));
        } else if anchor != 0 {
            self.sizes.insert(anchor, 1);
        }
        Ok(())
    }

    /// The end of the innermost open mapping or sequence.
    pub fn end(&mut self) {
        if let Some((anchor, start)) = self.open.pop() {
            if anchor != 0 {
                self.sizes.insert(anchor, self.nodes - start);
            }
        }
    }

    /// An alias: counts as everything its anchor's node stands for.
    pub fn alias(&mut self, anchor: usize) -> Result<(), Refusal> {
        self.aliases += 1;
        if self.aliases > MAX_ALIASES {
            return Err(Refusal::TooManyAliases);
        }
        let size = *self.sizes.get(&anchor).ok_or(Refusal::Recursive)?;
        self.add(size)
    }

    fn add(&mut self, n: u64) -> Result<(), Refusal> {
        self.nodes = self.nodes.saturating_add(n);
        if self.nodes > MAX_NODES {
            Err(Refusal::TooManyNodes)
        } else {
            Ok(())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_alias_counts_as_its_anchor_and_nested_aliases_multiply() {
        let mut b = NodeBudget::default();
        // &a [x, y]: 3 nodes.
        b.node(1, true).unwrap();
        b.node(0, false).unwrap();
        b.node(0, false).unwrap();
        b.end();
        // &b [*a, *a]: 1 + 3 + 3 nodes.
        b.node(2, true).unwrap();
        b.alias(1).unwrap();
        b.alias(1).unwrap();
        b.end();
        assert_eq!(b.sizes.get(&2), Some(&7));
        b.alias(2).unwrap();
        assert_eq!(b.nodes, 17);
    }

    #[test]
    fn recursion_and_the_caps_are_refused() {
        let mut b = NodeBudget::default();
        b.node(1, true).unwrap();
        assert_eq!(b.alias(1), Err(Refusal::Recursive));
        let mut b = NodeBudget::default();
        b.node(1, false).unwrap();
        for _ in 0..MAX_ALIASES {
            b.alias(1).unwrap();
        }
        assert_eq!(b.alias(1), Err(Refusal::TooManyAliases));
        let mut b = NodeBudget::default();
        b.node(0, false).unwrap();
        b.sizes.insert(1, MAX_NODES);
        assert_eq!(b.alias(1), Err(Refusal::TooManyNodes));
    }
}
