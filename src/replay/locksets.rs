//! The locks an access was made under.
//!
//! An access is inside a hold of its own actor when `acquired <= start` and
//! `end <= released`. Per actor, holds and accesses are swept in time order
//! with the holds still able to contain something kept active; each access's
//! set of (lock, mode) is interned, so conflict checks compare small ids.

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

/// The indices of `n` items in order of (start, index): `None` when the
/// items are in that order already (as the replay gives them).
fn start_order(n: usize, start: impl Fn(usize) -> i64) -> Option<Vec<u32>> {
    if (1..n).all(|i| start(i - 1) <= start(i)) {
        return None;
    }
    let mut order: Vec<u32> = (0..n as u32).collect();
    order.sort_by_key(|&i| (start(i as usize), i));
    Some(order)
}

/// Sets `lockset` on every access and returns the interned sets.
///
/// One pass over the accesses in start order, taking in the holds that
/// started by then (holds before accesses at equal times); each actor's
/// holds still able to contain something stay in its list. Accesses are
/// visited in memory order, so the pass does not jump between actors.
pub fn assign(accesses: &mut [Access], holds: &[Hold]) -> Locksets {
    let mut out = Locksets::default();
    if holds.is_empty() {
        return out;
    }
    let hold_order = start_order(holds.len(), |i| holds[i].start);
    let hold_at = |k: usize| hold_order.as_ref().map_or(k, |o| o[k] as usize);
    let access_order = start_order(accesses.len(), |i| accesses[i].start);
    let mut ids: FxHashMap<Vec<(Sym, Mode)>, u32> = FxHashMap::default();
    ids.insert(Vec::new(), 0);
    let mut active: FxHashMap<(u32, Sym), Vec<u32>> = FxHashMap::default();
    let mut set: Vec<(Sym, Mode)> = Vec::new();
    let mut next = 0;
    for k in 0..accesses.len() {
        let idx = access_order.as_ref().map_or(k, |o| o[k] as usize);
        let a = &mut accesses[idx];
        while next < holds.len() && holds[hold_at(next)].start <= a.start {
            let h = hold_at(next);
            let key = (holds[h].scope, holds[h].actor);
            active.entry(key).or_default().push(h as u32);
            next += 1;
        }
        let Some(mine) = active.get_mut(&(a.scope, a.actor)) else {
            continue;
        };
        // Holds released before this start contain neither it nor later ones.
        mine.retain(|&h| holds[h as usize].end >= a.start);
        set.clear();
        set.extend(
            mine.iter()
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::Op;

    fn access(start: i64, end: i64, actor: u32) -> Access {
        Access {
            start,
            end,
            scope: 0,
            object: Sym(1),
            actor: Sym(actor),
            trace: Sym::NONE,
            key: Sym::NONE,
            caller: Sym::NONE,
            input: 0,
            line: start as u32,
            end_input: 0,
            end_line: 0,
            op: Op::Write,
            rate: 0,
            uncertain: false,
            lockset: 0,
        }
    }

    fn hold(start: i64, end: i64, actor: u32, lock: u32, mode: Mode) -> Hold {
        Hold {
            start,
            end,
            scope: 0,
            actor: Sym(actor),
            trace: Sym::NONE,
            lock: Sym(lock),
            mode,
            input: 0,
            line: start as u32,
            uncertain: false,
        }
    }

    /// The sets of each access by name, however the inputs are ordered.
    fn sets(accesses: &mut [Access], holds: &[Hold]) -> Vec<Vec<(Sym, Mode)>> {
        let l = assign(accesses, holds);
        accesses.iter().map(|a| l.get(a.lockset).to_vec()).collect()
    }

    #[test]
    fn an_access_is_under_the_holds_of_its_actor_that_contain_it_in_any_order() {
        let holds = [
            hold(0, 100, 7, 1, Mode::Exclusive),
            hold(10, 20, 7, 2, Mode::Shared),
            hold(10, 50, 8, 2, Mode::Exclusive),
            hold(30, 40, 7, 2, Mode::Exclusive),
        ];
        let mut accesses = vec![
            access(12, 18, 7),
            access(15, 25, 7),
            access(30, 40, 7),
            access(30, 40, 8),
            access(60, 70, 8),
        ];
        let want = vec![
            vec![(Sym(1), Mode::Exclusive), (Sym(2), Mode::Shared)],
            vec![(Sym(1), Mode::Exclusive)],
            vec![(Sym(1), Mode::Exclusive), (Sym(2), Mode::Exclusive)],
            vec![(Sym(2), Mode::Exclusive)],
            vec![],
        ];
        assert_eq!(sets(&mut accesses.clone(), &holds), want);
        // Out of start order (as `--since` can leave them): the same sets.
        let mut rev_holds = holds;
        rev_holds.reverse();
        accesses.reverse();
        let mut got = sets(&mut accesses, &rev_holds);
        got.reverse();
        assert_eq!(got, want);
    }
}
