use super::*;

fn vars(pairs: &[(&str, &str)]) -> HashMap<String, String> {
    pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
}

fn cmd(text: &str) -> Invocation {
    parse_command(text, &HashMap::new()).expect("a command")
}

fn script(text: &str) -> (Vec<ShellItem>, Vec<String>, HashMap<String, String>) {
    let mut v = HashMap::new();
    let (items, problems) = commands(text, &mut v);
    (items, problems, v)
}

fn invocations(items: &[ShellItem]) -> Vec<&Invocation> {
    items
        .iter()
        .filter_map(|i| match i {
            ShellItem::Command(inv) => Some(inv),
            _ => None,
        })
        .collect()
}

#[test]
fn joblog_command_with_redirects() {
    let inv = cmd("codex exec --full-auto --json -C /home/dev/notes - < _build/prompts/b1-1.md > _build/logs/b1-1.jsonl 2> _build/logs/b1-1.err");
    assert_eq!(inv.argv, ["codex", "exec", "--full-auto", "--json", "-C", "/home/dev/notes", "-"]);
    assert_eq!(inv.stdin_file.as_deref(), Some("_build/prompts/b1-1.md"));
    assert_eq!(inv.stdout.as_deref(), Some("_build/logs/b1-1.jsonl"));
    assert_eq!(inv.stderr.as_deref(), Some("_build/logs/b1-1.err"));
    assert!(!inv.background);
    assert_eq!(inv.line, 1);
}

#[test]
fn gnu_parallel_quoting_of_single_quotes() {
    let inv = cmd(r#"codex exec 'Create src/lib.rs: a '"'"'hello'"'"' fn' > logs/b1/3.jsonl"#);
    assert_eq!(inv.argv, ["codex", "exec", "Create src/lib.rs: a 'hello' fn"]);
    assert_eq!(inv.stdout.as_deref(), Some("logs/b1/3.jsonl"));
}

#[test]
fn blank_and_comment_are_not_commands() {
    assert_eq!(parse_command("", &HashMap::new()), None);
    assert_eq!(parse_command("   \n", &HashMap::new()), None);
    assert_eq!(parse_command("# codex exec 'x'", &HashMap::new()), None);
}

#[test]
fn double_quote_escapes_and_continuation() {
    let inv = cmd("echo \"a \\\"q\\\" \\\\ \\$HOME \\` \\x line\\\ncont\"");
    assert_eq!(inv.argv[1], "a \"q\" \\ $HOME ` \\x linecont");
}

#[test]
fn backslashes_and_line_continuation_outside_quotes() {
    let inv = cmd("codex exec \\\n  --json \\\n  a\\ b\\$c");
    assert_eq!(inv.argv, ["codex", "exec", "--json", "a b$c"]);
}

#[test]
fn ansi_c_quoting() {
    let inv = cmd(r"printf $'one\ntwo\tthree \'q\' \x41\101\\'");
    assert_eq!(inv.argv[1], "one\ntwo\tthree 'q' AA\\");
}

#[test]
fn variables_known_unknown_and_defaults() {
    let v = vars(&[("PROJECT", "/home/x/app"), ("EMPTY", "")]);
    let inv = parse_command(
        r#"codex exec -C "$PROJECT" -o ${PROJECT}/out.txt "$HOME/$NOPE" ${MISSING:-dflt} ${EMPTY:-e2} $EMPTY 'lit $PROJECT'"#,
        &v,
    )
    .unwrap();
    assert_eq!(
        inv.argv,
        [
            "codex",
            "exec",
            "-C",
            "/home/x/app",
            "-o",
            "/home/x/app/out.txt",
            "$HOME/$NOPE",
            "dflt",
            "e2",
            "lit $PROJECT"
        ]
    );
}

#[test]
fn unquoted_variable_is_split_into_fields() {
    let v = vars(&[("FLAGS", "--full-auto  --json")]);
    let inv = parse_command(r#"codex exec $FLAGS "$FLAGS" x"#, &v).unwrap();
    assert_eq!(inv.argv, ["codex", "exec", "--full-auto", "--json", "--full-auto  --json", "x"]);
}

#[test]
fn command_substitution_is_kept_as_text() {
    let inv = cmd(r#"codex exec "Fix $(touch pwned) and `rm -rf /`" $(date +%s) > "log-$(id -u).txt""#);
    assert_eq!(inv.argv, ["codex", "exec", "Fix $(touch pwned) and `rm -rf /`", "$(date +%s)"]);
    assert_eq!(inv.stdout.as_deref(), Some("log-$(id -u).txt"));
    assert!(!std::path::Path::new("pwned").exists());
}

#[test]
fn redirect_forms() {
    let inv = cmd("codex exec x > out.log 2>&1");
    assert_eq!(inv.stdout.as_deref(), Some("out.log"));
    assert_eq!(inv.stderr.as_deref(), Some("out.log"));

    let inv = cmd("codex exec x &> both.log");
    assert_eq!(inv.stdout.as_deref(), Some("both.log"));
    assert_eq!(inv.stderr.as_deref(), Some("both.log"));

    let inv = cmd("codex exec x >> app.log 2>> err.log");
    assert_eq!(inv.stdout.as_deref(), Some("app.log"));
    assert_eq!(inv.stderr.as_deref(), Some("err.log"));

    let inv = cmd("echo oops 2> e.log >&2");
    assert_eq!(inv.argv, ["echo", "oops"]);
    assert_eq!(inv.stdout.as_deref(), Some("e.log"));

    let inv = cmd("codex exec - <<< 'Create a.py'");
    assert_eq!(inv.stdin_text.as_deref(), Some("Create a.py"));
    assert_eq!(inv.argv, ["codex", "exec", "-"]);

    let inv = cmd("codex exec x>o.txt 2>e.txt");
    assert_eq!(inv.argv, ["codex", "exec", "x"]);
    assert_eq!(inv.stdout.as_deref(), Some("o.txt"));
    assert_eq!(inv.stderr.as_deref(), Some("e.txt"));
}

#[test]
fn cat_pipe_and_tee() {
    let inv = cmd("cat prompts/b1.md | codex exec --json - | tee -a logs/b1.jsonl");
    assert_eq!(inv.argv, ["codex", "exec", "--json", "-"]);
    assert_eq!(inv.piped_from.as_deref(), Some("prompts/b1.md"));
    assert_eq!(inv.tee.as_deref(), Some("logs/b1.jsonl"));
    assert_eq!(inv.stdout, None);

    let inv = cmd("codex exec 'x' 2>&1 | tee logs/x.log");
    assert_eq!(inv.tee.as_deref(), Some("logs/x.log"));
    assert_eq!(inv.stderr.as_deref(), Some("logs/x.log"));

    let inv = cmd("echo 'Write a.py' | codex exec -");
    assert_eq!(inv.stdin_text.as_deref(), Some("Write a.py"));
}

#[test]
fn separators_and_background() {
    let (items, problems, _) = script("cd /srv/app && codex exec 'a' & codex exec 'b'; wait || true\n");
    assert!(problems.is_empty());
    assert_eq!(items[0], ShellItem::Cd { dir: "/srv/app".into(), line: 1 });
    let cmds = invocations(&items);
    assert_eq!(cmds[0].argv, ["codex", "exec", "a"]);
    assert!(cmds[0].background);
    assert_eq!(cmds[1].argv, ["codex", "exec", "b"]);
    assert!(!cmds[1].background);
    assert!(items.contains(&ShellItem::Wait { line: 1 }));
    // parse_command skips the `cd` setup and returns the generator.
    assert_eq!(cmd("cd /srv/app && codex exec 'a'").argv[2], "a");
}

#[test]
fn assignments_exports_and_prefix_env() {
    let (items, _, v) = script(
        "PROJECT=\"/home/luce/apps/sparkqueue\"\nLOGS=\"$PROJECT/_build/logs\"\nexport MODEL=gpt-5 A=1\nN=1; N+=2\nFOO=bar codex exec \"$FOO\"\n",
    );
    assert_eq!(v["LOGS"], "/home/luce/apps/sparkqueue/_build/logs");
    assert_eq!(v["MODEL"], "gpt-5");
    assert_eq!(v["N"], "12");
    assert!(!v.contains_key("FOO"), "prefix assignments do not persist");
    assert_eq!(
        items[1],
        ShellItem::Assign { name: "LOGS".into(), value: "/home/luce/apps/sparkqueue/_build/logs".into(), line: 2 }
    );
    let cmds = invocations(&items);
    assert_eq!(cmds.len(), 1);
    assert_eq!(cmds[0].argv, ["codex", "exec", "$FOO"]);
    assert_eq!(cmds[0].line, 5);
}

#[test]
fn text_beyond_ascii_in_every_kind_of_word() {
    // The lexer reads bytes; text of other scripts is copied whole, never split.
    let (items, problems, _) = script(
        "codex exec 'Écris «app/é.py»' \"für $N ü\" grüß\\ö $'\\é\\u00e9' > lögs/b1-j1.jsonl\ncat <<EOF\nnaïve ${X:-ß}\nEOF\necho fin\n",
    );
    assert!(problems.is_empty(), "{problems:?}");
    let ShellItem::Command(inv) = &items[0] else { panic!("{:?}", items[0]) };
    assert_eq!(inv.argv, ["codex", "exec", "Écris «app/é.py»", "für $N ü", "grüßö", "\\éé"]);
    assert_eq!(inv.stdout.as_deref(), Some("lögs/b1-j1.jsonl"));
    let ShellItem::Command(cat) = &items[1] else { panic!("{:?}", items[1]) };
    assert_eq!(cat.stdin_text.as_deref(), Some("naïve ß\n"));
    assert_eq!(items[2], ShellItem::Echo { text: "fin".into(), line: 5 });
}

#[test]
fn ansi_c_backslash_newline_counts_its_line() {
    // `\` before a newline in `$'...'` is no escape: both stay, and the newline is a line.
    let (items, problems, _) = script("printf $'a\\\nb'\necho next\n");
    assert!(problems.is_empty(), "{problems:?}");
    let ShellItem::Command(inv) = &items[0] else { panic!("{:?}", items[0]) };
    assert_eq!(inv.argv[1], "a\\\nb");
    assert_eq!(items[1], ShellItem::Echo { text: "next".into(), line: 3 });
}

#[test]
fn multi_line_single_quoted_prompt_and_lines() {
    let text = "#!/bin/bash\n# Batch 1\ncodex exec --json 'Context: x\nTask: it'\"'\"'s fine\n\nFile to create: a.py\n' > a.jsonl &\nwait\necho \"Batch 1 done\"\n";
    let (items, problems, _) = script(text);
    assert!(problems.is_empty(), "{problems:?}");
    assert_eq!(items[0], ShellItem::Comment { text: "!/bin/bash".into(), line: 1 });
    assert_eq!(items[1], ShellItem::Comment { text: "Batch 1".into(), line: 2 });
    let ShellItem::Command(inv) = &items[2] else { panic!("{:?}", items[2]) };
    assert_eq!(inv.argv[3], "Context: x\nTask: it's fine\n\nFile to create: a.py\n");
    assert_eq!(inv.line, 3);
    assert!(inv.background);
    assert_eq!(items[3], ShellItem::Wait { line: 8 });
    assert_eq!(items[4], ShellItem::Echo { text: "Batch 1 done".into(), line: 9 });
}

#[test]
fn heredocs_quoted_unquoted_and_tab_stripped() {
    let text = "P=/app\ncodex exec - > \"$P/a.jsonl\" <<'EOF' &\nliteral $P `x`\nEOF\ncodex exec - <<EOF\nexpanded $P \\$P $(date)\nEOF\n\tcodex exec - <<-END\n\t\tindented\n\tEND\nwait\n";
    let (items, problems, _) = script(text);
    assert!(problems.is_empty(), "{problems:?}");
    let cmds = invocations(&items);
    assert_eq!(cmds.len(), 3);
    assert_eq!(cmds[0].stdin_text.as_deref(), Some("literal $P `x`\n"));
    assert_eq!(cmds[0].stdout.as_deref(), Some("/app/a.jsonl"));
    assert!(cmds[0].background);
    assert_eq!(cmds[0].line, 2);
    assert_eq!(cmds[1].stdin_text.as_deref(), Some("expanded /app $P $(date)\n"));
    assert_eq!(cmds[1].line, 5);
    assert_eq!(cmds[2].stdin_text.as_deref(), Some("indented\n"));
    assert_eq!(cmds[2].line, 8);
    assert_eq!(items.last(), Some(&ShellItem::Wait { line: 11 }));
}

#[test]
fn unterminated_quote_is_reported_and_parsing_continues() {
    let text = "codex exec \"never closed\nwait\n";
    let (items, problems, _) = script(text);
    assert_eq!(problems, ["line 1: unterminated double-quoted string"]);
    let cmds = invocations(&items);
    assert_eq!(cmds[0].argv, ["codex", "exec", "never closed"]);
    assert!(items.contains(&ShellItem::Wait { line: 2 }));

    let (_, problems, _) = script("a\nb 'x\n");
    assert_eq!(problems, ["line 2: unterminated single-quoted string"]);
}

#[test]
fn unterminated_heredoc_is_reported() {
    let (items, problems, _) = script("codex exec - <<'EOF'\nbody line\n");
    assert_eq!(problems, ["line 1: unterminated heredoc (no line `EOF` closes it)"]);
    assert_eq!(invocations(&items)[0].stdin_text.as_deref(), Some("body line\n"));
}

#[test]
fn unterminated_substitution_is_literal() {
    let inv = cmd("echo \"cost $(oops\"");
    assert_eq!(inv.argv[1], "cost $(oops");
    let (_, problems, _) = script("echo \"cost $(oops\"");
    assert_eq!(problems.len(), 1);
    assert!(problems[0].starts_with("line 1: unterminated command substitution"));
}

#[test]
fn compound_commands_and_functions() {
    let text = "run() {\n  codex exec \"$1\" &\n}\nfor f in a b; do\n  codex exec - < \"$f\" > \"$f.jsonl\" &\ndone\nif true; then echo hi; fi\nARR=(one two)\n";
    let (items, problems, v) = script(text);
    assert!(problems.is_empty(), "{problems:?}");
    let cmds = invocations(&items);
    assert_eq!(cmds[0].argv, ["codex", "exec", "$1"]);
    assert_eq!(cmds[1].stdin_file.as_deref(), Some("$f"));
    assert!(cmds.iter().all(|c| c.argv[0] != "run" && c.argv[0] != "for"));
    assert!(items.contains(&ShellItem::Echo { text: "hi".into(), line: 7 }));
    assert_eq!(v["ARR"], "(one two)");
}

#[test]
fn comment_after_command_keeps_order() {
    let (items, _, _) = script("codex exec x & # job 1\n# Batch 2\n");
    assert!(matches!(items[0], ShellItem::Command(_)));
    assert_eq!(items[1], ShellItem::Comment { text: "job 1".into(), line: 1 });
    assert!(matches!(&items[2], ShellItem::Comment { text, line: 2 } if text == "Batch 2"));
}

#[test]
fn nul_decoded_joblog_command_spans_lines() {
    let inv = cmd("codex exec 'line one\nline two' > logs/1.jsonl");
    assert_eq!(inv.argv[2], "line one\nline two");
    assert_eq!(inv.stdout.as_deref(), Some("logs/1.jsonl"));
}

#[test]
fn sparkq_batch3_script_reads() {
    let text = include_str!("../../../tests/data/fixtures/sparkq-phase6/_build/prompts-build/phase6-codex-batch3.sh");
    let (items, problems, v) = script(text);
    assert!(problems.is_empty(), "{problems:?}");
    assert_eq!(v["LOGS"], "/home/luce/apps/sparkqueue/_build/logs/phase6");
    let codex: Vec<&Invocation> = invocations(&items).into_iter().filter(|c| c.argv[0] == "codex").collect();
    assert_eq!(codex.len(), 3);
    assert_eq!(codex[0].line, 8);
    assert!(codex[0].argv[6].contains("Fixture `repo` returns"));
    assert_eq!(
        codex[2].stdin_file.as_deref(),
        Some("/home/luce/apps/sparkqueue/_build/prompts-build/prompts/b3-api-tests.md")
    );
    assert!(codex.iter().all(|c| c.background));
}

#[test]
fn never_panics_on_odd_input() {
    for text in [
        "\\",
        "$",
        "${",
        "$(",
        "`",
        "'",
        "\"",
        "<<",
        "2>",
        "| |",
        "&&&",
        "$'\\",
        "$'\\x",
        "a=(",
        "cat <(",
        ">&",
        "((",
        "))",
        "${x",
        "\"$(\"",
        "<<-",
        "<<'A' <<B\nx\nA\ny\nB",
        "é\"ü",
        "\r\n",
        "x 9999999999999999>f",
    ] {
        let mut v = HashMap::new();
        let _ = commands(text, &mut v);
        let _ = parse_command(text, &v);
    }
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(300))]
    #[test]
    fn arbitrary_text_never_panics(text in "[ -~\t\n\\'\"$`(){}<>|&;#éü]{0,200}") {
        let mut v = HashMap::new();
        let (items, _) = commands(&text, &mut v);
        let _ = parse_command(&text, &v);
        for item in items {
            if let ShellItem::Command(inv) = item {
                proptest::prop_assert!(inv.line >= 1);
            }
        }
    }
}

#[test]
fn crlf_script_reads_like_lf() {
    let (items, problems, _) = script("# Batch 1\r\ncodex exec --json \"Fix the bug\" > log.jsonl 2>&1 &\r\nwait\r\n");
    assert!(problems.is_empty(), "{problems:?}");
    assert_eq!(items[0], ShellItem::Comment { text: "Batch 1".into(), line: 1 });
    let cmds = invocations(&items);
    assert_eq!(cmds[0].argv, ["codex", "exec", "--json", "Fix the bug"]);
    assert_eq!(cmds[0].stderr.as_deref(), Some("log.jsonl"));
    assert!(cmds[0].background);
    assert_eq!(items.last(), Some(&ShellItem::Wait { line: 3 }));
}

#[test]
fn case_arms_drop_their_patterns() {
    let text = "case \"$BATCH\" in\n  1|one) codex exec 'A' > a.log & ;;\n  (2) codex exec 'B'\n     ;;\n  *) echo \"no batch $BATCH\" ;;\nesac\nwait\n";
    let (items, problems, _) = script(text);
    assert!(problems.is_empty(), "{problems:?}");
    let cmds = invocations(&items);
    assert_eq!(cmds.len(), 2);
    assert_eq!(cmds[0].argv, ["codex", "exec", "A"]);
    assert_eq!(cmds[0].stdout.as_deref(), Some("a.log"));
    assert!(cmds[0].background);
    assert_eq!(cmds[0].line, 2);
    assert_eq!(cmds[1].argv, ["codex", "exec", "B"]);
    assert!(items.contains(&ShellItem::Echo { text: "no batch $BATCH".into(), line: 5 }));
    assert_eq!(items.last(), Some(&ShellItem::Wait { line: 7 }));
    // A `)` outside a case is no pattern.
    assert_eq!(cmd("( codex exec 'x' ) > x.log").argv, ["codex", "exec", "x"]);
}

#[test]
fn a_word_given_away_has_the_fields_it_would_have_lent() {
    let v = vars(&[("A", "x y"), ("E", "")]);
    let text = "codex '' \"\" \"long prompt\" a$A \"$A\" $E ${E:-d} 'q'\"r\" \\$x ~/f";
    let mut lexer = lex::Lexer::new(text, 1);
    lexer.run();
    let words: Vec<lex::Word> =
        lexer.toks.into_iter().filter_map(|t| if let lex::Tok::Word(w) = t.kind { Some(w) } else { None }).collect();
    assert_eq!(words.len(), 11);
    for w in words {
        assert_eq!(w.clone().into_fields(&v), w.fields(&v), "{w:?}");
    }
}
