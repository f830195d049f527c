//! String interning: every id a log repeats (goroutine, map, trace, key,
//! caller, scope) becomes a `Sym`, so events stay small and compare as integers.
//!
//! Parsing interns into a chunk-local [`Interner`] that borrows the mapped
//! bytes; [`Interner::absorb`] folds a chunk's table into the global one and
//! returns the id remapping, so chunks can be parsed in parallel.

use std::borrow::Cow;
use std::hash::Hasher;

use hashbrown::HashTable;
use rustc_hash::FxHasher;

/// An interned byte string. `Sym::NONE` is the empty string, which also stands
/// for "field absent".
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Sym(pub u32);

impl Sym {
    pub const NONE: Sym = Sym(0);

    pub fn is_none(self) -> bool {
        self.0 == 0
    }
}

/// Interns byte strings that live at least as long as `'a` (the inputs);
/// strings that had to be unescaped are owned.
///
/// The table holds symbols only; each string's hash is kept beside it, so
/// growing the table and absorbing a chunk's table never hash a string again.
pub struct Interner<'a> {
    table: HashTable<u32>,
    strs: Vec<Cow<'a, [u8]>>,
    hashes: Vec<u64>,
    /// The symbols last interned, by [`slot`]: a log repeats the ids of the
    /// few requests in flight, and a hit here costs no hashing.
    recent: [u32; RECENT],
}

const RECENT: usize = 256;

/// A string's place in [`Interner::recent`], from its length and three bytes.
#[inline(always)]
fn slot(s: &[u8]) -> usize {
    let n = s.len();
    let at = |i: usize| s.get(i).map_or(0, |&b| usize::from(b));
    (n ^ at(0) << 1 ^ at(n.wrapping_sub(1)) << 3 ^ at(n / 2) << 5) % RECENT
}

impl std::fmt::Debug for Interner<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Interner")
            .field("len", &self.strs.len())
            .finish()
    }
}

impl Default for Interner<'_> {
    fn default() -> Self {
        Self::new()
    }
}

/// The hash of a string's bytes.
#[inline]
fn hash(s: &[u8]) -> u64 {
    let mut h = FxHasher::default();
    h.write(s);
    h.finish()
}

/// Byte equality without a library call for the short strings logs repeat.
#[inline(always)]
fn same(a: &[u8], b: &[u8]) -> bool {
    let n = a.len();
    if n != b.len() {
        return false;
    }
    let word = |s: &[u8], at: usize| u64::from_le_bytes(s[at..at + 8].try_into().expect("8"));
    match n {
        0..8 => a.iter().zip(b).all(|(x, y)| x == y),
        8..=16 => word(a, 0) == word(b, 0) && word(a, n - 8) == word(b, n - 8),
        17..=32 => {
            word(a, 0) == word(b, 0)
                && word(a, 8) == word(b, 8)
                && word(a, n - 16) == word(b, n - 16)
                && word(a, n - 8) == word(b, n - 8)
        }
        _ => a == b,
    }
}

impl<'a> Interner<'a> {
    pub fn new() -> Self {
        Self::with_capacity(0)
    }

    /// An interner with room for about `n` strings.
    pub fn with_capacity(n: usize) -> Self {
        let mut i = Interner {
            table: HashTable::with_capacity(n + 1),
            strs: Vec::with_capacity(n + 1),
            hashes: Vec::with_capacity(n + 1),
            recent: [0; RECENT],
        };
        i.insert(Cow::Borrowed(&b""[..]), hash(b""));
        i
    }

    #[inline]
    fn find(&self, s: &[u8], h: u64) -> Option<Sym> {
        self.table
            .find(h, |&sym| same(&self.strs[sym as usize], s))
            .map(|&sym| Sym(sym))
    }

    fn insert(&mut self, s: Cow<'a, [u8]>, h: u64) -> Sym {
        let sym = self.strs.len() as u32;
        let hashes = &self.hashes;
        self.table.insert_unique(h, sym, |&x| hashes[x as usize]);
        self.strs.push(s);
        self.hashes.push(h);
        Sym(sym)
    }

    pub fn intern(&mut self, s: Cow<'a, [u8]>) -> Sym {
        let h = hash(&s);
        match self.find(&s, h) {
            Some(sym) => sym,
            None => self.insert(s, h),
        }
    }

    #[inline]
    pub fn intern_borrowed(&mut self, s: &'a [u8]) -> Sym {
        let at = slot(s);
        let last = self.recent[at];
        if same(&self.strs[last as usize], s) {
            return Sym(last);
        }
        let h = hash(s);
        let sym = match self.find(s, h) {
            Some(sym) => sym,
            None => self.insert(Cow::Borrowed(s), h),
        };
        self.recent[at] = sym.0;
        sym
    }

    pub fn get(&self, s: &[u8]) -> Option<Sym> {
        self.find(s, hash(s))
    }

    pub fn bytes(&self, sym: Sym) -> &[u8] {
        &self.strs[sym.0 as usize]
    }

    /// The symbol's text, lossily decoded (log text is not always UTF-8).
    pub fn str(&self, sym: Sym) -> Cow<'_, str> {
        String::from_utf8_lossy(self.bytes(sym))
    }

    pub fn len(&self) -> usize {
        self.strs.len()
    }

    pub fn is_empty(&self) -> bool {
        self.strs.len() <= 1
    }

    /// Moves every string of `local` into `self`; entry `i` of the result is
    /// the global symbol of local symbol `i`.
    pub fn absorb(&mut self, local: Interner<'a>) -> Vec<Sym> {
        self.table
            .reserve(local.strs.len(), |&x| self.hashes[x as usize]);
        self.strs.reserve(local.strs.len());
        self.hashes.reserve(local.strs.len());
        local
            .strs
            .into_iter()
            .zip(local.hashes)
            .map(|(s, h)| match self.find(&s, h) {
                Some(sym) => sym,
                None => self.insert(s, h),
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn short_equality_is_byte_equality(
            a in proptest::collection::vec(0u8..4, 0..40),
            b in proptest::collection::vec(0u8..4, 0..40),
        ) {
            prop_assert_eq!(same(&a, &b), a == b);
            prop_assert!(same(&a, &a.clone()));
        }

        /// Chunk interners absorbed into one give every string one symbol.
        #[test]
        fn absorbing_keeps_one_symbol_per_string(
            chunks in proptest::collection::vec(
                proptest::collection::vec("[a-c]{0,20}", 0..30), 1..5),
        ) {
            let mut global = Interner::new();
            let mut seen: Vec<(String, Sym)> = Vec::new();
            for chunk in &chunks {
                let mut local = Interner::with_capacity(4);
                let syms: Vec<Sym> = chunk.iter().map(|s| local.intern_borrowed(s.as_bytes())).collect();
                let remap = global.absorb(local);
                for (s, l) in chunk.iter().zip(syms) {
                    let g = remap[l.0 as usize];
                    prop_assert_eq!(global.bytes(g), s.as_bytes());
                    prop_assert_eq!(global.get(s.as_bytes()), Some(g));
                    seen.push((s.clone(), g));
                }
            }
            for (s, g) in &seen {
                prop_assert!(seen.iter().all(|(t, h)| (t == s) == (h == g)));
            }
            prop_assert_eq!(global.get(b""), Some(Sym::NONE));
        }
    }
}
