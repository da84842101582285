//! Key-path → location map built from yaml-rust2's marked event stream
//! before serde sees the text. The same pass caps nesting depth (so nothing
//! downstream recurses unboundedly) and what aliases expand to
//! (`aliases.rs`), refuses control characters in any key or value
//! ([`super::text`]), finds duplicate keys and multiple documents.
//! yaml-rust2's parser is an explicit state machine: it keeps its own
//! stack, so a hostile file cannot overflow ours.

use super::aliases::{NodeBudget, Refusal, MAX_ALIASES, MAX_NODES};
use super::error::{Location, ModelError, ModelErrors};
use super::text;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use yaml_rust2::parser::{Event, Parser};
use yaml_rust2::scanner::Marker;

/// Deepest nesting of mappings/sequences a user file may have. Real rigs and
/// plans need < 10; the cap keeps every later stage bounded.
pub const MAX_DEPTH: usize = 64;

/// Where each key (or sequence item) of a file starts, by key path
/// (`tests[0].steps[3].set.voltage_v`).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Spans {
    file: PathBuf,
    map: HashMap<String, (usize, usize)>,
}

impl Spans {
    /// Location of `key_path`; for a path not written in the file (a
    /// defaulted value) the nearest written ancestor, else the file start.
    pub fn location(&self, key_path: &str) -> Location {
        let mut path = key_path;
        loop {
            if let Some(&(line, column)) = self.map.get(path) {
                return Location {
                    file: self.file.clone(),
                    line,
                    column,
                };
            }
            match parent_path(path) {
                Some(p) => path = p,
                None => return Location::start_of(self.file.clone()),
            }
        }
    }

    /// Whether `key_path` is written in the file.
    pub fn contains(&self, key_path: &str) -> bool {
        self.map.contains_key(key_path)
    }

    /// The file these spans describe.
    pub fn file(&self) -> &Path {
        &self.file
    }
}

/// `a.b[2].c` → `a.b[2]` → `a.b` → `a` → None.
fn parent_path(path: &str) -> Option<&str> {
    if path.is_empty() {
        return None;
    }
    let cut = path.rfind(['.', '['])?;
    Some(&path[..cut])
}

/// Joins a map key onto a path.
pub fn join_key(parent: &str, key: &str) -> String {
    if parent.is_empty() {
        key.to_string()
    } else {
        format!("{parent}.{key}")
    }
}

enum Frame {
    Map {
        path: String,
        /// Key seen, waiting for its value; `None` when the next node is a key.
        pending_key: Option<String>,
        seen: HashMap<String, (usize, usize)>,
    },
    Seq {
        path: String,
        index: usize,
    },
}

/// What the spans pass learned about the document.
pub struct Scan {
    pub spans: Spans,
    /// False for an empty file, only comments, or a bare null document.
    pub has_content: bool,
    /// Duplicate keys (schema errors), collected rather than stopping.
    pub errors: Vec<ModelError>,
}

/// yaml-rust2 markers: `line` is 1-based, `col` 0-based.
fn pos(m: &Marker) -> (usize, usize) {
    (m.line().max(1), m.col() + 1)
}

fn at(file: &Path, m: &Marker) -> Location {
    let (line, column) = pos(m);
    Location {
        file: file.to_path_buf(),
        line,
        column,
    }
}

/// Moves a parser's position into `text`: at the end of a file without a
/// final newline both YAML parsers end the last line themselves and report
/// line N+1 (found by fuzzing), a line the file does not have, for a syntax
/// error there, an empty node that ends the file, or a duplicate empty key. Lines break
/// at CR LF, CR or LF, as YAML's do; the farthest position is just after
/// the last character of a line.
pub(crate) fn clamp_to_text(text: &str, line: usize, column: usize) -> (usize, usize) {
    clamp_to_lines(&line_lengths(text), line, column)
}

/// Characters in each line of `text`, lines broken as YAML breaks them.
fn line_lengths(text: &str) -> Vec<usize> {
    text.split("\r\n")
        .flat_map(|l| l.split(['\n', '\r']))
        .map(|l| l.chars().count())
        .collect()
}

/// [`clamp_to_text`] with the line lengths counted once (a file has one
/// position per node: counting per position would be quadratic).
fn clamp_to_lines(lengths: &[usize], line: usize, column: usize) -> (usize, usize) {
    match lengths.get(line.max(1) - 1) {
        Some(&len) => (line.max(1), column.clamp(1, len + 1)),
        // Past the last line: the end of the file.
        None => (lengths.len(), lengths.last().map_or(1, |&len| len + 1)),
    }
}

/// Scans `text`, returning spans or the first syntax / depth error. Every
/// position is moved into the text (see [`clamp_to_text`]).
pub fn scan(file: &Path, text: &str) -> Result<Scan, ModelErrors> {
    let lengths = line_lengths(text);
    let clamp = |e: &mut ModelError| {
        if let Some(at) = e.location_mut() {
            (at.line, at.column) = clamp_to_lines(&lengths, at.line, at.column);
        }
    };
    match scan_raw(file, text) {
        Ok(mut scan) => {
            for p in scan.spans.map.values_mut() {
                *p = clamp_to_lines(&lengths, p.0, p.1);
            }
            scan.errors.iter_mut().for_each(clamp);
            Ok(scan)
        }
        Err(mut errors) => {
            errors.0.iter_mut().for_each(clamp);
            Err(errors)
        }
    }
}

/// [`scan`] with the parser's own positions.
fn scan_raw(file: &Path, text: &str) -> Result<Scan, ModelErrors> {
    let mut parser = Parser::new_from_str(text);
    let mut stack: Vec<Frame> = Vec::new();
    let mut map: HashMap<String, (usize, usize)> = HashMap::new();
    let mut errors = Vec::new();
    let mut documents = 0usize;
    let mut has_content = false;
    let mut budget = NodeBudget::default();
    loop {
        let (event, marker) = parser
            .next_token()
            .map_err(|e| ModelError::Syntax {
                at: at(file, e.marker()),
                // yaml-rust2 caps its own flow nesting; say it in our terms.
                message: if e.info().contains("recursion limit") {
                    format!(
                        "nesting deeper than {MAX_DEPTH} levels; rig, plan and profile files need only a few"
                    )
                } else {
                    format!("YAML syntax error: {}", e.info())
                },
            })
            .map_err(ModelErrors::from)?;
        // Path of the node this event starts (None: it is a map key or not a node).
        let is_node_start = matches!(
            event,
            Event::Scalar(..)
                | Event::SequenceStart(..)
                | Event::MappingStart(..)
                | Event::Alias(_)
        );
        let mut node_path: Option<String> = None;
        let mut is_key = false;
        // Key path of the key this event is, for its errors.
        let mut key_path: Option<String> = None;
        if is_node_start {
            match stack.last_mut() {
                None => {
                    node_path = Some(String::new());
                    if !matches!(&event, Event::Scalar(v, ..) if is_null(v)) {
                        has_content = true;
                    }
                }
                Some(Frame::Map {
                    path,
                    pending_key,
                    seen,
                }) => match pending_key.take() {
                    None => {
                        is_key = true;
                        let key = match &event {
                            Event::Scalar(v, ..) => v.clone(),
                            _ => "?".to_string(),
                        };
                        if let Event::Scalar(..) = event {
                            let p = pos(&marker);
                            // First key of a mapping: locates the mapping too
                            // (no-op when already recorded).
                            if seen.is_empty() {
                                map.entry(path.clone()).or_insert(p);
                            }
                            if let Some(first) = seen.get(&key) {
                                errors.push(ModelError::Schema {
                                    at: at(file, &marker),
                                    key_path: join_key(path, &key),
                                    message: format!(
                                        "duplicate key `{key}` (first written at line {} column {}); each key may appear once",
                                        first.0, first.1
                                    ),
                                });
                            } else {
                                seen.insert(key.clone(), p);
                                map.entry(join_key(path, &key)).or_insert(p);
                            }
                        }
                        key_path = Some(join_key(path, &key));
                        *pending_key = Some(key);
                    }
                    Some(key) => {
                        node_path = Some(join_key(path, &key));
                    }
                },
                Some(Frame::Seq { path, index }) => {
                    let p = format!("{path}[{index}]");
                    // yaml-rust2 marks a block mapping at its first `:`; an
                    // item that is a mapping is located at its first key instead.
                    if !matches!(event, Event::MappingStart(..)) {
                        map.entry(p.clone()).or_insert(pos(&marker));
                    }
                    node_path = Some(p);
                }
            }
        }
        let here = || node_path.clone().or(key_path.clone()).unwrap_or_default();
        if let Event::Scalar(value, ..) = &event {
            if let Some((position, c)) = text::first_refused(value) {
                errors.push(refused_char(file, &marker, here(), is_key, position, c));
            }
        }
        let counted = match &event {
            Event::Scalar(_, _, anchor, _) => budget.node(*anchor, false),
            Event::MappingStart(anchor, _) | Event::SequenceStart(anchor, _) => {
                budget.node(*anchor, true)
            }
            Event::Alias(anchor) => budget.alias(*anchor),
            Event::MappingEnd | Event::SequenceEnd => {
                budget.end();
                Ok(())
            }
            _ => Ok(()),
        };
        if let Err(why) = counted {
            return Err(over_budget(file, text, &marker, here(), why).into());
        }
        match event {
            Event::StreamEnd => break,
            Event::DocumentStart => {
                documents += 1;
                if documents > 1 {
                    return Err(ModelErrors::from(ModelError::Syntax {
                        at: at(file, &marker),
                        message: "a second YAML document (`---`) is not allowed: put everything in one document".into(),
                    }));
                }
            }
            Event::MappingStart(..) | Event::SequenceStart(..) => {
                if stack.len() >= MAX_DEPTH {
                    return Err(ModelErrors::from(ModelError::Syntax {
                        at: at(file, &marker),
                        message: format!(
                            "nesting deeper than {MAX_DEPTH} levels; rig, plan and profile files need only a few"
                        ),
                    }));
                }
                // A complex (non-scalar) key gets an unrecorded placeholder path.
                let path = node_path.unwrap_or_else(|| "?".to_string());
                let frame = if matches!(event, Event::MappingStart(..)) {
                    Frame::Map {
                        path,
                        pending_key: None,
                        seen: HashMap::new(),
                    }
                } else {
                    Frame::Seq { path, index: 0 }
                };
                stack.push(frame);
            }
            Event::MappingEnd | Event::SequenceEnd => {
                // An empty `{}` item: locate it at its end.
                if let Some(Frame::Map { path, .. }) = stack.last() {
                    map.entry(path.clone()).or_insert(pos(&marker));
                }
                stack.pop();
                child_done(&mut stack);
            }
            Event::Scalar(..) | Event::Alias(_) if !is_key => child_done(&mut stack),
            _ => {}
        }
    }
    Ok(Scan {
        spans: Spans {
            file: file.to_path_buf(),
            map,
        },
        has_content,
        errors,
    })
}

/// A key or value holding a character [`text::is_refused`] refuses.
fn refused_char(
    file: &Path,
    marker: &Marker,
    key_path: String,
    is_key: bool,
    position: usize,
    c: char,
) -> ModelError {
    ModelError::Invalid {
        at: at(file, marker),
        key_path,
        message: format!(
            "{} at position {position} of the {}",
            text::describe(c),
            if is_key { "key" } else { "value" }
        ),
        hint: "text in rig, plan, site and profile files may not hold control characters \
               (other than tab and line feed) or bidirectional controls: a terminal or report \
               would act on them"
            .into(),
    }
}

/// An alias (or node) beyond what the file may stand for, at that node.
fn over_budget(
    file: &Path,
    text: &str,
    marker: &Marker,
    key_path: String,
    why: Refusal,
) -> ModelError {
    let alias = alias_name(text, marker);
    let message = match why {
        Refusal::TooManyAliases => {
            format!("alias `{alias}` is one too many: a file may use at most {MAX_ALIASES} aliases")
        }
        Refusal::Recursive => format!("alias `{alias}` is inside the node it names"),
        Refusal::TooManyNodes => format!(
            "the file stands for more than {MAX_NODES} values here (keys, values, mappings and \
             sequences, each alias counted as what it repeats)"
        ),
    };
    ModelError::Invalid {
        at: at(file, marker),
        key_path,
        message,
        hint: "write the structure out, or split the plan; an alias is a copy of everything its \
               anchor names (README: Input limits)"
            .into(),
    }
}

/// `*name` as written at `marker`, or `*…` when the text does not show it.
fn alias_name(text: &str, marker: &Marker) -> String {
    let line = text
        .lines()
        .nth(marker.line().saturating_sub(1))
        .unwrap_or("");
    let rest: String = line.chars().skip(marker.col()).take(64).collect();
    match rest.strip_prefix('*') {
        Some(name) => {
            let name: String = name
                .chars()
                .take_while(|c| !c.is_whitespace() && !matches!(c, ',' | ']' | '}'))
                .collect();
            format!("*{name}")
        }
        None => "*…".into(),
    }
}

/// A node finished: advance the parent sequence. (A parent map needs
/// nothing: its pending key was taken when the value node started.)
fn child_done(stack: &mut [Frame]) {
    if let Some(Frame::Seq { index, .. }) = stack.last_mut() {
        *index += 1;
    }
}

fn is_null(v: &str) -> bool {
    matches!(v, "" | "~" | "null" | "Null" | "NULL")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spans(text: &str) -> Spans {
        match scan(Path::new("t.yaml"), text) {
            Ok(s) => s.spans,
            Err(e) => panic!("{}", e.render()),
        }
    }

    fn at(s: &Spans, path: &str) -> (usize, usize) {
        let l = s.location(path);
        (l.line, l.column)
    }

    #[test]
    fn parent_paths() {
        assert_eq!(parent_path("a.b[2].c"), Some("a.b[2]"));
        assert_eq!(parent_path("a.b[2]"), Some("a.b"));
        assert_eq!(parent_path("a"), None);
        assert_eq!(parent_path(""), None);
    }

    #[test]
    fn block_and_flow_keys_and_items_are_located() {
        let s = spans("a:\n  b: 1\n  c: [x, {d: 2}]\nlist:\n  - k: v\n    m: w\n  - 5\n");
        assert_eq!(at(&s, "a"), (1, 1));
        assert_eq!(at(&s, "a.b"), (2, 3));
        assert_eq!(at(&s, "a.c"), (3, 3));
        assert_eq!(at(&s, "a.c[0]"), (3, 7));
        assert_eq!(at(&s, "a.c[1].d"), (3, 11));
        assert_eq!(at(&s, "list[0]"), (5, 5));
        assert_eq!(at(&s, "list[0].m"), (6, 5));
        assert_eq!(at(&s, "list[1]"), (7, 5));
        // Not written: nearest ancestor, else the file start.
        assert_eq!(at(&s, "list[0].zzz"), (5, 5));
        assert_eq!(at(&s, "nope"), (1, 1));
    }

    #[test]
    fn duplicates_are_collected_not_fatal() {
        let r = scan(Path::new("t.yaml"), "a: 1\nb: {x: 1, x: 2}\na: 3\n").unwrap();
        let paths: Vec<&str> = r.errors.iter().map(|e| e.key_path()).collect();
        assert_eq!(paths, ["b.x", "a"]);
        assert_eq!(r.errors[1].location().line, 3);
    }

    #[test]
    fn depth_cap_and_empty_documents() {
        let ok = format!("{}{}", "[".repeat(MAX_DEPTH), "]".repeat(MAX_DEPTH));
        assert!(scan(Path::new("t"), &ok).is_ok());
        let deep = format!("{}{}", "[".repeat(MAX_DEPTH + 1), "]".repeat(MAX_DEPTH + 1));
        assert!(scan(Path::new("t"), &deep).is_err());
        assert!(!scan(Path::new("t"), "# nothing\n").unwrap().has_content);
        assert!(!scan(Path::new("t"), "null").unwrap().has_content);
        assert!(scan(Path::new("t"), "a: 1").unwrap().has_content);
    }

    #[test]
    fn complex_keys_do_not_confuse_paths() {
        let s = spans("? [a, b]\n: 1\nz: 2\n");
        assert_eq!(at(&s, "z"), (3, 1));
    }
}
