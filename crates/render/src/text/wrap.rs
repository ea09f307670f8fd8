//! Line breaking (UAX #14, CJK-aware) and eliding a line with "…".

use super::fonts::Face;
use super::shape::line_width;
use unicode_segmentation::UnicodeSegmentation;

/// Splits `text` into lines no wider than `max_w` at size `px`, breaking
/// only where Unicode line breaking (UAX #14) allows: between words, between
/// CJK ideographs, never before closing punctuation such as "！" or "，". A
/// segment wider than a whole line is broken between graphemes (never inside
/// one: an emoji sequence or a letter with its accents stays whole).
pub(crate) fn wrap(text: &str, chain: &[Face], px: f32, max_w: f32) -> Vec<String> {
    let width = |s: &str| line_width(s, chain, px);
    let mut lines = Vec::new();
    let mut line = String::new();
    let mut start = 0;
    for (end, kind) in unicode_linebreak::linebreaks(text) {
        let segment = &text[start..end];
        start = end;
        let candidate = format!("{line}{segment}");
        if width(candidate.trim_end()) <= max_w {
            line = candidate;
        } else {
            if !line.trim().is_empty() {
                lines.push(line.trim_end().to_string());
            }
            line = String::new();
            if width(segment.trim_end()) <= max_w {
                line.push_str(segment);
            } else {
                for g in segment.graphemes(true) {
                    let before = line.len();
                    line.push_str(g);
                    if width(line.trim_end()) > max_w && before > 0 {
                        line.truncate(before);
                        lines.push(line.trim_end().to_string());
                        line = g.to_string();
                    }
                }
            }
        }
        if kind == unicode_linebreak::BreakOpportunity::Mandatory && !line.trim().is_empty() {
            lines.push(line.trim_end().to_string());
            line = String::new();
        }
    }
    if !line.trim().is_empty() {
        lines.push(line.trim_end().to_string());
    }
    lines
}

/// `line` ended with "…", cut grapheme by grapheme until it fits `max_w`
/// (just "…" if nothing of it does).
pub(crate) fn elide(line: &str, chain: &[Face], px: f32, max_w: f32) -> String {
    let mut keep: Vec<&str> = line.trim_end().graphemes(true).collect();
    loop {
        let candidate = format!("{}…", keep.concat().trim_end());
        if keep.is_empty() || line_width(&candidate, chain, px) <= max_w {
            return candidate;
        }
        keep.pop();
    }
}
