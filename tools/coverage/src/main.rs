//! pg_tviews_coverage: line coverage per source file from the .profraw files of
//! an instrumented run and the instrumented binaries that wrote them.
//!
//!   pg_tviews_coverage --root REPO --out DIR
//!       --part NAME --by TEXT --src DIR --profiles DIR --object FILE [--object FILE...]
//!       [--part ...]
//!
//! Each part counts the .rs files under its --src (relative to --root), from the
//! profiles in its --profiles directory (merged) and the coverage mappings of its
//! objects. Test code is left out: files named tests.rs or under a tests/
//! directory, and functions inside a `tests` module. Writes DIR/summary.md
//! (also printed), DIR/lcov.info and DIR/index.html with a page per file.

mod lines;
mod regions;
mod report;

use report::{FileCoverage, Part};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

#[derive(Default)]
struct PartArgs {
    name: String,
    by: String,
    src: PathBuf,
    profiles: PathBuf,
    objects: Vec<PathBuf>,
}

struct Args {
    root: PathBuf,
    out: PathBuf,
    parts: Vec<PartArgs>,
}

fn parse_args() -> Result<Args, String> {
    let mut it = std::env::args().skip(1);
    let (mut root, mut out, mut parts) = (None, None, Vec::<PartArgs>::new());
    while let Some(flag) = it.next() {
        let mut value = || it.next().ok_or_else(|| format!("{flag} needs a value"));
        if flag == "--root" {
            root = Some(PathBuf::from(value()?));
        } else if flag == "--out" {
            out = Some(PathBuf::from(value()?));
        } else if flag == "--part" {
            parts.push(PartArgs { name: value()?, ..Default::default() });
        } else {
            let v = value()?;
            let part = parts.last_mut().ok_or_else(|| format!("{flag} before any --part"))?;
            match flag.as_str() {
                "--by" => part.by = v,
                "--src" => part.src = PathBuf::from(v),
                "--profiles" => part.profiles = PathBuf::from(v),
                "--object" => part.objects.push(PathBuf::from(v)),
                _ => return Err(format!("unknown argument {flag}")),
            }
        }
    }
    let root = root.ok_or("--root is required")?;
    let root = root.canonicalize().map_err(|e| format!("{}: {e}", root.display()))?;
    Ok(Args { root, out: out.ok_or("--out is required")?, parts })
}

/// Test code: a tests.rs file or a file below a tests/ directory.
fn is_test_file(rel: &Path) -> bool {
    rel.file_name().is_some_and(|n| n == "tests.rs") || rel.components().any(|c| c.as_os_str() == "tests")
}

/// A function (or closure) inside a module named `tests`: both manglings
/// spell that path component "5tests" (its length, then the name), so it is
/// "5tests" where the 5 is not the end of a longer number.
fn is_test_function(mangled: &str) -> bool {
    let bytes = mangled.as_bytes();
    mangled.match_indices("5tests").any(|(i, _)| i == 0 || !bytes[i - 1].is_ascii_digit())
}

/// Every .rs file below `dir`, sorted.
fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    let mut entries: Vec<_> = std::fs::read_dir(dir)?.collect::<Result<_, _>>()?;
    entries.sort_by_key(|e| e.path());
    for e in entries {
        let p = e.path();
        if p.is_dir() {
            rust_files(&p, out)?;
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
    Ok(())
}

fn profraws(dir: &Path) -> Result<Vec<PathBuf>, String> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(|e| format!("{}: {e}", dir.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "profraw"))
        .collect();
    files.sort();
    if files.is_empty() {
        return Err(format!("{}: no .profraw files (did the instrumented run write any?)", dir.display()));
    }
    Ok(files)
}

fn build_part(args: &PartArgs, root: &Path) -> Result<Part, String> {
    let src = root.join(&args.src);
    let profiles = profraws(&args.profiles)?;
    let profile = llvm_profparser::merge_profiles(&profiles)
        .map_err(|e| format!("reading the profiles in {}: {e}", args.profiles.display()))?;
    let keep = |p: &Path| p.starts_with(&src) && p.strip_prefix(root).is_ok_and(|rel| !is_test_file(rel));
    let mut notes = regions::Notes::default();
    let by_file = regions::collect(&args.objects, &profile, &keep, &is_test_function, &mut notes)?;
    if notes.hash_mismatches > 0 {
        eprintln!("warning: {}: {} functions' profile records do not match the binary (counted as not run)",
                  args.name, notes.hash_mismatches);
    }
    let mut all = Vec::new();
    rust_files(&src, &mut all).map_err(|e| format!("{}: {e}", src.display()))?;
    let mut files = Vec::new();
    let mut without_code = Vec::new();
    for path in all {
        let rel = path.strip_prefix(root).unwrap_or(&path).to_string_lossy().into_owned();
        if is_test_file(Path::new(&rel)) {
            continue;
        }
        match by_file.get(&path) {
            Some(regions) => files.push(FileCoverage { name: rel, lines: lines::line_counts(regions) }),
            None => without_code.push(rel),
        }
    }
    eprintln!("{}: {} profiles, {} objects, {} files", args.name, profiles.len(), args.objects.len(), files.len());
    Ok(Part { name: args.name.clone(), exercised_by: args.by.clone(), files, without_code })
}

fn run() -> Result<(), String> {
    let args = parse_args()?;
    let parts = args.parts.iter().map(|p| build_part(p, &args.root)).collect::<Result<Vec<_>, _>>()?;
    let summary = report::markdown(&parts);
    std::fs::create_dir_all(&args.out).map_err(|e| format!("{}: {e}", args.out.display()))?;
    let write = |name: &str, text: &str| {
        std::fs::write(args.out.join(name), text).map_err(|e| format!("{}/{name}: {e}", args.out.display()))
    };
    write("summary.md", &summary)?;
    write("lcov.info", &report::lcov(&parts, &args.root))?;
    report::html(&parts, &args.root, &args.out).map_err(|e| format!("{}: {e}", args.out.display()))?;
    print!("{summary}");
    Ok(())
}

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("pg_tviews_coverage: {e}");
            ExitCode::FAILURE
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn test_modules_are_recognised_in_both_manglings() {
        assert!(is_test_function("_ZN17pg_tviews_planner5graph5tests10cycle_found17h0123456789abcdefE"));
        assert!(is_test_function("_RNvNtNtCs1234_17pg_tviews_planner5graph5tests10cycle_found"));
        assert!(is_test_function("_RNvNtNtCs1234_17pg_tviews_planner5graph5testss_16depth_of_a_chain"));
        assert!(!is_test_function("_ZN17pg_tviews_planner5graph11order_stack17h0123456789abcdefE"));
        assert!(!is_test_function("_ZN17pg_tviews_planner15tests_of_shape3run17h0123456789abcdefE"));
    }

    #[test]
    fn test_files_are_recognised() {
        assert!(is_test_file(Path::new("planner/src/tests.rs")));
        assert!(is_test_file(Path::new("planner/src/tests/shapes.rs")));
        assert!(!is_test_file(Path::new("planner/src/graph.rs")));
    }
}
