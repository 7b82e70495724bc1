//! Work per environment, on worker threads: environments are evaluated and checked
//! independently of one another, so each is one task. Invariant: the results come back
//! in the order of the inputs, whatever thread ran which task and when, so nothing
//! downstream (diagnostics, output) depends on scheduling.

use std::sync::Mutex;

/// The stack each worker gets: evaluation and the checks recurse over values as deep as
/// the user's data, as on the compiling thread.
const STACK: usize = 1 << 30;

/// The cores this process may use, asked once (the answer reads cgroup files).
pub fn cores() -> usize {
    static CORES: std::sync::OnceLock<usize> = std::sync::OnceLock::new();
    *CORES.get_or_init(|| std::thread::available_parallelism().map_or(1, std::num::NonZero::get))
}

/// `f` applied to each of `items`, on up to as many threads as the machine has cores
/// (the calling thread among them); on the calling thread alone when there is one item
/// or one core. A task that panics makes the caller panic, as if it had run it.
pub fn map<T: Sync, R: Send>(items: &[T], f: impl Fn(&T) -> R + Sync) -> Vec<R> {
    let mut refs: Vec<&T> = items.iter().collect();
    map_mut(&mut refs, |t| f(t))
}

/// `f` applied to each of `items`, as [`map`], the items handed out `chunk` at a time:
/// for many small items, where handing out one task per item would cost more than it.
pub fn map_chunked<T: Sync, R: Send>(items: &[T], chunk: usize, f: impl Fn(&T) -> R + Sync) -> Vec<R> {
    let chunks: Vec<&[T]> = items.chunks(chunk.max(1)).collect();
    map(&chunks, |chunk| chunk.iter().map(&f).collect::<Vec<R>>()).into_iter().flatten().collect()
}

/// `f` applied to each of `items` in place (as [`map`]), the results in their order.
pub fn map_mut<T: Send, R: Send>(items: &mut [T], f: impl Fn(&mut T) -> R + Sync) -> Vec<R> {
    let workers = cores().min(items.len());
    if workers <= 1 {
        return items.iter_mut().map(f).collect();
    }
    let len = items.len();
    // The tasks, handed out one at a time: each `&mut` item goes to exactly one thread,
    // which keeps its results with their indexes.
    let tasks = Mutex::new(items.iter_mut().enumerate());
    let run = || {
        let mut done = Vec::new();
        while let Some((i, item)) = tasks.lock().ok().and_then(|mut t| t.next()) {
            done.push((i, f(item)));
        }
        done
    };
    let mut results: Vec<Option<R>> = (0..len).map(|_| None).collect();
    std::thread::scope(|s| {
        // A worker that cannot be started leaves its tasks to the others.
        let spawn =
            |w| std::thread::Builder::new().name(format!("cedc-work-{w}")).stack_size(STACK).spawn_scoped(s, run);
        let helpers: Vec<_> = (1..workers).filter_map(|w| spawn(w).ok()).collect();
        let mut done = run();
        for h in helpers {
            match h.join() {
                Ok(d) => done.extend(d),
                Err(panic) => std::panic::resume_unwind(panic),
            }
        }
        for (i, r) in done {
            results[i] = Some(r);
        }
    });
    results.into_iter().flatten().collect()
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
    fn chunked_results_come_back_in_the_order_of_the_inputs() {
        let items: Vec<u64> = (0..1000).collect();
        for chunk in [0, 1, 7, 256, 5000] {
            assert_eq!(super::map_chunked(&items, chunk, |i| i * 3), items.iter().map(|i| i * 3).collect::<Vec<_>>());
        }
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
