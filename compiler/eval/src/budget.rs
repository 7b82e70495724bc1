//! The evaluation budget: every limit evaluation enforces, in one place, and the
//! accounting behind them. Invariant: a value is charged to the budget *before* it is
//! built or copied (its size is computed from lengths already known), so a program that
//! would exceed a limit stops with a diagnostic while its memory is still within the
//! limit; the step counter only grows, so every evaluation ends. Records share their
//! fields: reading a variable copies only the items of the lists in it ([`copy_cost`]);
//! a change to shared fields copies one level, charged where it happens
//! (`Evaluator::own`, `with`).
//!
//! The budget is shared by all environments of one compilation (`cedc check`/`build`);
//! a language-server hover evaluates one expression with a budget of its own. When the
//! components are evaluated in parallel, in parts, each part gets every step and a share
//! of the bytes ([`Budget::concurrent`]); when one crosses its limits, or all of them
//! together cross the compilation's ([`Budget::within_together`]), the whole evaluation
//! is done again in order with one budget, so what is reported never depends on how the
//! work was split. (A program that runs away is so evaluated up to the step limit twice:
//! the price of not falling back when one component does most of a platform's work.)

use cedc_diagnostics::{Diagnostic, Span};
#[cfg(test)]
use cedc_model::Fields;
use cedc_model::{Value, ValueKind};

/// Deepest chain of function calls (E0061).
pub const MAX_CALL_DEPTH: usize = 200;
/// Declarations evaluated on demand inside one another before evaluation starts over
/// from the deepest one (not a limit: a longer chain is evaluated in slices of this
/// many, so the call stack stays bounded).
pub const DECL_SLICE: usize = 512;
/// Bytes of values one compilation may build or copy, all environments together (E0063).
pub const MAX_VALUE_BYTES: u64 = 512 << 20;
/// Longest single string, in bytes (E0063).
pub const MAX_STRING_BYTES: usize = 16 << 20;
/// Most items of a single list or entries of a single map or record (E0063).
pub const MAX_ITEMS: usize = 1 << 20;
/// Evaluation steps one compilation may take, all environments together (E0064). A
/// step is one expression evaluated, one item looked at by a comparison, a conversion
/// or a copy, or 64 bytes looked at by a string built-in.
pub const MAX_STEPS: u64 = 100_000_000;

/// What one list item, map entry or record field costs besides its own content.
pub const SLOT_BYTES: u64 = std::mem::size_of::<Value>() as u64 + 16;

/// What is left of the budget.
#[derive(Debug)]
pub struct Budget {
    steps: u64,
    bytes: u64,
    /// What this budget may spend: the compilation's limits, or a share of them.
    max_steps: u64,
    max_bytes: u64,
    /// Set once a limit was crossed: everything after that stops silently.
    exhausted: bool,
}

/// Steps and bytes a budget spent, or part of it (one component's).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Spent {
    pub steps: u64,
    pub bytes: u64,
}

impl Spent {
    /// What was spent between `before` and `self`.
    pub fn since(self, before: Spent) -> Spent {
        Spent { steps: self.steps.saturating_sub(before.steps), bytes: self.bytes.saturating_sub(before.bytes) }
    }
    pub fn plus(self, other: Spent) -> Spent {
        Spent { steps: self.steps.saturating_add(other.steps), bytes: self.bytes.saturating_add(other.bytes) }
    }
}

/// A crossed limit, ready to be reported once.
pub enum Over {
    /// Already reported.
    Silent,
    Report(Box<Diagnostic>),
}

impl Default for Budget {
    fn default() -> Budget {
        Budget { steps: 0, bytes: 0, max_steps: MAX_STEPS, max_bytes: MAX_VALUE_BYTES, exhausted: false }
    }
}

impl Budget {
    /// The budget of a task evaluated while up to `concurrent - 1` others are: every
    /// step (steps are only time), and an equal share of the bytes, so that what the
    /// tasks running at once build stays within the limit together.
    pub fn concurrent(concurrent: usize) -> Budget {
        Budget { max_bytes: MAX_VALUE_BYTES / concurrent.max(1) as u64, ..Budget::default() }
    }

    /// Whether `spent` (budgets of tasks evaluated apart) stay within the compilation's
    /// limits added up. The tasks evaluate everything an evaluation in order does, and
    /// more (each memoizes declarations on its own), so an evaluation in order on one
    /// budget would not cross a limit either.
    pub fn within_together<'a>(spent: impl IntoIterator<Item = &'a Budget>) -> bool {
        Budget::total(spent, Spent::default()).is_some_and(|t| t.steps <= MAX_STEPS && t.bytes <= MAX_VALUE_BYTES)
    }

    /// What this budget has spent so far.
    pub fn spent(&self) -> Spent {
        Spent { steps: self.steps, bytes: self.bytes }
    }

    /// [`Budget::within_together`] for an evaluation that took components from the last
    /// one (`remember.rs`), which spent `taken` on them then: whether everything stays
    /// within half the compilation's limits.
    pub fn within_half<'a>(spent: impl IntoIterator<Item = &'a Budget>, taken: Spent) -> bool {
        Budget::total(spent, taken).is_some_and(|t| t.steps <= MAX_STEPS / 2 && t.bytes <= MAX_VALUE_BYTES / 2)
    }

    /// `from` plus what the budgets `spent` spent; `None` when one of them crossed a limit.
    fn total<'a>(spent: impl IntoIterator<Item = &'a Budget>, from: Spent) -> Option<Spent> {
        spent.into_iter().try_fold(from, |t, b| (!b.exhausted).then(|| t.plus(b.spent())))
    }

    /// Spend `steps` steps and `bytes` bytes on the expression at `span`. Evaluation
    /// charges at almost every step: the common case is inlined, the report out of line.
    #[inline]
    pub fn charge(&mut self, span: Span, steps: u64, bytes: u64) -> Result<(), Over> {
        if !self.exhausted {
            self.steps = self.steps.saturating_add(steps);
            self.bytes = self.bytes.saturating_add(bytes);
            if self.bytes <= self.max_bytes && self.steps <= self.max_steps {
                return Ok(());
            }
        }
        Err(self.over(span))
    }

    /// What [`Budget::charge`] returns once a limit is crossed: the report the first
    /// time, silence after.
    #[cold]
    #[inline(never)]
    fn over(&mut self, span: Span) -> Over {
        if self.exhausted {
            return Over::Silent;
        }
        if self.bytes > self.max_bytes {
            return self.exhaust(size_budget(span));
        }
        self.exhaust(
            Diagnostic::error("E0064", format!("evaluation takes more than {MAX_STEPS} steps"))
                .at(span, "the step budget ran out here")
                .help(format!(
                    "one compilation may take at most {MAX_STEPS} evaluation steps (docs/language.md §11): \
                     a loop or recursion does far too much work; nest fewer `for` comprehensions \
                     or make the recursion shallower"
                )),
        )
    }

    /// Check that a string of `len` bytes may be built at `span`, and charge `new`
    /// new bytes of it.
    pub fn string(&mut self, span: Span, len: usize, new: usize) -> Result<(), Over> {
        if len > MAX_STRING_BYTES {
            return Err(self.exhaust(
                Diagnostic::error("E0063", format!("this string would be {len} bytes long"))
                    .at(span, "string too long")
                    .help(format!(
                        "a string may be at most {MAX_STRING_BYTES} bytes (16 MiB, docs/language.md §11): \
                         do not double a string in a loop or recursion"
                    )),
            ));
        }
        self.charge(span, new as u64 / 64, new as u64)
    }

    /// Check that a list or map of `items` entries may be built at `span`, and charge
    /// `new` new slots of it.
    pub fn items(&mut self, span: Span, items: usize, new: usize) -> Result<(), Over> {
        if items > MAX_ITEMS {
            return Err(self.exhaust(
                Diagnostic::error("E0063", format!("this list or map would have {items} entries"))
                    .at(span, "too many entries")
                    .help(format!(
                        "a list or map may have at most {MAX_ITEMS} entries (docs/language.md §11): \
                         do not double a list in a loop or recursion, and nest fewer `for` comprehensions"
                    )),
            ));
        }
        self.charge(span, new as u64, (new as u64).saturating_mul(SLOT_BYTES))
    }

    fn exhaust(&mut self, d: Diagnostic) -> Over {
        self.exhausted = true;
        Over::Report(Box::new(d))
    }
}

fn size_budget(span: Span) -> Diagnostic {
    Diagnostic::error("E0063", format!("evaluation builds more than {} MiB of values", MAX_VALUE_BYTES >> 20))
        .at(span, "the size budget ran out here")
        .help(format!(
            "one compilation may build or copy at most {} MiB of values (docs/language.md §11): \
             build smaller strings and lists, and do not double them in a loop or recursion",
            MAX_VALUE_BYTES >> 20
        ))
}

/// Slots and bytes of the whole of `v`: one slot per list item, map entry and record
/// field, plus the bytes of record keys — the work of looking at every part of it (a
/// comparison). Iterative, so a deeply nested value cannot overflow the stack; only the
/// lists and records met inside it wait on the stack (most comparisons are with a
/// scalar, `x == none`, and allocate nothing).
pub fn walk_cost(v: &Value) -> (u64, u64) {
    let mut slots: u64 = 0;
    let mut bytes: u64 = 0;
    let mut todo: Vec<&Value> = Vec::new();
    let mut next = Some(v);
    while let Some(v) = next.take().or_else(|| todo.pop()) {
        match &v.kind {
            ValueKind::List(xs) => {
                slots += xs.len() as u64;
                bytes += xs.len() as u64 * SLOT_BYTES;
                todo.extend(xs.iter().filter(|x| is_compound(x)));
            }
            ValueKind::Record(fields) => {
                slots += fields.len() as u64;
                for (k, x) in fields {
                    bytes += SLOT_BYTES + k.len() as u64;
                    if is_compound(x) {
                        todo.push(x);
                    }
                }
            }
            _ => {}
        }
    }
    (slots, bytes)
}

/// Whether [`walk_cost`] has anything to count inside `v`.
fn is_compound(v: &Value) -> bool {
    matches!(v.kind, ValueKind::List(_) | ValueKind::Record(_))
}

/// Slots and bytes a copy of `v` allocates: records share their fields (nothing), strings
/// are reference-counted (nothing), a list's items are copied (a slot each, and what
/// copying each of them allocates). Iterative, like [`walk_cost`]: only the lists inside
/// the list wait on the stack.
pub fn copy_cost(v: &Value) -> (u64, u64) {
    let is_list = |v: &&Value| matches!(v.kind, ValueKind::List(_));
    let mut slots: u64 = 0;
    let mut todo: Vec<&Value> = Vec::new();
    let mut next = Some(v);
    while let Some(v) = next.take().or_else(|| todo.pop()) {
        if let ValueKind::List(xs) = &v.kind {
            slots += xs.len() as u64;
            todo.extend(xs.iter().filter(is_list));
        }
    }
    (slots, slots * SLOT_BYTES)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_concurrent_task_has_every_step_and_a_share_of_the_bytes() {
        let mut half = Budget::concurrent(2);
        assert!(half.charge(Span::default(), MAX_STEPS, MAX_VALUE_BYTES / 2).is_ok());
        assert!(!half.exhausted);
        assert!(matches!(half.charge(Span::default(), 0, 1), Err(Over::Report(_))));
        assert!(half.exhausted);
        let mut steps = Budget::concurrent(2);
        assert!(matches!(steps.charge(Span::default(), MAX_STEPS + 1, 0), Err(Over::Report(_))));
    }

    #[test]
    fn tasks_within_their_limits_may_still_cross_the_compilations_together() {
        let spent = |steps, bytes| {
            let mut b = Budget::concurrent(2);
            assert!(b.charge(Span::default(), steps, bytes).is_ok());
            b
        };
        let (a, b) = (spent(MAX_STEPS / 2, MAX_VALUE_BYTES / 4), spent(MAX_STEPS / 2, MAX_VALUE_BYTES / 4));
        assert!(Budget::within_together([&a, &b]));
        let c = spent(1, 0);
        assert!(!Budget::within_together([&a, &b, &c]), "one step too many");
        let (x, y, z) = (spent(0, MAX_VALUE_BYTES / 2), spent(0, MAX_VALUE_BYTES / 2), spent(0, 1));
        assert!(Budget::within_together([&x, &y]));
        assert!(!Budget::within_together([&x, &y, &z]), "one byte too many");
        let mut over = Budget::concurrent(2);
        let _ = over.charge(Span::default(), 0, MAX_VALUE_BYTES);
        assert!(!Budget::within_together([&over]), "an exhausted task");
    }

    #[test]
    fn a_long_string_is_refused_before_it_is_built() {
        let mut b = Budget::default();
        assert!(b.string(Span::default(), MAX_STRING_BYTES, MAX_STRING_BYTES).is_ok());
        assert!(matches!(b.string(Span::default(), MAX_STRING_BYTES + 1, 1), Err(Over::Report(_))));
        // Once crossed, every later charge stops silently.
        assert!(matches!(b.charge(Span::default(), 1, 0), Err(Over::Silent)));
    }

    #[test]
    fn bytes_add_up_to_the_size_budget() {
        let mut b = Budget::default();
        let chunk = MAX_STRING_BYTES;
        let mut n = 0;
        while b.string(Span::default(), chunk, chunk).is_ok() {
            n += 1;
        }
        assert_eq!(n as u64, MAX_VALUE_BYTES / chunk as u64);
    }

    #[test]
    fn copies_count_nested_slots() {
        let s = Span::default();
        let inner = Value::new(ValueKind::list(vec![Value::new(ValueKind::Int(1), s); 3]), s);
        let outer = Value::new(ValueKind::list(vec![inner.clone(), inner]), s);
        assert_eq!(copy_cost(&outer).0, 2 + 3 + 3);
    }

    #[test]
    fn a_copy_shares_records_and_a_walk_counts_them() {
        let s = Span::default();
        let fields: Fields = (0..4).map(|i| (format!("f{i}"), Value::new(ValueKind::Int(i), s))).collect();
        let record = Value::new(ValueKind::Record(fields), s);
        let list = Value::new(ValueKind::list(vec![record.clone(), record.clone()]), s);
        assert_eq!(copy_cost(&record), (0, 0), "a record's copy is a reference");
        assert_eq!(copy_cost(&list).0, 2, "a list's copy copies its items, not their records' fields");
        assert_eq!(walk_cost(&list).0, 2 + 4 + 4, "a comparison looks at every field");
    }
}
