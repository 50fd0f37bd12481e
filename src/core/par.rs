//! Work spread over the machine's cores, for the few steps of a load that do the same thing
//! to every job of a wide run (tens of thousands of prompts). Threads only: no IO here.

/// How many threads a step over `n` items uses: one below `min_items` (spawning costs more
/// than it saves), else one per core.
pub fn threads_for(n: usize, min_items: usize) -> usize {
    if n < min_items {
        return 1;
    }
    std::thread::available_parallelism().map(|c| c.get()).unwrap_or(1).min(8)
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
}
