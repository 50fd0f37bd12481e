//! `completions`, `man`, `config --init`, and bad input (exit 2, one sentence naming the file).

mod cli_common;
use cli_common::{code, stderr, stdout, Project};

#[test]
fn completions_and_man_go_to_stdout() {
    let p = Project::copy("notes-joblog");
    let out = p.cmd().args(["completions", "bash"]).output().unwrap();
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let bash = stdout(&out);
    assert!(bash.contains("_recover-tui()") || bash.contains("_recover__tui()"), "{bash}");
    for sub in ["checklist", "snapshots", "restore", "recover", "export"] {
        assert!(bash.contains(sub), "{sub} missing from the bash completions");
    }
    let zsh = stdout(&p.cmd().args(["completions", "zsh"]).output().unwrap());
    assert!(zsh.starts_with("#compdef recover-tui"), "{zsh}");
    let out = p.cmd().arg("man").output().unwrap();
    assert_eq!(code(&out), 0);
    let man = stdout(&out);
    assert!(man.contains(".TH recover-tui 1"), "{man}");
    assert!(man.contains(".SH SUBCOMMANDS"), "{man}");
    assert!(
        man.contains("recover\\-tui\\-checklist(1)\nThe pre\\-recovery checklist; confirm or waive items"),
        "{man}"
    );
    assert!(man.contains("recover\\-tui\\-recover(1)"), "{man}");
    let exit = man.find(".SH \"EXIT STATUS\"").expect("an EXIT STATUS section");
    assert!(exit < man.find(".SH VERSION").unwrap(), "EXIT STATUS comes before VERSION");
    for code in ["\\fB0\\fR\nDone", "\\fB1\\fR\nNothing to do", "\\fB2\\fR\nBad input"] {
        assert!(man[exit..].contains(code), "{code} missing from {}", &man[exit..]);
    }
    let out = p.cmd().args(["completions", "tcsh"]).output().unwrap();
    assert_eq!(code(&out), 2);
}

#[test]
fn config_init_writes_the_commented_default_once() {
    let p = Project::copy("notes-joblog");
    let file = p.tmp.path().join("cfg/recover-tui.toml");
    let out = p.cmd().args(["config", "--init", "--path"]).arg(&file).output().unwrap();
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert_eq!(stdout(&out), format!("wrote the default config to {}\n", file.display()));
    let text = std::fs::read_to_string(&file).unwrap();
    assert_eq!(text, recover_tui::config::DEFAULT_TOML);
    assert!(text.starts_with("# recover-tui configuration."));
    let sonnet = "# reviser = [\"claude\", \"-p\", \"--model\", \"sonnet\", \"--output-format\", \"json\"]\n";
    assert!(text.contains(sonnet), "{text}");
    // The line that turns it on: the same file with that `# ` removed is a valid config with the reviser set.
    std::fs::write(&file, text.replace(sonnet, &sonnet[2..])).unwrap();
    let out = p.cmd().arg("--config").arg(&file).args(["plan", "--json"]).output().unwrap();
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let cfg = recover_tui::config::Config::from_toml(&std::fs::read_to_string(&file).unwrap(), &file).unwrap();
    assert_eq!(cfg.commands.reviser.unwrap(), ["claude", "-p", "--model", "sonnet", "--output-format", "json"]);

    std::fs::write(&file, "# mine\n").unwrap();
    let out = p.cmd().args(["config", "--init", "--path"]).arg(&file).output().unwrap();
    assert_eq!(code(&out), 1);
    assert_eq!(stderr(&out).trim(), format!("recover-tui: {} already exists; it was not overwritten", file.display()));
    assert_eq!(std::fs::read_to_string(&file).unwrap(), "# mine\n");

    // Without --path: the user config path (XDG_CONFIG_HOME points into the temp dir).
    let out = p.cmd().args(["config", "--init"]).output().unwrap();
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let user = p.tmp.path().join("xdg/recover-tui/config.toml");
    assert_eq!(std::fs::read_to_string(user).unwrap(), recover_tui::config::DEFAULT_TOML);
}

#[test]
fn an_unknown_config_key_is_bad_input_naming_file_and_key() {
    let p = Project::copy("notes-joblog");
    std::fs::create_dir_all(p.state()).unwrap();
    std::fs::write(p.state().join("config.toml"), "[commands]\ngeneratr = [\"x\"]\n").unwrap();
    for sub in ["checklist", "snapshot", "recover"] {
        let mut cmd = p.cmd();
        cmd.arg(sub).arg(&p.root);
        if sub == "recover" {
            cmd.args(["--job", "b2-1"]);
        }
        let out = cmd.output().unwrap();
        assert_eq!(code(&out), 2, "{sub}");
        let err = stderr(&out);
        assert!(err.contains("config.toml"), "{sub}: {err}");
        assert!(err.contains("generatr"), "{sub}: {err}");
        assert_eq!(err.lines().count(), 1, "{sub}: {err}");
    }
}

#[test]
fn an_unknown_snapshot_id_is_bad_input() {
    let p = Project::copy("notes-joblog");
    for sub in ["restore", "diff"] {
        let out = p.run(sub, &["20990101T000000Z-deadbeef"]);
        assert_eq!(code(&out), 2, "{sub}");
        let err = stderr(&out);
        assert!(err.contains("no snapshot with id or id prefix `20990101T000000Z-deadbeef`"), "{sub}: {err}");
        assert!(err.contains("snapshots/manifests"), "{sub}: {err}");
    }
}

#[test]
fn every_option_says_what_it_does_in_help() {
    let p = Project::copy("notes-joblog");
    for (sub, flag, words) in [
        ("plan", "--json", "Print JSON"),
        ("inspect", "--json", "Print JSON"),
        ("checklist", "--json", "Print JSON"),
        ("snapshots", "--json", "Print JSON"),
        ("prompt", "--job", "The failed job whose recovery prompt"),
        ("snapshot", "--job", "Only this job's outputs"),
        ("snapshot", "--batch", "Every output of batch N"),
        ("export", "--format", "Mermaid flowchart"),
        ("plan", "--color", "NO_COLOR"),
    ] {
        let out = p.cmd().args([sub, "--help"]).output().unwrap();
        assert_eq!(code(&out), 0);
        let help = stdout(&out);
        let line = help.lines().skip_while(|l| !l.trim_start().starts_with(flag)).take(3).collect::<Vec<_>>().join(" ");
        assert!(line.contains(words), "`{sub} --help` on {flag}: {line}");
    }
}

#[test]
fn an_unknown_job_names_the_ids_that_exist() {
    let p = Project::copy("notes-joblog");
    let out = p.run("prompt", &["--job", "zzz"]);
    assert_eq!(code(&out), 2);
    let err = stderr(&out);
    assert!(err.contains("job `zzz` is not in the run; its failed jobs are b2-1"), "{err}");
    let out = p.run("snapshot", &["--job", "zzz"]);
    assert_eq!(code(&out), 2);
    assert!(stderr(&out).contains("its failed jobs are b2-1"), "{}", stderr(&out));
}

#[test]
fn plan_is_in_colour_only_when_asked_or_on_a_terminal() {
    let p = Project::copy("notes-joblog");
    let plain = stdout(&p.run("plan", &[]));
    assert!(plain.contains("\nVerdict: "), "{plain}");
    assert!(!plain.contains('\u{1b}'), "no colour into a pipe under auto: {plain:?}");
    let colour = stdout(&p.run("plan", &["--color", "always"]));
    assert!(colour.contains("\n\u{1b}[32m\u{1b}[1mVerdict: TARGETED RECOVERY"), "{colour:?}");
    assert!(colour.contains("\u{1b}[1mQuestions:\u{1b}[0m\n"), "{colour:?}");
    assert_eq!(stdout(&p.run("plan", &["--color", "never"])), plain);
}
