//! Shared by the bench targets: a deterministic RNG and the two group configurations.

use std::time::Duration;

use criterion::measurement::WallTime;
use criterion::{BenchmarkGroup, SamplingMode};

/// The benchmarks' RNG: deterministic and NOT secure (see the shared file's docs).
pub use splitmix::SplitMix64 as BenchRng;

#[path = "../../../tests/common/splitmix.rs"]
mod splitmix;

/// Groups whose operations take microseconds.
pub fn fast(group: &mut BenchmarkGroup<'_, WallTime>) {
    group
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3));
}

/// Groups that contain a McEliece key generation (tens to hundreds of milliseconds each, and
/// varying with the number of attempts its seed needs): 10 samples, each the mean of several
/// calls with different seeds, in flat sampling mode (every sample has as many calls).
pub fn slow(group: &mut BenchmarkGroup<'_, WallTime>) {
    group
        .sample_size(10)
        .sampling_mode(SamplingMode::Flat)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(20));
}
