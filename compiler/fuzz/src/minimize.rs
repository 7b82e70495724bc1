//! Delta debugging: shrink a failing input while it still fails the same way — over
//! lines first, then over tokens, then over bytes when the input is small — within a
//! time budget. The test decides what "the same way" means.

use crate::mutate::tokens;
use std::time::{Duration, Instant};

/// The smallest input found that still passes `fails`, trying for at most `budget`.
/// `fails` must hold for `input` itself (it is not re-checked).
pub fn minimize(input: &[u8], budget: Duration, fails: &mut dyn FnMut(&[u8]) -> bool) -> Vec<u8> {
    let deadline = Instant::now() + budget;
    let mut best = input.to_vec();
    loop {
        let before = best.len();
        best = ddmin(&best, split_lines, deadline, fails);
        best = ddmin(&best, split_tokens, deadline, fails);
        if best.len() <= 4096 {
            best = ddmin(&best, split_bytes, deadline, fails);
        }
        if best.len() >= before || Instant::now() >= deadline {
            return best;
        }
    }
}

type Splitter = fn(&[u8]) -> Vec<(usize, usize)>;

fn split_lines(b: &[u8]) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut start = 0;
    for (i, c) in b.iter().enumerate() {
        if *c == b'\n' {
            out.push((start, i + 1));
            start = i + 1;
        }
    }
    if start < b.len() {
        out.push((start, b.len()));
    }
    out
}

fn split_tokens(b: &[u8]) -> Vec<(usize, usize)> {
    tokens(b)
}

fn split_bytes(b: &[u8]) -> Vec<(usize, usize)> {
    (0..b.len()).map(|i| (i, i + 1)).collect()
}

/// Classic ddmin over the units `split` finds: remove chunks (complements of the
/// partition), refining the partition until single units.
fn ddmin(input: &[u8], split: Splitter, deadline: Instant, fails: &mut dyn FnMut(&[u8]) -> bool) -> Vec<u8> {
    let mut current = input.to_vec();
    let mut n = 2;
    loop {
        let units = split(&current);
        if units.len() < 2 || Instant::now() >= deadline {
            return current;
        }
        let n_eff = n.min(units.len());
        let chunk = units.len().div_ceil(n_eff);
        let mut reduced = false;
        for c in 0..n_eff {
            if Instant::now() >= deadline {
                return current;
            }
            let (lo, hi) = (c * chunk, ((c + 1) * chunk).min(units.len()));
            if lo >= hi {
                continue;
            }
            let (cut_start, cut_end) = (units[lo].0, units[hi - 1].1);
            let mut candidate = current[..cut_start].to_vec();
            candidate.extend_from_slice(&current[cut_end..]);
            if fails(&candidate) {
                current = candidate;
                n = (n_eff - 1).max(2);
                reduced = true;
                break;
            }
        }
        if !reduced {
            if n_eff >= units.len() {
                return current;
            }
            n = (n_eff * 2).min(units.len());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shrinks_to_the_culprit() {
        let input = b"let a = 1\nlet b = 2\nlet boom = 3\nlet c = 4\n";
        let out = minimize(input, Duration::from_secs(5), &mut |c: &[u8]| {
            std::str::from_utf8(c).is_ok_and(|s| s.contains("boom"))
        });
        assert_eq!(out, b"boom");
    }
}
