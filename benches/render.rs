//! Frame render cost of the app's screens with a run of 100,000 jobs (target: < 5 ms a frame;
//! lists are virtualized, so only what is on screen is built).

use criterion::{criterion_group, criterion_main, Criterion};
use ratatui::backend::TestBackend;
use ratatui::Terminal;
use recover_tui::app::project::Project;
use recover_tui::config::Config;
use recover_tui::core::model::{Batch, Finding, Job, JobResult, Prompt, Run, Status, TokenUsage};
use recover_tui::tui::app::App;
use recover_tui::tui::effects::{Loaded, Msg};
use recover_tui::tui::keymap::Keymap;
use recover_tui::tui::screens::Screen;
use recover_tui::tui::theme::Theme;
use recover_tui::tui::update::update;
use recover_tui::tui::view;

/// 1,000 batches x 100 jobs; one job of batch 700 failed validation.
fn big_run() -> Run {
    let mut batches = Vec::new();
    for b in 1..=1000u32 {
        let jobs = (0..100)
            .map(|j| {
                let out = format!("pkg/b{b}/mod_{j}.py");
                let failed = b == 700 && j == 3;
                Job {
                    id: format!("b{b}-{j}"),
                    batch: b,
                    outputs: vec![out.clone()],
                    prompt: Some(Prompt {
                        text: format!("Task: write module {j}\n\nFile to create: {out}\n"),
                        source: format!("prompts/b{b}-{j}.md"),
                    }),
                    matched_by: vec![format!("validated by logs/validation-batch{b}.md")],
                    result: JobResult {
                        status: if b > 700 {
                            Status::NotRun
                        } else if failed {
                            Status::Failed
                        } else {
                            Status::Passed
                        },
                        tokens: if b > 700 {
                            TokenUsage::default()
                        } else {
                            TokenUsage { input: 20_000, cached_input: 8_000, output: 900 }
                        },
                        findings: if failed {
                            vec![Finding {
                                file: Some(out),
                                line: Some(1),
                                error_type: "ModuleNotFoundError".into(),
                                message: "No module named 'pkg.api'".into(),
                                source: "v.md:3".into(),
                                class: Some("import".into()),
                            }]
                        } else {
                            vec![]
                        },
                        ..JobResult::default()
                    },
                    ..Job::default()
                }
            })
            .collect();
        batches.push(Batch { number: b, name: format!("Batch {b}"), depends_on: Some(vec![]), jobs, scripts: vec![] });
    }
    Run { title: "bench phase".into(), batches, ..Run::default() }
}

fn bench(c: &mut Criterion) {
    let project =
        Project::from_run(big_run(), Config::default(), std::env::temp_dir().join("recover-tui-render-bench"));
    let mut app = App::new(Keymap::default(), Theme::colored(), false);
    // Loaded as the app loads it (the filtered job list is built then, not per frame).
    update(&mut app, Msg::Loaded(Ok(Loaded { project: Box::new(project), journal: Vec::new() })));
    app.screens.overview.sel = 69_903;
    let mut term = Terminal::new(TestBackend::new(200, 50)).expect("terminal");
    for screen in [Screen::Overview, Screen::Decision, Screen::Checklist, Screen::Run] {
        app.screen = screen;
        term.draw(|f| view::draw(f, &app)).expect("draw");
        c.bench_function(&format!("render {} 100k jobs 200x50", screen.title().to_lowercase()), |b| {
            b.iter(|| term.draw(|f| view::draw(f, &app)).expect("draw").area.width)
        });
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
