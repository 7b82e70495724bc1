//! Work per environment, on worker threads: environments are evaluated and checked
//! independently of one another, so each is one task. Invariant: the results come back
//! in the order of the inputs, whatever thread ran which task and when, so nothing
//! downstream (diagnostics, output) depends on scheduling.

use std::sync::{Condvar, Mutex};

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

/// The runs of `0..len`, `size` at a time, handed to whichever thread asks next: for
/// tasks that keep state of their own across the items they take (a validator, its
/// memory of what it found valid) and take runs of neighbours until none are left, so
/// that the threads end together whatever each run costs. Each index is handed out
/// once.
pub struct Runs {
    len: usize,
    size: usize,
    next: std::sync::atomic::AtomicUsize,
}

impl Runs {
    pub fn new(len: usize, size: usize) -> Runs {
        Runs { len, size: size.max(1), next: std::sync::atomic::AtomicUsize::new(0) }
    }

    /// How many tasks have runs to take: one per core, at most one per run.
    pub fn takers(&self) -> usize {
        cores().min(self.len.div_ceil(self.size))
    }

    /// The next run not handed out yet; `None` once all are.
    pub fn take(&self) -> Option<std::ops::Range<usize>> {
        let start = self.next.fetch_add(self.size, std::sync::atomic::Ordering::Relaxed);
        (start < self.len).then(|| start..(start + self.size).min(self.len))
    }
}

/// `f` applied to each of `items` on worker threads, `chunk` items per task, each result
/// given to `take` on the calling thread in the order of the items as soon as it and all
/// before it are made: work for a writer that must write in order (the calling thread
/// takes while the workers make). At most `ahead` chunks are made and not yet taken, so
/// the results held stay bounded however many items there are. `take` returning `false`
/// stops the work (what was made and not taken is dropped). On one core, or for a
/// single chunk, everything runs on the calling thread. A task that panics makes the
/// caller panic, as if it had run it.
pub fn map_in_order<T: Sync, R: Send>(
    items: &[T],
    chunk: usize,
    ahead: usize,
    f: impl Fn(&T) -> R + Sync,
    mut take: impl FnMut(R) -> bool,
) {
    let chunks: Vec<&[T]> = items.chunks(chunk.max(1)).collect();
    let workers = cores().min(chunks.len());
    let in_turn = |chunks: &[&[T]], take: &mut dyn FnMut(R) -> bool| {
        for item in chunks.iter().flat_map(|c| c.iter()) {
            if !take(f(item)) {
                return;
            }
        }
    };
    if workers <= 1 {
        return in_turn(&chunks, &mut take);
    }
    let line = Line {
        state: Mutex::new(Made { next: 0, taken: 0, done: Default::default(), over: false }),
        changed: Condvar::new(),
    };
    let ahead = ahead.max(1);
    std::thread::scope(|s| {
        let work = || {
            // Whatever ends this worker (a panic included) wakes the taker.
            let _over = Over(&line);
            while let Some(k) = line.claim(chunks.len(), ahead) {
                let made: Vec<R> = chunks[k].iter().map(&f).collect();
                line.put(k, made);
            }
        };
        let spawn =
            |w| std::thread::Builder::new().name(format!("cedc-work-{w}")).stack_size(STACK).spawn_scoped(s, work);
        let helpers: Vec<_> = (0..workers).filter_map(|w| spawn(w).ok()).collect();
        if helpers.is_empty() {
            return in_turn(&chunks, &mut take);
        }
        'taking: for k in 0..chunks.len() {
            let Some(made) = line.take(k) else { break };
            for r in made {
                if !take(r) {
                    break 'taking;
                }
            }
        }
        line.end();
        for h in helpers {
            if let Err(panic) = h.join() {
                std::panic::resume_unwind(panic);
            }
        }
    });
}

/// The chunks of a [`map_in_order`]: which to make next, which are made and not yet
/// taken, how many were taken, and whether the work is over (stopped, or a worker
/// ended).
struct Made<R> {
    next: usize,
    taken: usize,
    done: std::collections::BTreeMap<usize, Vec<R>>,
    over: bool,
}

struct Line<R> {
    state: Mutex<Made<R>>,
    changed: Condvar,
}

impl<R> Line<R> {
    /// The next chunk to make, once fewer than `ahead` are made and not taken; `None`
    /// when all of the `n` are claimed or the work is over.
    fn claim(&self, n: usize, ahead: usize) -> Option<usize> {
        let mut st = self.state.lock().ok()?;
        loop {
            if st.over || st.next >= n {
                return None;
            }
            if st.next < st.taken + ahead {
                st.next += 1;
                return Some(st.next - 1);
            }
            st = self.changed.wait(st).ok()?;
        }
    }

    fn put(&self, k: usize, made: Vec<R>) {
        if let Ok(mut st) = self.state.lock() {
            st.done.insert(k, made);
        }
        self.changed.notify_all();
    }

    /// Chunk `k`, once made; `None` when the work is over first.
    fn take(&self, k: usize) -> Option<Vec<R>> {
        let mut st = self.state.lock().ok()?;
        loop {
            if let Some(made) = st.done.remove(&k) {
                st.taken = k + 1;
                drop(st);
                self.changed.notify_all();
                return Some(made);
            }
            if st.over {
                return None;
            }
            st = self.changed.wait(st).ok()?;
        }
    }

    /// Stop: no chunk is claimed any more, and whoever waits wakes.
    fn end(&self) {
        if let Ok(mut st) = self.state.lock() {
            st.over = true;
        }
        self.changed.notify_all();
    }
}

/// Ends a [`map_in_order`] worker: when one stops (every chunk claimed, or a panic), the
/// taker is woken; a worker that panicked ends the work, so that the taker does not wait
/// for its chunk.
struct Over<'a, R>(&'a Line<R>);

impl<R> Drop for Over<'_, R> {
    fn drop(&mut self) {
        if std::thread::panicking() {
            self.0.end();
        } else {
            self.0.changed.notify_all();
        }
    }
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
    fn runs_hand_out_each_index_once_whoever_asks() {
        for (len, size) in [(0, 32), (1, 32), (100, 7), (1000, 32), (64, 0)] {
            let runs = super::Runs::new(len, size);
            let taken: Vec<Vec<usize>> = super::map(&[(); 4], |_| {
                let mut mine = Vec::new();
                while let Some(r) = runs.take() {
                    assert!(r.len() <= size.max(1), "{r:?}");
                    mine.extend(r);
                }
                mine
            });
            let mut all: Vec<usize> = taken.into_iter().flatten().collect();
            all.sort_unstable();
            assert_eq!(all, (0..len).collect::<Vec<_>>(), "len {len}, size {size}");
            assert!(runs.take().is_none());
        }
    }

    #[test]
    fn results_are_taken_in_order_and_no_further_than_asked() {
        let items: Vec<u64> = (0..1000).collect();
        for (chunk, ahead) in [(0, 0), (1, 1), (7, 2), (256, 16), (5000, 3)] {
            let mut taken = Vec::new();
            super::map_in_order(
                &items,
                chunk,
                ahead,
                |i| {
                    // Uneven work, so that chunks are made out of order.
                    if i % 97 == 0 {
                        std::thread::sleep(std::time::Duration::from_millis(1));
                    }
                    i * 3
                },
                |r| {
                    taken.push(r);
                    true
                },
            );
            assert_eq!(taken, items.iter().map(|i| i * 3).collect::<Vec<_>>(), "chunk {chunk}, ahead {ahead}");
        }
        // Stopped by the taker: nothing after the result that said so.
        let mut taken = Vec::new();
        super::map_in_order(
            &items,
            10,
            2,
            |i| *i,
            |r| {
                taken.push(r);
                r < 123
            },
        );
        assert_eq!(taken, (0..=123).collect::<Vec<_>>());
    }

    /// At most `ahead` chunks are made and not yet taken: the taker, slow, sees no
    /// more made than that beyond what it took.
    #[test]
    fn no_more_is_made_ahead_than_asked() {
        use std::sync::atomic::{AtomicUsize, Ordering};
        let items: Vec<usize> = (0..400).collect();
        let made = AtomicUsize::new(0);
        let mut most = 0;
        let mut taken = 0;
        super::map_in_order(
            &items,
            4,
            3,
            |_| made.fetch_add(1, Ordering::SeqCst),
            |_| {
                taken += 1;
                std::thread::sleep(std::time::Duration::from_micros(50));
                most = most.max(made.load(Ordering::SeqCst) - taken);
                true
            },
        );
        assert_eq!(taken, 400);
        // The chunk being taken (4 items, 3 of them still waiting) and 3 more.
        assert!(most <= 3 + 3 * 4, "{most} made ahead of the taker");
    }

    #[test]
    fn a_panicking_task_makes_the_caller_panic() {
        let items: Vec<u64> = (0..100).collect();
        let caught = std::panic::catch_unwind(|| {
            super::map_in_order(&items, 3, 2, |i| if *i == 50 { panic!("task 50") } else { *i }, |_| true)
        });
        assert!(caught.is_err());
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
