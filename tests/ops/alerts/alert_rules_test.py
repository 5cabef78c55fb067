#!/usr/bin/python3
"""The alert rules, their unit tests, the Prometheus configuration and the Grafana dashboard, as
operators' own tools read them (docs/operations.md, "Alerts").

alert_rules_test.py PROMTOOL

Checked:
- `promtool check rules deploy/prometheus/alerts.yml` and `promtool test rules
  deploy/prometheus/alerts_test.yml` pass;
- every alert has a severity label (critical or warning), a summary, a description and a
  runbook annotation docs/operations.md#ANCHOR, and ANCHOR is the GitHub anchor of a '### '
  heading of docs/operations.md;
- alerts_test.yml has, for every alert, a case where it fires and one where it does not;
- deploy/prometheus/prometheus.yml loads alerts.yml, finds the pods by the prometheus.io
  annotations, and passes `promtool check config` (Debian's promtool has no Kubernetes
  discovery: the check runs on a copy with that job's discovery swapped for a static list);
- deploy/grafana/ttareungyi.json parses, has schemaVersion 36 or later, takes its data source
  from the ${DS_PROMETHEUS} variable in every panel and target, has unique panel ids and panels
  inside the 24-column grid without overlaps, every PromQL expression parses (promtool, with
  Grafana's variables replaced), and it shows every metric family of the contract.
(That every metric named by the rules and the dashboard is on a real server's /metrics is the
test ops_metrics_exposition.)
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile

import yaml

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
import opscheck  # noqa: E402
from opscheck import ALERTS, ALERTS_TEST, DASHBOARD, OPERATIONS, PROMETHEUS

failures = []


def fail(text):
    failures.append(text)
    print("FAIL:", text, flush=True)


def promtool(*args, stdin=None, cwd=None):
    run = subprocess.run([PROMTOOL, *args], input=stdin, capture_output=True, text=True, cwd=cwd, timeout=120)
    return run.returncode, run.stdout + run.stderr


def check_rules():
    code, out = promtool("check", "rules", ALERTS)
    if code != 0:
        fail(f"promtool check rules alerts.yml exits {code}:\n{out}")
    code, out = promtool("test", "rules", os.path.basename(ALERTS_TEST), cwd=os.path.dirname(ALERTS_TEST))
    if code != 0:
        fail(f"promtool test rules alerts_test.yml exits {code}:\n{out}")
    rules, records = opscheck.alert_rules()
    alerts = [r for r in rules if "alert" in r]
    print(f"promtool: {len(alerts)} alerts and {len(records)} recording rules checked, their unit tests pass",
          flush=True)
    return alerts


def check_annotations(alerts):
    """Severity, summary, description, runbook; every runbook anchor a '### ' heading."""
    if not os.path.exists(OPERATIONS):
        fail(f"{OPERATIONS} is missing: the runbook anchors of alerts.yml point into it")
        headings = []
    else:
        with open(OPERATIONS) as f:
            headings = opscheck.markdown_headings(f.read())
    level3 = {anchor: text for level, text, anchor in headings if level == 3}
    names = [a["alert"] for a in alerts]
    for name in {n for n in names if names.count(n) > 1}:
        fail(f"alert {name} is defined {names.count(name)} times")
    for a in alerts:
        name, labels, notes = a["alert"], a.get("labels") or {}, a.get("annotations") or {}
        if labels.get("severity") not in ("critical", "warning"):
            fail(f"{name}: severity label {labels.get('severity')!r}, not critical or warning")
        for key in ("summary", "description", "runbook"):
            if not str(notes.get(key, "")).strip():
                fail(f"{name}: no {key} annotation")
        runbook = str(notes.get("runbook", ""))
        page, _, anchor = runbook.partition("#")
        if page != "docs/operations.md" or not anchor:
            fail(f"{name}: runbook {runbook!r} is not docs/operations.md#ANCHOR")
        elif headings and anchor not in level3:
            fail(f"{name}: runbook anchor #{anchor} is no '### ' heading of docs/operations.md")
    if headings:
        print(f"{len(alerts)} alerts with severity, summary, description, and a runbook anchor that is a heading of "
              f"docs/operations.md", flush=True)


def check_cases(alerts):
    """A case where each alert fires and one where it does not, in alerts_test.yml."""
    with open(ALERTS_TEST) as f:
        doc = yaml.safe_load(f)
    fires, quiet = set(), set()
    for group in doc.get("tests", []):
        for case in group.get("alert_rule_test", []) or []:
            (fires if case.get("exp_alerts") else quiet).add(case["alertname"])
    before, known = len(failures), {a["alert"] for a in alerts}
    for name in sorted(known):
        if name not in fires:
            fail(f"alerts_test.yml has no case where {name} fires")
        if name not in quiet:
            fail(f"alerts_test.yml has no case where {name} stays quiet")
    for name in sorted((fires | quiet) - known):
        fail(f"alerts_test.yml tests {name}, which alerts.yml does not define")
    if len(failures) == before:
        print("alerts_test.yml: every alert fires in a case and stays quiet in another", flush=True)


def check_config(root):
    with open(PROMETHEUS) as f:
        config = yaml.safe_load(f)
    if "alerts.yml" not in (config.get("rule_files") or []):
        fail("prometheus.yml does not load alerts.yml")
    jobs = config.get("scrape_configs") or []
    for job in jobs:
        if not job["job_name"].startswith("ttareungyi"):
            fail(f"scrape job {job['job_name']}: the alerts on up and process_* select job=~\"ttareungyi.*\"")
    k8s = [j for j in jobs if "kubernetes_sd_configs" in j]
    if not k8s:
        fail("prometheus.yml has no kubernetes_sd_configs job")
    if not any("static_configs" in j for j in jobs):
        fail("prometheus.yml has no static example")
    for job in k8s:
        relabel = json.dumps(job.get("relabel_configs", []))
        for annotation in ("scrape", "port", "path"):
            if f"__meta_kubernetes_pod_annotation_prometheus_io_{annotation}" not in relabel:
                fail(f"scrape job {job['job_name']} ignores the prometheus.io/{annotation} annotation")
        del job["kubernetes_sd_configs"]
        job["static_configs"] = [{"targets": ["10.0.0.1:8080"]}]
    with open(os.path.join(root, "prometheus.yml"), "w") as f:
        yaml.safe_dump(config, f)
    shutil.copy(ALERTS, root)
    code, out = promtool("check", "config", os.path.join(root, "prometheus.yml"))
    if code != 0:
        fail(f"promtool check config prometheus.yml (Kubernetes discovery swapped for a static list) exits "
             f"{code}:\n{out}")
    else:
        print("promtool check config: prometheus.yml and the alerts.yml it loads are valid", flush=True)


def overlaps(a, b):
    return a["x"] < b["x"] + b["w"] and b["x"] < a["x"] + a["w"] and a["y"] < b["y"] + b["h"] and b["y"] < a["y"] + a["h"]


def check_dashboard(root):
    before = len(failures)
    try:
        board = opscheck.load_dashboard()
    except (OSError, ValueError) as e:
        return fail(f"{DASHBOARD} does not parse: {e}")
    if not isinstance(board.get("schemaVersion"), int) or board["schemaVersion"] < 36:
        fail(f"dashboard schemaVersion {board.get('schemaVersion')}, not 36 or later")
    for key in ("title", "uid"):
        if not board.get(key):
            fail(f"dashboard has no {key}")
    variables = board.get("templating", {}).get("list", [])
    if not any(v.get("name") == "DS_PROMETHEUS" and v.get("type") == "datasource" and v.get("query") == "prometheus"
               for v in variables):
        fail("dashboard has no DS_PROMETHEUS data source variable of type prometheus")
    for v in variables:
        if v.get("type") == "query" and (v.get("datasource") or {}).get("uid") != "${DS_PROMETHEUS}":
            fail(f"variable {v.get('name')} does not query ${{DS_PROMETHEUS}}")
    ids, placed = {}, []
    for p in board.get("panels", []):
        ids.setdefault(p.get("id"), []).append(p.get("title"))
        pos = p.get("gridPos") or {}
        if not all(isinstance(pos.get(k), int) for k in "xywh") or pos["x"] < 0 or pos["x"] + pos["w"] > 24:
            fail(f"panel {p.get('title')!r}: gridPos {pos} is outside the 24-column grid")
        else:
            for other, opos in placed:
                if overlaps(pos, opos):
                    fail(f"panels {other!r} and {p.get('title')!r} overlap")
            placed.append((p.get("title"), pos))
        if p.get("type") == "row":
            continue
        if (p.get("datasource") or {}).get("uid") != "${DS_PROMETHEUS}":
            fail(f"panel {p.get('title')!r}: datasource {p.get('datasource')}, not ${{DS_PROMETHEUS}}")
        if not p.get("targets"):
            fail(f"panel {p.get('title')!r} has no query")
        for t in p.get("targets", []):
            if (t.get("datasource") or {}).get("uid") != "${DS_PROMETHEUS}":
                fail(f"panel {p.get('title')!r} target {t.get('refId')}: datasource is not ${{DS_PROMETHEUS}}")
            if not str(t.get("expr", "")).strip():
                fail(f"panel {p.get('title')!r} target {t.get('refId')} has no expression")
    for pid, titles in ids.items():
        if pid is None or len(titles) > 1:
            fail(f"panel id {pid} is used by {titles}")

    # Every expression parses: as recording rules, which promtool parses.
    queries = opscheck.dashboard_queries(board)
    rules = [{"record": f"dashboard:query:{n}", "expr": opscheck.grafana_to_promql(expr)} for n, (_, expr) in
             enumerate(queries)]
    path = os.path.join(root, "dashboard_queries.yml")
    with open(path, "w") as f:
        yaml.safe_dump({"groups": [{"name": "dashboard", "rules": rules}]}, f)
    code, out = promtool("check", "rules", path)
    if code != 0:
        where = "\n".join(f"  dashboard:query:{n} = {w}" for n, (w, _) in enumerate(queries))
        fail(f"promtool does not parse the dashboard's queries:\n{out}\n{where}")

    shown = set()
    for _, expr in queries:
        shown |= {opscheck.family_of(name, opscheck.CONTRACT) for name in opscheck.metric_names(expr)}
    for family in sorted(set(opscheck.CONTRACT) - shown):
        fail(f"the dashboard shows nothing of {family}")
    if len(failures) == before:
        print(f"dashboard: {len([p for p in board['panels'] if p.get('type') != 'row'])} panels, {len(queries)} "
              f"queries parsed by promtool, every contract metric shown", flush=True)


def main():
    global PROMTOOL
    PROMTOOL = sys.argv[1] if len(sys.argv) > 1 else ""
    if not PROMTOOL or not os.access(PROMTOOL, os.X_OK):
        print(f"FAIL: promtool not found ({PROMTOOL or 'no path given'}): install Debian's prometheus package "
              f"(apt-get install prometheus) and configure again", flush=True)
        sys.exit(1)
    root = tempfile.mkdtemp(prefix="ttareungyi-alerts-")
    try:
        alerts = check_rules()
        check_annotations(alerts)
        check_cases(alerts)
        check_config(root)
        check_dashboard(root)
    finally:
        shutil.rmtree(root, ignore_errors=True)
    opscheck.finish(failures)


main()
