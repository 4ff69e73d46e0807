// rcrunch.rs - a Rust workload with the names a Rust profile shows: a
// module, a generic type's method, a trait method, a closure through a
// generic function, and an inlined method
//
// usage: rcrunch [SECONDS]   (default 2.0 seconds of wall time)
//
// Built by the tests as rustc builds by default (rustc -O, rustup's rustc
// links with LLD), with legacy and with v0 symbol mangling. Each round runs
//   rcrunch::crunch::Hasher<u64>::mix        about 50%
//   rcrunch::acc::accumulate -> Acc::step    about 30% (step always inlined)
//   rcrunch::spin_with::<closure>            about 20% (a closure)
// all under rcrunch::main. Prints one deterministic checksum line.
use std::env;
use std::hint::black_box;
use std::time::Instant;

const UNIT: u64 = 4000;

fn burn(mut x: u64) -> u64 {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    x.wrapping_mul(0x2545f4914f6cdd1d)
}

pub mod crunch {
    pub struct Hasher<T> {
        state: T,
    }

    impl Hasher<u64> {
        pub fn new(seed: u64) -> Self {
            Hasher { state: seed | 1 }
        }

        #[inline(never)]
        pub fn mix(&mut self, v: &[u64]) -> u64 {
            let mut x = self.state;
            for _ in 0..5 * super::UNIT / v.len() as u64 {
                for e in v {
                    x = super::burn(x ^ *e);
                }
            }
            self.state = std::hint::black_box(x);
            x
        }
    }
}

pub mod acc {
    pub struct Acc {
        pub x: u64,
    }

    impl Acc {
        #[inline(always)]
        pub fn step(&mut self, v: u64) {
            self.x = std::hint::black_box(super::burn(self.x ^ v));
        }
    }

    #[inline(never)]
    pub fn accumulate(seed: u64) -> u64 {
        let mut a = Acc { x: seed | 1 };
        for i in 0..3 * super::UNIT {
            a.step(i);
        }
        a.x
    }
}

#[inline(never)]
fn spin_with<F: Fn(u64) -> u64>(f: F, seed: u64) -> u64 {
    let mut x = seed | 1;
    for _ in 0..2 * UNIT {
        x = f(x);
    }
    black_box(x)
}

fn main() {
    let args: Vec<String> = env::args().collect();
    let seconds: f64 = match args.get(1) {
        Some(s) => s.parse().unwrap_or(-1.0),
        None => 2.0,
    };
    if args.len() > 2 || seconds <= 0.0 {
        eprintln!("usage: rcrunch [SECONDS]");
        std::process::exit(2);
    }
    let v: Vec<u64> = (0..16u64).map(|i| i.wrapping_mul(0x9e3779b97f4a7c15)).collect();
    let start = Instant::now();
    let mut sum = 0u64;
    let mut last = 0u64;
    while start.elapsed().as_secs_f64() < seconds {
        let mut h = crunch::Hasher::new(42);
        last = h.mix(&v) ^ acc::accumulate(7) ^ spin_with(|x| burn(x), 9);
        sum ^= last;
    }
    black_box(sum);
    println!("checksum {:016x}", last);
}
