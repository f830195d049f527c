//! The streamed path of one log: chunks are parsed a batch at a time, merged
//! and replayed as they come, so the events of the whole log never exist at
//! once (only those of the chunks in flight and the newest chunk's, held
//! back until the next ones show they come first).
//!
//! Logs are nearly in time order: each chunk is sorted on its own and the
//! replay takes every held event earlier than the newest chunk's first one.
//! A chunk whose first event is earlier than one already replayed means the
//! file is out of order: the attempt is dropped ([`run`] gives `None`) and
//! the caller sorts everything, exactly, as for several inputs.

use rayon::prelude::*;

use super::ingest::{self, Job};
use super::merge::{InOrder, Merger};
use super::{Diagnostics, Mode, Replayed, Settings};
use crate::event::Event;
use crate::replay::windows::{Builder, Windows};
use crate::source::Input;

/// The size of a streamed chunk: small enough that the chunks in flight
/// weigh little, big enough that merging them costs little.
pub const CHUNK: usize = 4 << 20;

/// Chunks parsed at once, per thread.
const BATCH: usize = 4;

/// Ingest, merge and replay of a run whose chunks are all of one input;
/// `None` when the run is not such a run, or its input turned out to be out
/// of time order.
pub fn run<'a>(
    inputs: &'a [Input],
    settings: &Settings,
    progress: &(dyn Fn(u32, u64) + Sync),
) -> Option<Replayed<'a>> {
    let chunk = settings.stream_chunk?;
    if settings.mode != Mode::Window {
        return None;
    }
    let mut diags = Diagnostics::default();
    let mut ing = ingest::plan(inputs, settings, &mut diags, chunk);
    let first = ing.jobs.first()?.0;
    if ing.jobs.iter().any(|j| j.0 != first) {
        return None;
    }
    let jobs = std::mem::take(&mut ing.jobs);
    let mut merger = Merger::new(inputs.len());
    let mut replay = Replay::default();
    // Four chunks a thread: the merge and replay of one batch take a thread
    // about as long as a chunk takes to parse, so with fewer the other
    // thread waits at the end of each batch.
    let groups: Vec<&[Job]> = jobs
        .chunks(rayon::current_num_threads().max(1) * BATCH)
        .collect();
    let mut outs = ingest::parse(inputs, settings, groups[0], progress);
    for (k, group) in groups.iter().enumerate() {
        // The next chunks parse while these are merged and replayed.
        let (next, fed) = rayon::join(
            || {
                groups
                    .get(k + 1)
                    .map(|g| ingest::parse(inputs, settings, g, progress))
            },
            || {
                let outs = std::mem::take(&mut outs);
                let mut chunks =
                    merger.add(inputs, settings, &mut ing.stats, group, outs, &mut diags);
                chunks.retain(|c| !c.is_empty());
                chunks
                    .par_iter_mut()
                    .for_each(|c| c.sort_unstable_by_key(Event::order_key));
                replay.feed(chunks)
            },
        );
        if !fed {
            return None;
        }
        outs = next.unwrap_or_default();
    }
    ing.jobs = jobs;
    Some(Replayed {
        ing,
        merged: merger.finish(),
        windows: replay.finish(),
        diags,
        hb: None,
    })
}

/// (time, input, line): the replay's order.
type OrderKey = (i64, u32, u32);

/// The replay fed sorted chunks in file order.
#[derive(Default)]
struct Replay {
    builder: Builder,
    /// Sorted events not replayed yet: none is earlier than `released`.
    held: Vec<Vec<Event>>,
    /// The last event replayed.
    released: Option<OrderKey>,
}

impl Replay {
    /// Takes the next sorted, non-empty chunks and replays every event
    /// earlier than the last chunk's first; `false` when a chunk starts
    /// before an event already replayed.
    fn feed(&mut self, chunks: Vec<Vec<Event>>) -> bool {
        if let Some(done) = self.released
            && chunks.iter().any(|c| c[0].order_key() < done)
        {
            return false;
        }
        let Some(watermark) = chunks.last().map(|c| c[0].order_key()) else {
            return true;
        };
        self.held.extend(chunks);
        let mut events = InOrder::new(std::mem::take(&mut self.held));
        while let Some(ev) = events.next() {
            if ev.order_key() >= watermark {
                let mut rest = vec![ev];
                rest.extend(events);
                self.held.push(rest);
                break;
            }
            self.released = Some(ev.order_key());
            self.builder.push(&ev);
        }
        true
    }

    /// Replays what is held and gives the windows.
    fn finish(mut self) -> Windows {
        for ev in InOrder::new(self.held) {
            self.builder.push(&ev);
        }
        self.builder.finish()
    }
}
