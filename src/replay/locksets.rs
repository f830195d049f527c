//! The locks an access was made under.
//!
//! An access is inside a hold of its own actor when `acquired <= start` and
//! `end <= released`. Per actor, holds and accesses are swept in time order
//! with the holds still able to contain something kept active; each access's
//! set of (lock, mode) is interned, so conflict checks compare small ids.

use rayon::prelude::*;
use rustc_hash::FxHashMap;

use super::windows::{Access, Hold};
use crate::event::Mode;
use crate::intern::Sym;

/// Interned lock sets; set 0 is the empty set.
#[derive(Debug)]
pub struct Locksets {
    sets: Vec<Vec<(Sym, Mode)>>,
}

impl Default for Locksets {
    fn default() -> Self {
        Locksets {
            sets: vec![Vec::new()],
        }
    }
}

impl Locksets {
    pub fn get(&self, id: u32) -> &[(Sym, Mode)] {
        &self.sets[id as usize]
    }

    /// Both accesses are inside holds of one common lock, at least one hold
    /// exclusive: the lock orders them.
    pub fn protects(&self, a: u32, b: u32) -> bool {
        if a == 0 || b == 0 {
            return false;
        }
        let (x, y) = (self.get(a), self.get(b));
        let (mut i, mut j) = (0, 0);
        while i < x.len() && j < y.len() {
            match x[i].0.cmp(&y[j].0) {
                std::cmp::Ordering::Less => i += 1,
                std::cmp::Ordering::Greater => j += 1,
                std::cmp::Ordering::Equal => {
                    if x[i].1 == Mode::Exclusive || y[j].1 == Mode::Exclusive {
                        return true;
                    }
                    i += 1;
                    j += 1;
                }
            }
        }
        false
    }
}

/// Sets `lockset` on every access and returns the interned sets.
pub fn assign(accesses: &mut [Access], holds: &[Hold]) -> Locksets {
    let mut out = Locksets::default();
    if holds.is_empty() {
        return out;
    }
    // (scope, actor, time, holds before accesses at equal times, index)
    let mut items: Vec<(u32, Sym, i64, u8, u32)> = holds
        .iter()
        .enumerate()
        .map(|(i, h)| (h.scope, h.actor, h.start, 0, i as u32))
        .chain(
            accesses
                .iter()
                .enumerate()
                .map(|(i, a)| (a.scope, a.actor, a.start, 1, i as u32)),
        )
        .collect();
    items.par_sort_unstable();
    let mut ids: FxHashMap<Vec<(Sym, Mode)>, u32> = FxHashMap::default();
    ids.insert(Vec::new(), 0);
    let mut active: Vec<u32> = Vec::new();
    let mut set: Vec<(Sym, Mode)> = Vec::new();
    let mut group = None;
    for &(scope, actor, _, tag, idx) in &items {
        if group != Some((scope, actor)) {
            group = Some((scope, actor));
            active.clear();
        }
        if tag == 0 {
            active.push(idx);
            continue;
        }
        let a = &mut accesses[idx as usize];
        // Holds released before this start contain neither it nor later ones.
        active.retain(|&h| holds[h as usize].end >= a.start);
        set.clear();
        set.extend(
            active
                .iter()
                .map(|&h| &holds[h as usize])
                .filter(|h| a.end <= h.end)
                .map(|h| (h.lock, h.mode)),
        );
        if set.is_empty() {
            continue;
        }
        // Exclusive sorts first, so dedup keeps it when a lock is held both ways.
        set.sort_unstable();
        set.dedup_by_key(|(lock, _)| *lock);
        a.lockset = match ids.get(&set) {
            Some(&id) => id,
            None => {
                let id = out.sets.len() as u32;
                out.sets.push(set.clone());
                ids.insert(set.clone(), id);
                id
            }
        };
    }
    out
}
