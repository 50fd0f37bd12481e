//! Work spread over the machine's cores, for the few steps of a load that do the same thing
//! to every file or job of a wide run (tens of thousands of them). Threads only: no IO here.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

/// The machine's cores (at most 8 are used), asked once: every ask reads the process's
/// cgroup limits again, and a load has several steps that ask.
pub fn cores() -> usize {
    static CORES: std::sync::OnceLock<usize> = std::sync::OnceLock::new();
    *CORES.get_or_init(|| std::thread::available_parallelism().map(|c| c.get()).unwrap_or(1).min(8))
}

/// How many threads a step over `n` items uses: one below `min_items` (spawning costs more
/// than it saves), else one per core.
pub fn threads_for(n: usize, min_items: usize) -> usize {
    if n < min_items {
        return 1;
    }
    cores()
}

/// `f` over every item on `threads` threads, the results in the items' order.
pub fn map_in_order<T: Sync, R: Send>(threads: usize, items: &[T], f: impl Fn(&T) -> R + Sync) -> Vec<R> {
    let chunks = map_in_order_chunks(threads, items, f);
    if chunks.len() == 1 {
        return chunks.into_iter().flatten().collect();
    }
    let mut out = Vec::with_capacity(items.len());
    for c in chunks {
        out.extend(c);
    }
    out
}

/// [`map_in_order`] as consecutive runs of results, for a caller that only walks them: the
/// items are handed out a short run at a time (so a few big ones do not hold up one thread's
/// share), and each run's results are made where they are computed, not copied into one
/// vector on the calling thread.
pub fn map_in_order_chunks<T: Sync, R: Send>(threads: usize, items: &[T], f: impl Fn(&T) -> R + Sync) -> Vec<Vec<R>> {
    let threads = threads.min(items.len());
    if threads <= 1 {
        return vec![items.iter().map(f).collect()];
    }
    let runs = Runs::new(items.len(), threads);
    on_threads(threads, || {
        let mut mine = Vec::new();
        while let Some(range) = runs.take() {
            mine.push((range.start, items[range].iter().map(&f).collect::<Vec<R>>()));
        }
        mine
    })
}

/// `f` on every item, handed out a run at a time (see [`map_in_order_chunks`]).
pub fn for_each_mut<T: Send>(items: &mut [T], min_items: usize, f: impl Fn(&mut T) + Sync) {
    if threads_for(items.len(), min_items) <= 1 {
        items.iter_mut().for_each(f);
        return;
    }
    map_mut_in_order_chunks(items, min_items, |x| f(x));
}

/// `f` on every item, handed out a run at a time (see [`map_in_order_chunks`]), the results
/// in the items' order as one vector per run.
pub fn map_mut_in_order_chunks<T: Send, R: Send>(
    items: &mut [T],
    min_items: usize,
    f: impl Fn(&mut T) -> R + Sync,
) -> Vec<Vec<R>> {
    let threads = threads_for(items.len(), min_items).min(items.len());
    if threads <= 1 {
        return vec![items.iter_mut().map(f).collect()];
    }
    // The runs are cut up front (the borrow checker hands out disjoint `&mut` runs only that
    // way), in the sizes `Runs` would give, and taken in order.
    let runs = Runs::new(items.len(), threads);
    let mut cut: Vec<(usize, &mut [T])> = Vec::new();
    let mut rest = items;
    let mut at = 0;
    while let Some(range) = runs.take() {
        let (run, tail) = std::mem::take(&mut rest).split_at_mut(range.len());
        cut.push((at, run));
        at += range.len();
        rest = tail;
    }
    let queue = Mutex::new(cut.into_iter());
    on_threads(threads, || {
        let mut mine = Vec::new();
        loop {
            let next = queue.lock().map(|mut q| q.next()).unwrap_or(None);
            let Some((start, run)) = next else { break };
            mine.push((start, run.iter_mut().map(&f).collect::<Vec<R>>()));
        }
        mine
    })
}

/// The runs of items a map hands out: at most 64 items, shorter as the work runs out (a
/// quarter of each thread's share of what is left). Handing them out costs nothing next to
/// the items, and the threads end within an item or two of each other even when the costly
/// items come last (a run's batch scripts sort after its thousands of small logs) or a core
/// is slower than the other (a shared machine).
struct Runs {
    len: usize,
    threads: usize,
    next: AtomicUsize,
}

impl Runs {
    fn new(len: usize, threads: usize) -> Runs {
        Runs { len, threads, next: AtomicUsize::new(0) }
    }

    fn take(&self) -> Option<std::ops::Range<usize>> {
        let mut start = self.next.load(Ordering::Relaxed);
        loop {
            if start >= self.len {
                return None;
            }
            let n = ((self.len - start) / (self.threads * 4)).clamp(1, 64);
            match self.next.compare_exchange_weak(start, start + n, Ordering::Relaxed, Ordering::Relaxed) {
                Ok(_) => return Some(start..start + n),
                Err(now) => start = now,
            }
        }
    }
}

/// `work` on `threads` threads, this one among them (one thread fewer to start), each giving
/// its runs of results with their first item's index; all the runs, in the items' order. A
/// panic of a started thread is raised again here.
fn on_threads<R: Send>(threads: usize, work: impl Fn() -> Vec<(usize, Vec<R>)> + Sync) -> Vec<Vec<R>> {
    let mut runs = std::thread::scope(|s| {
        let started: Vec<_> = (1..threads).map(|_| s.spawn(&work)).collect();
        let mut runs = work();
        for h in started {
            runs.extend(h.join().unwrap_or_else(|e| std::panic::resume_unwind(e)));
        }
        runs
    });
    runs.sort_unstable_by_key(|(start, _)| *start);
    runs.into_iter().map(|(_, r)| r).collect()
}

/// Drop `value` on a thread of its own (freeing a large structure piece by piece takes
/// milliseconds the caller need not wait for); inline when no thread can be started.
pub fn drop_in_background<T: Send + 'static>(value: T) {
    // When no thread can be started, the closure holding `value` is dropped with the error.
    let _ = std::thread::Builder::new().name("drop".into()).spawn(move || drop(value));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_item_is_visited_once_in_place() {
        let mut v: Vec<u64> = (0..10_000).collect();
        for_each_mut(&mut v, 100, |x| *x *= 3);
        assert_eq!(v.iter().sum::<u64>(), 3 * (0..10_000u64).sum::<u64>());
        assert_eq!(v[9_999], 29_997);
        let mut small = vec![1, 2, 3];
        for_each_mut(&mut small, 100, |x| *x += 1);
        assert_eq!(small, [2, 3, 4]);
    }

    #[test]
    fn a_map_keeps_the_items_order_on_any_number_of_threads() {
        let items: Vec<u64> = (0..5_000).collect();
        for threads in [0, 1, 2, 7] {
            let out = map_in_order(threads, &items, |x| x * 2);
            assert_eq!(out.len(), 5_000, "{threads} threads");
            assert!(out.iter().enumerate().all(|(i, &x)| x == 2 * i as u64), "{threads} threads");
        }
        assert!(map_in_order(2, &[] as &[u64], |x| *x).is_empty());
    }

    #[test]
    fn a_mutable_map_sees_every_item_once_and_keeps_the_order() {
        for n in [0usize, 3, 10_000] {
            let mut v: Vec<u64> = (0..n as u64).collect();
            let runs = map_mut_in_order_chunks(&mut v, 100, |x| {
                *x += 1;
                *x * 10
            });
            let flat: Vec<u64> = runs.into_iter().flatten().collect();
            assert_eq!(flat, (1..=n as u64).map(|x| x * 10).collect::<Vec<u64>>(), "{n} items");
            assert_eq!(v, (1..=n as u64).collect::<Vec<u64>>(), "{n} items");
        }
    }

    #[test]
    fn the_runs_of_a_chunked_map_are_the_items_in_order() {
        let items: Vec<u64> = (0..20_000).collect();
        for threads in [1, 2, 3, 8] {
            let runs = map_in_order_chunks(threads, &items, |x| x + 1);
            assert!(runs.iter().all(|r| !r.is_empty()), "{threads} threads: an empty run");
            let flat: Vec<u64> = runs.into_iter().flatten().collect();
            assert_eq!(flat, (1..=20_000).collect::<Vec<u64>>(), "{threads} threads");
        }
        assert_eq!(map_in_order_chunks(2, &[7u64], |x| *x), vec![vec![7]]);
    }
}
