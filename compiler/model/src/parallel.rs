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

/// `f` applied to each of `items` in place (as [`map`]), the results in their order.
pub fn map_mut<T: Send, R: Send>(items: &mut [T], f: impl Fn(&mut T) -> R + Sync) -> Vec<R> {
    let cores = std::thread::available_parallelism().map_or(1, std::num::NonZero::get);
    let workers = cores.min(items.len());
    if workers <= 1 {
        return items.iter_mut().map(f).collect();
    }
    let len = items.len();
    // The tasks, handed out one at a time: each `&mut` item goes to exactly one worker.
    let tasks = Mutex::new(items.iter_mut().enumerate());
    let slots: Vec<Mutex<Option<R>>> = (0..len).map(|_| Mutex::new(None)).collect();
    let take = || tasks.lock().ok().and_then(|mut t| t.next());
    std::thread::scope(|s| {
        for w in 0..workers {
            let work = || {
                while let Some((i, item)) = take() {
                    let r = f(item);
                    if let Ok(mut slot) = slots[i].lock() {
                        *slot = Some(r);
                    }
                }
            };
            let _ = std::thread::Builder::new().name(format!("cedc-env-{w}")).stack_size(STACK).spawn_scoped(s, work);
        }
        // Whatever no worker took (none could be started) is done here.
        while let Some((i, item)) = take() {
            let r = f(item);
            if let Ok(mut slot) = slots[i].lock() {
                *slot = Some(r);
            }
        }
    });
    slots.into_iter().filter_map(|s| s.into_inner().ok().flatten()).collect()
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

    #[test]
    fn each_item_is_changed_once_in_place() {
        let mut items: Vec<u64> = (0..50).collect();
        let out = super::map_mut(&mut items, |i| {
            *i += 100;
            *i
        });
        assert_eq!(items, (100..150).collect::<Vec<_>>());
        assert_eq!(out, items);
    }
}
