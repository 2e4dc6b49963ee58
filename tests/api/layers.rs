//! The layer rule of docs/architecture.md, checked on the source: `domain` ← `db` ← `cases` ←
//! `http` ← `web` | `api` | `worker` ← `startup`. A module may use the ones below it, never one
//! above, and the three adapters (pages, JSON API, background worker) never use each other.

use std::path::{Path, PathBuf};

/// Every `.rs` file under `dir`.
fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut files = vec![];
    let mut pending = vec![dir.to_path_buf()];
    while let Some(d) = pending.pop() {
        for entry in std::fs::read_dir(&d).expect("readable source directory") {
            let path = entry.expect("a directory entry").path();
            if path.is_dir() {
                pending.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                files.push(path);
            }
        }
    }
    files
}

/// The lines of a module (a folder or a single file under `src/`) that mention a forbidden path,
/// comments excluded.
fn offences(module: &str, forbidden: &[&str]) -> Vec<String> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let folder = src.join(module);
    let files = if folder.is_dir() {
        rust_files(&folder)
    } else {
        vec![src.join(format!("{module}.rs"))]
    };
    let mut found = vec![];
    for file in files {
        let text = std::fs::read_to_string(&file).expect("readable source file");
        for (n, line) in text.lines().enumerate() {
            let code = line.split("//").next().unwrap_or("");
            for f in forbidden {
                if code.contains(f) {
                    found.push(format!("{}:{}: {}", file.display(), n + 1, line.trim()));
                }
            }
        }
    }
    found
}

/// The layers, bottom first; a module may use only modules of a lower rank.
const LAYERS: &[(&str, u8)] = &[
    ("domain", 0),
    ("db", 1),
    ("clock", 1),
    ("access", 1),
    ("auth", 2),
    ("cases", 3),
    ("http", 4),
    ("web", 5),
    ("api", 5),
    ("worker", 5),
    ("startup", 6),
    ("cli", 7),
];

#[test]
fn dependencies_point_one_way() {
    let mut all = vec![];
    for (module, rank) in LAYERS {
        let mut forbidden: Vec<String> = LAYERS
            .iter()
            .filter(|(other, r)| r >= rank && other != module)
            .map(|(other, _)| format!("crate::{other}"))
            .collect();
        if *module == "domain" {
            forbidden.extend(["sqlx::".to_string(), "axum::".to_string()]);
        }
        if *rank <= 3 {
            forbidden.push("axum::".into());
        }
        let forbidden: Vec<&str> = forbidden.iter().map(String::as_str).collect();
        all.extend(offences(module, &forbidden));
    }
    assert!(
        all.is_empty(),
        "imports against the layer rule:\n{}",
        all.join("\n")
    );
}

#[test]
fn the_rule_would_catch_an_offence() {
    // The checker itself finds what it is asked for (web really does use the case service).
    assert!(!offences("web", &["crate::cases"]).is_empty());
}
