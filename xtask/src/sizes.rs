//! After a build: `.gz` and `.br` copies beside the site's large text and wasm files (so
//! `serve` can send them with `Content-Encoding`; a plain static host still serves the
//! originals), and the size table: each file raw, gzip and brotli, and what a first visit
//! to home or lessons 0–3 downloads.

use std::path::{Path, PathBuf};

/// Files smaller than this are sent as they are.
const MIN_BYTES: u64 = 1024;
/// What the page shell loads on any first visit (lessons 0–3 are inside the wasm; later
/// lessons' widgets are chunks of their own).
const FIRST_VISIT: &[&str] = &[
    "index.html",
    "www/style.css",
    "pkg/genlab.js",
    "pkg/genlab_bg.wasm",
    "pkg/__wasm_split.js",
];

pub struct Row {
    pub path: String,
    pub raw: u64,
    pub gzip: u64,
    pub brotli: u64,
}

fn compressible(p: &Path) -> bool {
    matches!(
        p.extension().and_then(|e| e.to_str()),
        Some("wasm" | "js" | "mjs" | "css" | "html" | "svg" | "json" | "md" | "postcard")
    )
}

/// Every file under `dir`, in no particular order.
pub fn files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            files(&p, out);
        } else {
            out.push(p);
        }
    }
}

pub fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    zopfli::compress(
        zopfli::Options::default(),
        zopfli::Format::Gzip,
        bytes,
        &mut out,
    )
    .expect("writing to memory");
    out
}

pub fn brotli(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    let params = brotli::enc::BrotliEncoderParams {
        quality: 11,
        lgwin: 22,
        ..Default::default()
    };
    brotli::BrotliCompress(&mut &bytes[..], &mut out, &params).expect("writing to memory");
    out
}

/// Writes `.gz` and `.br` beside every large compressible file of `site`; returns a row
/// per such file, sorted by path.
pub fn compress_site(site: &Path) -> Result<Vec<Row>, String> {
    let mut all = Vec::new();
    files(site, &mut all);
    let mut rows = Vec::new();
    for p in all {
        let raw = std::fs::metadata(&p).map(|m| m.len()).unwrap_or(0);
        if raw < MIN_BYTES || !compressible(&p) {
            continue;
        }
        let bytes = std::fs::read(&p).map_err(|e| format!("{}: {e}", p.display()))?;
        let (gz, br) = (gzip(&bytes), brotli(&bytes));
        let with = |ext: &str| PathBuf::from(format!("{}.{ext}", p.display()));
        std::fs::write(with("gz"), &gz).map_err(|e| e.to_string())?;
        std::fs::write(with("br"), &br).map_err(|e| e.to_string())?;
        let rel = p
            .strip_prefix(site)
            .unwrap_or(&p)
            .to_string_lossy()
            .replace('\\', "/");
        rows.push(Row {
            path: rel,
            raw,
            gzip: gz.len() as u64,
            brotli: br.len() as u64,
        });
    }
    rows.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(rows)
}

/// The table `cargo xtask build` prints, ending with the first-visit total.
pub fn table(rows: &[Row]) -> String {
    let kb = |b: u64| format!("{:.1}", b as f64 / 1024.0);
    let mut s = format!(
        "{:<48} {:>10} {:>10} {:>10}\n",
        "file", "raw KiB", "gzip KiB", "br KiB"
    );
    for r in rows {
        s += &format!(
            "{:<48} {:>10} {:>10} {:>10}\n",
            r.path,
            kb(r.raw),
            kb(r.gzip),
            kb(r.brotli)
        );
    }
    let first: Vec<&Row> = rows
        .iter()
        .filter(|r| FIRST_VISIT.contains(&r.path.as_str()))
        .collect();
    let sum = |f: fn(&Row) -> u64| first.iter().map(|r| f(r)).sum::<u64>();
    s += &format!(
        "{:<48} {:>10} {:>10} {:>10}\n",
        format!("first visit ({} files)", first.len()),
        kb(sum(|r| r.raw)),
        kb(sum(|r| r.gzip)),
        kb(sum(|r| r.brotli))
    );
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    #[test]
    fn compressed_copies_decode_to_the_original_and_the_table_sums_the_first_visit() {
        let site = std::env::temp_dir().join(format!("genlab-sizes-{}", std::process::id()));
        std::fs::create_dir_all(site.join("pkg")).unwrap();
        let text = "Avatar World ".repeat(400);
        std::fs::write(site.join("index.html"), &text).unwrap();
        std::fs::write(site.join("pkg/genlab_bg.wasm"), text.repeat(2)).unwrap();
        std::fs::write(site.join("small.css"), "p{}").unwrap();
        let rows = compress_site(&site).unwrap();
        assert_eq!(
            rows.iter().map(|r| r.path.as_str()).collect::<Vec<_>>(),
            ["index.html", "pkg/genlab_bg.wasm"]
        );
        let mut back = String::new();
        flate2::read::GzDecoder::new(&std::fs::read(site.join("index.html.gz")).unwrap()[..])
            .read_to_string(&mut back)
            .unwrap();
        assert_eq!(back, text);
        let mut back = Vec::new();
        brotli::BrotliDecompress(
            &mut &std::fs::read(site.join("index.html.br")).unwrap()[..],
            &mut back,
        )
        .unwrap();
        assert_eq!(back, text.as_bytes());
        assert!(!site.join("small.css.gz").exists());
        let t = table(&rows);
        let last = t.lines().last().unwrap();
        assert!(last.starts_with("first visit (2 files)"), "{t}");
        assert!(rows.iter().all(|r| r.gzip < r.raw && r.brotli < r.raw));
        std::fs::remove_dir_all(&site).unwrap();
    }
}
