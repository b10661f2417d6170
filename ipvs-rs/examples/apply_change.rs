//! Benchmark helper: reads the table, changes the weight of a given share of
//! its destinations, and applies the plan; prints the timings.
//!
//! `apply_change PERCENT` (run inside the namespace to change). Used by
//! `bench/bench.sh`; not a test.

use std::time::Instant;

use ipvs::{Client, PlanOptions, plan};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let pct: f64 = std::env::args().nth(1).map_or(Ok(1.0), |s| s.parse())?;
    let mut c = Client::connect()?;
    let t0 = Instant::now();
    let actual = c.table()?;
    let read = t0.elapsed();
    let (_, dests) = actual.len();
    let change = ((dests as f64) * pct / 100.0).ceil() as usize;
    let mut desired = actual.clone();
    for d in desired
        .services
        .values_mut()
        .flat_map(|s| s.dests.values_mut())
        .take(change)
    {
        d.weight += 1;
    }
    let t1 = Instant::now();
    let ops = plan(&desired, &actual, PlanOptions::default());
    let report = c.apply(&ops)?;
    let apply = t1.elapsed();
    if !report.is_ok() {
        return Err(format!(
            "{} operations failed, first: {}",
            report.errors.len(),
            report.errors[0].error
        )
        .into());
    }
    println!(
        "read_us={} plan_apply_us={} ops={}",
        read.as_micros(),
        apply.as_micros(),
        ops.len()
    );
    Ok(())
}
