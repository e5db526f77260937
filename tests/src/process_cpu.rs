//! A criterion measurement of this process's CPU time, for benchmarks whose server runs in another
//! process: it counts the client's work (driver, runtime, the toolkit) and not the time spent
//! waiting for the server.

use criterion::measurement::{Measurement, ValueFormatter};
use criterion::Throughput;
use std::time::Duration;

/// CPU time of every thread of this process so far (`CLOCK_PROCESS_CPUTIME_ID`).
///
/// ```
/// let before = orm_tests::process_cpu::now();
/// let _: u64 = (0..1_000_000u64).sum();
/// assert!(orm_tests::process_cpu::now() >= before);
/// ```
pub fn now() -> Duration {
    cpu_time::ProcessTime::now().as_duration()
}

/// Criterion's measurement of process CPU time: `Criterion::default().with_measurement(ProcessCpu)`.
#[derive(Debug, Clone, Copy, Default)]
pub struct ProcessCpu;

impl Measurement for ProcessCpu {
    type Intermediate = Duration;
    type Value = Duration;

    fn start(&self) -> Duration {
        now()
    }
    fn end(&self, start: Duration) -> Duration {
        now().saturating_sub(start)
    }
    fn add(&self, a: &Duration, b: &Duration) -> Duration {
        *a + *b
    }
    fn zero(&self) -> Duration {
        Duration::ZERO
    }
    fn to_f64(&self, value: &Duration) -> f64 {
        value.as_nanos() as f64
    }
    fn formatter(&self) -> &dyn ValueFormatter {
        &CpuFormatter
    }
}

/// Formats nanoseconds of CPU time with a unit, as criterion formats wall time.
struct CpuFormatter;

impl ValueFormatter for CpuFormatter {
    fn scale_values(&self, typical_ns: f64, values: &mut [f64]) -> &'static str {
        let (factor, unit) = match typical_ns {
            t if t < 1e3 => (1.0, "ns (cpu)"),
            t if t < 1e6 => (1e-3, "µs (cpu)"),
            t if t < 1e9 => (1e-6, "ms (cpu)"),
            _ => (1e-9, "s (cpu)"),
        };
        values.iter_mut().for_each(|v| *v *= factor);
        unit
    }

    fn scale_throughputs(&self, _typical: f64, throughput: &Throughput, values: &mut [f64]) -> &'static str {
        let per = match *throughput {
            Throughput::Bytes(n) | Throughput::BytesDecimal(n) | Throughput::Bits(n) | Throughput::Elements(n) => n as f64,
            Throughput::ElementsAndBytes { elements, .. } => elements as f64,
        };
        values.iter_mut().for_each(|v| *v = per * 1e9 / *v);
        "per cpu-second"
    }

    fn scale_for_machines(&self, _values: &mut [f64]) -> &'static str {
        "ns"
    }
}
