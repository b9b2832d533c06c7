//! Finding a field in a JSON record, under the host's rule: the Rust twin
//! of `SDK/include/streamhost_json.h` (not ABI; same results).
//!
//! RFC 8259 exactly: strings in well-formed UTF-8 with `\u` escapes that
//! pair surrogates, numbers finite as a double, at most
//! `NESTING_DEPTH_MAX` levels of arrays and objects, a leading UTF-8 byte
//! order mark skipped. A lookup finds the first member of a name. Nothing
//! allocates except `JsonValue::string`.

/// The deepest nesting read, as in the host.
pub const NESTING_DEPTH_MAX: usize = 512;

/// Why a look-up found no value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JsonError {
    /// An object along the path lacks the next member name.
    Missing,
    /// The text, or a value along the path, is not an object.
    NotAnObject,
    /// The text is not valid JSON; the byte offset of the fault.
    Malformed(usize),
    /// The value is not of the kind asked for.
    WrongType,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JsonKind {
    Null,
    Bool,
    Number,
    String,
    Array,
    Object,
}

/// One value inside a JSON text: its kind and its text (strings with their
/// quotes, objects and arrays from bracket to bracket).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct JsonValue<'a> {
    pub kind: JsonKind,
    pub text: &'a [u8],
}

struct Cursor<'a> {
    text: &'a [u8],
    at: usize,
}

impl<'a> Cursor<'a> {
    fn peek(&self) -> Option<u8> {
        self.text.get(self.at).copied()
    }

    fn space(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.peek() {
            self.at += 1;
        }
    }

    fn digit(&self) -> bool {
        matches!(self.peek(), Some(b'0'..=b'9'))
    }
}

fn hex4(text: &[u8]) -> Option<u32> {
    if text.len() < 4 {
        return None;
    }
    let mut unit = 0u32;
    for &byte in &text[..4] {
        unit = unit * 16 + (byte as char).to_digit(16)?;
    }
    Some(unit)
}

/// The length of the well-formed UTF-8 sequence at the start, or 0.
fn utf8_length(text: &[u8]) -> usize {
    let lead = text[0];
    let (length, low, high) = match lead {
        0xC2..=0xDF => (2, 0x80, 0xBF),
        0xE0 => (3, 0xA0, 0xBF),
        0xED => (3, 0x80, 0x9F),
        0xE1..=0xEF => (3, 0x80, 0xBF),
        0xF0 => (4, 0x90, 0xBF),
        0xF4 => (4, 0x80, 0x8F),
        0xF1..=0xF3 => (4, 0x80, 0xBF),
        _ => return 0,
    };
    if text.len() < length || text[1] < low || text[1] > high {
        return 0;
    }
    if text[2..length].iter().any(|&b| !(0x80..=0xBF).contains(&b)) {
        return 0;
    }
    length
}

/// Decodes the escape at the start (a backslash): scalar and length.
fn escape(text: &[u8]) -> Option<(u32, usize)> {
    match *text.get(1)? {
        c @ (b'"' | b'\\' | b'/') => Some((c as u32, 2)),
        b'b' => Some((8, 2)),
        b'f' => Some((12, 2)),
        b'n' => Some((10, 2)),
        b'r' => Some((13, 2)),
        b't' => Some((9, 2)),
        b'u' => {
            let unit = hex4(&text[2..])?;
            if (0xDC00..=0xDFFF).contains(&unit) {
                return None;
            }
            if !(0xD800..=0xDBFF).contains(&unit) {
                return Some((unit, 6));
            }
            if text.len() < 12 || text[6] != b'\\' || text[7] != b'u' {
                return None;
            }
            let low = hex4(&text[8..])?;
            if !(0xDC00..=0xDFFF).contains(&low) {
                return None;
            }
            Some((0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00), 12))
        }
        _ => None,
    }
}

fn encode(scalar: u32, out: &mut [u8; 4]) -> usize {
    char::from_u32(scalar).map_or(0, |c| c.encode_utf8(out).len())
}

/// Steps over the string at the cursor; with a name, says whether the
/// decoded string is exactly it.
fn string(c: &mut Cursor<'_>, name: Option<&[u8]>) -> Result<bool, ()> {
    let mut matched = 0usize;
    let mut equal = true;
    c.at += 1;
    while let Some(byte) = c.peek() {
        if byte == b'"' {
            c.at += 1;
            return Ok(name.map_or(false, |n| equal && matched == n.len()));
        }
        if byte < 0x20 {
            return Err(());
        }
        if byte < 0x80 && byte != b'\\' {
            // Plain ASCII, the common case: compared in place.
            c.at += 1;
            if let Some(name) = name {
                if equal && matched < name.len() && name[matched] == byte {
                    matched += 1;
                } else {
                    equal = false;
                }
            }
            continue;
        }
        let mut decoded = [0u8; 4];
        let decoded_length;
        if byte == b'\\' {
            let (scalar, length) = escape(&c.text[c.at..]).ok_or(())?;
            c.at += length;
            decoded_length = if name.is_some() { encode(scalar, &mut decoded) } else { 0 };
        } else {
            let length = utf8_length(&c.text[c.at..]);
            if length == 0 {
                return Err(());
            }
            decoded[..length].copy_from_slice(&c.text[c.at..c.at + length]);
            decoded_length = length;
            c.at += length;
        }
        if let Some(name) = name {
            if equal {
                if name.len() - matched >= decoded_length && name[matched..matched + decoded_length] == decoded[..decoded_length] {
                    matched += decoded_length;
                } else {
                    equal = false;
                }
            }
        }
    }
    Err(())
}

/// The number text as the nearest double; `None` when out of range (not
/// finite), as strtod's ERANGE overflow is for the C header.
fn to_double(text: &[u8]) -> Option<f64> {
    let value: f64 = std::str::from_utf8(text).ok()?.parse().ok()?;
    if value.is_finite() {
        Some(value)
    } else {
        None
    }
}

fn number(c: &mut Cursor<'_>) -> Result<(), ()> {
    let start = c.at;
    if c.peek() == Some(b'-') {
        c.at += 1;
    }
    if !c.digit() {
        return Err(());
    }
    if c.peek() == Some(b'0') {
        c.at += 1;
    } else {
        while c.digit() {
            c.at += 1;
        }
    }
    let mut check_range = c.at - start > 300;
    if c.peek() == Some(b'.') {
        c.at += 1;
        if !c.digit() {
            return Err(());
        }
        while c.digit() {
            c.at += 1;
        }
    }
    if let Some(b'e' | b'E') = c.peek() {
        c.at += 1;
        if let Some(b'+' | b'-') = c.peek() {
            c.at += 1;
        }
        if !c.digit() {
            return Err(());
        }
        while c.digit() {
            c.at += 1;
        }
        check_range = true;
    }
    if check_range && to_double(&c.text[start..c.at]).is_none() {
        c.at = start;
        return Err(());
    }
    Ok(())
}

fn literal(c: &mut Cursor<'_>, word: &[u8]) -> Result<(), ()> {
    if c.text[c.at..].starts_with(word) {
        c.at += word.len();
        Ok(())
    } else {
        Err(())
    }
}

/// Steps over the value at the cursor at nesting `depth`; returns its kind.
fn value(c: &mut Cursor<'_>, depth: usize) -> Result<JsonKind, ()> {
    match c.peek().ok_or(())? {
        b'"' => string(c, None).map(|_| JsonKind::String),
        b't' => literal(c, b"true").map(|_| JsonKind::Bool),
        b'f' => literal(c, b"false").map(|_| JsonKind::Bool),
        b'n' => literal(c, b"null").map(|_| JsonKind::Null),
        open @ (b'{' | b'[') => {
            let close = if open == b'{' { b'}' } else { b']' };
            let kind = if open == b'{' { JsonKind::Object } else { JsonKind::Array };
            if depth >= NESTING_DEPTH_MAX {
                return Err(());
            }
            c.at += 1;
            c.space();
            if c.peek() == Some(close) {
                c.at += 1;
                return Ok(kind);
            }
            loop {
                if close == b'}' {
                    if c.peek() != Some(b'"') {
                        return Err(());
                    }
                    string(c, None)?;
                    c.space();
                    if c.peek() != Some(b':') {
                        return Err(());
                    }
                    c.at += 1;
                    c.space();
                }
                value(c, depth + 1)?;
                c.space();
                match c.peek() {
                    Some(b) if b == close => {
                        c.at += 1;
                        return Ok(kind);
                    }
                    Some(b',') => {
                        c.at += 1;
                        c.space();
                    }
                    _ => return Err(()),
                }
            }
        }
        _ => number(c).map(|_| JsonKind::Number),
    }
}

fn start(text: &[u8]) -> Cursor<'_> {
    let mut c = Cursor { text, at: 0 };
    if text.starts_with(&[0xEF, 0xBB, 0xBF]) {
        c.at = 3;
    }
    c.space();
    c
}

/// Checks that `text` is exactly one JSON value with only whitespace around.
pub fn validate(text: &[u8]) -> Result<(), JsonError> {
    let mut c = start(text);
    if value(&mut c, 0).is_err() {
        return Err(JsonError::Malformed(c.at));
    }
    c.space();
    if c.at != text.len() {
        return Err(JsonError::Malformed(c.at));
    }
    Ok(())
}

/// Finds the member at `path` (names joined by '.', "customer.id") in the
/// JSON object `text`. Every byte up to the end of the found value is
/// checked; bytes after it are not read, and where an object is needed and
/// another kind of value starts, that value is not read either
/// (`NotAnObject`), as in the host's look-ups.
pub fn find<'a>(text: &'a [u8], path: &str) -> Result<JsonValue<'a>, JsonError> {
    let mut c = start(text);
    // No allocation per look-up: the path is walked as it is split.
    let mut segments = path.split('.').peekable();
    let mut depth = 0usize;
    while let Some(segment) = segments.next() {
        let last = segments.peek().is_none();
        match c.peek() {
            None => return Err(JsonError::Malformed(c.at)),
            Some(b'{') => {}
            Some(b'"' | b'[' | b't' | b'f' | b'n' | b'-' | b'0'..=b'9') => return Err(JsonError::NotAnObject),
            Some(_) => return Err(JsonError::Malformed(c.at)),
        }
        if depth >= NESTING_DEPTH_MAX {
            return Err(JsonError::Malformed(c.at));
        }
        c.at += 1;
        c.space();
        if c.peek() == Some(b'}') {
            return Err(JsonError::Missing);
        }
        loop {
            if c.peek() != Some(b'"') {
                return Err(JsonError::Malformed(c.at));
            }
            let matches = string(&mut c, Some(segment.as_bytes())).map_err(|_| JsonError::Malformed(c.at))?;
            c.space();
            if c.peek() != Some(b':') {
                return Err(JsonError::Malformed(c.at));
            }
            c.at += 1;
            c.space();
            if matches && !last {
                break; // Descend into the value.
            }
            let value_start = c.at;
            let kind = value(&mut c, depth + 1).map_err(|_| JsonError::Malformed(c.at))?;
            if matches {
                return Ok(JsonValue { kind, text: &text[value_start..c.at] });
            }
            c.space();
            match c.peek() {
                Some(b'}') => return Err(JsonError::Missing),
                Some(b',') => {
                    c.at += 1;
                    c.space();
                }
                _ => return Err(JsonError::Malformed(c.at)),
            }
        }
        depth += 1;
    }
    unreachable!("the last segment returns")
}

impl<'a> JsonValue<'a> {
    /// A number as the nearest double.
    pub fn double(&self) -> Result<f64, JsonError> {
        if self.kind != JsonKind::Number {
            return Err(JsonError::WrongType);
        }
        to_double(self.text).ok_or(JsonError::Malformed(0))
    }

    /// A number written as an integer (no fraction, no exponent) that fits
    /// i64.
    pub fn int64(&self) -> Result<i64, JsonError> {
        if self.kind != JsonKind::Number {
            return Err(JsonError::WrongType);
        }
        std::str::from_utf8(self.text).ok().and_then(|t| t.parse::<i64>().ok()).ok_or(JsonError::WrongType)
    }

    /// A string's text, escapes resolved.
    pub fn string(&self) -> Result<String, JsonError> {
        if self.kind != JsonKind::String {
            return Err(JsonError::WrongType);
        }
        let inner = &self.text[1..self.text.len() - 1];
        let mut out = Vec::with_capacity(inner.len());
        let mut at = 0;
        while at < inner.len() {
            if inner[at] == b'\\' {
                let (scalar, length) = escape(&inner[at..]).ok_or(JsonError::WrongType)?;
                let mut buffer = [0u8; 4];
                let n = encode(scalar, &mut buffer);
                out.extend_from_slice(&buffer[..n]);
                at += length;
            } else {
                out.push(inner[at]);
                at += 1;
            }
        }
        String::from_utf8(out).map_err(|_| JsonError::WrongType)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_top_level_and_nested_members() {
        let text = br#"{"order_id":7,"amount":12.5,"customer":{"id":"c\u00e9"}}"#;
        assert_eq!(find(text, "amount").unwrap().double(), Ok(12.5));
        assert_eq!(find(text, "order_id").unwrap().int64(), Ok(7));
        assert_eq!(find(text, "customer.id").unwrap().string().unwrap(), "c\u{e9}");
        assert_eq!(find(text, "missing"), Err(JsonError::Missing));
        assert_eq!(find(text, "order_id.x"), Err(JsonError::NotAnObject));
    }

    #[test]
    fn kinds_and_refusals_match_the_c_header() {
        assert_eq!(find(b"[1]", "a"), Err(JsonError::NotAnObject));
        assert_eq!(find(b"{\"a\":\"x\"}", "a").unwrap().double(), Err(JsonError::WrongType));
        // As in C: the value "0" is found; the "1" after it is not read.
        assert_eq!(find(b"{\"a\":01}", "a").unwrap().int64(), Ok(0));
        assert!(validate(b"{\"a\":01}").is_err());
        assert!(matches!(find(b"{\"a\":1e999}", "a"), Err(JsonError::Malformed(_))));
        assert!(matches!(find(b"{\"a\":\"\\ud800\"}", "a"), Err(JsonError::Malformed(_))));
        assert!(matches!(find(b"{\"a\":\"\xff\"}", "a"), Err(JsonError::Malformed(_))));
        assert!(matches!(find(b"{\"b\":tru,\"a\":1}", "a"), Err(JsonError::Malformed(_))));
        // As in C: a text that starts like another kind of value is not read.
        assert_eq!(find(b"not json", "a"), Err(JsonError::NotAnObject));
        assert!(matches!(find(b"} not json", "a"), Err(JsonError::Malformed(0))));
        // Bytes after the found value are not read.
        assert_eq!(find(b"{\"a\":1,", "a").unwrap().int64(), Ok(1));
        assert_eq!(validate(b"\xEF\xBB\xBF {\"a\":[1,2,{}]} "), Ok(()));
        assert!(validate(b"{} x").is_err());
        let deep = "[".repeat(NESTING_DEPTH_MAX + 1) + &"]".repeat(NESTING_DEPTH_MAX + 1);
        assert!(validate(deep.as_bytes()).is_err());
        assert_eq!(find(b"{\"a\":-9223372036854775808}", "a").unwrap().int64(), Ok(i64::MIN));
        assert_eq!(find(b"{\"a\":9223372036854775808}", "a").unwrap().int64(), Err(JsonError::WrongType));
    }
}
