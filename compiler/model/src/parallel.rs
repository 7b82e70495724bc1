//! Work per environment, on worker threads: environments are evaluated and checked
//! independently of one another, so each is one task. Invariant: the results come back
//! in the order of the inputs, whatever thread ran which task and when, so nothing
//! downstream (diagnostics, output) depends on scheduling.

use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

/// The stack each worker gets: evaluation and the checks recurse over values as deep as
/// the user's data, as on the compiling thread.
const STACK: usize = 1 << 30;

/// `f` applied to each of `items`, on up to as many threads as the machine has cores;
/// on the calling thread alone when there is one item, one core, or no thread can be
/// started. A task that panics makes the caller panic, as if it had run it.
pub fn map<T: Sync, R: Send>(items: &[T], f: impl Fn(&T) -> R + Sync) -> Vec<R> {
    let cores = std::thread::available_parallelism().map_or(1, std::num::NonZero::get);
    let workers = cores.min(items.len());
    if workers <= 1 {
        return items.iter().map(f).collect();
    }
    let next = AtomicUsize::new(0);
    let slots: Vec<Mutex<Option<R>>> = items.iter().map(|_| Mutex::new(None)).collect();
    std::thread::scope(|s| {
        for w in 0..workers {
            let work = || {
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some(item) = items.get(i) else { break };
                    let r = f(item);
                    if let Ok(mut slot) = slots[i].lock() {
                        *slot = Some(r);
                    }
                }
            };
            // A worker that cannot be started leaves its tasks to the others (or to
            // the caller, below).
            let _ = std::thread::Builder::new().name(format!("cedc-env-{w}")).stack_size(STACK).spawn_scoped(s, work);
        }
    });
    items
        .iter()
        .zip(slots)
        .map(|(item, slot)| match slot.into_inner().ok().flatten() {
            Some(r) => r,
            None => f(item),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn results_come_back_in_the_order_of_the_inputs() {
        let items: Vec<u64> = (0..50).collect();
        let out = super::map(&items, |i| {
            // Uneven work, so that tasks finish out of order.
            std::thread::sleep(std::time::Duration::from_millis((50 - i) % 7));
            i * 2
        });
        assert_eq!(out, items.iter().map(|i| i * 2).collect::<Vec<_>>());
    }
}
