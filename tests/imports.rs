//! The module graph stays one-way. The stages are the folders of `pipeline/`, in the order
//! `pipeline/lib.rs` gives on its line `//! Layers, lowest first: …`: a module may use only the
//! modules before it, and inside a module no two files use each other (directly or through
//! others). A parent file (`mod.rs`) and its children may use each other: re-exports and the
//! items a parent keeps for its children are how Rust modules are built.
//!
//! The references read are every `crate::…`, `super::…`, `self::…` and (in the binary)
//! `lifeline::…` path outside comments and the `#[cfg(test)]` part of a file; a path through a
//! `pub use` re-export counts as a use of the file that defines the item.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

type ModPath = Vec<String>;

struct Source {
    file: String,
    module: ModPath,
    code: String,
}

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("pipeline")
}

fn rs_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            rs_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

/// The module of a file: `pipeline/run/mod.rs` → [run]; `pipeline/run/rows.rs` → [run, rows].
/// The binary (`main.rs`, `cli/`) is the module `cli`.
fn module_of(rel: &Path) -> ModPath {
    let mut parts: Vec<String> = rel
        .with_extension("")
        .iter()
        .map(|s| s.to_string_lossy().into_owned())
        .collect();
    if parts.last().is_some_and(|l| l == "mod" || l == "lib") {
        parts.pop();
    }
    if parts == ["main"] {
        parts = vec!["cli".into(), "main".into()];
    }
    parts
}

/// The code of a file without comments and without its tests.
fn code_of(text: &str) -> String {
    let mut out = String::new();
    for line in text.lines() {
        let t = line.trim_start();
        if t.starts_with("#[cfg(test)]") {
            break;
        }
        let code = match line.find("//") {
            // A `//` inside a string (a URL) is rare in code lines; such a line is kept whole.
            Some(i) if !line[..i].contains('"') => &line[..i],
            _ => line,
        };
        out.push_str(code);
        out.push('\n');
    }
    out
}

fn sources() -> Vec<Source> {
    let mut files = Vec::new();
    rs_files(&root(), &mut files);
    files.sort();
    files
        .into_iter()
        .map(|p| {
            let rel = p.strip_prefix(root()).unwrap().to_path_buf();
            Source {
                file: rel.display().to_string(),
                module: module_of(&rel),
                code: code_of(&std::fs::read_to_string(&p).unwrap()),
            }
        })
        .collect()
}

/// Parses the path tree starting at `s` (after `crate::` and the like): `a::b::{c, d::e}` gives
/// [a, b, c] and [a, b, d, e].
fn paths(s: &[u8], i: &mut usize, prefix: &ModPath, out: &mut Vec<ModPath>) {
    let mut cur = prefix.clone();
    loop {
        while *i < s.len() && s[*i].is_ascii_whitespace() {
            *i += 1;
        }
        if *i < s.len() && s[*i] == b'{' {
            *i += 1;
            loop {
                paths(s, i, &cur, out);
                while *i < s.len() && (s[*i].is_ascii_whitespace() || s[*i] == b',') {
                    *i += 1;
                }
                if *i >= s.len() || s[*i] == b'}' {
                    *i += 1;
                    return;
                }
            }
        }
        let start = *i;
        while *i < s.len() && (s[*i].is_ascii_alphanumeric() || s[*i] == b'_' || s[*i] == b'*') {
            *i += 1;
        }
        if *i == start {
            out.push(cur);
            return;
        }
        cur.push(String::from_utf8_lossy(&s[start..*i]).into_owned());
        if s[*i..].starts_with(b"::") {
            *i += 2;
        } else {
            out.push(cur);
            return;
        }
    }
}

/// Every path a file names, made absolute (from the crate root).
fn references(src: &Source) -> Vec<ModPath> {
    let s = src.code.as_bytes();
    let mut out = Vec::new();
    let is_ident = |b: u8| b.is_ascii_alphanumeric() || b == b'_' || b == b'$';
    for (kw, base) in [
        ("crate::", vec![]),
        ("lifeline::", vec![]),
        ("self::", src.module.clone()),
        (
            "super::",
            src.module[..src.module.len().saturating_sub(1)].to_vec(),
        ),
    ] {
        if kw == "lifeline::" && src.module.first().is_none_or(|m| m != "cli") {
            continue;
        }
        let mut from = 0;
        while let Some(at) = src.code[from..].find(kw) {
            let start = from + at;
            from = start + kw.len();
            if start > 0 && (is_ident(s[start - 1]) || s[start - 1] == b':') {
                continue;
            }
            let mut base = base.clone();
            let mut i = from;
            while s[i..].starts_with(b"super::") {
                base.pop();
                i += "super::".len();
            }
            paths(s, &mut i, &base, &mut out);
        }
    }
    out
}

struct Tree {
    /// Module → its file.
    files: BTreeMap<ModPath, String>,
    /// (module, exported name) → the path it re-exports.
    reexports: BTreeMap<(ModPath, String), ModPath>,
}

impl Tree {
    fn new(srcs: &[Source]) -> Tree {
        let files = srcs
            .iter()
            .map(|s| (s.module.clone(), s.file.clone()))
            .collect();
        let mut reexports = BTreeMap::new();
        for src in srcs {
            let mut from = 0;
            while let Some(at) = src.code[from..].find("pub use ") {
                let mut i = from + at + "pub use ".len();
                from = i;
                let s = src.code.as_bytes();
                let mut found = Vec::new();
                let base = if src.code[i..].starts_with("crate::") {
                    i += "crate::".len();
                    vec![]
                } else if src.code[i..].starts_with("super::") {
                    i += "super::".len();
                    src.module[..src.module.len() - 1].to_vec()
                } else {
                    src.code[i..]
                        .starts_with("self::")
                        .then(|| i += "self::".len());
                    src.module.clone()
                };
                paths(s, &mut i, &base, &mut found);
                for p in found {
                    if let Some(name) = p.last().filter(|n| *n != "*") {
                        reexports.insert((src.module.clone(), name.clone()), p);
                    }
                }
            }
        }
        Tree { files, reexports }
    }

    /// The file that defines what a path names.
    fn resolve(&self, path: &ModPath) -> Option<String> {
        let mut path = path.clone();
        for _ in 0..8 {
            let n = (0..=path.len())
                .rev()
                .find(|&n| self.files.contains_key(&path[..n]))?;
            let module = path[..n].to_vec();
            match path
                .get(n)
                .and_then(|name| self.reexports.get(&(module.clone(), name.clone())))
            {
                Some(target) if *target != path[..=n] => {
                    let mut next = target.clone();
                    next.extend_from_slice(&path[n + 1..]);
                    path = next;
                }
                _ => return self.files.get(&module).cloned(),
            }
        }
        None
    }
}

/// The layers named in lib.rs, lowest first.
fn layers() -> Vec<String> {
    let lib = std::fs::read_to_string(root().join("lib.rs")).unwrap();
    let line = lib
        .lines()
        .find(|l| l.starts_with("//! Layers, lowest first:"))
        .expect("lib.rs names its layers on a line `//! Layers, lowest first: …`");
    line.split('`')
        .skip(1)
        .step_by(2)
        .map(str::to_string)
        .collect()
}

/// (from file, to file) for every use of another file.
fn edges(srcs: &[Source], tree: &Tree) -> BTreeSet<(String, String)> {
    let mut out = BTreeSet::new();
    for src in srcs {
        for p in references(src) {
            if let Some(to) = tree.resolve(&p)
                && to != src.file
            {
                out.insert((src.file.clone(), to));
            }
        }
    }
    out
}

fn top(file: &str) -> String {
    module_of(Path::new(file))
        .first()
        .cloned()
        .unwrap_or_default()
}

#[test]
fn every_module_uses_only_the_layers_below_it() {
    let srcs = sources();
    let tree = Tree::new(&srcs);
    let layers = layers();
    let rank = |m: &str| layers.iter().position(|l| l == m);
    let mut wrong = Vec::new();
    for src in &srcs {
        let m = top(&src.file);
        if !m.is_empty() && rank(&m).is_none() {
            wrong.push(format!(
                "{}: module `{m}` is not in lib.rs's layers",
                src.file
            ));
        }
    }
    let all = edges(&srcs, &tree);
    assert!(
        all.len() > 100,
        "the reader found only {} uses: it is broken",
        all.len()
    );
    for (from, to) in &all {
        let (a, b) = (top(from), top(to));
        if a.is_empty() || b.is_empty() || a == b {
            continue;
        }
        if rank(&b) >= rank(&a) {
            wrong.push(format!("{from} uses {to}: `{a}` comes before `{b}`"));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn no_two_files_of_a_module_use_each_other() {
    let srcs = sources();
    let tree = Tree::new(&srcs);
    let is_ancestor = |a: &str, b: &str| {
        let (a, b) = (module_of(Path::new(a)), module_of(Path::new(b)));
        b.len() > a.len() && b.starts_with(&a)
    };
    let mut next: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (from, to) in edges(&srcs, &tree) {
        if top(&from) == top(&to) && !is_ancestor(&from, &to) && !is_ancestor(&to, &from) {
            next.entry(from).or_default().insert(to);
        }
    }
    // Depth-first search; a file met again while still on the path closes a circle.
    fn visit(
        f: &str,
        next: &BTreeMap<String, BTreeSet<String>>,
        path: &mut Vec<String>,
        done: &mut BTreeSet<String>,
        circles: &mut Vec<String>,
    ) {
        if let Some(at) = path.iter().position(|p| p == f) {
            circles.push(format!("{} → {f}", path[at..].join(" → ")));
            return;
        }
        if !done.insert(f.to_string()) {
            return;
        }
        path.push(f.to_string());
        for n in next.get(f).into_iter().flatten() {
            visit(n, next, path, done, circles);
        }
        path.pop();
    }
    let mut circles = Vec::new();
    let mut done = BTreeSet::new();
    for f in next.keys() {
        visit(f, &next, &mut Vec::new(), &mut done, &mut circles);
    }
    assert!(
        circles.is_empty(),
        "import circles:\n{}",
        circles.join("\n")
    );
}

/// The reader itself: a circle and a layer slip it must see.
#[test]
fn the_reader_sees_uses_through_groups_and_reexports() {
    let srcs = vec![
        Source {
            file: "a/mod.rs".into(),
            module: vec!["a".into()],
            code: "mod x;\npub use x::{Thing, other::More};\n".into(),
        },
        Source {
            file: "a/x.rs".into(),
            module: vec!["a".into(), "x".into()],
            code: "use super::y::{f, g as h};\npub struct Thing;\n".into(),
        },
        Source {
            file: "a/y.rs".into(),
            module: vec!["a".into(), "y".into()],
            code: "fn f() { let _ = crate::a::Thing; }\n".into(),
        },
    ];
    let tree = Tree::new(&srcs);
    let e = edges(&srcs, &tree);
    assert!(e.contains(&("a/x.rs".into(), "a/y.rs".into())), "{e:?}");
    assert!(e.contains(&("a/y.rs".into(), "a/x.rs".into())), "{e:?}");
    assert_eq!(
        code_of("use crate::a; // crate::b\n#[cfg(test)]\nuse crate::c;\n"),
        "use crate::a; \n"
    );
}
