#!/usr/bin/env python3
"""Rebuild one decision scenario (tests/data/decisions/<name>) the way a user's run leaves it.

For each scenario below: lay the package stub, the generation prompts and the user's batch
scripts at the project path (/home/dev/<project>), run the batches that ran exactly as a user
would (bash scripts with `&` + `wait`, or GNU parallel with --joblog), with make/bin/codex
standing in for `codex exec --json` (no model is called: it plays the agent described here and
writes the file given here), validate with the real tools (Python's py_compile, pytest), then
copy what the run left on disk into tests/data/decisions/<name>.

    python3 tests/data/decisions/make/build.py interface-mismatch
    RECOVER_TUI=target/debug/recover-tui python3 tests/data/decisions/make/build.py declared-manifest

Needs: bash, python3 (as `python` too) with pytest, GNU parallel. `declared-manifest` also runs
`recover-tui import` (the binary named by $RECOVER_TUI) and then edits run.json as a user would.
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
DEST = os.path.dirname(HERE)


def prompt(s, b, j):
    lines = [f"Context: {s['project']} {s['phase']} Batch {b['number']} - {b['name']}",
             f"Reference: {s['project']} spec, section {b['number'] + 2}", "",
             f"Task: {j['task']}", "", f"File to create: {j['output']}", "", "Requirements:"]
    lines += [f"- {r}" for r in j["reqs"]]
    check = validation_cmd(s, b, j)
    lines += ["", f"Validation: {check}", "", "Output: Confirm file created and list the public names.", ""]
    return "\n".join(lines)


def validation_cmd(s, b, j):
    if j["output"].startswith("tests/") and b.get("pytest"):
        return f"python -m pytest -q {j['output']}"
    return f"python -m py_compile {j['output']}"


def script(s, b, root):
    n = b["number"]
    out = [f"#!/usr/bin/env bash",
           f"# {s['project']} {s['phase']} - Batch {n}: {b['name']} (jobs in parallel, then validation of what they wrote)",
           "set -u", f'ROOT="{root}"', 'cd "$ROOT"', "mkdir -p _build/logs", ""]
    if s.get("runner") == "parallel":
        out.append(f"parallel --timeout {s.get('timeout', 600)} --joblog _build/joblog-batch{n}.tsv -j 4 < _build/batch{n}.cmds")
    else:
        for j in b["jobs"]:
            out.append(f'codex exec --json --full-auto -C "$ROOT" - < _build/prompts/{j["id"]}.md '
                       f'> _build/logs/{j["id"]}.jsonl 2> _build/logs/{j["id"]}.err &')
        out.append("wait")
    out.append("")
    for j in b["jobs"]:
        c = validation_cmd(s, b, j)
        out.append(f"{{ echo '$ {c}'; {c}; }} 2>&1 | tee -a _build/validation-batch{n}.txt")
    out += [f'echo "Batch {n} done"', ""]
    return "\n".join(out)


def cmds(b):
    return "".join(f'codex exec --json --full-auto -C /home/dev/{{}} - < _build/prompts/{j["id"]}.md '
                   f'> _build/logs/{j["id"]}.jsonl 2> _build/logs/{j["id"]}.err\n' for j in b["jobs"])


def build(name, scenarios):
    s = scenarios[name]
    root = f"/home/dev/{s['project']}"
    shutil.rmtree(root, ignore_errors=True)
    os.makedirs(f"{root}/_build/prompts")
    for rel, text in s.get("skel", {}).items():
        os.makedirs(os.path.dirname(f"{root}/{rel}") or root, exist_ok=True)
        open(f"{root}/{rel}", "w").write(text)
    spec = tempfile.mkdtemp()
    agents = {}
    for b in s["batches"]:
        for j in b["jobs"]:
            open(f"{root}/_build/prompts/{j['id']}.md", "w").write(prompt(s, b, j))
            a = {"tokens": j["tokens"], "reads": j["reads"],
                 "final": f"Created `{j['output']}`."}
            if j["outcome"]:
                a["outcome"] = j["outcome"]
            if j["message"]:
                a["message"] = j["message"]
            if j["command"]:
                a["command"] = j["command"]
            agents[j["output"]] = a
            if j["content"] is not None:
                p = f"{spec}/agent/{j['output']}"
                os.makedirs(os.path.dirname(p), exist_ok=True)
                open(p, "w").write(j["content"])
        open(f"{root}/_build/run-batch{b['number']}.sh", "w").write(script(s, b, root))
        if s.get("runner") == "parallel":
            open(f"{root}/_build/batch{b['number']}.cmds", "w").write(cmds(b).replace("{}", s["project"]))
    json.dump(agents, open(f"{spec}/agents.json", "w"), indent=1)
    env = dict(os.environ, PATH=f"{HERE}/bin:{os.environ['PATH']}", FAKE_CODEX_AGENTS=f"{spec}/agents.json")
    for b in s["batches"]:
        if b.get("ran", True):
            print(f"+ bash _build/run-batch{b['number']}.sh", flush=True)
            subprocess.run(["bash", f"_build/run-batch{b['number']}.sh"], cwd=root, env=env)
    if s.get("after"):
        s["after"](root)
    for d, dirs, _ in os.walk(root):
        for x in list(dirs):
            if x in ("__pycache__", ".pytest_cache"):
                shutil.rmtree(os.path.join(d, x))
    dest = f"{DEST}/{name}"
    shutil.rmtree(dest, ignore_errors=True)
    shutil.copytree(root, dest)
    shutil.rmtree(spec)
    print(f"built {dest}")


if __name__ == "__main__":
    sys.path.insert(0, HERE)
    from scenarios import SCENARIOS  # the specs, one per scenario

    for n in sys.argv[1:] or sorted(SCENARIOS):
        build(n, SCENARIOS)
