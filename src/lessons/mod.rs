//! The course: lesson prose (Markdown under `www/lessons/`, rendered to HTML + MathML at
//! build time by `build.rs` and compiled in) as steps, and the registry the UI routes
//! through. No UI code here.

pub mod doc;
pub mod exercise;
#[cfg(not(target_arch = "wasm32"))]
pub mod markdown;
pub mod progress;
pub mod route;

pub use doc::{Block, Bodies, LessonDoc, Step};
use std::sync::OnceLock;

/// One lesson of the course: its number in the curriculum, its Markdown file (as
/// `build.rs` rendered it) and the widgets it places (each implemented by the UI under
/// this name).
pub struct Entry {
    pub number: usize,
    /// The file under `www/lessons/`.
    pub file: &'static str,
    /// Its rendering: a [`LessonDoc`] in postcard's bytes (the page's decoder for the
    /// engine's messages too, so no JSON parser is in the page).
    rendered: &'static [u8],
    /// In the page, a later lesson's `rendered` is its head; its blocks are this file
    /// (`lessons/NAME.body.postcard` in the site), fetched when first shown.
    body: Option<&'static str>,
    pub widgets: &'static [&'static str],
}

/// A line of [`COURSE`]: number, the Markdown file's name without `.md`, widgets.
/// `later`: a lesson whose steps' blocks the page fetches when it is first shown (as its
/// widgets are a chunk of their own), so the first visit carries only its head. Native
/// builds compile every lesson in whole.
macro_rules! lesson {
    (later $number:expr, $file:literal, $widgets:expr) => {
        Entry {
            number: $number,
            file: concat!($file, ".md"),
            #[cfg(target_arch = "wasm32")]
            rendered: include_bytes!(concat!(
                env!("OUT_DIR"),
                "/lessons/",
                $file,
                ".head.postcard"
            )),
            #[cfg(not(target_arch = "wasm32"))]
            rendered: include_bytes!(concat!(env!("OUT_DIR"), "/lessons/", $file, ".postcard")),
            body: if cfg!(target_arch = "wasm32") {
                Some(concat!($file, ".body.postcard"))
            } else {
                None
            },
            widgets: $widgets,
        }
    };
    ($number:expr, $file:literal, $widgets:expr) => {
        Entry {
            number: $number,
            file: concat!($file, ".md"),
            rendered: include_bytes!(concat!(env!("OUT_DIR"), "/lessons/", $file, ".postcard")),
            body: None,
            widgets: $widgets,
        }
    };
}

/// The course, in order: one line per lesson. Routes, the home page, the widget list, the
/// UI's widget lookup (checked against it) and the end-to-end walk (which reads the home
/// page) all come from here. Lessons not written yet leave gaps in the numbers.
const COURSE: &[Entry] = &[
    lesson!(
        0,
        "00-generative-vs-discriminative",
        &["paintings-classifier", "paintings-generator"]
    ),
    lesson!(
        1,
        "01-p-data-p-model",
        &["land-box", "land-truth", "land-models"]
    ),
    lesson!(
        2,
        "02-fashion-outfits",
        &[
            "outfit-data",
            "full-table",
            "laplace",
            "nb-counting",
            "outfit-probability",
            "generate-outfits",
            "kl-vs-n",
        ]
    ),
    lesson!(
        3,
        "03-pixels",
        &["pixel-data", "pixel-model", "pixel-correlation"]
    ),
    lesson!(
        later 4,
        "04-latent-space",
        &["jar-data", "jar-pca", "jar-autoencoder"]
    ),
    lesson!(
        later 5,
        "05-autoencoders-vaes",
        &[
            "vae-train",
            "vae-latent-map",
            "vae-interpolate",
            "vae-holes",
            "vae-beta",
            "vae-anomaly",
            "vae-features",
        ]
    ),
    lesson!(
        later 6,
        "06-gans",
        &[
            "gan-ring",
            "gan-ring-collapse",
            "gan-people",
            "gan-checkpoints",
            "gan-walk",
            "gan-truth"
        ]
    ),
    lesson!(
        later 7,
        "07-autoregressive",
        &[
            "ar-outfit-chain",
            "ar-kl-vs-n",
            "names-source",
            "names-bigram",
            "names-window",
            "names-transformer",
            "names-sample",
            "names-truth",
            "pixels-draw",
            "pixels-complete",
            "pixels-bits"
        ]
    ),
    lesson!(
        later 8,
        "08-flows",
        &[
            "flow-1d",
            "flow-train",
            "flow-layers",
            "flow-glow-layers",
            "flow-table"
        ]
    ),
    lesson!(
        later 9,
        "09-energy-based",
        &[
            "langevin-known",
            "ebm-train",
            "rbm-train",
            "rbm-gibbs",
            "rbm-inpaint",
            "rbm-anomaly"
        ]
    ),
    lesson!(
        later 10,
        "10-diffusion",
        &["diffusion-forward", "diffusion-2d", "diffusion-images"]
    ),
];

/// Every widget a lesson file may name, in course order.
pub fn widget_names() -> impl Iterator<Item = &'static str> {
    COURSE.iter().flat_map(|e| e.widgets.iter().copied())
}

/// The place in the course (an index of [`all`]) of the lesson that declares `widget`.
pub fn lesson_of_widget(widget: &str) -> Option<usize> {
    COURSE.iter().position(|e| e.widgets.contains(&widget))
}

/// A lesson with its place in the course.
pub struct Lesson {
    /// Position in [`all`] (what routes hold).
    pub index: usize,
    /// Number in the curriculum (what the reader sees).
    pub number: usize,
    /// In the page, a later lesson's `doc` has no blocks: they are in this file of the
    /// site's `lessons/` folder (see [`LessonDoc::split`]).
    pub body: Option<&'static str>,
    pub doc: LessonDoc,
}

/// All lessons, parsed once. A malformed lesson file is a bug caught by the tests.
pub fn all() -> &'static [Lesson] {
    static L: OnceLock<Vec<Lesson>> = OnceLock::new();
    L.get_or_init(|| {
        COURSE
            .iter()
            .enumerate()
            .map(|(index, e)| Lesson {
                index,
                number: e.number,
                body: e.body,
                doc: postcard::from_bytes(e.rendered)
                    .unwrap_or_else(|err| panic!("lesson file {}: {err}", e.file)),
            })
            .collect()
    })
}

/// A lesson by id ("fashion-outfits") or by number ("2").
pub fn find(key: &str) -> Option<&'static Lesson> {
    all()
        .iter()
        .find(|l| l.doc.id == key || l.number.to_string() == key)
}

impl Lesson {
    pub fn step_index(&self, key: &str) -> Option<usize> {
        self.doc.steps.iter().position(|s| s.id == key).or_else(|| {
            key.parse::<usize>()
                .ok()
                .filter(|&i| i >= 1 && i <= self.doc.steps.len())
                .map(|i| i - 1)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The widgets a lesson's Markdown places.
    fn placed(l: &Lesson) -> Vec<&str> {
        l.doc
            .steps
            .iter()
            .flat_map(|s| &s.blocks)
            .filter_map(|b| match b {
                Block::Widget { name, .. } => Some(name.as_str()),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn every_lesson_parses_and_names_only_its_declared_widgets() {
        assert_eq!(all().len(), COURSE.len());
        for (l, e) in all().iter().zip(COURSE) {
            assert!(l.doc.steps.len() >= 2, "{}", l.doc.id);
            for name in placed(l) {
                assert!(
                    e.widgets.contains(&name),
                    "lesson {}: unknown widget {name} (declare it in COURSE and register it in ui::widgets)",
                    l.doc.id
                );
            }
        }
    }

    #[test]
    fn every_declared_widget_is_placed_and_names_are_unique() {
        for (l, e) in all().iter().zip(COURSE) {
            for w in e.widgets {
                assert!(
                    placed(l).contains(w),
                    "lesson {}: widget {w} is in no step",
                    l.doc.id
                );
            }
        }
        let mut names: Vec<_> = widget_names().collect();
        let n = names.len();
        names.sort();
        names.dedup();
        assert_eq!(names.len(), n, "two lessons declare the same widget name");
    }

    #[test]
    fn the_compiled_lessons_are_the_files_rendered_now() {
        // build.rs renders www/lessons/ into the binary; the same files parsed at run time
        // (in this checkout) must give the same steps, or the build is stale.
        let root = std::env::var_os("CARGO_MANIFEST_DIR")
            .map_or_else(|| std::path::PathBuf::from("."), std::path::PathBuf::from);
        for (l, e) in all().iter().zip(COURSE) {
            let src = std::fs::read_to_string(root.join("www/lessons").join(e.file)).unwrap();
            assert_eq!(markdown::parse_lesson(&src).unwrap(), l.doc, "{}", e.file);
        }
    }

    /// Every `publish("name", …)` in the UI's widget sources.
    fn published() -> Vec<String> {
        fn walk(dir: &std::path::Path, out: &mut Vec<String>) {
            for e in std::fs::read_dir(dir).unwrap() {
                let p = e.unwrap().path();
                if p.is_dir() {
                    walk(&p, out);
                } else if p.extension().is_some_and(|x| x == "rs") {
                    let src = std::fs::read_to_string(&p).unwrap();
                    for part in src.split("publish(\"").skip(1) {
                        out.push(part.split('"').next().unwrap().to_string());
                    }
                }
            }
        }
        let root = std::env::var_os("CARGO_MANIFEST_DIR")
            .map_or_else(|| std::path::PathBuf::from("."), std::path::PathBuf::from);
        let mut out = Vec::new();
        walk(&root.join("src/ui/widgets"), &mut out);
        out
    }

    #[test]
    fn every_number_an_exercise_reads_is_published_on_its_step() {
        let published = published();
        for l in all() {
            for (step, e) in l.doc.exercises() {
                let names = e.facts();
                for name in &names {
                    assert!(
                        published.contains(name),
                        "lesson {}, exercise {}: no widget publishes {name}",
                        l.doc.id,
                        e.id
                    );
                }
                let widget_here = l.doc.steps[step]
                    .blocks
                    .iter()
                    .any(|b| matches!(b, Block::Widget { .. }));
                assert!(
                    names.is_empty() || widget_here,
                    "lesson {}, exercise {} reads {names:?} on a step with no widget",
                    l.doc.id,
                    e.id
                );
            }
        }
    }

    #[test]
    fn a_later_lessons_head_and_body_make_the_whole_lesson() {
        let dir = std::path::Path::new(env!("OUT_DIR")).join("lessons");
        for e in COURSE {
            let stem = e.file.trim_end_matches(".md");
            let read = |suffix: &str| std::fs::read(dir.join(format!("{stem}.{suffix}"))).unwrap();
            let whole: LessonDoc = postcard::from_bytes(&read("postcard")).unwrap();
            let mut head: LessonDoc = postcard::from_bytes(&read("head.postcard")).unwrap();
            let bodies: Bodies = postcard::from_bytes(&read("body.postcard")).unwrap();
            assert!(head.steps.iter().all(|s| s.blocks.is_empty()));
            assert_eq!(
                head.exercise_ids().collect::<Vec<_>>(),
                whole
                    .exercises()
                    .map(|(_, x)| x.id.as_str())
                    .collect::<Vec<_>>()
            );
            for (s, b) in head.steps.iter_mut().zip(bodies) {
                s.blocks = b;
            }
            assert_eq!(head, whole, "{stem}");
        }
        // Natively every lesson is whole; the page fetches the later ones' blocks.
        assert!(all().iter().all(|l| l.body.is_none()));
    }

    #[test]
    fn lookup_by_id_number_and_step() {
        let l = find("2").unwrap();
        assert_eq!(find(&l.doc.id).unwrap().number, 2);
        assert_eq!(l.step_index("1"), Some(0));
        assert_eq!(l.step_index(&l.doc.steps[1].id), Some(1));
        assert!(find("no-such-lesson").is_none());
        assert!(l.step_index("999").is_none());
        // Numbers are the curriculum's, with gaps; routes hold positions.
        let d = find("10").unwrap();
        assert_eq!((d.doc.id.as_str(), d.number), ("diffusion", 10));
        assert!(std::ptr::eq(&all()[d.index], d));
    }
}
