#!/usr/bin/python3
"""The Kubernetes manifests and the Containerfile, checked offline (CTest ops_k8s_manifests).

usage: manifests_test.py TTAREUNGYI_BINARY KUBECTL

Renders every kustomization under deploy/k8s with `kubectl kustomize` (Debian's
kubernetes-client 1.20, kustomize v2.0.3: no cluster is needed) and checks what an operator
would otherwise find out only on a cluster:

- every overlay has the kinds it should, in API versions Kubernetes 1.20 serves;
- every container's args are `serve` and flags that `ttareungyi serve --help` lists, each
  with its value; the roles and the node addresses (--core, --payment) make the topology of
  docs/nodes.md, and each address names a pod of a StatefulSet behind its headless Service
  on the port the target publishes (--node-port);
- probes: liveness on /health/live, readiness on /health/ready (routes of the server), on the
  container port that --port gives;
- rolling updates with maxUnavailable 0; a preStop; a termination grace longer than
  preStop + --drain-ms + --shutdown-timeout-ms;
- requests and limits on every container; $(VAR) in args defined in env (the operator
  client from a Secret); the data dir on a volume (a claim for StatefulSets);
- autoscalers target existing Deployments, budgets select existing pods and leave room to
  evict; Services select pods and reach named ports; scrape annotations and the optional
  ServiceMonitor cover every workload exactly once;
- deploy/Containerfile: Debian 12, the README's first command's packages, cmake flags and
  target; a runtime stage that installs the package of every library the binary links.

Any problem fails the test (a missing kubectl too: the README's test command installs
kubernetes-client). Every problem found is listed, not only the first.
"""

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[3]
K8S = REPO / "deploy" / "k8s"
CONTAINERFILE = REPO / "deploy" / "Containerfile"
README = REPO / "README.md"
ROUTES = REPO / "http" / "routes.cpp"

problems: list[str] = []
checked: dict[str, int] = {}


def problem(where: str, what: str) -> None:
    problems.append(f"{where}: {what}")


def count(what: str, n: int = 1) -> None:
    checked[what] = checked.get(what, 0) + n


# --- what each kustomization must render --------------------------------------------------

# kind -> how many; the overlays' own shapes are checked below.
EXPECTED_KINDS = {
    "base": {"ServiceAccount": 1, "Service": 1},
    "single": {"ServiceAccount": 1, "Service": 2, "StatefulSet": 1},
    "split": {
        "ServiceAccount": 1,
        "Service": 5,
        "StatefulSet": 2,
        "Deployment": 2,
        "HorizontalPodAutoscaler": 2,
        "PodDisruptionBudget": 2,
    },
    "monitoring": {"ServiceMonitor": 1},
}
OVERLAYS = ("single", "split")  # the deployable topologies (base and monitoring are parts)

# (apiVersion, kind) Kubernetes 1.20 serves (plus the Prometheus Operator's CRD).
KNOWN_APIS = {
    ("v1", "ServiceAccount"),
    ("v1", "Service"),
    ("v1", "Secret"),
    ("v1", "ConfigMap"),
    ("v1", "PersistentVolumeClaim"),
    ("apps/v1", "StatefulSet"),
    ("apps/v1", "Deployment"),
    ("autoscaling/v1", "HorizontalPodAutoscaler"),
    ("autoscaling/v2beta1", "HorizontalPodAutoscaler"),
    ("autoscaling/v2beta2", "HorizontalPodAutoscaler"),
    ("policy/v1beta1", "PodDisruptionBudget"),
    ("networking.k8s.io/v1", "Ingress"),
    ("networking.k8s.io/v1", "NetworkPolicy"),
    ("monitoring.coreos.com/v1", "ServiceMonitor"),
    ("monitoring.coreos.com/v1", "PodMonitor"),
}

ALL_ROLES = {"http", "core", "payment", "notifier"}
# component label -> the roles it runs and the node flags it needs (docs/nodes.md)
SPLIT_COMPONENTS = {
    "core": {"roles": {"http", "core"}, "kind": "StatefulSet", "needs": {"--payment", "--node-port"}},
    "payment": {"roles": {"payment"}, "kind": "StatefulSet", "needs": {"--node-port"}},
    "notifier": {"roles": {"notifier"}, "kind": "Deployment", "needs": {"--core"}},
    "gateway": {"roles": {"http"}, "kind": "Deployment", "needs": {"--core"}},
}
LIVE, READY, METRICS = "/health/live", "/health/ready", "/metrics"
PROBE_PATHS = {"livenessProbe": LIVE, "readinessProbe": READY, "startupProbe": LIVE}
DEFAULT_DRAIN_MS, DEFAULT_SHUTDOWN_MS = 5000, 10000
SANITIZER_RUNTIMES = re.compile(r"^lib(asan|ubsan|lsan|tsan|hwasan)\d*$")
IN_BASE_IMAGE = {"libc6", "libgcc-s1", "libstdc++6"}


# --- helpers ---------------------------------------------------------------------------

def run(cmd: list[str]) -> subprocess.CompletedProcess:
    return subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=120)


def render(kubectl: str, directory: Path) -> list[dict] | None:
    done = run([kubectl, "kustomize", str(directory)])
    if done.returncode != 0:
        problem(f"kubectl kustomize {directory.relative_to(REPO)}", (done.stderr or done.stdout).strip())
        return None
    return [d for d in yaml.safe_load_all(done.stdout) if d]


def name_of(doc: dict) -> str:
    return f"{doc.get('kind')}/{doc.get('metadata', {}).get('name')}"


def selects(selector: dict, labels: dict) -> bool:
    """A label selector (matchLabels, matchExpressions In/NotIn/Exists/DoesNotExist) against labels."""
    if not selector:
        return False
    for k, v in (selector.get("matchLabels") or {}).items():
        if labels.get(k) != v:
            return False
    for e in selector.get("matchExpressions") or []:
        k, op, values = e.get("key"), e.get("operator"), e.get("values") or []
        if op == "In" and labels.get(k) not in values:
            return False
        if op == "NotIn" and labels.get(k) in values:
            return False
        if op == "Exists" and k not in labels:
            return False
        if op == "DoesNotExist" and k in labels:
            return False
    return True


def quantity(text, cpu: bool) -> float | None:
    """A resource quantity as a number (cores, bytes)."""
    m = re.fullmatch(r"([0-9.]+)([a-zA-Z]*)", str(text))
    if not m:
        return None
    value, unit = float(m.group(1)), m.group(2)
    units = {"": 1, "m": 1e-3, "k": 1e3, "M": 1e6, "G": 1e9, "T": 1e12,
             "Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "Ti": 2**40}
    if unit not in units or (cpu and unit not in ("", "m")):
        return None
    return value * units[unit]


def help_flags(binary: str) -> dict[str, bool]:
    """Flag -> takes a value, from `ttareungyi serve --help` (its usage lines: two spaces, the
    flag, then one space and a value name, or two spaces and the description)."""
    done = run([binary, "serve", "--help"])
    text = done.stdout + done.stderr
    if "usage: ttareungyi serve" not in text:
        problem(f"{binary} serve --help", f"prints no usage (exit {done.returncode}): {text[:300]!r}")
        return {}
    flags: dict[str, bool] = {}
    for line in text.splitlines():
        m = re.match(r"^  (--[a-z0-9][a-z0-9-]*)(?:( \S)|\s{2,}|$)", line)
        if m and m.group(1) not in flags:
            flags[m.group(1)] = m.group(2) is not None
    if not flags:
        problem(f"{binary} serve --help", "lists no flags")
    return flags


def parse_args(where: str, args: list, known: dict[str, bool]) -> dict[str, list[str]] | None:
    """`serve` and its flags -> flag: [values] (a flag without value: [""]); problems for unknown
    flags, missing values and stray words."""
    args = [str(a) for a in args]
    if not args or args[0] != "serve":
        problem(where, f"args must start with `serve` (the image's ENTRYPOINT is the binary), got {args[:1]}")
        return None
    flags: dict[str, list[str]] = {}
    i = 1
    while i < len(args):
        word = args[i]
        if not word.startswith("--"):
            problem(where, f"stray argument {word!r} (not a flag's value)")
            i += 1
            continue
        flag, eq, inline = word.partition("=")
        count("container flags checked against serve --help")
        if known and flag not in known:
            problem(where, f"flag {flag} is not in `ttareungyi serve --help`")
        takes_value = known.get(flag, bool(eq) or (i + 1 < len(args) and not args[i + 1].startswith("--")))
        if takes_value and not eq:
            if i + 1 >= len(args) or args[i + 1].startswith("--"):
                problem(where, f"flag {flag} needs a value")
                flags.setdefault(flag, []).append("")
                i += 1
                continue
            flags.setdefault(flag, []).append(args[i + 1])
            i += 2
            continue
        if not takes_value and eq:
            problem(where, f"flag {flag} takes no value")
        flags.setdefault(flag, []).append(inline)
        i += 1
    return flags


def one(flags: dict, flag: str) -> str | None:
    values = flags.get(flag)
    return values[-1] if values else None


def int_flag(where: str, flags: dict, flag: str, default: int | None = None) -> int | None:
    text = one(flags, flag)
    if text is None:
        return default
    try:
        return int(text)
    except ValueError:
        problem(where, f"{flag} {text!r} is not a number")
        return default


def pod_spec(workload: dict) -> dict:
    return workload.get("spec", {}).get("template", {}).get("spec", {}) or {}


def pod_labels(workload: dict) -> dict:
    return workload.get("spec", {}).get("template", {}).get("metadata", {}).get("labels", {}) or {}


def container_port(container: dict, port) -> int | None:
    """A probe's or a Service's target port (a number or a port name) -> the container port."""
    for p in container.get("ports") or []:
        if isinstance(port, str) and not port.isdigit():
            if p.get("name") == port:
                return p.get("containerPort")
        elif p.get("containerPort") == int(port):
            return int(port)
    return None


def prestop_ms(where: str, container: dict) -> int:
    pre = (container.get("lifecycle") or {}).get("preStop")
    if not pre:
        problem(where, "no lifecycle.preStop (the pod would get SIGTERM while still in the endpoints)")
        return 0
    command = (pre.get("exec") or {}).get("command") or []
    if len(command) == 2 and Path(str(command[0])).name == "sleep":
        try:
            return int(float(command[1]) * 1000)
        except ValueError:
            problem(where, f"preStop sleep {command[1]!r} is not a number of seconds")
    return 0


# --- the fields Kubernetes 1.20 knows ----------------------------------------------------
# kubectl kustomize checks the kustomization's own fields but not the resources'; the API
# server of 1.20 silently drops fields it does not know (strict field validation came in 1.25),
# so a misspelt or newer field (a StatefulSet's minReadySeconds, a preStop sleep) would be lost
# without a word. Each object type: field -> its type ("[T]" a list of T, "{T}" a map of T,
# None a value).
OBJECT_META = {k: None for k in (
    "name", "namespace", "labels", "annotations", "generateName", "ownerReferences", "finalizers", "uid",
    "resourceVersion", "generation", "creationTimestamp", "deletionTimestamp", "deletionGracePeriodSeconds",
    "managedFields", "selfLink", "clusterName")}
SCHEMA = {
    "ObjectMeta": OBJECT_META,
    "LabelSelector": {"matchLabels": None, "matchExpressions": "[Requirement]"},
    "Requirement": {"key": None, "operator": None, "values": None},
    "Deployment": {"apiVersion": None, "kind": None, "metadata": "ObjectMeta", "spec": "DeploymentSpec"},
    "DeploymentSpec": {"replicas": None, "selector": "LabelSelector", "template": "PodTemplate", "strategy": "DeploymentStrategy",
                       "minReadySeconds": None, "revisionHistoryLimit": None, "paused": None, "progressDeadlineSeconds": None},
    "DeploymentStrategy": {"type": None, "rollingUpdate": "RollingUpdateDeployment"},
    "RollingUpdateDeployment": {"maxUnavailable": None, "maxSurge": None},
    "StatefulSet": {"apiVersion": None, "kind": None, "metadata": "ObjectMeta", "spec": "StatefulSetSpec"},
    "StatefulSetSpec": {"replicas": None, "selector": "LabelSelector", "template": "PodTemplate",
                        "volumeClaimTemplates": "[PVC]", "serviceName": None, "podManagementPolicy": None,
                        "updateStrategy": "StatefulSetUpdateStrategy", "revisionHistoryLimit": None},
    "StatefulSetUpdateStrategy": {"type": None, "rollingUpdate": "RollingUpdateStatefulSet"},
    "RollingUpdateStatefulSet": {"partition": None},
    "PVC": {"apiVersion": None, "kind": None, "metadata": "ObjectMeta", "spec": "PVCSpec"},
    "PVCSpec": {"accessModes": None, "selector": "LabelSelector", "resources": "Resources", "volumeName": None,
                "storageClassName": None, "volumeMode": None, "dataSource": None},
    "PodTemplate": {"metadata": "ObjectMeta", "spec": "PodSpec"},
    "PodSpec": {**{k: None for k in (
        "restartPolicy", "terminationGracePeriodSeconds", "activeDeadlineSeconds", "dnsPolicy", "nodeSelector",
        "serviceAccountName", "serviceAccount", "automountServiceAccountToken", "nodeName", "hostNetwork", "hostPID",
        "hostIPC", "shareProcessNamespace", "imagePullSecrets", "hostname", "subdomain", "schedulerName",
        "tolerations", "hostAliases", "priorityClassName", "priority", "dnsConfig", "readinessGates",
        "runtimeClassName", "enableServiceLinks", "preemptionPolicy", "overhead", "topologySpreadConstraints",
        "setHostnameAsFQDN", "ephemeralContainers")},
        "volumes": "[Volume]", "initContainers": "[Container]", "containers": "[Container]",
        "securityContext": "PodSecurityContext", "affinity": "Affinity"},
    "Volume": {"name": None, **{k: None for k in (
        "emptyDir", "persistentVolumeClaim", "configMap", "secret", "projected", "downwardAPI", "hostPath", "csi",
        "ephemeral", "nfs")}},
    "Container": {**{k: None for k in (
        "name", "image", "command", "args", "workingDir", "envFrom", "volumeDevices", "terminationMessagePath",
        "terminationMessagePolicy", "imagePullPolicy", "stdin", "stdinOnce", "tty")},
        "ports": "[ContainerPort]", "env": "[EnvVar]", "resources": "Resources", "volumeMounts": "[VolumeMount]",
        "livenessProbe": "Probe", "readinessProbe": "Probe", "startupProbe": "Probe", "lifecycle": "Lifecycle",
        "securityContext": "SecurityContext"},
    "ContainerPort": {k: None for k in ("name", "hostPort", "containerPort", "protocol", "hostIP")},
    "EnvVar": {"name": None, "value": None, "valueFrom": "EnvVarSource"},
    "EnvVarSource": {"fieldRef": None, "resourceFieldRef": None, "configMapKeyRef": "KeySelector", "secretKeyRef": "KeySelector"},
    "KeySelector": {"name": None, "key": None, "optional": None},
    "Resources": {"limits": None, "requests": None},
    "VolumeMount": {k: None for k in ("name", "mountPath", "subPath", "subPathExpr", "readOnly", "mountPropagation")},
    "Probe": {"exec": "ExecAction", "httpGet": "HTTPGetAction", "tcpSocket": None, "initialDelaySeconds": None,
              "timeoutSeconds": None, "periodSeconds": None, "successThreshold": None, "failureThreshold": None},
    "HTTPGetAction": {k: None for k in ("path", "port", "host", "scheme", "httpHeaders")},
    "ExecAction": {"command": None},
    "Lifecycle": {"postStart": "Handler", "preStop": "Handler"},
    "Handler": {"exec": "ExecAction", "httpGet": "HTTPGetAction", "tcpSocket": None},
    "PodSecurityContext": {k: None for k in (
        "seLinuxOptions", "windowsOptions", "runAsUser", "runAsGroup", "runAsNonRoot", "supplementalGroups", "fsGroup",
        "sysctls", "fsGroupChangePolicy", "seccompProfile")},
    "SecurityContext": {**{k: None for k in (
        "privileged", "seLinuxOptions", "windowsOptions", "runAsUser", "runAsGroup", "runAsNonRoot",
        "readOnlyRootFilesystem", "allowPrivilegeEscalation", "procMount", "seccompProfile")},
        "capabilities": "Capabilities"},
    "Capabilities": {"add": None, "drop": None},
    "Affinity": {"nodeAffinity": None, "podAffinity": "PodAffinity", "podAntiAffinity": "PodAffinity"},
    "PodAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": "[PodAffinityTerm]",
                    "preferredDuringSchedulingIgnoredDuringExecution": "[WeightedPodAffinityTerm]"},
    "WeightedPodAffinityTerm": {"weight": None, "podAffinityTerm": "PodAffinityTerm"},
    "PodAffinityTerm": {"labelSelector": "LabelSelector", "namespaces": None, "topologyKey": None},
    "Service": {"apiVersion": None, "kind": None, "metadata": "ObjectMeta", "spec": "ServiceSpec"},
    "ServiceSpec": {**{k: None for k in (
        "selector", "clusterIP", "clusterIPs", "type", "externalIPs", "sessionAffinity", "loadBalancerIP",
        "loadBalancerSourceRanges", "externalName", "externalTrafficPolicy", "healthCheckNodePort",
        "publishNotReadyAddresses", "sessionAffinityConfig", "ipFamilies", "ipFamilyPolicy",
        "allocateLoadBalancerNodePorts", "topologyKeys")}, "ports": "[ServicePort]"},
    "ServicePort": {k: None for k in ("name", "protocol", "appProtocol", "port", "targetPort", "nodePort")},
    "ServiceAccount": {"apiVersion": None, "kind": None, "metadata": "ObjectMeta", "secrets": None,
                       "imagePullSecrets": None, "automountServiceAccountToken": None},
    "HorizontalPodAutoscaler": {"apiVersion": None, "kind": None, "metadata": "ObjectMeta", "spec": "HPASpec"},
    "HPASpec": {"scaleTargetRef": "ScaleTargetRef", "minReplicas": None, "maxReplicas": None, "metrics": "[MetricSpec]",
                "behavior": "HPABehavior", "targetCPUUtilizationPercentage": None},
    "ScaleTargetRef": {"kind": None, "name": None, "apiVersion": None},
    "MetricSpec": {"type": None, "object": None, "pods": None, "resource": "ResourceMetric", "containerResource": None,
                   "external": None},
    "ResourceMetric": {"name": None, "target": "MetricTarget"},
    "MetricTarget": {"type": None, "value": None, "averageValue": None, "averageUtilization": None},
    "HPABehavior": {"scaleUp": "HPAScalingRules", "scaleDown": "HPAScalingRules"},
    "HPAScalingRules": {"stabilizationWindowSeconds": None, "selectPolicy": None, "policies": "[HPAScalingPolicy]"},
    "HPAScalingPolicy": {"type": None, "value": None, "periodSeconds": None},
    "PodDisruptionBudget": {"apiVersion": None, "kind": None, "metadata": "ObjectMeta", "spec": "PDBSpec"},
    "PDBSpec": {"minAvailable": None, "maxUnavailable": None, "selector": "LabelSelector"},
}


def check_fields(where: str, value, type_name: str) -> None:
    """Every field of value is one its type has in Kubernetes 1.20 (recursively)."""
    if type_name.startswith("["):
        if not isinstance(value, list):
            problem(where, f"must be a list, got {type(value).__name__}")
            return
        for i, item in enumerate(value):
            check_fields(f"{where}[{i}]", item, type_name[1:-1])
        return
    fields = SCHEMA[type_name]
    if not isinstance(value, dict):
        problem(where, f"must be a mapping ({type_name}), got {type(value).__name__}")
        return
    for key, item in value.items():
        if key not in fields:
            problem(where, f"{type_name} has no field {key!r} in Kubernetes 1.20 (dropped without a word)")
        elif fields[key] is not None and item is not None:
            check_fields(f"{where}.{key}", item, fields[key])
    count("objects checked against the 1.20 fields")


# --- one overlay -------------------------------------------------------------------------

def check_kinds(overlay: str, docs: list[dict]) -> None:
    found: dict[str, int] = {}
    for d in docs:
        found[d.get("kind")] = found.get(d.get("kind"), 0) + 1
        if d.get("kind") in SCHEMA:
            check_fields(f"{overlay} {name_of(d)}", d, d["kind"])
        if (d.get("apiVersion"), d.get("kind")) not in KNOWN_APIS:
            problem(f"{overlay} {name_of(d)}", f"apiVersion {d.get('apiVersion')} is not served by Kubernetes 1.20 "
                    "(or not a kind these checks know)")
    expected = EXPECTED_KINDS[overlay]
    for kind, n in expected.items():
        count("kinds present")
        if found.get(kind, 0) != n:
            problem(overlay, f"expected {n} {kind}, rendered {found.get(kind, 0)}")
    for kind in found:
        if kind not in expected:
            problem(overlay, f"rendered a {kind} the test does not expect (add it to EXPECTED_KINDS)")
    namespaces = {d.get("metadata", {}).get("namespace") for d in docs}
    if overlay != "base" and (len(namespaces) != 1 or None in namespaces):
        problem(overlay, f"every resource must be in one namespace, got {sorted(map(str, namespaces))}")


def check_container(overlay: str, workload: dict, container: dict, known: dict[str, bool]) -> dict | None:
    """The container's own checks; returns its parsed flags."""
    where = f"{overlay} {name_of(workload)} container {container.get('name')}"
    count("containers")
    flags = parse_args(where, container.get("args") or [], known)
    if container.get("command"):
        problem(where, "sets command: the image's ENTRYPOINT (the binary) must run")
    if flags is None:
        return None

    # the basics every node needs
    if one(flags, "--bind") != "0.0.0.0":
        problem(where, f"--bind must be 0.0.0.0 (got {one(flags, '--bind')})")
    if one(flags, "--log-format") != "json":
        problem(where, f"--log-format must be json (got {one(flags, '--log-format')})")
    port = int_flag(where, flags, "--port")
    if port is None or not 0 < port < 65536:
        problem(where, "--port must be given, a fixed port")
    for flag in ("--drain-ms", "--shutdown-timeout-ms"):
        if flag not in flags:
            problem(where, f"{flag} must be given (the grace period is computed from it)")

    # $(VAR) expansion only works for variables defined in env
    env = {e.get("name"): e for e in container.get("env") or []}
    for arg in container.get("args") or []:
        for var in re.findall(r"\$\((\w+)\)", str(arg)):
            if var not in env:
                problem(where, f"args use $({var}) but env does not define {var} (kubelet would pass it literally)")
    for value in flags.get("--operator-client", []):
        refs = re.findall(r"\$\((\w+)\)", value)
        if re.sub(r"\$\(\w+\)", "", value) != ":" or len(refs) != 2:
            problem(where, "--operator-client must be $(ID_VAR):$(SECRET_VAR), both from a Secret, never a literal")
        for var in refs:
            if not ((env.get(var) or {}).get("valueFrom") or {}).get("secretKeyRef"):
                problem(where, f"{var} (in --operator-client) must come from a secretKeyRef")
        count("operator clients from a Secret")

    # the data dir on a volume
    data_dir = one(flags, "--data-dir")
    mounts = {m.get("mountPath"): m.get("name") for m in container.get("volumeMounts") or []}
    if data_dir is None:
        problem(where, "--data-dir must be given (on a volume)")
    elif data_dir not in mounts:
        problem(where, f"--data-dir {data_dir} is not a volumeMount's mountPath")
    else:
        volume = mounts[data_dir]
        claims = {c.get("metadata", {}).get("name") for c in workload.get("spec", {}).get("volumeClaimTemplates") or []}
        volumes = {v.get("name") for v in pod_spec(workload).get("volumes") or []}
        if workload["kind"] == "StatefulSet" and volume not in claims:
            problem(where, f"the data dir's volume {volume} must be a volumeClaimTemplate (a StatefulSet keeps its store)")
        elif volume not in claims and volume not in volumes:
            problem(where, f"the data dir's volume {volume} is neither a volume nor a claim template")
        count("data dirs on volumes")

    # probes: the right route, on the container port --port gives
    for probe_name, path in PROBE_PATHS.items():
        probe = container.get(probe_name)
        if probe is None:
            if probe_name != "startupProbe":
                problem(where, f"no {probe_name}")
            continue
        get = probe.get("httpGet")
        if not get:
            problem(where, f"{probe_name} must be an httpGet on {path}")
            continue
        count("probes")
        if get.get("path") != path:
            problem(where, f"{probe_name} path {get.get('path')!r} must be {path}")
        if get.get("scheme", "HTTP") != "HTTP":
            problem(where, f"{probe_name} scheme must be HTTP")
        target = container_port(container, get.get("port"))
        if target is None:
            problem(where, f"{probe_name} port {get.get('port')!r} is not one of the container's ports")
        elif target != port:
            problem(where, f"{probe_name} port {get.get('port')!r} is container port {target}, but --port is {port}")

    # the grace period covers the preStop, the drain and the shutdown bound
    grace = pod_spec(workload).get("terminationGracePeriodSeconds")
    drain = int_flag(where, flags, "--drain-ms", DEFAULT_DRAIN_MS)
    shutdown = int_flag(where, flags, "--shutdown-timeout-ms", DEFAULT_SHUTDOWN_MS)
    pre = prestop_ms(where, container)
    if grace is None:
        problem(where, "terminationGracePeriodSeconds must be set")
    elif grace * 1000 <= pre + (drain or 0) + (shutdown or 0):
        problem(where, f"terminationGracePeriodSeconds {grace} s is not longer than preStop {pre} ms + "
                f"--drain-ms {drain} + --shutdown-timeout-ms {shutdown}")
    else:
        count("grace periods longer than preStop + drain + shutdown")

    # requests and limits
    resources = container.get("resources") or {}
    for resource in ("cpu", "memory"):
        request = (resources.get("requests") or {}).get(resource)
        limit = (resources.get("limits") or {}).get(resource)
        if request is None or limit is None:
            problem(where, f"{resource} needs both a request and a limit")
            continue
        r, l = quantity(request, resource == "cpu"), quantity(limit, resource == "cpu")
        if r is None or l is None:
            problem(where, f"{resource} quantities {request!r} / {limit!r} do not parse")
        elif r > l:
            problem(where, f"{resource} request {request} is above its limit {limit}")
        count("resource requests and limits")

    # no privilege escalation (the pod runs as non-root, checked per workload)
    if not (container.get("securityContext") or {}).get("allowPrivilegeEscalation") is False:
        problem(where, "securityContext.allowPrivilegeEscalation must be false")

    # scrape annotations
    annotations = workload.get("spec", {}).get("template", {}).get("metadata", {}).get("annotations") or {}
    want = {"prometheus.io/scrape": "true", "prometheus.io/port": str(port), "prometheus.io/path": METRICS}
    for key, value in want.items():
        if annotations.get(key) != value:
            problem(where, f"pod annotation {key} must be {value!r}, got {annotations.get(key)!r}")
    count("scrape annotations")
    return flags


def roles_of(flags: dict) -> set[str]:
    text = one(flags, "--roles")
    return set(text.split(",")) if text else set(ALL_ROLES)


def check_overlay(overlay: str, docs: list[dict], known: dict[str, bool]) -> None:
    check_kinds(overlay, docs)
    by_kind: dict[str, list[dict]] = {}
    for d in docs:
        by_kind.setdefault(d["kind"], []).append(d)
    workloads = by_kind.get("StatefulSet", []) + by_kind.get("Deployment", [])
    services = by_kind.get("Service", [])
    service_by_name = {s["metadata"]["name"]: s for s in services}
    accounts = {a["metadata"]["name"] for a in by_kind.get("ServiceAccount", [])}
    node_flags: dict[str, dict] = {}  # workload name -> its container's flags

    images = set()
    for w in workloads:
        where = f"{overlay} {name_of(w)}"
        spec = w.get("spec", {})
        if not selects(spec.get("selector") or {}, pod_labels(w)):
            problem(where, "spec.selector does not match the pod template's labels")
        account = pod_spec(w).get("serviceAccountName")
        if account not in accounts:
            problem(where, f"serviceAccountName {account!r} is not a ServiceAccount of the overlay")
        if pod_spec(w).get("securityContext", {}).get("runAsNonRoot") is not True:
            problem(where, "the pod's securityContext must set runAsNonRoot: true")
        containers = pod_spec(w).get("containers") or []
        if len(containers) != 1:
            problem(where, f"expected one container, got {len(containers)}")
        for c in containers + (pod_spec(w).get("initContainers") or []):
            images.add(c.get("image"))
        for c in containers:
            flags = check_container(overlay, w, c, known)
            if flags is not None:
                node_flags[w["metadata"]["name"]] = flags
        # rolling updates
        if w["kind"] == "Deployment":
            strategy = spec.get("strategy") or {}
            rolling = strategy.get("rollingUpdate") or {}
            if strategy.get("type", "RollingUpdate") != "RollingUpdate" or str(rolling.get("maxUnavailable")) not in ("0", "0%"):
                problem(where, f"strategy must be RollingUpdate with maxUnavailable 0, got {strategy}")
            elif str(rolling.get("maxSurge", "25%")) in ("0", "0%"):
                problem(where, "maxSurge 0 with maxUnavailable 0 cannot roll")
            else:
                count("rolling updates with maxUnavailable 0")
        else:
            if (spec.get("updateStrategy") or {}).get("type") != "RollingUpdate":
                problem(where, "updateStrategy.type must be RollingUpdate")
            headless = service_by_name.get(spec.get("serviceName"))
            if headless is None:
                problem(where, f"serviceName {spec.get('serviceName')!r} is not a Service of the overlay")
            else:
                if headless["spec"].get("clusterIP") != "None":
                    problem(where, f"its Service {spec.get('serviceName')} must be headless (clusterIP: None)")
                if not headless["spec"].get("publishNotReadyAddresses"):
                    problem(where, f"its Service {spec.get('serviceName')} must publishNotReadyAddresses "
                            "(nodes reach peers that are starting or draining)")
                if not selects({"matchLabels": headless["spec"].get("selector") or {}}, pod_labels(w)):
                    problem(where, f"its Service {spec.get('serviceName')} does not select its pods")
                count("StatefulSets behind headless Services")
    if None in images or "ttareungyi" in images or len(images) != 1:
        problem(overlay, f"every container must run the one image the overlay's images: sets, got {sorted(map(str, images))}")

    # the topology
    by_component = {pod_labels(w).get("app.kubernetes.io/component"): w for w in workloads}
    if overlay == "single":
        for w in by_kind.get("StatefulSet", [])[:1]:
            if w["spec"].get("replicas") != 1:
                problem(f"single {name_of(w)}", "must have exactly one replica (one store)")
            flags = node_flags.get(w["metadata"]["name"], {})
            if roles_of(flags) != ALL_ROLES:
                problem(f"single {name_of(w)}", f"must run every role, runs {sorted(roles_of(flags))}")
            for flag in ("--core", "--payment"):
                if flag in flags:
                    problem(f"single {name_of(w)}", f"one node takes no {flag}")
            if "--operator-client" not in flags:
                problem(f"single {name_of(w)}", "needs --operator-client (from the Secret)")
    if overlay == "split":
        for component, want in SPLIT_COMPONENTS.items():
            w = by_component.get(component)
            if w is None:
                problem(overlay, f"no workload with app.kubernetes.io/component: {component}")
                continue
            where = f"split {name_of(w)}"
            if w["kind"] != want["kind"]:
                problem(where, f"the {component} must be a {want['kind']}")
            flags = node_flags.get(w["metadata"]["name"], {})
            if roles_of(flags) != want["roles"]:
                problem(where, f"roles must be {sorted(want['roles'])}, got {sorted(roles_of(flags))}")
            for flag in want["needs"]:
                if flag not in flags:
                    problem(where, f"the {component} needs {flag}")
            if want["kind"] == "StatefulSet" and w["spec"].get("replicas") != 1:
                problem(where, "must have exactly one replica")
            if component == "core" and "--operator-client" not in flags:
                problem(where, "the core keeps the operator client: it needs --operator-client (from the Secret)")
            count("split components")

    # node addresses: --core and --payment name a StatefulSet's pod behind its headless Service,
    # on the port the target publishes
    statefulsets = {s["metadata"]["name"]: s for s in by_kind.get("StatefulSet", [])}
    for w in workloads:
        flags = node_flags.get(w["metadata"]["name"], {})
        for flag, role in (("--core", "core"), ("--payment", "payment")):
            address = one(flags, flag)
            if address is None:
                continue
            where = f"{overlay} {name_of(w)} {flag} {address}"
            host, _, port_text = address.rpartition(":")
            labels = host.split(".")
            pod, service = labels[0], labels[1] if len(labels) > 1 else None
            m = re.fullmatch(r"(.+)-(\d+)", pod)
            target = statefulsets.get(m.group(1)) if m else None
            if target is None or service is None:
                problem(where, "must name a StatefulSet's pod as POD.SERVICE (e.g. ttareungyi-core-0.ttareungyi-core)")
                continue
            if int(m.group(2)) >= target["spec"].get("replicas", 1):
                problem(where, f"{pod} is beyond the StatefulSet's replicas")
            if target["spec"].get("serviceName") != service:
                problem(where, f"{service} is not the StatefulSet's serviceName {target['spec'].get('serviceName')}")
            tflags = node_flags.get(target["metadata"]["name"], {})
            if role not in roles_of(tflags):
                problem(where, f"the target does not run the {role} role")
            if one(tflags, "--node-port") != port_text:
                problem(where, f"port {port_text} is not the target's --node-port {one(tflags, '--node-port')}")
            tcontainer = (pod_spec(target).get("containers") or [{}])[0]
            if container_port(tcontainer, port_text) is None:
                problem(where, f"port {port_text} is not a containerPort of the target")
            svc = service_by_name.get(service)
            if svc is None or not any(p.get("port") == int(port_text) for p in svc["spec"].get("ports") or []):
                problem(where, f"Service {service} has no port {port_text}")
            count("node addresses resolved")

    # Services select pods and reach their ports
    pods = [(w, pod_labels(w)) for w in workloads]
    for s in services:
        where = f"{overlay} {name_of(s)}"
        selector = s["spec"].get("selector") or {}
        matched = [w for w, labels in pods if selector and selects({"matchLabels": selector}, labels)]
        if not matched:
            problem(where, f"selector {selector} matches no pods of the overlay")
        for p in s["spec"].get("ports") or []:
            for w in matched:
                c = (pod_spec(w).get("containers") or [{}])[0]
                if container_port(c, p.get("targetPort", p.get("port"))) is None:
                    problem(where, f"port {p.get('name')} targets {p.get('targetPort')}, not a port of {name_of(w)}")
        count("Services")
    api = service_by_name.get("ttareungyi")
    if api is None:
        problem(overlay, "no `ttareungyi` Service (the API's address)")
    else:
        served = sorted(pod_labels(w).get("app.kubernetes.io/component") for w, labels in pods
                        if selects({"matchLabels": api["spec"].get("selector") or {}}, labels))
        expected = ["node"] if overlay == "single" else ["gateway"]
        if served != expected:
            problem(f"{overlay} Service/ttareungyi", f"must send customers to {expected}, selects {served}")
        for w, labels in pods:
            if pod_labels(w).get("app.kubernetes.io/component") in expected and "http" not in roles_of(
                    node_flags.get(w["metadata"]["name"], {})):
                problem(f"{overlay} Service/ttareungyi", f"selects {name_of(w)}, which does not run http")

    # autoscalers
    deployments = {d["metadata"]["name"]: d for d in by_kind.get("Deployment", [])}
    scaled = set()
    for h in by_kind.get("HorizontalPodAutoscaler", []):
        where = f"{overlay} {name_of(h)}"
        spec = h.get("spec", {})
        ref = spec.get("scaleTargetRef") or {}
        target = deployments.get(ref.get("name")) if ref.get("kind") == "Deployment" else None
        if target is None:
            problem(where, f"scaleTargetRef {ref} is not a Deployment of the overlay (StatefulSets here hold one store each)")
            continue
        if ref.get("apiVersion") != target.get("apiVersion"):
            problem(where, f"scaleTargetRef apiVersion {ref.get('apiVersion')} is not {target.get('apiVersion')}")
        scaled.add(ref["name"])
        low, high = spec.get("minReplicas", 1), spec.get("maxReplicas")
        if not (isinstance(high, int) and 2 <= low <= high):
            problem(where, f"minReplicas {low} / maxReplicas {high}: need 2 <= min <= max")
        replicas = target["spec"].get("replicas", 1)
        if isinstance(high, int) and not low <= replicas <= high:
            problem(where, f"the Deployment's replicas {replicas} are outside {low}..{high}")
        on_cpu = spec.get("targetCPUUtilizationPercentage") is not None or any(
            m.get("type") == "Resource" and (m.get("resource") or {}).get("name") == "cpu" for m in spec.get("metrics") or [])
        if not on_cpu:
            problem(where, "must scale on CPU")
        for c in pod_spec(target).get("containers") or []:
            if not ((c.get("resources") or {}).get("requests") or {}).get("cpu"):
                problem(where, f"container {c.get('name')} has no CPU request: utilization cannot be computed")
        count("autoscalers")
    for name in deployments:
        if name not in scaled:
            problem(f"{overlay} Deployment/{name}", "has no HorizontalPodAutoscaler")

    # disruption budgets
    budgeted = set()
    for b in by_kind.get("PodDisruptionBudget", []):
        where = f"{overlay} {name_of(b)}"
        spec = b.get("spec", {})
        matched = [w for w, labels in pods if selects(spec.get("selector") or {}, labels)]
        if len(matched) != 1:
            problem(where, f"selector must match the pods of exactly one workload, matches {[name_of(w) for w in matched]}")
            continue
        w = matched[0]
        budgeted.add(w["metadata"]["name"])
        replicas = w["spec"].get("replicas", 1)
        hpa_min = [h["spec"].get("minReplicas", 1) for h in by_kind.get("HorizontalPodAutoscaler", [])
                   if (h["spec"].get("scaleTargetRef") or {}).get("name") == w["metadata"]["name"]]
        least = min([replicas] + hpa_min)
        if "minAvailable" in spec:
            if not isinstance(spec["minAvailable"], int) or spec["minAvailable"] >= least:
                problem(where, f"minAvailable {spec['minAvailable']} leaves no pod to evict of {least}")
        elif not spec.get("maxUnavailable"):
            problem(where, "needs minAvailable or a maxUnavailable above 0")
        count("disruption budgets")
    for name in deployments:
        if name not in budgeted:
            problem(f"{overlay} Deployment/{name}", "has no PodDisruptionBudget")


def check_monitoring(docs: list[dict], overlays: dict[str, list[dict]]) -> None:
    for m in docs:
        where = f"monitoring {name_of(m)}"
        spec = m.get("spec", {})
        endpoints = spec.get("endpoints") or []
        if not endpoints:
            problem(where, "no endpoints")
        for e in endpoints:
            if e.get("path", METRICS) != METRICS:
                problem(where, f"endpoint path {e.get('path')} must be {METRICS}")
        for overlay, rendered in overlays.items():
            services = [s for s in rendered if s["kind"] == "Service"
                        and selects(spec.get("selector") or {}, s.get("metadata", {}).get("labels") or {})]
            workloads = [w for w in rendered if w["kind"] in ("StatefulSet", "Deployment")]
            for w in workloads:
                covering = [s for s in services
                            if selects({"matchLabels": s["spec"].get("selector") or {}}, pod_labels(w))]
                if len(covering) != 1:
                    problem(where, f"{overlay} {name_of(w)} must be scraped through exactly one Service, "
                            f"is through {[name_of(s) for s in covering]}")
                for s in covering:
                    names = {p.get("name") for p in s["spec"].get("ports") or []}
                    for e in endpoints:
                        if e.get("port") not in names:
                            problem(where, f"endpoint port {e.get('port')!r} is not a port of {overlay} {name_of(s)}")
                count("workloads covered by the ServiceMonitor")


# --- the Containerfile -------------------------------------------------------------------

def readme_first_command() -> list[list[str]]:
    """The README's first ```sh block, as its && steps, each a list of words."""
    text = README.read_text()
    m = re.search(r"```sh\n(.*?)```", text, re.S)
    if not m:
        problem("README.md", "has no ```sh block")
        return []
    command = m.group(1).replace("\\\n", " ")
    return [shlex.split(step) for step in re.split(r"&&", command) if step.strip()]


def apt_packages(words: list[str]) -> list[str]:
    if "install" not in words:
        return []
    return [w for w in words[words.index("install") + 1:] if not w.startswith("-")]


def containerfile_stages() -> list[dict]:
    """FROM ... [AS name] and the RUN / COPY / ENTRYPOINT instructions of each stage."""
    text = CONTAINERFILE.read_text()
    lines, current = [], ""
    for line in text.splitlines():
        if line.lstrip().startswith("#") and not current:
            continue
        if line.endswith("\\"):
            current += line[:-1] + " "
            continue
        lines.append(current + line)
        current = ""
    stages: list[dict] = []
    for line in lines:
        m = re.match(r"\s*(FROM|RUN|COPY|ENTRYPOINT|CMD|USER)\s+(.*)", line)
        if not m:
            continue
        instruction, rest = m.group(1), m.group(2).strip()
        if instruction == "FROM":
            words = rest.split()
            stages.append({"image": words[0], "name": words[2] if len(words) > 2 and words[1].lower() == "as" else None,
                           "RUN": [], "COPY": [], "ENTRYPOINT": [], "CMD": [], "USER": []})
        elif stages:
            stages[-1][instruction].append(rest)
    return stages


def runtime_packages(binary: str) -> set[str]:
    """The Debian packages of the shared libraries the binary links (ldd, dpkg -S)."""
    done = run(["ldd", binary])
    if done.returncode != 0:
        problem(f"ldd {binary}", done.stderr.strip())
        return set()
    packages = set()
    for line in done.stdout.splitlines():
        if "not found" in line:
            problem(f"ldd {binary}", line.strip())
            continue
        m = re.search(r"=>\s+(/\S+)", line)
        if not m:
            continue
        path = m.group(1)
        owner = None
        for candidate in (os.path.realpath(path), path):
            found = run(["dpkg", "-S", candidate])
            if found.returncode == 0:
                owner = found.stdout.split(":")[0].strip()
                break
        if owner is None:
            problem(f"dpkg -S {path}", "no Debian package owns this library")
            continue
        packages.add(owner)
    return packages


def check_containerfile(binary: str) -> None:
    where = "deploy/Containerfile"
    if not CONTAINERFILE.exists():
        problem(where, "missing")
        return
    text = CONTAINERFILE.read_text()
    if not re.search(r"not built by CI", text, re.I):
        problem(where, "must say in a comment that CI does not build it")
    steps = readme_first_command()
    readme_packages = [p for s in steps if s[:1] == ["apt-get"] for p in apt_packages(s)]
    configure = next((s for s in steps if s[:2] == ["cmake", "-S"]), None)
    build = next((s for s in steps if s[:2] == ["cmake", "--build"]), None)
    run_step = next((s for s in steps if s and s[0].endswith("/server/ttareungyi")), None)
    if not readme_packages or configure is None or build is None or run_step is None:
        problem("README.md", "the first ```sh block lacks the apt-get install, cmake configure, cmake --build or run step")
        return
    stages = containerfile_stages()
    if len(stages) < 2:
        problem(where, f"expected a build stage and a runtime stage, found {len(stages)}")
        return
    build_stage, runtime = stages[0], stages[-1]
    for stage in stages:
        image = stage["image"]
        if not re.fullmatch(r"(docker\.io/)?(library/)?debian:(bookworm|12)([-.][\w.-]*)?(@sha256:[0-9a-f]+)?", image):
            problem(where, f"stage FROM {image} is not Debian 12 (bookworm)")

    build_words = [shlex.split(r.replace("&&", " && ")) for r in build_stage["RUN"]]
    build_steps = [s for words in build_words for s in _split_steps(words)]
    installed = {p for s in build_steps if s[:1] == ["apt-get"] for p in apt_packages(s)}
    for p in readme_packages:
        count("README packages in the build stage")
        if p not in installed:
            problem(where, f"the build stage does not install {p} (README's first command does)")
    cf_configure = next((s for s in build_steps if s[:2] == ["cmake", "-S"]), None)
    if cf_configure is None:
        problem(where, "the build stage has no `cmake -S` configure step")
    else:
        want = sorted(w for w in configure if w.startswith("-D"))
        got = sorted(w for w in cf_configure if w.startswith("-D"))
        count("cmake -D flags compared", len(want))
        if want != got:
            problem(where, f"cmake configure flags {got} are not the README's {want}")
        if configure[2:5] != cf_configure[2:5]:
            problem(where, f"cmake configure {cf_configure[:5]} is not the README's {configure[:5]}")
    cf_build = next((s for s in build_steps if s[:2] == ["cmake", "--build"]), None)
    if cf_build is None:
        problem(where, "the build stage has no `cmake --build` step")
    else:
        def target(words):
            return words[words.index("--target") + 1] if "--target" in words else None
        if target(cf_build) != target(build) or cf_build[2] != build[2]:
            problem(where, f"cmake --build {cf_build[2]} --target {target(cf_build)} is not the README's "
                    f"{build[2]} --target {target(build)}")
    built = run_step[0].removeprefix("./")
    copies = [c for c in runtime["COPY"] if c.startswith("--from=")]
    copied_to = None
    for c in copies:
        words = c.split()
        if words[1].endswith(built):
            copied_to = words[-1]
    if copied_to is None:
        problem(where, f"the runtime stage does not COPY --from the build stage's {built}")
    entry = runtime["ENTRYPOINT"][-1] if runtime["ENTRYPOINT"] else None
    try:
        entry_words = yaml.safe_load(entry) if entry else None
    except yaml.YAMLError:
        entry_words = None
    if not isinstance(entry_words, list) or not entry_words:
        problem(where, f"the runtime stage needs an exec-form ENTRYPOINT [\"/path/to/ttareungyi\"], got {entry!r}")
    elif copied_to and entry_words[0] not in (copied_to, copied_to.rstrip("/") + "/ttareungyi"):
        problem(where, f"ENTRYPOINT {entry_words[0]} is not the binary copied to {copied_to}")
    if not runtime["USER"] or runtime["USER"][-1].split(":")[0] in ("0", "root"):
        problem(where, "the runtime stage must run as a non-root USER")

    runtime_words = [shlex.split(r.replace("&&", " && ")) for r in runtime["RUN"]]
    runtime_installed = {p for words in runtime_words for s in _split_steps(words) if s[:1] == ["apt-get"]
                         for p in apt_packages(s)}
    needed = runtime_packages(binary)
    for p in sorted(needed):
        if p in IN_BASE_IMAGE or SANITIZER_RUNTIMES.match(p):
            continue
        count("runtime library packages in the runtime stage")
        if p not in runtime_installed:
            problem(where, f"the runtime stage does not install {p} (the binary links a library of it)")


def _split_steps(words: list[str]) -> list[list[str]]:
    steps, current = [], []
    for w in words:
        if w in ("&&", ";", "||"):
            if current:
                steps.append(current)
            current = []
        else:
            current.append(w)
    if current:
        steps.append(current)
    return steps


# --- main --------------------------------------------------------------------------------

def main() -> int:
    if len(sys.argv) != 3:
        print(__doc__.splitlines()[2], file=sys.stderr)
        return 2
    binary, kubectl = sys.argv[1], sys.argv[2]
    if not (os.path.isfile(kubectl) and os.access(kubectl, os.X_OK)):
        print(f"FAIL: kubectl not found ({kubectl!r}): install Debian's kubernetes-client "
              "(the README's test command does) and configure again", file=sys.stderr)
        return 1
    if not (os.path.isfile(binary) and os.access(binary, os.X_OK)):
        print(f"FAIL: the server binary {binary!r} is missing", file=sys.stderr)
        return 1
    version = run([kubectl, "version", "--client", "--short"]).stdout.strip()

    # the server's routes the probes use
    routes = ROUTES.read_text() if ROUTES.exists() else ""
    for path in (LIVE, READY):
        if f'"{path}"' not in routes:
            problem("http/routes.cpp", f"the server has no route {path} (the probes use it)")

    known = help_flags(binary)
    directories = sorted(p.parent.name for p in K8S.glob("*/kustomization.yaml"))
    for d in directories:
        if d not in EXPECTED_KINDS:
            problem(f"deploy/k8s/{d}", "a kustomization the test knows nothing of (add it to EXPECTED_KINDS)")
    for d in EXPECTED_KINDS:
        if d not in directories:
            problem(f"deploy/k8s/{d}", "missing kustomization.yaml")

    rendered: dict[str, list[dict]] = {}
    for d in directories:
        docs = render(kubectl, K8S / d)
        if docs is None:
            continue
        rendered[d] = docs
        count("kustomizations rendered")
        print(f"rendered deploy/k8s/{d}: " + ", ".join(sorted(name_of(x) for x in docs)))
    for overlay in OVERLAYS:
        if overlay in rendered:
            try:
                check_overlay(overlay, rendered[overlay], known)
            except (AttributeError, KeyError, TypeError, ValueError, IndexError) as error:
                problem(overlay, f"a resource has an unexpected shape, the checks stopped: {error!r}")
    if "base" in rendered:
        check_kinds("base", rendered["base"])
    if "monitoring" in rendered:
        check_kinds("monitoring", rendered["monitoring"])
        check_monitoring(rendered["monitoring"], {o: rendered[o] for o in OVERLAYS if o in rendered})
    check_containerfile(binary)

    print(f"kubectl: {version}")
    for what, n in checked.items():
        print(f"  {n:4d} {what}")
    if problems:
        print(f"\nFAIL: {len(problems)} problem(s):", file=sys.stderr)
        for p in problems:
            print(f"  - {p}", file=sys.stderr)
        return 1
    print("OK: the manifests and the Containerfile are consistent with the server and the README")
    return 0


if __name__ == "__main__":
    sys.exit(main())
