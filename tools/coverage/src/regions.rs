//! The counted code regions of each source file: every function record of
//! the instrumented binaries, its counters taken from the merged profile and
//! its counter expressions evaluated, kept only for the files asked for.
//!
//! llvm_profparser's own report drops the kind of each region and resolves a
//! line to the first region mentioning it; a line's count needs the kinds and
//! all the regions, so they are gathered here and lines are counted in lines.rs.

use llvm_profparser::coverage::coverage_mapping::read_object_file;
use llvm_profparser::instrumentation_profile::types::InstrumentationProfile;
use llvm_profparser::{Counter, CounterType, ExprKind, FunctionRecordV3, RegionKind};
use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

/// A code region in one file, with its execution count.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Region {
    pub start: (usize, usize),
    pub end: (usize, usize),
    pub count: u64,
}

/// Per source file, its code regions; identical ranges (the same function in
/// several codegen units or instantiations) are one region with the summed count.
pub type FileRegions = BTreeMap<PathBuf, Vec<Region>>;

/// A region's (start, end) as (line, column) pairs.
type Range = ((usize, usize), (usize, usize));

/// What was skipped while reading, to be printed with the report.
#[derive(Default, Debug)]
pub struct Notes {
    /// Functions whose profile record has another structural hash (the binary
    /// does not match the profile): counted as never run.
    pub hash_mismatches: usize,
}

/// Read the regions of the functions of `objects` whose file `keep` accepts.
/// `skip_function` gets the function's (mangled) linkage name.
pub fn collect(
    objects: &[PathBuf],
    profile: &InstrumentationProfile,
    keep: &dyn Fn(&Path) -> bool,
    skip_function: &dyn Fn(&str) -> bool,
    notes: &mut Notes,
) -> Result<FileRegions, String> {
    let version = profile
        .version()
        .ok_or_else(|| "the profile has no version number".to_string())?;
    let mut ranges: BTreeMap<PathBuf, HashMap<Range, u64>> = BTreeMap::new();
    for object in objects {
        let info = read_object_file(object, version)
            .map_err(|e| format!("{}: no coverage mapping readable: {e}", object.display()))?;
        for func in &info.cov_fun {
            let files = info.get_files_from_id(func.header.filenames_ref);
            if !files.iter().any(|f| keep(f)) {
                continue;
            }
            let name = info.prof_names.get(&func.header.name_hash).map(String::as_str).unwrap_or("");
            if skip_function(name) {
                continue;
            }
            let counters = counters_of(func, profile, notes);
            let mut memo = HashMap::new();
            for region in &func.regions {
                if region.kind != RegionKind::Code {
                    continue; // expansion, skipped, gap and branch regions carry no line count here
                }
                let Some(file) = files.get(region.file_id) else { continue };
                if !keep(file) {
                    continue;
                }
                let count = eval(region.count, func, &counters, &mut memo, 0);
                let loc = &region.loc;
                let key = ((loc.line_start, loc.column_start), (loc.line_end, loc.column_end));
                *ranges.entry(file.clone()).or_default().entry(key).or_default() += count;
            }
        }
    }
    Ok(ranges
        .into_iter()
        .map(|(file, by_range)| {
            let mut regions: Vec<Region> = by_range
                .into_iter()
                .map(|((start, end), count)| Region { start, end, count })
                .collect();
            regions.sort_by_key(|r| (r.start, std::cmp::Reverse(r.end)));
            (file, regions)
        })
        .collect())
}

/// The function's counter values from the profile; none when it never ran
/// in any profiled process (or was not even compiled in: hash 0).
fn counters_of(func: &FunctionRecordV3, profile: &InstrumentationProfile, notes: &mut Notes) -> Vec<u64> {
    let Some(record) = profile.find_record_by_hash(func.header.name_hash) else {
        return Vec::new();
    };
    if func.header.fn_hash != 0 && record.hash.is_some_and(|h| h != func.header.fn_hash) {
        notes.hash_mismatches += 1;
        return Vec::new();
    }
    record.record.counts.clone()
}

/// The value of a counter: a profile counter, zero, or an expression over
/// other counters (depth-bounded: expressions form a DAG, but a corrupt
/// mapping must not recurse forever).
fn eval(counter: Counter, func: &FunctionRecordV3, counters: &[u64], memo: &mut HashMap<u64, u64>, depth: u32) -> u64 {
    match counter.kind {
        CounterType::Zero => 0,
        CounterType::ProfileInstrumentation => counters.get(counter.id as usize).copied().unwrap_or(0),
        CounterType::Expression(_) => {
            if let Some(v) = memo.get(&counter.id) {
                return *v;
            }
            let Some(expr) = func.expressions.get(counter.id as usize) else { return 0 };
            if depth > 10_000 {
                return 0;
            }
            let lhs = eval(expr.lhs, func, counters, memo, depth + 1);
            let rhs = eval(expr.rhs, func, counters, memo, depth + 1);
            let v = match expr.kind {
                ExprKind::Add => lhs.saturating_add(rhs),
                ExprKind::Subtract => lhs.saturating_sub(rhs),
            };
            memo.insert(counter.id, v);
            v
        }
    }
}
