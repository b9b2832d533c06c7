//! The bindings agree with the C header: every `_Static_assert` of
//! SDK/abi/abi_layout.c holds for the Rust structs and constants, and a C
//! compiler gives every member of every struct the offset and size Rust
//! gives it.
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use streamhost::sys::layout;

fn sdk() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("SDK/rust has a parent").to_path_buf()
}

/// The Rust side's values of what abi_layout.c's assertions name.
struct RustValues {
    offsets: HashMap<(String, String), usize>,
    sizes: HashMap<String, usize>,
    constants: HashMap<String, i64>,
}

impl RustValues {
    fn new() -> Self {
        let offsets = layout::members()
            .into_iter()
            .map(|m| ((m.type_name.to_string(), m.member.to_string()), m.offset))
            .collect();
        let mut sizes: HashMap<String, usize> =
            layout::structs().into_iter().map(|s| (s.type_name.to_string(), s.size)).collect();
        // The C enums, bound as u32 aliases.
        for alias in ["sh_log_level", "sh_msg_level", "sh_log_start", "sh_topic_start", "sh_time_domain",
            "sh_state_kind", "sh_log_isolation", "sh_migration_kind", "sh_component_kind"]
        {
            sizes.insert(alias.to_string(), 4);
        }
        let constants = layout::constants().into_iter().map(|(n, v)| (n.to_string(), v)).collect();
        RustValues { offsets, sizes, constants }
    }
}

/// A tiny evaluator for the expressions abi_layout.c asserts: integers,
/// constant names, offsetof(T, m), sizeof(T), `+`, `*`, `==`, `&&`.
struct Expression<'a> {
    tokens: Vec<String>,
    at: usize,
    values: &'a RustValues,
}

fn tokenize(text: &str) -> Vec<String> {
    let mut tokens = Vec::new();
    let chars: Vec<char> = text.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c.is_whitespace() {
            i += 1;
        } else if c.is_alphanumeric() || c == '_' {
            let start = i;
            while i < chars.len() && (chars[i].is_alphanumeric() || chars[i] == '_') {
                i += 1;
            }
            tokens.push(chars[start..i].iter().collect());
        } else if (c == '=' || c == '&') && i + 1 < chars.len() && chars[i + 1] == c {
            tokens.push(format!("{}{}", c, c));
            i += 2;
        } else {
            tokens.push(c.to_string());
            i += 1;
        }
    }
    tokens
}

impl<'a> Expression<'a> {
    fn next(&mut self) -> String {
        let token = self.tokens.get(self.at).cloned().unwrap_or_default();
        self.at += 1;
        token
    }

    fn expect(&mut self, token: &str) {
        let got = self.next();
        assert_eq!(got, token, "abi_layout.c: expected '{}' in {:?}", token, self.tokens);
    }

    /// A type name: `struct X` or `X`.
    fn type_name(&mut self) -> String {
        let first = self.next();
        if first == "struct" {
            self.next()
        } else {
            first
        }
    }

    fn primary(&mut self) -> i64 {
        let token = self.next();
        match token.as_str() {
            "offsetof" => {
                self.expect("(");
                let type_name = self.type_name();
                self.expect(",");
                let member = self.next();
                self.expect(")");
                *self.values.offsets.get(&(type_name.clone(), member.clone())).unwrap_or_else(|| {
                    panic!("abi_layout.c asserts offsetof({}, {}), which the Rust layout table lacks", type_name, member)
                }) as i64
            }
            "sizeof" => {
                self.expect("(");
                let type_name = self.type_name();
                self.expect(")");
                *self
                    .values
                    .sizes
                    .get(&type_name)
                    .unwrap_or_else(|| panic!("abi_layout.c asserts sizeof({}), which Rust does not bind", type_name))
                    as i64
            }
            "(" => {
                let value = self.sum();
                self.expect(")");
                value
            }
            _ if token.chars().next().map_or(false, |c| c.is_ascii_digit()) => {
                token.trim_end_matches(|c| c == 'u' || c == 'U' || c == 'l' || c == 'L').parse().unwrap()
            }
            _ => *self
                .values
                .constants
                .get(&token)
                .unwrap_or_else(|| panic!("abi_layout.c names {}, which the Rust bindings lack", token)),
        }
    }

    fn product(&mut self) -> i64 {
        let mut value = self.primary();
        while self.tokens.get(self.at).map(String::as_str) == Some("*") {
            self.at += 1;
            value *= self.primary();
        }
        value
    }

    fn sum(&mut self) -> i64 {
        let mut value = self.product();
        while self.tokens.get(self.at).map(String::as_str) == Some("+") {
            self.at += 1;
            value += self.product();
        }
        value
    }

    fn comparison(&mut self) -> bool {
        let left = self.sum();
        self.expect("==");
        let right = self.sum();
        left == right
    }

    fn conjunction(&mut self) -> bool {
        let mut value = self.comparison();
        while self.tokens.get(self.at).map(String::as_str) == Some("&&") {
            self.at += 1;
            value &= self.comparison();
        }
        value
    }
}

/// The assertions of abi_layout.c: (expression, message).
fn assertions(source: &str) -> Vec<(String, String)> {
    let mut found = Vec::new();
    let mut rest = source;
    while let Some(start) = rest.find("_Static_assert(") {
        rest = &rest[start + "_Static_assert(".len()..];
        // The expression runs to the comma before the message's quote.
        let quote = rest.find('"').expect("an assertion has a message");
        let comma = rest[..quote].rfind(',').expect("a comma before the message");
        let expression = rest[..comma].to_string();
        let end = rest[quote + 1..].find('"').expect("the message ends") + quote + 1;
        found.push((expression, rest[quote + 1..end].to_string()));
        rest = &rest[end..];
    }
    found
}

#[test]
fn every_assertion_of_abi_layout_c_holds_for_the_rust_bindings() {
    let path = sdk().join("abi/abi_layout.c");
    let source = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("cannot read {}: {}", path.display(), e));
    let values = RustValues::new();
    let found = assertions(&source);
    // Every one is read (abi_layout.c has 78 in ABI 1.3; a parser that
    // found few would check nothing).
    assert_eq!(found.len(), source.matches("_Static_assert(").count());
    assert!(found.len() >= 78, "only {} assertions found in {}", found.len(), path.display());
    let mut failed = Vec::new();
    for (expression, message) in &found {
        let mut parser = Expression { tokens: tokenize(expression), at: 0, values: &values };
        let holds = parser.conjunction();
        assert_eq!(parser.at, parser.tokens.len(), "abi_layout.c: unread tokens in {}", expression);
        if !holds {
            failed.push(format!("{} ({})", expression.trim(), message));
        }
    }
    assert!(failed.is_empty(), "abi_layout.c assertions that the Rust bindings break:\n{}", failed.join("\n"));
}

#[test]
fn the_c_compiler_lays_out_every_member_as_rust_does() {
    let directory = std::env::temp_dir().join(format!("streamhost-rust-layout-{}", std::process::id()));
    std::fs::create_dir_all(&directory).unwrap();
    let c_name = |type_name: &str| {
        if type_name.starts_with("Arrow") {
            format!("struct {}", type_name)
        } else {
            type_name.to_string()
        }
    };
    let mut program = String::from("#include <stdio.h>\n#include <stddef.h>\n#include \"streamhost.h\"\nint main(void) {\n");
    let mut expected = Vec::new();
    for member in layout::members() {
        let t = c_name(member.type_name);
        program.push_str(&format!(
            "printf(\"{0}.{1} %zu %zu\\n\", offsetof({2}, {1}), sizeof(((({2} *)0)->{1})));\n",
            member.type_name, member.member, t
        ));
        expected.push(format!("{}.{} {} {}", member.type_name, member.member, member.offset, member.size));
    }
    for s in layout::structs() {
        let t = c_name(s.type_name);
        program.push_str(&format!("printf(\"{0} %zu %zu\\n\", sizeof({1}), _Alignof({1}));\n", s.type_name, t));
        expected.push(format!("{} {} {}", s.type_name, s.size, s.align));
    }
    for (name, value) in layout::constants() {
        program.push_str(&format!("printf(\"{0} %lld\\n\", (long long){0});\n", name));
        expected.push(format!("{} {}", name, value));
    }
    program.push_str("return 0;\n}\n");
    let source = directory.join("probe.c");
    let binary = directory.join("probe");
    std::fs::write(&source, program).unwrap();
    let compiler = std::env::var("CC").unwrap_or_else(|_| "cc".to_string());
    let built = Command::new(&compiler)
        .arg("-std=c11")
        .arg("-I")
        .arg(sdk().join("include"))
        .arg("-o")
        .arg(&binary)
        .arg(&source)
        .output()
        .unwrap_or_else(|e| panic!("cannot run {} (scripts/bootstrap.sh installs it): {}", compiler, e));
    assert!(built.status.success(), "{} failed:\n{}", compiler, String::from_utf8_lossy(&built.stderr));
    let run = Command::new(&binary).output().unwrap();
    assert!(run.status.success());
    let printed = String::from_utf8(run.stdout).unwrap();
    let got: Vec<&str> = printed.lines().collect();
    let _ = std::fs::remove_dir_all(&directory);
    let differences: Vec<String> = expected
        .iter()
        .zip(got.iter())
        .filter(|(rust, c)| rust.as_str() != **c)
        .map(|(rust, c)| format!("Rust: {}   C: {}", rust, c))
        .collect();
    assert_eq!(got.len(), expected.len(), "the probe printed {} lines for {} checks", got.len(), expected.len());
    assert!(differences.is_empty(), "layout differences:\n{}", differences.join("\n"));
}
