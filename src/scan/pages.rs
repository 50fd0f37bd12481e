//! Large pages for a wide load.
//!
//! Reading a run of thousands of jobs makes tens of MiB of small objects, and the kernel
//! maps each 4 KiB page of them on its first touch: on the 200 x 50 benchmark run that was
//! about 17,800 page faults at ~2 us each, a tenth of the load's time. A 2 MiB page is one
//! fault for 512 of those. It costs memory, though: a 2 MiB page is resident whole, however
//! little of it is used (about 20 MiB more at that run's peak), which the loads that must
//! stay small (one huge log, a million-row joblog) do not pay: they read few files, and only
//! a load of many files asks for large pages.

/// The fewest files to read for a load to ask for large pages.
pub const WIDE_LOAD_FILES: usize = 1_000;

/// Ask the kernel to back the allocator's memory (mimalloc's arenas, where every heap object
/// lives) with 2 MiB pages from now on, where it can. Pages already touched stay as they
/// are. Nothing happens where mimalloc is not the allocator in use (it then has no arena),
/// or on a system without transparent huge pages (the advice is refused and ignored).
pub fn prefer_large_pages() {
    #[cfg(target_os = "linux")]
    for (start, len) in arenas() {
        // SAFETY: the range is one of mimalloc's arenas, which it mapped and never unmaps
        // while the process runs; the advice changes which pages back it, never its content.
        let _ = unsafe { rustix::mm::madvise(start, len, rustix::mm::Advice::LinuxHugepage) };
    }
}

// `mi_arena_area` is in the static library this crate links: named here, it is linked into
// every binary of the package, those that keep the system allocator too.
#[cfg(target_os = "linux")]
extern crate libmimalloc_sys as _;

/// mimalloc's arenas: (start, length), in order.
#[cfg(target_os = "linux")]
fn arenas() -> Vec<(*mut std::ffi::c_void, usize)> {
    extern "C" {
        /// mimalloc v2 (`mimalloc.h`, not in the Rust bindings): the area of an arena, ids
        /// counted from 1; null for an id with no arena.
        fn mi_arena_area(arena_id: std::ffi::c_int, size: *mut usize) -> *mut std::ffi::c_void;
    }
    // mimalloc's MI_MAX_ARENAS.
    const MAX_ARENAS: std::ffi::c_int = 132;
    let mut out = Vec::new();
    for id in 1..=MAX_ARENAS {
        let mut len = 0usize;
        // SAFETY: a read of mimalloc's arena table (atomic loads) into a local.
        let start = unsafe { mi_arena_area(id, &mut len) };
        if start.is_null() {
            break;
        }
        out.push((start, len));
    }
    out
}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    use super::*;

    /// The `VmFlags` of the mapping holding `addr`, from `/proc/self/smaps`.
    fn flags_of(addr: usize) -> Option<String> {
        let smaps = std::fs::read_to_string("/proc/self/smaps").ok()?;
        let mut inside = false;
        for line in smaps.lines() {
            if let Some((range, _)) = line.split_once(' ') {
                if let Some((lo, hi)) = range.split_once('-') {
                    if let (Ok(lo), Ok(hi)) = (usize::from_str_radix(lo, 16), usize::from_str_radix(hi, 16)) {
                        inside = (lo..hi).contains(&addr);
                        continue;
                    }
                }
            }
            if inside {
                if let Some(flags) = line.strip_prefix("VmFlags:") {
                    return Some(flags.trim().to_string());
                }
            }
        }
        None
    }

    #[test]
    fn the_arena_of_a_mimalloc_allocation_is_advised_for_large_pages() {
        // The test binary's allocator is the system's: an allocation made through mimalloc
        // itself makes its first arena.
        // SAFETY: a plain allocation, freed below.
        let p = unsafe { libmimalloc_sys::mi_malloc(64) };
        assert!(!p.is_null());
        let arenas = arenas();
        assert!(!arenas.is_empty(), "mimalloc made no arena");
        let inside = arenas.iter().any(|&(start, len)| (start as usize..start as usize + len).contains(&(p as usize)));
        assert!(inside, "the allocation is in none of the arenas {arenas:?}");
        prefer_large_pages();
        let flags = flags_of(p as usize).expect("the allocation's mapping is in /proc/self/smaps");
        // `hg`: MADV_HUGEPAGE. A kernel without transparent huge pages refuses the advice.
        let thp = std::path::Path::new("/sys/kernel/mm/transparent_hugepage").exists();
        assert_eq!(flags.split(' ').any(|f| f == "hg"), thp, "VmFlags: {flags}");
        // SAFETY: allocated above by mimalloc, freed once.
        unsafe { libmimalloc_sys::mi_free(p) };
    }
}
