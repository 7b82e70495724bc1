//! Fault injection for the tests of the commit protocol: stop [`crate::write_tree`] after
//! a given number of steps, exactly as if the process had been killed there.
//!
//! Invariant: inert unless a test enables it on its own thread with [`crash_after`].
//! Every step of the protocol that changes the disk (a directory created, a file
//! written, linked, moved or deleted, a rename) is followed by one [`point`]. When the
//! budget runs out, `point` returns an error and marks the thread as crashed; from then
//! on nothing cleans up (no temporary directory is deleted, nothing is undone), so the
//! disk is left as a SIGKILL would leave it. Locks are released, as at process death.

use super::OutputError;
use std::cell::Cell;

thread_local! {
    static BUDGET: Cell<Option<usize>> = const { Cell::new(None) };
    static CRASHED: Cell<bool> = const { Cell::new(false) };
    static STEPS: Cell<usize> = const { Cell::new(0) };
    static NO_EXCHANGE: Cell<bool> = const { Cell::new(false) };
}

/// Crash after `steps` more steps (`Some(0)`: at the first step), or never (`None`).
/// Clears the crashed mark and the step count.
pub fn crash_after(steps: Option<usize>) {
    BUDGET.with(|b| b.set(steps));
    CRASHED.with(|c| c.set(false));
    STEPS.with(|s| s.set(0));
}

/// Whether a crash is to be injected on this thread (the steps are then taken on it,
/// in order).
pub(super) fn active() -> bool {
    BUDGET.with(|b| b.get().is_some())
}

/// Steps taken since the last [`crash_after`].
pub fn steps_taken() -> usize {
    STEPS.with(Cell::get)
}

/// Whether the last write stopped at an injected crash.
pub fn crashed() -> bool {
    CRASHED.with(Cell::get)
}

/// Behave as if the file system could not exchange two directories atomically, so that
/// the fallback (two renames) is taken.
pub fn pretend_no_exchange(on: bool) {
    NO_EXCHANGE.with(|n| n.set(on));
}

pub(super) fn no_exchange() -> bool {
    NO_EXCHANGE.with(Cell::get)
}

/// One step done: `Err` when the injected crash happens here (or happened before).
pub(super) fn point() -> Result<(), OutputError> {
    if crashed() {
        return Err(simulated());
    }
    STEPS.with(|s| s.set(s.get() + 1));
    let stop = BUDGET.with(|b| match b.get() {
        Some(0) => true,
        Some(n) => {
            b.set(Some(n - 1));
            false
        }
        None => false,
    });
    if stop {
        CRASHED.with(|c| c.set(true));
        return Err(simulated());
    }
    Ok(())
}

fn simulated() -> OutputError {
    OutputError::new("simulated crash (fault injection)", Vec::new(), "this only happens in tests")
}
