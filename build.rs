//! Renders the lesson files (`www/lessons/*.md`: Markdown with LaTeX and widget blocks)
//! to HTML + MathML at build time, one postcard-encoded `LessonDoc` per file in `OUT_DIR/lessons/`,
//! which `lessons::COURSE` compiles in; and each split in two (`NAME.head.postcard`, the
//! lesson without its steps' blocks, and `NAME.body.postcard`, the blocks), for the later
//! lessons whose blocks the page fetches (`cargo xtask build` copies the bodies into the site). The page so carries neither parser, and a lesson
//! file that does not parse fails the build with the file's name and the reason.
#![allow(dead_code)] // the parser's helpers that only the tests use

#[path = "src/lessons/doc.rs"]
mod doc;
#[path = "src/lessons/exercise.rs"]
mod exercise;
#[path = "src/lessons/markdown.rs"]
mod markdown;

use std::path::{Path, PathBuf};

fn main() {
    println!("cargo:rerun-if-changed=www/lessons");
    println!("cargo:rerun-if-changed=src/lessons/doc.rs");
    println!("cargo:rerun-if-changed=src/lessons/markdown.rs");
    println!("cargo:rerun-if-changed=src/lessons/exercise.rs");
    let out = PathBuf::from(std::env::var("OUT_DIR").expect("cargo sets OUT_DIR")).join("lessons");
    std::fs::create_dir_all(&out).expect("OUT_DIR is writable");
    let dir = Path::new("www/lessons");
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .expect("www/lessons/ exists")
        .map(|e| e.expect("www/lessons/ is readable").path())
        .filter(|p| p.extension().is_some_and(|x| x == "md"))
        .collect();
    files.sort();
    for path in files {
        let src =
            std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let doc = markdown::parse_lesson(&src)
            .unwrap_or_else(|e| panic!("lesson file {}: {e}", path.display()));
        let bytes = postcard::to_allocvec(&doc).expect("a LessonDoc serialises");
        let (head, bodies) = doc.split();
        let name = path
            .file_stem()
            .expect("a file name")
            .to_string_lossy()
            .to_string();
        for (file, bytes) in [
            (format!("{name}.postcard"), bytes),
            (
                format!("{name}.head.postcard"),
                postcard::to_allocvec(&head).expect("serialises"),
            ),
            (
                format!("{name}.body.postcard"),
                postcard::to_allocvec(&bodies).expect("serialises"),
            ),
        ] {
            std::fs::write(out.join(&file), bytes)
                .unwrap_or_else(|e| panic!("writing {file}: {e}"));
        }
    }
}
