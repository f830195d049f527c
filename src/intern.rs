//! String interning: every id a log repeats (goroutine, map, trace, key,
//! caller, scope) becomes a `Sym`, so events stay small and compare as integers.
//!
//! Parsing interns into a chunk-local [`Interner`] that borrows the mapped
//! bytes; [`Interner::absorb`] folds a chunk's table into the global one and
//! returns the id remapping, so chunks can be parsed in parallel.

use std::borrow::Cow;
use std::collections::hash_map::Entry;

use rustc_hash::FxHashMap;

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
#[derive(Debug)]
pub struct Interner<'a> {
    map: FxHashMap<Cow<'a, [u8]>, Sym>,
    strs: Vec<Cow<'a, [u8]>>,
}

impl Default for Interner<'_> {
    fn default() -> Self {
        Self::new()
    }
}

impl<'a> Interner<'a> {
    pub fn new() -> Self {
        let mut map = FxHashMap::default();
        map.insert(Cow::Borrowed(&b""[..]), Sym::NONE);
        Interner {
            map,
            strs: vec![Cow::Borrowed(&b""[..])],
        }
    }

    pub fn intern(&mut self, s: Cow<'a, [u8]>) -> Sym {
        if let Some(&sym) = self.map.get(s.as_ref()) {
            return sym;
        }
        let sym = Sym(self.strs.len() as u32);
        self.strs.push(s.clone());
        self.map.insert(s, sym);
        sym
    }

    pub fn intern_borrowed(&mut self, s: &'a [u8]) -> Sym {
        if let Some(&sym) = self.map.get(s) {
            return sym;
        }
        self.intern(Cow::Borrowed(s))
    }

    pub fn get(&self, s: &[u8]) -> Option<Sym> {
        self.map.get(s).copied()
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
        self.map.reserve(local.strs.len());
        self.strs.reserve(local.strs.len());
        local
            .strs
            .into_iter()
            .map(|s| match self.map.entry(s) {
                Entry::Occupied(e) => *e.get(),
                Entry::Vacant(e) => {
                    let sym = Sym(self.strs.len() as u32);
                    self.strs.push(e.key().clone());
                    *e.insert(sym)
                }
            })
            .collect()
    }
}
