//! Every screen of the app on the demo run at 80x24 and 120x40, as insta snapshots
//! (`<screen>_80x24`, `<screen>_120x40`): the flowchart, the cost bars and the timeline
//! included. The app runs as the binary runs it (`Runner<TestBackend>`, scripted keys, every
//! frame taken after the queue drained), with the plain theme (what NO_COLOR shows).

mod common;

use ratatui::backend::TestBackend;
use ratatui::crossterm::event::{Event, KeyCode, KeyEvent, KeyModifiers};
use ratatui::Terminal;
use recover_tui::app::project::OpenOptions;
use recover_tui::tui::app::App;
use recover_tui::tui::keymap::Keymap;
use recover_tui::tui::runner::{scripted, NoHost, Runner};
use recover_tui::tui::screens::Screen;
use recover_tui::tui::theme::Theme;
use recover_tui::tui::{demo, view};
use tokio::sync::mpsc::UnboundedSender;

fn demo_project() -> (tempfile::TempDir, OpenOptions) {
    let dir = tempfile::tempdir().unwrap();
    let project = dir.path().join("notes");
    demo::write_all(&project).unwrap();
    let config = project.join("recover-demo.toml");
    let text = std::fs::read_to_string(&config).unwrap().replace("{demo}", &project.display().to_string());
    std::fs::write(&config, text).unwrap();
    (dir, OpenOptions { path: Some(project), config: Some(config), state_dir: None, read_only: false })
}

/// A private copy of a public fixture (`tests/data/fixtures/<name>`), opened as a user's project.
fn fixture_project(name: &str) -> (tempfile::TempDir, OpenOptions) {
    let dir = tempfile::tempdir().unwrap();
    common::copy_dir(&common::fixtures().join(name), &dir.path().join(name));
    let path = dir.path().join(name);
    (dir, OpenOptions { path: Some(path), config: None, state_dir: None, read_only: false })
}

struct Harness {
    rt: tokio::runtime::Runtime,
    runner: Runner<TestBackend>,
    keys: UnboundedSender<Event>,
}

impl Harness {
    fn open(opts: &OpenOptions, (w, h): (u16, u16)) -> Harness {
        let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
        let (input, keys) = scripted();
        let app = App::new(Keymap::default(), Theme::plain(), false);
        let mut runner = Runner::new(Terminal::new(TestBackend::new(w, h)).unwrap(), app, input, Box::new(NoHost));
        let opts = opts.clone();
        rt.block_on(async {
            runner.load(opts);
            runner.run_until_idle().await;
        });
        assert!(runner.app.project.is_some(), "loaded: {:?}", runner.app.load_error);
        let mut harness = Harness { rt, runner, keys };
        harness.send(Event::Resize(w, h));
        harness
    }

    fn send(&mut self, e: Event) {
        self.keys.send(e).unwrap();
        let Harness { rt, runner, .. } = self;
        rt.block_on(runner.run_until_idle());
    }

    fn press(&mut self, keys: &str) {
        for c in keys.chars() {
            self.send(Event::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE)));
        }
    }

    /// A frame of the app at its size, with clock times masked.
    fn screen(&self) -> String {
        let (w, h) = self.runner.app.size;
        let mut t = Terminal::new(TestBackend::new(w, h)).unwrap();
        t.draw(|f| view::draw(f, &self.runner.app)).unwrap();
        let buf = t.backend().buffer();
        let mut s = String::new();
        for y in 0..buf.area.height {
            for x in 0..buf.area.width {
                s.push_str(buf[(x, y)].symbol());
            }
            s.push('\n');
        }
        let re = regex::Regex::new(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}").unwrap();
        re.replace_all(&s, "YYYY-MM-DD hh:mm:ss").into_owned()
    }
}

fn every_screen_at(w: u16, h: u16) {
    let (_d, opts) = demo_project();
    let mut app = Harness::open(&opts, (w, h));
    for s in Screen::ALL {
        app.press(s.key());
        app.runner.app.status = None;
        let name = format!("{}_{w}x{h}", s.title().to_lowercase());
        insta::assert_snapshot!(name, app.screen());
    }
}

#[test]
fn every_screen_at_80x24() {
    every_screen_at(80, 24);
}

#[test]
fn every_screen_at_120x40() {
    every_screen_at(120, 40);
}

/// The Decision screen's chart follows an override at once: Q3 overridden to yes makes rule 2
/// decide a full restart, and the chart's path stops there.
#[test]
fn an_override_redraws_the_path_on_the_decision_screen() {
    let (_d, opts) = demo_project();
    let mut app = Harness::open(&opts, (120, 40));
    app.press("2jj ");
    app.press("the spec names the wrong module");
    app.send(Event::Key(KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE)));
    let s = app.screen();
    assert!(s.contains("FULL RESTART"), "{s}");
    assert!(s.contains("▶ Q3 ") && s.contains("✎ overridden"), "{s}");
    assert!(s.contains("▶ R2 ") && s.contains("◆ decides"), "{s}");
    assert!(s.contains(" R3 ") && !s.contains("▶ R3 "), "{s}");
    assert!(s.contains("Cost: the restart chosen vs a recovery"), "{s}");
    insta::assert_snapshot!("decision_overridden_120x40", s);
}

/// On the Decision screen a click on a node of the chart selects it and `j`/`k` walk the
/// nodes down to the verdict; the details follow the selection.
#[test]
fn the_chart_nodes_are_selected_by_click_and_by_keys() {
    use ratatui::crossterm::event::{MouseButton, MouseEvent, MouseEventKind};
    let (_d, opts) = demo_project();
    let mut app = Harness::open(&opts, (80, 24));
    app.press("2");
    // The chart's inner area starts at row 2 (header, border); R2 is its fifth line.
    app.send(Event::Mouse(MouseEvent {
        kind: MouseEventKind::Down(MouseButton::Left),
        column: 6,
        row: 2 + 4,
        modifiers: KeyModifiers::NONE,
    }));
    assert_eq!(app.runner.app.screens.decision.sel, 4);
    let s = app.screen();
    assert!(s.contains("R2 Systemic: is Q3 yes?"), "{s}");
    app.press("jjjjjj");
    assert_eq!(app.runner.app.screens.decision.sel, 10);
    let s = app.screen();
    assert!(s.contains("Verdict: TARGETED RECOVERY"), "{s}");
    assert!(s.contains("set by R7 Otherwise"), "{s}");
    app.press("j ");
    assert_eq!(app.runner.app.screens.decision.sel, 10, "the verdict is the last node");
    let status = app.runner.app.status.as_ref().map(|s| s.text.clone()).unwrap_or_default();
    assert!(status.starts_with("only Q2 and Q3 can be overridden"), "{status}");
    app.press("k");
    assert!(app.screen().contains("R7 Otherwise"));
}

/// A real phase (the sparkq fixture): its timeline of real durations and its decision.
#[test]
fn a_public_fixture_overview_and_decision_at_120x40() {
    let (_d, opts) = fixture_project("sparkq-phase6");
    let mut app = Harness::open(&opts, (120, 40));
    for s in [Screen::Overview, Screen::Decision] {
        app.press(s.key());
        app.runner.app.status = None;
        insta::assert_snapshot!(format!("sparkq_{}_120x40", s.title().to_lowercase()), app.screen());
    }
}
