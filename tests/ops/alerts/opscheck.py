"""What the ops alert and metrics tests share: the metric names a PromQL expression refers to,
the expressions of deploy/prometheus/alerts.yml and deploy/grafana/ttareungyi.json, a parser of
the Prometheus text format 0.0.4, and GitHub's heading anchors of a Markdown file."""
import json
import os
import re
import sys

import yaml

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))
ALERTS = os.path.join(ROOT, "deploy", "prometheus", "alerts.yml")
ALERTS_TEST = os.path.join(ROOT, "deploy", "prometheus", "alerts_test.yml")
PROMETHEUS = os.path.join(ROOT, "deploy", "prometheus", "prometheus.yml")
DASHBOARD = os.path.join(ROOT, "deploy", "grafana", "ttareungyi.json")
OPERATIONS = os.path.join(ROOT, "docs", "operations.md")
OPENAPI = os.path.join(ROOT, "docs", "openapi.yaml")

# The metric families of the contract (docs/operations.md, "Metrics"), and the label names
# each has (besides those Prometheus adds: job, instance, and le of a histogram's buckets).
CONTRACT = {
    "ttareungyi_http_requests_total": ("counter", {"method", "route", "status"}),
    "ttareungyi_http_request_duration_seconds": ("histogram", {"method", "route"}),
    "ttareungyi_http_rate_limited_total": ("counter", set()),
    "ttareungyi_commits_total": ("counter", {"outcome"}),
    "ttareungyi_commit_groups_total": ("counter", set()),
    "ttareungyi_commit_duration_seconds": ("histogram", set()),
    "ttareungyi_commit_group_size": ("histogram", set()),
    "ttareungyi_fsyncs_total": ("counter", set()),
    "ttareungyi_journal_head_sequence": ("gauge", set()),
    "ttareungyi_consumer_position_sequence": ("gauge", {"consumer"}),
    "ttareungyi_consumer_lag_events": ("gauge", {"consumer"}),
    "ttareungyi_live_entities": ("gauge", {"kind"}),
    "ttareungyi_payment_breaker_state": ("gauge", {"state"}),
    "ttareungyi_payment_breaker_transitions_total": ("counter", {"to"}),
    "ttareungyi_payment_calls_total": ("counter", {"operation", "outcome"}),
    "ttareungyi_sse_watchers": ("gauge", set()),
    "ttareungyi_peer_up": ("gauge", {"context", "address"}),
    "ttareungyi_ready": ("gauge", set()),
    "ttareungyi_draining": ("gauge", set()),
    "ttareungyi_live": ("gauge", set()),
    "ttareungyi_heartbeat_age_seconds": ("gauge", {"path"}),
    "ttareungyi_data_dir_free_bytes": ("gauge", set()),
    "ttareungyi_data_dir_capacity_bytes": ("gauge", set()),
    "ttareungyi_build_info": ("gauge", {"version", "wire_protocol"}),
    "ttareungyi_node_role": ("gauge", {"role"}),
    "process_cpu_seconds_total": ("counter", set()),
    "process_resident_memory_bytes": ("gauge", set()),
    "process_virtual_memory_bytes": ("gauge", set()),
    "process_open_fds": ("gauge", set()),
    "process_max_fds": ("gauge", set()),
    "process_start_time_seconds": ("gauge", set()),
}
# Exported only by a node that reaches other nodes (a gateway, a replica, a core with --payment).
PEER_ONLY = {"ttareungyi_peer_up"}

# PromQL's functions (Prometheus 2.42, and later ones), aggregation operators and keywords.
FUNCTIONS = {
    "abs", "absent", "absent_over_time", "acos", "acosh", "asin", "asinh", "atan", "atanh", "avg_over_time",
    "ceil", "changes", "clamp", "clamp_max", "clamp_min", "cos", "cosh", "count_over_time", "day_of_month",
    "day_of_week", "day_of_year", "days_in_month", "deg", "delta", "deriv", "exp", "floor", "histogram_count",
    "histogram_fraction", "histogram_quantile", "histogram_stddev", "histogram_stdvar", "histogram_sum",
    "holt_winters", "hour", "idelta", "increase", "irate", "label_join", "label_replace", "last_over_time", "ln",
    "log10", "log2", "mad_over_time", "max_over_time", "min_over_time", "minute", "month", "pi",
    "predict_linear", "present_over_time", "quantile_over_time", "rad", "rate", "resets", "round", "scalar",
    "sgn", "sin", "sinh", "sort", "sort_desc", "sqrt", "stddev_over_time", "stdvar_over_time", "sum_over_time",
    "tan", "tanh", "time", "timestamp", "vector", "year", "start", "end",
}
AGGREGATIONS = {"sum", "min", "max", "avg", "group", "stddev", "stdvar", "count", "count_values", "bottomk",
                "topk", "quantile", "limitk", "limit_ratio"}
GROUPING = {"by", "without", "on", "ignoring", "group_left", "group_right"}
KEYWORDS = {"bool", "and", "or", "unless", "offset", "atan2", "inf", "nan"}

NUMBER = re.compile(r"(0[xX][0-9a-fA-F]+|[0-9]*\.?[0-9]+([eE][+-]?[0-9]+)?)[a-zA-Z0-9_]*")
IDENT = re.compile(r"[a-zA-Z_:][a-zA-Z0-9_:]*")
NAME_MATCHER = re.compile(r"""__name__\s*=\s*(["'`])((?:\\.|(?!\1).)*)\1""")


def _string_end(text, i):
    """The index after the string literal that starts at text[i]."""
    quote, i = text[i], i + 1
    while i < len(text) and text[i] != quote:
        i += 2 if text[i] == "\\" and quote != "`" else 1
    return i + 1


def _close(text, i, opening, closing):
    """The index after the bracket that closes the one at text[i] (strings inside skipped)."""
    depth = 0
    while i < len(text):
        c = text[i]
        if c in "\"'`":
            i = _string_end(text, i)
            continue
        if c == opening:
            depth += 1
        elif c == closing:
            depth -= 1
            if depth == 0:
                return i + 1
        i += 1
    raise ValueError(f"unbalanced {opening}{closing} in: {text}")


def _next_char(text, i):
    while i < len(text) and text[i].isspace():
        i += 1
    return text[i] if i < len(text) else ""


def metric_names(expr):
    """The metric names a PromQL expression selects: identifiers that are not functions,
    aggregation operators, keywords, label names (inside {} or after by/without/on/ignoring/
    group_left/group_right), durations, numbers, strings or Grafana's $variables; and the
    names of {__name__="..."} matchers."""
    names, i = set(), 0
    while i < len(expr):
        c = expr[i]
        if c.isspace():
            i += 1
        elif c == "#":
            end = expr.find("\n", i)
            i = len(expr) if end < 0 else end
        elif c in "\"'`":
            i = _string_end(expr, i)
        elif c == "{":
            end = _close(expr, i, "{", "}")
            names |= {m.group(2) for m in NAME_MATCHER.finditer(expr[i:end])}
            i = end
        elif c == "[":
            i = _close(expr, i, "[", "]")
        elif c == "$":
            m = re.match(r"\$(\{[^}]*\}|\w+)", expr[i:])
            i += m.end() if m else 1
        elif c.isdigit() or (c == "." and expr[i + 1:i + 2].isdigit()):
            i += NUMBER.match(expr, i).end() - i
        elif IDENT.match(expr, i):
            word = IDENT.match(expr, i).group(0)
            i += len(word)
            lower = word.lower()
            if lower in GROUPING:
                if _next_char(expr, i) == "(":
                    i = _close(expr, expr.index("(", i), "(", ")")
            elif _next_char(expr, i) == "(" or lower in AGGREGATIONS or lower in KEYWORDS or word in FUNCTIONS:
                pass
            else:
                names.add(word)
        else:
            i += 1
    return names


def family_of(sample_name, families):
    """The family a sample name belongs to (foo_bucket, foo_sum, foo_count of histogram foo)."""
    if sample_name in families:
        return sample_name
    for suffix in ("_bucket", "_sum", "_count", "_created"):
        if sample_name.endswith(suffix) and sample_name[:-len(suffix)] in families:
            return sample_name[:-len(suffix)]
    return sample_name


def alert_rules(path=ALERTS):
    """(every rule of the file, the names its recording rules define)"""
    with open(path) as f:
        doc = yaml.safe_load(f)
    rules = [r for g in doc["groups"] for r in g["rules"]]
    return rules, {r["record"] for r in rules if "record" in r}


def dashboard_queries(dashboard):
    """(where, PromQL) of every target of every panel (rows' nested panels too) and of every
    query variable (label_values(EXPR, label) and query_result(EXPR) give EXPR)."""
    out = []

    def panels(items):
        for p in items:
            yield p
            yield from panels(p.get("panels", []))

    for p in panels(dashboard.get("panels", [])):
        for t in p.get("targets", []):
            if t.get("expr"):
                out.append((f"panel {p.get('title')!r} target {t.get('refId')}", t["expr"]))
    for v in dashboard.get("templating", {}).get("list", []):
        if v.get("type") != "query":
            continue
        q = v.get("query")
        q = q.get("query", "") if isinstance(q, dict) else (q or "")
        if m := re.fullmatch(r"\s*label_values\((.*)\)\s*", q, re.S):
            inner = m.group(1)
            depth, cut = 0, -1
            for n, ch in enumerate(inner):
                depth += ch in "({["
                depth -= ch in ")}]"
                if ch == "," and depth == 0:
                    cut = n
            if cut >= 0:
                out.append((f"variable {v['name']}", inner[:cut]))
        elif m := re.fullmatch(r"\s*query_result\((.*)\)\s*", q, re.S):
            out.append((f"variable {v['name']}", m.group(1)))
    return out


def grafana_to_promql(expr):
    """The expression with Grafana's variables replaced so that promtool can parse it."""
    for var, value in (("$__rate_interval", "5m"), ("$__interval", "1m"), ("$__range", "1h"),
                       ("${__rate_interval}", "5m"), ("${__interval}", "1m"), ("${__range}", "1h")):
        expr = expr.replace(var, value)
    return re.sub(r"\$\{?\w+\}?", ".*", expr)


def load_dashboard(path=DASHBOARD):
    with open(path) as f:
        return json.load(f)


def referenced_metrics(record_names):
    """{metric name: [where it is used]} over alerts.yml and the dashboard, without `up` and
    the recording rules' names."""
    refs = {}
    rules, _ = alert_rules()
    for r in rules:
        for name in metric_names(str(r["expr"])):
            refs.setdefault(name, []).append(f"alerts.yml {r.get('alert') or r.get('record')}")
    for where, expr in dashboard_queries(load_dashboard()):
        for name in metric_names(expr):
            refs.setdefault(name, []).append(f"dashboard {where}")
    return {n: w for n, w in refs.items() if n != "up" and n not in record_names and ":" not in n}


class Exposition:
    """A /metrics body in the text format 0.0.4: families (name → type, help) and samples
    (name, labels, value)."""

    def __init__(self, text):
        self.types, self.help, self.samples, self.errors = {}, {}, [], []
        for n, line in enumerate(text.split("\n"), 1):
            if not line.strip():
                continue
            if line.startswith("#"):
                parts = line.split(None, 3)
                if len(parts) >= 3 and parts[1] == "TYPE":
                    self.types[parts[2]] = parts[3] if len(parts) > 3 else ""
                elif len(parts) >= 3 and parts[1] == "HELP":
                    self.help[parts[2]] = parts[3] if len(parts) > 3 else ""
                continue
            try:
                self.samples.append(self._sample(line))
            except ValueError as e:
                self.errors.append(f"line {n}: {e}: {line}")

    @staticmethod
    def _sample(line):
        m = IDENT.match(line)
        if not m:
            raise ValueError("no metric name")
        name, i, labels = m.group(0), m.end(), {}
        if line[i:i + 1] == "{":
            i += 1
            while True:
                while line[i:i + 1] in (" ", ","):
                    i += 1
                if line[i:i + 1] == "}":
                    i += 1
                    break
                lm = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)\s*=\s*"').match(line, i)
                if not lm:
                    raise ValueError("bad label")
                i, value = lm.end(), []
                while line[i:i + 1] != '"':
                    if i >= len(line):
                        raise ValueError("unterminated label value")
                    if line[i] == "\\":
                        value.append({"n": "\n", "\\": "\\", '"': '"'}.get(line[i + 1], "\\" + line[i + 1]))
                        i += 2
                    else:
                        value.append(line[i])
                        i += 1
                labels[lm.group(1)] = "".join(value)
                i += 1
        rest = line[i:].split()
        if not rest:
            raise ValueError("no value")
        return name, labels, float(rest[0])

    def families(self):
        """Every family named by a TYPE line or a sample."""
        return set(self.types) | {family_of(s[0], self.types) for s in self.samples}

    def of(self, family):
        """The samples of a family (a histogram's _bucket, _sum and _count)."""
        return [s for s in self.samples if family_of(s[0], self.types) == family]

    def value(self, name, **labels):
        """The value of the one sample with this name whose labels include `labels`, or None."""
        got = [v for n, ls, v in self.samples if n == name and all(ls.get(k) == w for k, w in labels.items())]
        return got[0] if len(got) == 1 else None

    def values(self, name, **labels):
        return [(ls, v) for n, ls, v in self.samples if n == name and all(ls.get(k) == w for k, w in labels.items())]


def github_anchor(heading):
    """The anchor GitHub gives a Markdown heading's text: links and images kept as their text,
    lower case, punctuation dropped (letters, digits, _, - and spaces kept), spaces as -."""
    text = re.sub(r"!?\[([^\]]*)\]\([^)]*\)", r"\1", heading.strip())
    text = re.sub(r"<[^>]+>", "", text).lower()
    text = "".join(ch for ch in text if ch.isalnum() or ch in "_- ")
    return text.replace(" ", "-")


def markdown_headings(text):
    """[(level, text, anchor)] of the ATX headings outside fenced code, with GitHub's -1, -2
    suffixes on repeated anchors."""
    out, seen, fence = [], {}, None
    for line in text.split("\n"):
        if m := re.match(r"^ {0,3}(```+|~~~+)", line):
            mark = m.group(1)
            if fence is None:
                fence = mark[0] * len(mark)
            elif mark[0] == fence[0] and len(mark) >= len(fence):
                fence = None
            continue
        if fence is not None:
            continue
        if m := re.match(r"^ {0,3}(#{1,6})[ \t]+(.*?)[ \t]*#*[ \t]*$", line):
            base = github_anchor(m.group(2))
            n = seen.get(base, 0)
            seen[base] = n + 1
            out.append((len(m.group(1)), m.group(2), base if n == 0 else f"{base}-{n}"))
    return out


def finish(failures):
    """Exits 1 with the count when anything failed, else prints ok."""
    if failures:
        print(f"{len(failures)} failures", flush=True)
        sys.exit(1)
    print("ok", flush=True)
