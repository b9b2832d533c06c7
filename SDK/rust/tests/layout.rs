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

/// One fact of abi_layout.c in its plainest form, for SDK/abi/layout.tsv:
/// `offsetof(T, m) == N`, `sizeof(T) == N` or `NAME == N`, where N is made
/// of numbers only (`8 + 13 * 8`). Terms like `offsetof(T, m) + 8 == 48`
/// (where 1.0 members end) or `A == B` between two names add nothing a
/// reader of the table needs and are left out.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Fact {
    Offset { type_name: String, member: String, offset: i64 },
    Size { type_name: String, size: i64 },
    Constant { name: String, value: i64 },
}

/// The facts of every assertion, in the order of abi_layout.c, each once.
/// The same tokenizer and evaluator as the assertion test: one parser of
/// abi_layout.c serves both.
fn asserted_facts(source: &str, values: &RustValues) -> Vec<Fact> {
    let mut facts: Vec<Fact> = Vec::new();
    for (expression, _) in assertions(source) {
        let tokens = tokenize(&expression);
        for comparison in tokens.split(|t| t == "&&") {
            let at = match comparison.iter().position(|t| t == "==") {
                Some(at) => at,
                None => continue,
            };
            let (left, right) = (&comparison[..at], &comparison[at + 1..]);
            let numeric = right.iter().all(|t| {
                t.chars().all(|c| c.is_ascii_digit()) || t == "+" || t == "*" || t == "(" || t == ")"
            });
            if !numeric {
                continue;
            }
            let mut evaluator = Expression { tokens: right.to_vec(), at: 0, values };
            let value = evaluator.sum();
            let words: Vec<&str> = left.iter().map(String::as_str).collect();
            let fact = match words.as_slice() {
                ["offsetof", "(", .., ",", member, ")"] => Fact::Offset {
                    type_name: words[words.len() - 4].to_string(),
                    member: member.to_string(),
                    offset: value,
                },
                ["sizeof", "(", .., ")"] => Fact::Size { type_name: words[words.len() - 2].to_string(), size: value },
                [name] if name.chars().next().map_or(false, |c| c.is_ascii_alphabetic()) => {
                    Fact::Constant { name: name.to_string(), value }
                }
                _ => continue,
            };
            if !facts.contains(&fact) {
                facts.push(fact);
            }
        }
    }
    facts
}

/// SDK/abi/layout.tsv as the assertions of `source` make it.
fn layout_table(source: &str) -> String {
    let values = RustValues::new();
    let sizes: HashMap<(String, String), usize> = layout::members()
        .into_iter()
        .map(|m| ((m.type_name.to_string(), m.member.to_string()), m.size))
        .collect();
    let mut table = String::from(
        "# The ABI 1.x layout (LP64: x86_64 and aarch64 Linux) that SDK/abi/abi_layout.c asserts,\n\
         # for binding streamhost.h in other languages. Generated by scripts/abi-layout-table.sh;\n\
         # do not edit (SDK/rust/tests/layout.rs checks that it matches the assertions).\n\
         # kind: offset (of member in type, bytes; bytes = the member's size as the C compiler\n\
         # lays it out), size (of type, bytes; C enums included), constant (a header constant).\n\
         kind\ttype\tmember\tvalue\tbytes\n",
    );
    for fact in asserted_facts(source, &values) {
        match fact {
            Fact::Offset { type_name, member, offset } => {
                let bytes = sizes.get(&(type_name.clone(), member.clone())).unwrap_or_else(|| {
                    panic!("abi_layout.c asserts offsetof({}, {}), which the Rust layout table lacks", type_name, member)
                });
                table.push_str(&format!("offset\t{}\t{}\t{}\t{}\n", type_name, member, offset, bytes));
            }
            Fact::Size { type_name, size } => table.push_str(&format!("size\t{}\t\t{}\t{}\n", type_name, size, size)),
            Fact::Constant { name, value } => table.push_str(&format!("constant\t\t{}\t{}\t\n", name, value)),
        }
    }
    table
}

/// SDK/abi/layout.tsv is what abi_layout.c asserts. With
/// STREAMHOST_WRITE_LAYOUT_TABLE=1 (scripts/abi-layout-table.sh) the test
/// writes the table instead.
#[test]
fn the_committed_layout_table_is_what_abi_layout_c_asserts() {
    let source = std::fs::read_to_string(sdk().join("abi/abi_layout.c")).expect("abi_layout.c");
    let table = layout_table(&source);
    let path = sdk().join("abi/layout.tsv");
    if std::env::var("STREAMHOST_WRITE_LAYOUT_TABLE").map_or(false, |v| v == "1") {
        std::fs::write(&path, &table).unwrap_or_else(|e| panic!("cannot write {}: {}", path.display(), e));
        return;
    }
    // Rows for the structs, enums and constants a binder needs most.
    for row in ["offset\tsh_plugin_descriptor\tmagic\t0\t4", "size\tsh_log_level\t\t4\t4", "constant\t\tSH_WRONG_THREAD\t9\t"] {
        assert!(table.contains(&format!("{}\n", row)), "the table lacks the row {:?}:\n{}", row, table);
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == table,
        "{} is not what abi_layout.c asserts: run scripts/abi-layout-table.sh and commit the result",
        path.display()
    );
}
