//! The course: lesson prose (Markdown under `www/lessons/`, compiled in) parsed into steps,
//! and the registry the UI routes through. No UI code here.

pub mod markdown;
pub mod progress;
pub mod route;

pub use markdown::{Block, LessonDoc, Step};
use std::sync::OnceLock;

/// The lesson files, in course order, each with its number in the curriculum (lessons
/// not written yet leave gaps).
const SOURCES: &[(usize, &str)] = &[
    (
        0,
        include_str!("../../www/lessons/00-generative-vs-discriminative.md"),
    ),
    (1, include_str!("../../www/lessons/01-p-data-p-model.md")),
    (2, include_str!("../../www/lessons/02-fashion-outfits.md")),
    (3, include_str!("../../www/lessons/03-pixels.md")),
    (4, include_str!("../../www/lessons/04-latent-space.md")),
    (5, include_str!("../../www/lessons/05-autoencoders-vaes.md")),
    (10, include_str!("../../www/lessons/10-diffusion.md")),
];

/// Every widget a lesson file may name. The UI implements each; a test checks the files.
pub const WIDGETS: &[&str] = &[
    "paintings-classifier",
    "paintings-generator",
    "land-box",
    "land-truth",
    "land-models",
    "outfit-data",
    "full-table",
    "laplace",
    "nb-counting",
    "outfit-probability",
    "generate-outfits",
    "kl-vs-n",
    "pixel-data",
    "pixel-model",
    "pixel-correlation",
    "jar-data",
    "jar-pca",
    "jar-autoencoder",
    "vae-train",
    "vae-latent-map",
    "vae-interpolate",
    "vae-holes",
    "vae-beta",
    "vae-anomaly",
    "vae-features",
    "diffusion-forward",
    "diffusion-2d",
    "diffusion-images",
];

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
        SOURCES
            .iter()
            .enumerate()
            .map(|(index, &(number, src))| Lesson {
                index,
                number,
                doc: markdown::parse_lesson(src)
                    .unwrap_or_else(|e| panic!("lesson file {number}: {e}")),
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

    #[test]
    fn every_lesson_parses_and_names_only_known_widgets() {
        assert_eq!(all().len(), SOURCES.len());
        for l in all() {
            assert!(l.doc.steps.len() >= 2, "{}", l.doc.id);
            for s in &l.doc.steps {
                for b in &s.blocks {
                    if let Block::Widget { name, .. } = b {
                        assert!(
                            WIDGETS.contains(&name.as_str()),
                            "{}/{}: unknown widget {name}",
                            l.doc.id,
                            s.id
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn every_widget_is_used() {
        for w in WIDGETS {
            let used = all()
                .iter()
                .flat_map(|l| &l.doc.steps)
                .flat_map(|s| &s.blocks)
                .any(|b| matches!(b, Block::Widget { name, .. } if name == w));
            assert!(used, "widget {w} is in no lesson");
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
