//! Line counts from code regions, the way llvm-cov counts lines: a line is
//! executable when a region starts on it or a region that started before it
//! is still open at its start; its count is the largest of the counts of the
//! regions starting on it and of the innermost region open at its start. So a
//! line whose code ran in part counts as run, and every line of a region that
//! spans several lines counts with it.

use crate::regions::Region;

/// Per line (index 0 = line 1): None when no code is on it, else its count.
pub fn line_counts(regions: &[Region]) -> Vec<Option<u64>> {
    let last = regions.iter().map(|r| r.end.0.max(r.start.0)).max().unwrap_or(0);
    let mut lines = vec![None; last];
    for (i, slot) in lines.iter_mut().enumerate() {
        let line = i + 1;
        let mut count: Option<u64> = None;
        let mut wrapped: Option<&Region> = None;
        for r in regions {
            if r.start.0 == line {
                count = Some(count.unwrap_or(0).max(r.count));
            } else if r.start.0 < line && r.end.0 >= line {
                // regions are sorted by start, then widest first: the last
                // one open here is the innermost
                wrapped = Some(r);
            }
        }
        if let Some(w) = wrapped {
            count = Some(count.unwrap_or(0).max(w.count));
        }
        *slot = count;
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    fn r(start: (usize, usize), end: (usize, usize), count: u64) -> Region {
        Region { start, end, count }
    }

    #[test]
    fn a_branch_not_taken_is_an_uncovered_line() {
        // fn f(x) { if x > 3 {  x * 2 } else { x - 1 } }, called once with 5
        let regions = [r((1, 1), (1, 24), 1), r((2, 8), (2, 13), 1), r((3, 9), (3, 14), 1),
                       r((5, 9), (5, 14), 0), r((7, 1), (7, 2), 1)];
        assert_eq!(line_counts(&regions), [Some(1), Some(1), Some(1), None, Some(0), None, Some(1)]);
    }

    #[test]
    fn lines_inside_a_region_take_the_innermost_count() {
        let regions = [r((1, 1), (9, 2), 4), r((3, 5), (5, 6), 0)];
        let lines = line_counts(&regions);
        assert_eq!(lines[1], Some(4)); // inside the outer region only
        assert_eq!(lines[3], Some(0)); // inside the inner one, which never ran
        assert_eq!(lines[5], Some(4)); // after the inner one closed
    }

    #[test]
    fn a_line_partly_run_counts_as_run() {
        let regions = [r((2, 1), (2, 10), 0), r((2, 12), (2, 20), 3)];
        assert_eq!(line_counts(&regions), [None, Some(3)]);
    }
}
