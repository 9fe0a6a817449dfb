//! Writing the report: a Markdown table (summary.md, also printed), an lcov
//! file (lcov.info) for tools that read one, and HTML (index.html and one page
//! per source file with each line's count).

use std::fmt::Write as _;
use std::fs;
use std::path::Path;

/// One source file's line counts (index 0 = line 1; None = no code).
pub struct FileCoverage {
    /// Path relative to the repository root, as shown in the report.
    pub name: String,
    pub lines: Vec<Option<u64>>,
}

impl FileCoverage {
    pub fn executable(&self) -> usize {
        self.lines.iter().filter(|l| l.is_some()).count()
    }
    pub fn covered(&self) -> usize {
        self.lines.iter().filter(|l| l.is_some_and(|c| c > 0)).count()
    }
}

/// The files of one part of the report (the planner, the extension) and how
/// they were exercised.
pub struct Part {
    pub name: String,
    pub exercised_by: String,
    pub files: Vec<FileCoverage>,
    /// .rs files of the part with no instrumented code (declarations only).
    pub without_code: Vec<String>,
}

impl Part {
    fn totals(&self) -> (usize, usize) {
        self.files.iter().fold((0, 0), |(e, c), f| (e + f.executable(), c + f.covered()))
    }
}

fn percent(covered: usize, executable: usize) -> String {
    if executable == 0 {
        return "-".into();
    }
    format!("{:.1}%", 100.0 * covered as f64 / executable as f64)
}

/// The Markdown summary: per part a table of its files, then the totals.
pub fn markdown(parts: &[Part]) -> String {
    let mut out = String::new();
    let (mut all_e, mut all_c) = (0, 0);
    for part in parts {
        let (e, c) = part.totals();
        all_e += e;
        all_c += c;
        let _ = writeln!(out, "### {} ({})\n", part.name, part.exercised_by);
        let _ = writeln!(out, "| file | lines | covered | % |\n|---|---:|---:|---:|");
        for f in &part.files {
            let _ = writeln!(out, "| `{}` | {} | {} | {} |", f.name, f.executable(), f.covered(),
                             percent(f.covered(), f.executable()));
        }
        let _ = writeln!(out, "| **total** | **{e}** | **{c}** | **{}** |\n", percent(c, e));
        if !part.without_code.is_empty() {
            let _ = writeln!(out, "No code to count in: {}.\n",
                             part.without_code.iter().map(|n| format!("`{n}`")).collect::<Vec<_>>().join(", "));
        }
    }
    let _ = writeln!(out, "Overall: {all_c} of {all_e} lines, {}.", percent(all_c, all_e));
    out
}

/// lcov's tracefile format: SF, DA per executable line, LF/LH, end_of_record.
pub fn lcov(parts: &[Part], root: &Path) -> String {
    let mut out = String::new();
    for f in parts.iter().flat_map(|p| &p.files) {
        let _ = writeln!(out, "SF:{}", root.join(&f.name).display());
        for (i, count) in f.lines.iter().enumerate() {
            if let Some(c) = count {
                let _ = writeln!(out, "DA:{},{c}", i + 1);
            }
        }
        let _ = writeln!(out, "LF:{}\nLH:{}\nend_of_record", f.executable(), f.covered());
    }
    out
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;")
}

fn page_name(file: &str) -> String {
    format!("{}.html", file.replace('/', "_"))
}

const STYLE: &str = "body{font-family:sans-serif}table{border-collapse:collapse}\
td,th{padding:2px 8px;border-bottom:1px solid #ddd}td.n{text-align:right}\
pre{margin:0}.hit{background:#dfd}.miss{background:#fdd}.src td{border:0;padding:0 6px;\
font-family:monospace;white-space:pre}";

/// index.html and files/<file>.html under `dir`.
pub fn html(parts: &[Part], root: &Path, dir: &Path) -> std::io::Result<()> {
    fs::create_dir_all(dir.join("files"))?;
    let mut index = format!("<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>pg_tviews coverage</title>\
                             <style>{STYLE}</style></head><body><h1>pg_tviews line coverage</h1>");
    for part in parts {
        let (e, c) = part.totals();
        let _ = write!(index, "<h2>{} ({})</h2><table><tr><th>file</th><th>lines</th><th>covered</th><th>%</th></tr>",
                       escape(&part.name), escape(&part.exercised_by));
        for f in &part.files {
            let _ = write!(index, "<tr><td><a href=\"files/{}\">{}</a></td><td class=n>{}</td><td class=n>{}</td><td class=n>{}</td></tr>",
                           page_name(&f.name), escape(&f.name), f.executable(), f.covered(),
                           percent(f.covered(), f.executable()));
            fs::write(dir.join("files").join(page_name(&f.name)), file_page(f, root))?;
        }
        let _ = write!(index, "<tr><th>total</th><th class=n>{e}</th><th class=n>{c}</th><th class=n>{}</th></tr></table>",
                       percent(c, e));
    }
    index.push_str("</body></html>\n");
    fs::write(dir.join("index.html"), index)
}

fn file_page(f: &FileCoverage, root: &Path) -> String {
    let source = fs::read_to_string(root.join(&f.name)).unwrap_or_default();
    let mut page = format!("<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>{0}</title><style>{STYLE}</style>\
                            </head><body><p><a href=\"../index.html\">index</a></p><h1>{0}</h1><p>{1} of {2} lines, {3}</p>\
                            <table class=src>", escape(&f.name), f.covered(), f.executable(),
                           percent(f.covered(), f.executable()));
    for (i, text) in source.lines().enumerate() {
        let count = f.lines.get(i).copied().flatten();
        let (class, shown) = match count {
            Some(0) => (" class=miss", "0".to_string()),
            Some(c) => (" class=hit", c.to_string()),
            None => ("", String::new()),
        };
        let _ = write!(page, "<tr{class}><td class=n>{}</td><td class=n>{shown}</td><td>{}</td></tr>", i + 1, escape(text));
    }
    page.push_str("</table></body></html>\n");
    page
}
