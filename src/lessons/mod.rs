//! The course: lesson prose (Markdown under `www/lessons/`, rendered to HTML + MathML at
//! build time by `build.rs` and compiled in) as steps, and the registry the UI routes
//! through. No UI code here.

pub mod doc;
#[cfg(not(target_arch = "wasm32"))]
pub mod markdown;
pub mod progress;
pub mod route;

pub use doc::{Block, LessonDoc, Step};
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
    pub widgets: &'static [&'static str],
}

/// A line of [`COURSE`]: number, the Markdown file's name without `.md`, widgets.
macro_rules! lesson {
    ($number:expr, $file:literal, $widgets:expr) => {
        Entry {
            number: $number,
            file: concat!($file, ".md"),
            rendered: include_bytes!(concat!(env!("OUT_DIR"), "/lessons/", $file, ".postcard")),
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
        4,
        "04-latent-space",
        &["jar-data", "jar-pca", "jar-autoencoder"]
    ),
    lesson!(
        5,
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
        6,
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
        7,
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
        8,
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
        9,
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
        10,
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
