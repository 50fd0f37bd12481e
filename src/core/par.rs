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

/// `f` over every item on `threads` threads (items handed out one at a time, so a few big
/// ones do not hold up one thread's share), the results in the items' order.
pub fn map_in_order<T: Sync, R: Send>(threads: usize, items: &[T], f: impl Fn(&T) -> R + Sync) -> Vec<R> {
    let threads = threads.min(items.len());
    if threads <= 1 {
        return items.iter().map(f).collect();
    }
    let next = AtomicUsize::new(0);
    let slots: Vec<Mutex<Option<R>>> = items.iter().map(|_| Mutex::new(None)).collect();
    std::thread::scope(|s| {
        for _ in 0..threads {
            s.spawn(|| loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(item) = items.get(i) else { break };
                let r = f(item);
                if let Ok(mut slot) = slots[i].lock() {
                    *slot = Some(r);
                }
            });
        }
    });
    slots.into_iter().filter_map(|m| m.into_inner().ok().flatten()).collect()
}

/// `f` on every item, the items split in one contiguous share per thread.
pub fn for_each_mut<T: Send>(items: &mut [T], min_items: usize, f: impl Fn(&mut T) + Sync) {
    let threads = threads_for(items.len(), min_items);
    if threads <= 1 {
        items.iter_mut().for_each(f);
        return;
    }
    let share = items.len().div_ceil(threads);
    std::thread::scope(|s| {
        for chunk in items.chunks_mut(share) {
            let f = &f;
            s.spawn(move || chunk.iter_mut().for_each(f));
        }
    });
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
}
