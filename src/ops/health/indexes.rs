//! Missing indexes: the lookups maintenance makes that no index serves
//! (`pg_tviews_suggest_indexes`, for every TVIEW).  A performance matter:
//! maintenance stays correct, but each write scans those tables.

use crate::catalog;

use super::super::suggest_indexes::missing_indexes;
use super::Finding;

pub fn check() -> Vec<Finding> {
    let mut findings = Vec::new();
    for tview in catalog::all() {
        for s in missing_indexes(&tview) {
            findings.push(Finding::warning(
                "low",
                format!("index for {}", tview.table_sql()),
                format!("{}: without it each write scans the table. Run: {}", s.reason, s.statement),
            ));
        }
    }
    if findings.is_empty() {
        findings.push(Finding::ok("indexes", "every lookup maintenance makes is served by an index"));
    }
    findings
}
