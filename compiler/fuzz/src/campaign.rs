//! A fuzzing campaign: input `i` of a run seeded `s` is a function of `(s, i)` alone — a
//! generated program, or a mutant of a repository file or of a generated program — and
//! goes through one supervised [`Worker`]. Each distinct failure (by
//! [`Failure::signature`]) is minimised once and written as a reproducer; later hits of
//! it are counted.

use crate::case::Case;
use crate::check::{Failure, Flags, config_text};
use crate::generate::{self, Options};
use crate::minimize::minimize;
use crate::mutate::mutate;
use crate::rng::Rng;
use crate::worker::{Verdict, Worker, WorkerConfig};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

#[derive(Clone, Debug)]
pub struct RunConfig {
    pub seed: u64,
    /// Stop after this many inputs ...
    pub inputs: Option<u64>,
    /// ... or after this long, whichever comes first (one of them must be set).
    pub seconds: Option<f64>,
    /// Where reproducers go.
    pub out: PathBuf,
    pub worker: WorkerConfig,
    /// Every `deep_every`-th input is also checked for determinism and for formatting
    /// that keeps diagnostics and output (0: never).
    pub deep_every: u64,
    /// Percentage of generated programs; the rest are mutants.
    pub generated_percent: usize,
    pub generator: Options,
    /// Time spent minimising each distinct failure.
    pub minimize_budget: Duration,
    /// Print a progress line this often (None: quiet).
    pub progress: Option<Duration>,
}

/// A distinct failure and what is known of it.
#[derive(Clone, Debug)]
pub struct Found {
    pub failure: Failure,
    pub signature: String,
    pub count: u64,
    pub first_index: u64,
    pub origin: String,
    pub original_len: usize,
    pub minimized_len: usize,
    /// The reproducer written (`OUT/<kind>-<hash>.ced`).
    pub reproducer: Option<PathBuf>,
}

#[derive(Clone, Debug, Default)]
pub struct Summary {
    pub seed: u64,
    pub inputs: u64,
    pub generated: u64,
    /// Generated programs that compiled without errors.
    pub generated_clean: u64,
    pub mutated: u64,
    pub deep: u64,
    pub failures: u64,
    pub found: Vec<Found>,
    /// Wall time, and the part of it spent minimising.
    pub elapsed: Duration,
    pub minimizing: Duration,
    pub worker_starts: u64,
    /// Slowest passing input: microseconds, index.
    pub slowest: (u64, u64),
}

impl Summary {
    /// Inputs per second, minimisation time excluded.
    pub fn rate(&self) -> f64 {
        let t = self.elapsed.saturating_sub(self.minimizing).as_secs_f64();
        if t > 0.0 { self.inputs as f64 / t } else { 0.0 }
    }

    pub fn print(&self, out: &mut impl Write) -> std::io::Result<()> {
        writeln!(
            out,
            "cedc-fuzz: seed {}: {} inputs ({} generated, {} of them clean; {} mutants; {} deep-checked) in {:.1} s ({:.1} s minimising): {:.0} inputs/s; {} worker starts; slowest passing input #{} took {} ms",
            self.seed,
            self.inputs,
            self.generated,
            self.generated_clean,
            self.mutated,
            self.deep,
            self.elapsed.as_secs_f64(),
            self.minimizing.as_secs_f64(),
            self.rate(),
            self.worker_starts,
            self.slowest.1,
            self.slowest.0 / 1000
        )?;
        writeln!(out, "cedc-fuzz: {} failing inputs, {} distinct failures", self.failures, self.found.len())?;
        for f in &self.found {
            writeln!(
                out,
                "  [{}] x{} first at input #{} ({}), minimised {} -> {} bytes: {}",
                f.failure.kind,
                f.count,
                f.first_index,
                f.origin,
                f.original_len,
                f.minimized_len,
                f.reproducer.as_ref().map(|p| p.display().to_string()).unwrap_or_else(|| "(not written)".into())
            )?;
            writeln!(out, "      {}", f.signature)?;
        }
        Ok(())
    }
}

/// Input `index` of a run: where it comes from, and the case.
pub fn input(seed: u64, index: u64, seeds: &[(String, Case)], cfg: &RunConfig) -> (String, Case) {
    let mut rng = Rng::for_input(seed, index);
    if seeds.is_empty() || rng.chance(cfg.generated_percent) {
        return ("generated".into(), Case::single(generate::program(&mut rng, &cfg.generator)));
    }
    let (name, base) = if rng.chance(20) {
        ("a generated program".to_string(), Case::single(generate::program(&mut rng, &cfg.generator)))
    } else {
        let (n, c) = &seeds[rng.below(seeds.len())];
        (n.clone(), c.clone())
    };
    let other = seeds[rng.below(seeds.len())].1.main().to_vec();
    let mutated = mutate(&mut rng, base.main(), &other);
    (format!("mutant of {name}"), base.with_main(mutated))
}

/// Run a campaign over `seeds` (the mutation corpus).
pub fn run(cfg: &RunConfig, seeds: &[(String, Case)]) -> Summary {
    let mut worker = Worker::new(cfg.worker.clone());
    let mut s = Summary { seed: cfg.seed, ..Summary::default() };
    let start = Instant::now();
    let mut last_progress = Instant::now();
    let deadline = cfg.seconds.map(|t| start + Duration::from_secs_f64(t));
    let mut index = 0u64;
    loop {
        if cfg.inputs.is_some_and(|n| index >= n) || deadline.is_some_and(|d| Instant::now() >= d) {
            break;
        }
        if cfg.inputs.is_none() && deadline.is_none() {
            break;
        }
        let (origin, case) = input(cfg.seed, index, seeds, cfg);
        let generated = origin == "generated";
        if generated {
            s.generated += 1;
        } else {
            s.mutated += 1;
        }
        let flags = Flags { deep: cfg.deep_every > 0 && index.is_multiple_of(cfg.deep_every) };
        s.deep += u64::from(flags.deep);
        match worker.run(&case, flags) {
            Verdict::Pass { micros, clean } => {
                s.generated_clean += u64::from(generated && clean);
                if micros > s.slowest.0 {
                    s.slowest = (micros, index);
                }
            }
            Verdict::Fail(f) => {
                s.failures += 1;
                let t = Instant::now();
                record(cfg, &mut s, &mut worker, f, &case, flags, index, &origin);
                s.minimizing += t.elapsed();
            }
        }
        index += 1;
        if let Some(every) = cfg.progress
            && last_progress.elapsed() >= every
        {
            last_progress = Instant::now();
            s.inputs = index;
            s.elapsed = start.elapsed();
            eprintln!(
                "cedc-fuzz: {} inputs, {:.0}/s, {} failing, {} distinct",
                index,
                s.rate(),
                s.failures,
                s.found.len()
            );
        }
    }
    s.inputs = index;
    s.elapsed = start.elapsed();
    s.worker_starts = worker.starts;
    s
}

#[allow(clippy::too_many_arguments)]
fn record(
    cfg: &RunConfig,
    s: &mut Summary,
    worker: &mut Worker,
    failure: Failure,
    case: &Case,
    flags: Flags,
    index: u64,
    origin: &str,
) {
    let signature = failure.signature();
    if let Some(f) = s.found.iter_mut().find(|f| f.signature == signature) {
        f.count += 1;
        return;
    }
    let minimized = minimize(
        case.main(),
        cfg.minimize_budget,
        &mut |candidate: &[u8]| matches!(worker.run(&case.with_main(candidate.to_vec()), flags), Verdict::Fail(g) if g.same_bug(&failure)),
    );
    let small = case.with_main(minimized);
    let reproducer = write_reproducer(&cfg.out, &failure, &signature, &small, case, cfg.seed, index, origin).ok();
    s.found.push(Found {
        failure,
        signature,
        count: 1,
        first_index: index,
        origin: origin.to_string(),
        original_len: case.main().len(),
        minimized_len: small.main().len(),
        reproducer,
    });
}

/// FNV-1a, for stable file names.
pub fn hash(text: &str) -> u64 {
    text.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3))
}

/// Write `OUT/<kind>-<hash>.ced` (the minimised file), `.txt` (what broke and how to
/// reproduce it), `.original.ced`, and the project directory `OUT/<kind>-<hash>/`.
#[allow(clippy::too_many_arguments)]
pub fn write_reproducer(
    out: &Path,
    failure: &Failure,
    signature: &str,
    small: &Case,
    original: &Case,
    seed: u64,
    index: u64,
    origin: &str,
) -> std::io::Result<PathBuf> {
    std::fs::create_dir_all(out)?;
    let stem = format!("{}-{:016x}", failure.kind, hash(signature));
    let file = out.join(format!("{stem}.ced"));
    std::fs::write(&file, small.main())?;
    std::fs::write(out.join(format!("{stem}.original.ced")), original.main())?;
    let dir = out.join(&stem);
    std::fs::create_dir_all(&dir)?;
    let entries: Vec<String> = small.entries.iter().map(|e| format!("{e:?}")).collect();
    let config =
        config_text().replacen("name = \"fuzz\"", &format!("name = \"fuzz\"\nentry = [{}]", entries.join(", ")), 1);
    std::fs::write(dir.join("cedc.toml"), config)?;
    for (name, bytes) in &small.files {
        let path = dir.join(name);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)?;
        }
        std::fs::write(path, bytes)?;
    }
    let main_name = small.files.first().map(|f| f.0.as_str()).unwrap_or("main.ced");
    let text = format!(
        "kind: {}\nsignature: {signature}\nfound: input #{index} of seed {seed} ({origin}); minimised from {} to {} bytes\n\n{}\n\nreproduce:\n  cedc check {}    (the project; {} is the minimised file)\n  cedc-fuzz replay {}\n",
        failure.kind,
        original.main().len(),
        small.main().len(),
        failure.detail,
        dir.display(),
        main_name,
        dir.display(),
    );
    std::fs::write(out.join(format!("{stem}.txt")), text)?;
    Ok(file)
}
