//! Lesson 2's outfits as CSV: written for a download, and read back from a reader's own
//! file, value by value, with the line and column of the first value that does not fit.
//!
//! The format is the one `to_csv` writes: a header naming the five features (spaces as
//! underscores, an optional `id` column, any order), then one person per line, each value
//! by its name (`sunglasses`, `pastel green`). Names are read without regard to case,
//! spaces around them, double quotes or underscores for spaces.

use super::avatar::{Avatar, FEATURES};
use std::fmt;

/// The largest file read (about 5000 outfits with long names and ids).
pub const MAX_BYTES: usize = 512 * 1024;
/// The most outfits one file may hold: the largest N of lesson 2's plots.
pub const MAX_ROWS: usize = 5000;

/// The observations as CSV: a header and one row per person, values by name.
pub fn to_csv(people: &[Avatar]) -> String {
    let mut s = String::from("id");
    for f in &FEATURES {
        s.push(',');
        s.push_str(&f.name.replace(' ', "_"));
    }
    s.push('\n');
    for (i, p) in people.iter().enumerate() {
        s.push_str(&(i + 1).to_string());
        for f in 0..FEATURES.len() {
            s.push(',');
            s.push_str(p.value_name(f));
        }
        s.push('\n');
    }
    s
}

/// Why a file was not read: where (1-based line and column; 0 when the whole file is
/// meant) and what.
#[derive(Clone, Debug, PartialEq)]
pub struct CsvError {
    pub line: usize,
    pub column: usize,
    pub message: String,
}

impl fmt::Display for CsvError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.line, self.column) {
            (0, _) => write!(f, "{}", self.message),
            (l, 0) => write!(f, "line {l}: {}", self.message),
            (l, c) => write!(f, "line {l}, column {c}: {}", self.message),
        }
    }
}

fn error(line: usize, column: usize, message: String) -> CsvError {
    CsvError {
        line,
        column,
        message,
    }
}

/// A header or value name as compared: trimmed, unquoted, lower case, `_` as a space
/// (ASCII case only: every name is ASCII, and Unicode's case tables would cost the page
/// several KB).
fn key(s: &str) -> String {
    let s = s.trim();
    let s = s
        .strip_prefix('"')
        .and_then(|s| s.strip_suffix('"'))
        .unwrap_or(s);
    s.trim().to_ascii_lowercase().replace('_', " ")
}

/// What each column of the header holds.
#[derive(Clone, Copy, PartialEq)]
enum Column {
    Id,
    Feature(usize),
}

fn header(line: &str, at: usize) -> Result<Vec<Column>, CsvError> {
    let mut columns = Vec::new();
    for (c, name) in line.split(',').enumerate() {
        let k = key(name);
        let col = if k == "id" {
            Column::Id
        } else if let Some(f) = FEATURES.iter().position(|f| f.name == k) {
            Column::Feature(f)
        } else {
            return Err(error(
                at,
                c + 1,
                format!(
                    "the header names a column “{}”; the columns are id (optional), {}",
                    name.trim(),
                    feature_columns()
                ),
            ));
        };
        if columns.contains(&col) {
            return Err(error(
                at,
                c + 1,
                format!("the header names “{}” twice", name.trim()),
            ));
        }
        columns.push(col);
    }
    if let Some(f) = (0..FEATURES.len()).find(|&f| !columns.contains(&Column::Feature(f))) {
        return Err(error(
            at,
            0,
            format!(
                "the header has no column “{}”; it needs {}",
                FEATURES[f].name.replace(' ', "_"),
                feature_columns()
            ),
        ));
    }
    Ok(columns)
}

fn feature_columns() -> String {
    FEATURES
        .iter()
        .map(|f| f.name.replace(' ', "_"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Reads outfits from CSV text, or says where and why the first bad value is.
pub fn from_csv(text: &str) -> Result<Vec<Avatar>, CsvError> {
    if text.len() > MAX_BYTES {
        return Err(too_large(text.len()));
    }
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut lines = text
        .lines()
        .enumerate()
        .map(|(i, l)| (i + 1, l))
        .filter(|(_, l)| !l.trim().is_empty());
    let Some((at, first)) = lines.next() else {
        return Err(error(0, 0, "the file is empty".into()));
    };
    let columns = header(first, at)?;
    let mut people = Vec::new();
    for (at, line) in lines {
        if people.len() == MAX_ROWS {
            return Err(error(
                at,
                0,
                format!("more than {MAX_ROWS} outfits; the lesson reads at most {MAX_ROWS}"),
            ));
        }
        let values: Vec<&str> = line.split(',').collect();
        if values.len() != columns.len() {
            return Err(error(
                at,
                0,
                format!(
                    "{} values, but the header has {} columns",
                    values.len(),
                    columns.len()
                ),
            ));
        }
        let mut person = [0u8; 5];
        for (c, (&col, value)) in columns.iter().zip(&values).enumerate() {
            let Column::Feature(f) = col else { continue };
            let k = key(value);
            let Some(v) = FEATURES[f]
                .values
                .iter()
                .position(|n| n.eq_ignore_ascii_case(&k))
            else {
                return Err(error(
                    at,
                    c + 1,
                    format!(
                        "“{}” is not a {}; it is one of: {}",
                        value.trim(),
                        FEATURES[f].name,
                        FEATURES[f].values.join(", ")
                    ),
                ));
            };
            person[f] = v as u8;
        }
        people.push(Avatar(person));
    }
    if people.is_empty() {
        return Err(error(at, 0, "a header but no outfits after it".into()));
    }
    Ok(people)
}

/// The refusal of a file of `bytes` bytes, before it is read.
pub fn too_large(bytes: usize) -> CsvError {
    error(
        0,
        0,
        format!(
            "the file is {} KB; the lesson reads files up to {} KB ({MAX_ROWS} outfits)",
            bytes.div_ceil(1024),
            MAX_BYTES / 1024
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::PData;

    #[test]
    fn csv_has_header_and_rows() {
        let csv = to_csv(&PData::default().sample_n(3, 1));
        let lines: Vec<_> = csv.lines().collect();
        assert_eq!(lines.len(), 4);
        assert_eq!(
            lines[0],
            "id,accessory,clothing_colour,clothing_type,hair_colour,hair_type"
        );
    }

    #[test]
    fn what_is_written_reads_back() {
        let people = PData::default().sample_n(MAX_ROWS, 7);
        let csv = to_csv(&people);
        assert!(csv.len() <= MAX_BYTES, "{} bytes", csv.len());
        assert_eq!(from_csv(&csv), Ok(people));
    }

    #[test]
    fn columns_in_any_order_names_in_any_case() {
        let csv = "\u{feff}Hair Type, hair_colour,accessory,\"clothing type\",CLOTHING_COLOUR\r\n\
                   short flat,Red,sunglasses,V-neck shirt,pastel green\r\n\r\n";
        let people = from_csv(csv).unwrap();
        assert_eq!(
            people[0].describe(),
            "sunglasses, pastel green V-neck shirt, red short flat hair"
        );
    }

    #[test]
    fn the_first_bad_value_is_named_by_line_and_column() {
        let good = "id,accessory,clothing_colour,clothing_type,hair_colour,hair_type\n\
                    1,blank,red,hoodie,black,short flat\n";
        let e = from_csv(&format!("{good}2,blank,red,hat,black,short flat\n")).unwrap_err();
        assert_eq!((e.line, e.column), (3, 4));
        assert!(
            e.to_string().starts_with(
                "line 3, column 4: “hat” is not a clothing type; it is one of: hoodie,"
            ),
            "{e}"
        );
        let e = from_csv(&format!("{good}2,blank,red\n")).unwrap_err();
        assert_eq!(
            e.to_string(),
            "line 3: 3 values, but the header has 6 columns"
        );
        let e = from_csv("id,accessory,clothing_colour,shoes\n").unwrap_err();
        assert_eq!((e.line, e.column), (1, 4));
        let e = from_csv("accessory,clothing_colour,clothing_type,hair_colour\n").unwrap_err();
        assert!(
            e.to_string()
                .starts_with("line 1: the header has no column “hair_type”"),
            "{e}"
        );
        let e = from_csv("accessory,accessory\n").unwrap_err();
        assert_eq!((e.line, e.column), (1, 2));
        assert_eq!(from_csv(good.lines().next().unwrap()).unwrap_err().line, 1);
        assert_eq!(
            from_csv(" \n").unwrap_err().to_string(),
            "the file is empty"
        );
    }

    #[test]
    fn size_limits_hold() {
        let mut csv = to_csv(&PData::default().sample_n(MAX_ROWS + 1, 3));
        let e = from_csv(&csv).unwrap_err();
        assert_eq!(e.line, MAX_ROWS + 2);
        csv.push_str(&" ".repeat(MAX_BYTES));
        assert!(from_csv(&csv)
            .unwrap_err()
            .to_string()
            .contains("up to 512 KB"));
    }
}
