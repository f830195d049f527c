//! Replay: from time-ordered events to access windows and lock holds
//! ([`windows`]), the locks each access was made under ([`locksets`]), and
//! the conflicting pairs, counted by a sweep ([`conflicts`]).

pub mod conflicts;
pub mod contention;
pub mod hb;
pub mod hb_input;
pub mod locksets;
pub mod lossy;
pub mod windows;
