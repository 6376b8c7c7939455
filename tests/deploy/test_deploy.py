"""Offline checks of the deployment files: docker-compose.yml, deploy/*.Dockerfile, the kustomize
base and GPU overlay under deploy/k8s (rendered here, validated against the Kubernetes JSON
schemas shipped by kubernetes-validate), deploy/prometheus (scrape config and alert rules) and
deploy/grafana (provisioning and the dashboard). No Docker engine, cluster or network is needed:
what is checked is that the files agree with the package (console scripts, CLI subcommands,
`Settings` fields, extras, the metrics the code defines) and with each other (ports, volumes,
probes, datasource). With promtool installed, the alert rules are also run on synthetic series."""

from __future__ import annotations

import ast
import copy
import fnmatch
import json
import re
import shlex
import shutil
import subprocess
import sys
import tomllib
from functools import cache
from pathlib import Path
from typing import Any

import kubernetes_validate
import prometheus_client
import pytest
import yaml

from app.config import Settings
from tests.support.stack import ROOT

DEPLOY = ROOT / "deploy"
K8S = DEPLOY / "k8s"
K8S_VERSION = "1.33"
SEQCAST_IMAGES = {"seqcast/api", "seqcast/worker"}
API_PORT = 8000
WORKER_METRICS_PORT = 9808  # the worker's Prometheus endpoint (assumed by the deployment)
SETTINGS_ENV = {f"SEQCAST_{name.upper()}" for name in Settings.model_fields}


# --- loading -------------------------------------------------------------------------------------


@cache
def pyproject() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text())


@cache
def compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def services() -> dict[str, dict]:
    return compose()["services"]


def image_name(image: str) -> str:
    """`seqcast/api:0.1.0` -> `seqcast/api` (a registry port's colon is kept)."""
    name, _, tag = image.rpartition(":")
    return name if name and "/" not in tag else image


def seqcast_services() -> dict[str, dict]:
    return {n: s for n, s in services().items() if image_name(s.get("image", "")) in SEQCAST_IMAGES}


def as_argv(command: str | list[str]) -> list[str]:
    return shlex.split(command) if isinstance(command, str) else [str(c) for c in command]


def env_dict(environment: dict | list | None) -> dict[str, str]:
    """Compose `environment` in either form (mapping or `KEY=value` list)."""
    if isinstance(environment, list):
        return dict(item.split("=", 1) if "=" in item else (item, "") for item in environment)
    return {k: "" if v is None else str(v) for k, v in (environment or {}).items()}


def requirement_name(requirement: str) -> str:
    return re.match(r"[A-Za-z0-9_.\-]+", requirement).group().lower()


# --- Dockerfiles ---------------------------------------------------------------------------------


@cache
def dockerfile(path: Path) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) with line continuations joined and comments dropped."""
    out: list[tuple[str, str]] = []
    pending = ""
    for raw in path.read_text().splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        instruction, _, rest = (pending + line).partition(" ")
        out.append((instruction.upper(), rest.strip()))
        pending = ""
    return out


def dockerfile_args(path: Path) -> dict[str, str]:
    args: dict[str, str] = {}
    for instruction, rest in dockerfile(path):
        if instruction == "ARG":
            name, _, default = rest.partition("=")
            args[name] = default.strip('"')
    return args


def expand(text: str, args: dict[str, str]) -> str:
    return re.sub(r"\$\{(\w+)\}|\$(\w+)", lambda m: args.get(m[1] or m[2], m[0]), text)


def pip_installs(path: Path, build_args: dict[str, str]) -> set[str]:
    """Distribution names the Dockerfile's `pip install` lines bring in (extras resolved through
    pyproject.toml), with ARG defaults overridden by the build args."""
    args = dockerfile_args(path) | build_args
    extras = pyproject()["project"]["optional-dependencies"]
    names: set[str] = set()
    for instruction, rest in dockerfile(path):
        if instruction != "RUN":
            continue
        for part in re.split(r"&&|;|\|\|", expand(rest, args)):
            words = shlex.split(part)
            if words[:2] not in (["pip", "install"], ["python", "-m"]) or "install" not in words:
                continue
            skip_next = False
            for word in words[words.index("install") + 1 :]:
                if skip_next or word.startswith("-"):
                    skip_next = word in ("--index-url", "--extra-index-url", "-r", "-c")
                    continue
                if word.startswith(".["):
                    for extra in word[2:-1].split(","):
                        assert extra in extras, f"{path.name}: unknown extra {extra!r}"
                        names |= {requirement_name(r) for r in extras[extra]}
                elif word != ".":
                    names.add(requirement_name(word))
    return names


def dockerfile_builds() -> dict[Path, list[dict[str, str]]]:
    """Each Dockerfile with the build-arg sets it is built with: its defaults, plus compose's."""
    builds: dict[Path, list[dict[str, str]]] = {p: [{}] for p in DEPLOY.glob("*.Dockerfile")}
    for service in services().values():
        if "build" in service:
            path = ROOT / service["build"]["context"] / service["build"]["dockerfile"]
            builds.setdefault(path, [{}]).append(env_dict(service["build"].get("args")))
    return builds


def final_stage(path: Path) -> list[tuple[str, str]]:
    instructions = dockerfile(path)
    last_from = max(i for i, (instruction, _) in enumerate(instructions) if instruction == "FROM")
    return instructions[last_from:]


def exec_form(rest: str) -> list[str]:
    return yaml.safe_load(rest) if rest.startswith("[") else shlex.split(rest)


# --- kustomize (the subset these files use) ------------------------------------------------------

SUPPORTED_KUSTOMIZE = {"apiVersion", "kind", "resources", "labels", "images", "patches"}


def strategic_merge(base: Any, patch: Any) -> Any:
    """Maps merge key by key; lists of named items (containers, env, volumes) merge by name;
    anything else is replaced, as kubectl's strategic merge does for these fields."""
    if isinstance(base, dict) and isinstance(patch, dict):
        merged = dict(base)
        for key, value in patch.items():
            merged[key] = strategic_merge(base[key], value) if key in base else value
        return merged
    named = (
        isinstance(base, list)
        and isinstance(patch, list)
        and all(isinstance(i, dict) and "name" in i for i in base + patch)
    )
    if named:
        patches = {item["name"]: item for item in patch}
        merged = [
            strategic_merge(i, patches.pop(i["name"])) if i["name"] in patches else i for i in base
        ]
        return merged + list(patches.values())
    return patch


def pod_spec(obj: dict) -> dict | None:
    if obj["kind"] in ("Deployment", "Job", "StatefulSet", "DaemonSet"):
        return obj["spec"]["template"]["spec"]
    return None


def containers(obj: dict) -> list[dict]:
    spec = pod_spec(obj) or {}
    return spec.get("initContainers", []) + spec.get("containers", [])


def matches(obj: dict, target: dict) -> bool:
    group, _, version = obj["apiVersion"].rpartition("/")
    wanted = {"group": group, "version": version, "kind": obj["kind"]}
    wanted["name"] = obj["metadata"]["name"]
    return all(wanted[key] == value for key, value in target.items())


@cache
def kustomization(folder: Path) -> dict:
    return yaml.safe_load((folder / "kustomization.yaml").read_text())


def render(folder: Path) -> list[dict]:
    """What `kustomize build folder` gives for the features listed in SUPPORTED_KUSTOMIZE."""
    spec = kustomization(folder)
    assert set(spec) <= SUPPORTED_KUSTOMIZE, (
        f"extend render() for {set(spec) - SUPPORTED_KUSTOMIZE}"
    )
    objects: list[dict] = []
    for resource in spec.get("resources", []):
        path = (folder / resource).resolve()
        if path.is_dir():
            objects += render(path)
        else:
            objects += [copy.deepcopy(d) for d in yaml.safe_load_all(path.read_text()) if d]
    for patch in spec.get("patches", []):
        assert set(patch) <= {"path", "target"}, "only strategic-merge patches from files"
        body = yaml.safe_load((folder / patch["path"]).read_text())
        target = patch.get("target") or {"kind": body["kind"], "name": body["metadata"]["name"]}
        hits = [i for i, obj in enumerate(objects) if matches(obj, target)]
        assert hits, f"{folder.name}: patch {patch['path']} matches nothing in {target}"
        for i in hits:
            objects[i] = strategic_merge(objects[i], body)
    for image in spec.get("images", []):
        for obj in objects:
            for container in containers(obj):
                if image_name(container["image"]) == image["name"]:
                    tag = image.get("newTag", container["image"].rpartition(":")[2])
                    container["image"] = f"{image.get('newName', image['name'])}:{tag}"
    for label in spec.get("labels", []):
        for obj in objects:
            obj["metadata"].setdefault("labels", {}).update(label["pairs"])
    return objects


def by_kind_name(objects: list[dict]) -> dict[tuple[str, str], dict]:
    return {(o["kind"], o["metadata"]["name"]): o for o in objects}


@cache
def base() -> dict[tuple[str, str], dict]:
    return by_kind_name(render(K8S / "base"))


@cache
def gpu_overlay() -> dict[tuple[str, str], dict]:
    return by_kind_name(render(K8S / "overlays" / "gpu"))


def seqcast_containers(objects: dict[tuple[str, str], dict]) -> list[dict]:
    return [
        c
        for o in objects.values()
        for c in containers(o)
        if image_name(c["image"]) in SEQCAST_IMAGES
    ]


# --- the package's commands and settings ---------------------------------------------------------


def all_seqcast_commands() -> dict[str, list[str]]:
    """Every command line that runs the seqcast image: compose, Dockerfile CMDs, Kubernetes."""
    commands = {f"compose:{n}": as_argv(s["command"]) for n, s in seqcast_services().items()}
    for path in DEPLOY.glob("*.Dockerfile"):
        cmds = [rest for instruction, rest in final_stage(path) if instruction == "CMD"]
        commands[path.name] = exec_form(cmds[-1])
    for folder, objects in (("base", base()), ("gpu", gpu_overlay())):
        for container in seqcast_containers(objects):
            commands[f"k8s/{folder}:{container['name']}"] = as_argv(container["command"])
    return commands


def test_seqcast_commands_are_console_scripts_with_real_subcommands():
    scripts = pyproject()["project"]["scripts"]
    commands = all_seqcast_commands()
    wanted = {f"compose:{n}" for n in ("api", "migrate", "worker", "worker-cpu")}
    assert wanted <= set(commands)
    helps: dict[tuple[str, str], str] = {}
    for where, argv in commands.items():
        assert argv[0] in scripts, f"{where}: {argv[0]!r} is not a console script of the package"
        assert len(argv) > 1 and not argv[1].startswith("-"), f"{where}: no subcommand"
        key = (argv[0], argv[1])
        if key not in helps:
            # Exactly what the console script runs, so argparse or typer alike answer `--help`.
            module, func = scripts[argv[0]].split(":")
            code = f"import sys; from {module} import {func} as m; sys.argv[0] = {argv[0]!r}; m()"
            done = subprocess.run(
                [sys.executable, "-c", code, argv[1], "--help"],
                cwd=ROOT,
                capture_output=True,
                text=True,
                timeout=60,
            )
            assert done.returncode == 0, f"{where}: `{argv[0]} {argv[1]} --help`: {done.stderr}"
            helps[key] = done.stdout
        for option in (a.split("=")[0] for a in argv[2:] if a.startswith("--")):
            assert option in helps[key], f"{where}: `{argv[0]} {argv[1]}` has no {option}"


def seqcast_env_sources() -> dict[str, dict[str, str]]:
    """Every place a SEQCAST_* variable is set, with the variables it sets."""
    sources = {f"compose:{n}": env_dict(s.get("environment")) for n, s in services().items()}
    for path in DEPLOY.glob("*.Dockerfile"):
        env: dict[str, str] = {}
        for instruction, rest in dockerfile(path):
            if instruction == "ENV":
                env |= dict(pair.split("=", 1) for pair in shlex.split(rest))
        sources[path.name] = env
    for folder, objects in (("base", base()), ("gpu", gpu_overlay())):
        for (kind, name), obj in objects.items():
            if kind in ("ConfigMap", "Secret"):
                data = obj.get("data", {}) | obj.get("stringData", {})
                sources[f"k8s/{folder}:{kind}/{name}"] = {k: str(v) for k, v in data.items()}
            for container in containers(obj):
                env = {e["name"]: str(e.get("value", "")) for e in container.get("env", [])}
                sources[f"k8s/{folder}:{name}/{container['name']}"] = env
    return sources


def test_every_seqcast_variable_is_a_settings_field():
    seen = 0
    for where, env in seqcast_env_sources().items():
        for key in env:
            if key.startswith("SEQCAST_"):
                seen += 1
                assert key in SETTINGS_ENV, f"{where}: {key} is not a field of app.config.Settings"
    assert seen >= 20  # the sources were really read


def settings_from(env: dict[str, str]) -> Settings:
    fields = {k.removeprefix("SEQCAST_").lower(): v for k, v in env.items() if k in SETTINGS_ENV}
    return Settings(**fields)


def test_seqcast_settings_values_parse():
    for name, service in seqcast_services().items():
        settings = settings_from(env_dict(service.get("environment")))
        assert settings.database_url.startswith("postgresql+psycopg://"), name
        assert settings.broker_url.startswith("redis://"), name
        assert not settings.local and settings.auth, name
    config = base()[("ConfigMap", "seqcast-config")]["data"]
    secret = base()[("Secret", "seqcast-secrets")]["stringData"]
    settings = settings_from(config | secret)
    assert settings.port == API_PORT and settings.host == "0.0.0.0"
    assert not settings.local and settings.auth


# --- docker compose ------------------------------------------------------------------------------


def test_compose_has_the_services():
    wanted = {"postgres", "redis", "migrate", "api", "worker", "worker-cpu", "flower", "prometheus"}
    assert wanted <= set(services())
    for name, service in services().items():
        if "build" in service:
            assert name in seqcast_services(), f"{name} builds an image that is not seqcast's"
            assert (ROOT / service["build"]["context"] / service["build"]["dockerfile"]).is_file()
    assert image_name(services()["api"]["image"]) == "seqcast/api"
    assert image_name(services()["migrate"]["image"]) == "seqcast/api"  # no torch needed
    assert as_argv(services()["migrate"]["command"])[:2] == ["seqcast", "migrate"]
    assert as_argv(services()["api"]["command"]) == ["seqcast", "api", "--host", "0.0.0.0"]
    for worker in ("worker", "worker-cpu"):
        assert image_name(services()[worker]["image"]) == "seqcast/worker"
        assert as_argv(services()[worker]["command"])[:2] == ["seqcast", "worker"]
    assert f"{API_PORT}:{API_PORT}" in services()["api"]["ports"]


def test_compose_depends_on_conditions():
    healthy = {"postgres": "service_healthy", "redis": "service_healthy"}
    after_migrate = healthy | {"migrate": "service_completed_successfully"}
    expected = {
        "migrate": {"postgres": "service_healthy"},
        "api": after_migrate,
        "worker": after_migrate,
        "worker-cpu": after_migrate,
    }
    for name, wanted in expected.items():
        depends = services()[name]["depends_on"]
        assert {k: v["condition"] for k, v in depends.items()} == wanted, name
    for name, service in services().items():
        for dependency, spec in (service.get("depends_on") or {}).items():
            if isinstance(spec, dict) and spec.get("condition") == "service_healthy":
                check = services()[dependency].get("healthcheck", {})
                assert check.get("test") and not check.get("disable"), f"{name} -> {dependency}"
    # A one-shot that restarted would never complete.
    assert services()["migrate"].get("restart", "no") == "no"


def healthcheck_text(service: str) -> str:
    test = services()[service]["healthcheck"]["test"]
    return " ".join(test) if isinstance(test, list) else test


def test_compose_healthchecks():
    assert "/healthz" in healthcheck_text("api")
    assert f":{API_PORT}/" in healthcheck_text("api")
    assert "pg_isready" in healthcheck_text("postgres")
    assert "redis-cli ping" in healthcheck_text("redis")
    for name, service in services().items():
        if name != "migrate":
            assert service.get("healthcheck", {}).get("test"), f"{name} has no healthcheck"


def test_compose_gpu_reservation_and_profiles():
    devices = services()["worker"]["deploy"]["resources"]["reservations"]["devices"]
    assert any(
        d.get("driver") == "nvidia" and d.get("count") == 1 and "gpu" in d.get("capabilities", [])
        for d in devices
    )
    assert services()["worker"]["profiles"] == ["gpu"]
    assert services()["worker-cpu"]["profiles"] == ["cpu"]
    assert "deploy" not in services()["worker-cpu"]
    # Everything else starts with either profile.
    assert [n for n, s in services().items() if "profiles" in s] == ["worker", "worker-cpu"]
    gpu_env = env_dict(services()["worker"]["environment"])
    cpu_env = env_dict(services()["worker-cpu"]["environment"])
    assert gpu_env["SEQCAST_TRAINING_DEVICE"] == "cuda"
    assert cpu_env["SEQCAST_TRAINING_DEVICE"] == "cpu"
    assert services()["worker"]["build"]["args"]["ORT"] == "gpu"
    assert services()["worker-cpu"]["build"]["args"]["ORT"] == "cpu"


def test_compose_named_volumes():
    declared = set(compose().get("volumes") or {})
    used: set[str] = set()
    for name, service in services().items():
        for volume in service.get("volumes", []):
            source = volume.split(":")[0] if isinstance(volume, str) else volume.get("source", "")
            if source.startswith((".", "/")):
                assert (ROOT / source).exists(), f"{name} mounts missing {source}"
            else:
                assert source in declared, f"{name} mounts undeclared volume {source!r}"
                used.add(source)
    assert {"pgdata", "artifacts"} <= used
    assert "pgdata:/var/lib/postgresql/data" in services()["postgres"]["volumes"]
    # API and workers share the artifacts at the path the settings point at.
    for name in ("api", "worker", "worker-cpu"):
        root = env_dict(services()[name]["environment"])["SEQCAST_ARTIFACT_ROOT"]
        assert f"artifacts:{root}" in services()[name]["volumes"], name


def test_prometheus_scrapes_api_and_workers():
    config = yaml.safe_load((DEPLOY / "prometheus" / "prometheus.yml").read_text())
    mounts = services()["prometheus"]["volumes"]
    assert "./deploy/prometheus/prometheus.yml:/etc/prometheus/prometheus.yml:ro" in mounts
    ports: dict[str, set[int]] = {}
    for job in config["scrape_configs"]:
        for sd in job.get("dns_sd_configs", []):
            for host in sd["names"]:
                ports.setdefault(host, set()).add(sd["port"])
        for static in job.get("static_configs", []):
            for target in static["targets"]:
                host, _, port = target.partition(":")
                if host != "localhost":
                    ports.setdefault(host, set()).add(int(port))
    for host in ports:
        assert host in services(), f"prometheus scrapes {host}, which is no compose service"
    assert ports["api"] == {API_PORT}
    for worker in ("worker", "worker-cpu"):
        assert ports[worker] == {WORKER_METRICS_PORT}
        assert str(WORKER_METRICS_PORT) in [str(p) for p in services()[worker]["expose"]]
    api_jobs = [j for j in config["scrape_configs"] if j["job_name"] == "seqcast-api"]
    assert api_jobs and api_jobs[0].get("metrics_path", "/metrics") == "/metrics"


# --- Dockerfiles ---------------------------------------------------------------------------------


def test_api_image_has_no_torch():
    path = DEPLOY / "api.Dockerfile"
    for build_args in dockerfile_builds()[path]:
        installed = pip_installs(path, build_args)
        assert "onnxruntime" in installed and "onnxruntime-gpu" not in installed
        assert "torch" not in installed
    text = " ".join(rest for instruction, rest in dockerfile(path) if instruction == "RUN")
    assert "torch" not in text
    assert not re.search(r"\.\[[^\]]*\b(worker|gpu)\b", text)


def test_no_image_installs_both_onnxruntimes():
    worker = DEPLOY / "worker.Dockerfile"
    builds = dockerfile_builds()
    assert len(builds[worker]) == 3  # default + compose's gpu and cpu builds
    for path, variants in builds.items():
        for build_args in variants:
            assert set(build_args) <= set(dockerfile_args(path)), f"{path.name}: undeclared ARG"
            installed = pip_installs(path, build_args)
            flavours = installed & {"onnxruntime", "onnxruntime-gpu"}
            assert len(flavours) == 1, f"{path.name} {build_args}: {flavours}"
            if path == worker:
                assert {"torch", "onnx"} <= installed
                gpu = (dockerfile_args(path) | build_args)["ORT"] == "gpu"
                assert flavours == {"onnxruntime-gpu" if gpu else "onnxruntime"}


def dockerignore() -> list[str]:
    lines = (ROOT / ".dockerignore").read_text().splitlines()
    return [line.strip() for line in lines if line.strip() and not line.startswith("#")]


def test_dockerfiles_are_multi_stage_non_root_with_healthchecks():
    ignored = dockerignore()
    paths = sorted(DEPLOY.glob("*.Dockerfile"))
    assert [p.name for p in paths] == ["api.Dockerfile", "worker.Dockerfile"]
    for path in paths:
        instructions = dockerfile(path)
        assert sum(i == "FROM" for i, _ in instructions) >= 2, f"{path.name}: one stage"
        final = final_stage(path)
        users = [rest for instruction, rest in final if instruction == "USER"]
        assert users and users[-1].split(":")[0] not in ("root", "0"), path.name
        assert any(i == "HEALTHCHECK" for i, _ in final), path.name
        assert any(i == "COPY" and "--from=builder" in rest for i, rest in final), path.name
        for instruction, rest in instructions:
            if instruction == "COPY" and not rest.startswith("--from"):
                for source in rest.split()[:-1]:
                    assert (ROOT / source).exists(), f"{path.name}: COPY {source} missing"
                    assert not any(fnmatch.fnmatch(source, p) for p in ignored), source
    # pyproject's readme is read when the package is built inside the image.
    assert pyproject()["project"]["readme"] not in ignored


def test_one_uid_writes_the_shared_artifacts():
    users = {p.name: final_stage(p) for p in DEPLOY.glob("*.Dockerfile")}
    uids = {[r for i, r in stage if i == "USER"][-1] for stage in users.values()}
    assert len(uids) == 1
    uid = int(uids.pop().split(":")[0])
    for obj in base().values():
        if pod_spec(obj) is not None:
            security = pod_spec(obj)["securityContext"]
            assert security["runAsNonRoot"] and security["runAsUser"] == uid, obj["metadata"]
            if any(v.get("persistentVolumeClaim") for v in pod_spec(obj).get("volumes", [])):
                assert security["fsGroup"] == uid


# --- Kubernetes ----------------------------------------------------------------------------------


@pytest.mark.parametrize("folder", ["base", "overlays/gpu"])
def test_k8s_manifests_match_the_schemas(folder: str):
    objects = base() if folder == "base" else gpu_overlay()
    assert objects
    for (kind, name), obj in objects.items():
        try:
            kubernetes_validate.validate(obj, K8S_VERSION, strict=True)
        except kubernetes_validate.ValidationError as exc:
            pytest.fail(f"{folder} {kind}/{name}: {exc.message} at {list(exc.path)}")


@pytest.mark.skipif(shutil.which("kubectl") is None, reason="kubectl not installed")
@pytest.mark.parametrize("folder", ["base", "overlays/gpu"])
def test_render_matches_kubectl_kustomize(folder: str):
    """Where kubectl is at hand, its built-in kustomize (offline) renders what render() does."""
    done = subprocess.run(
        ["kubectl", "kustomize", str(K8S / folder)], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    rendered = by_kind_name([d for d in yaml.safe_load_all(done.stdout) if d])
    assert rendered == (base() if folder == "base" else gpu_overlay())


def test_k8s_base_resources():
    objects = base()
    for key in [
        ("Deployment", "seqcast-api"),
        ("Service", "seqcast-api"),
        ("HorizontalPodAutoscaler", "seqcast-api"),
        ("Deployment", "seqcast-worker"),
        ("Job", "seqcast-migrate"),
        ("ConfigMap", "seqcast-config"),
        ("Secret", "seqcast-secrets"),
        ("PersistentVolumeClaim", "seqcast-artifacts"),
    ]:
        assert key in objects, key
    hpa = objects[("HorizontalPodAutoscaler", "seqcast-api")]
    assert hpa["apiVersion"] == "autoscaling/v2"
    assert hpa["spec"]["scaleTargetRef"] == {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "name": "seqcast-api",
    }
    assert objects[("PersistentVolumeClaim", "seqcast-artifacts")]["spec"]["accessModes"] == [
        "ReadWriteMany"
    ]
    secret = objects[("Secret", "seqcast-secrets")]["stringData"]
    assert {"SEQCAST_DATABASE_URL", "SEQCAST_BROKER_URL"} <= set(secret)
    config = objects[("ConfigMap", "seqcast-config")]["data"]
    assert not [k for k in config if k.endswith("_URL")], "URLs carry credentials: Secret"
    (migrate,) = pod_spec(objects[("Job", "seqcast-migrate")])["containers"]
    assert migrate["command"] == ["seqcast", "migrate"]


def test_k8s_api_probes_service_and_wiring():
    objects = base()
    api = objects[("Deployment", "seqcast-api")]
    (container,) = api["spec"]["template"]["spec"]["containers"]
    ports = {p["name"]: p["containerPort"] for p in container["ports"]}
    assert ports == {"http": API_PORT}
    for probe, path in (("livenessProbe", "/healthz"), ("readinessProbe", "/readyz")):
        assert container[probe]["httpGet"]["path"] == path
        assert container[probe]["httpGet"]["port"] in ("http", API_PORT)
    service = objects[("Service", "seqcast-api")]
    labels = api["spec"]["template"]["metadata"]["labels"]
    assert service["spec"]["selector"].items() <= labels.items()
    assert api["spec"]["selector"]["matchLabels"].items() <= labels.items()
    assert all(
        p["targetPort"] in ports or p["targetPort"] in ports.values()
        for p in service["spec"]["ports"]
    )


def test_k8s_pods_have_resources_config_and_the_shared_volume():
    objects = base()
    root = objects[("ConfigMap", "seqcast-config")]["data"]["SEQCAST_ARTIFACT_ROOT"]
    for (kind, name), obj in objects.items():
        spec = pod_spec(obj)
        if spec is None:
            continue
        # Service links would put SEQCAST_*-prefixed variables into the settings' namespace.
        assert spec.get("enableServiceLinks") is False, name
        for container in containers(obj):
            resources = container["resources"]
            assert resources["requests"] and resources["limits"], f"{name}/{container['name']}"
            refs = {next(iter(ref)): ref[next(iter(ref))]["name"] for ref in container["envFrom"]}
            assert (("ConfigMap", refs["configMapRef"]) in objects) and (
                ("Secret", refs["secretRef"]) in objects
            ), name
        if kind == "Deployment" and name != "seqcast-beat":  # beat reads no artifacts
            claims = {
                v["name"]: v["persistentVolumeClaim"]["claimName"]
                for v in spec["volumes"]
                if "persistentVolumeClaim" in v
            }
            assert list(claims.values()) == ["seqcast-artifacts"], name
            mounts = {m["mountPath"]: m["name"] for m in spec["containers"][0]["volumeMounts"]}
            assert mounts.get(root) in claims, f"{name} does not mount the artifacts at {root}"


def test_k8s_images_are_the_compose_images():
    compose_images = {image_name(s["image"]) for s in seqcast_services().values()}
    for objects in (base(), gpu_overlay()):
        assert {image_name(c["image"]) for c in seqcast_containers(objects)} == compose_images


def worker_container(objects: dict) -> dict:
    (container,) = pod_spec(objects[("Deployment", "seqcast-worker")])["containers"]
    return container


def test_k8s_worker_metrics_port():
    worker = base()[("Deployment", "seqcast-worker")]
    assert worker["spec"]["template"]["metadata"]["annotations"]["prometheus.io/port"] == str(
        WORKER_METRICS_PORT
    )
    assert {p["containerPort"] for p in worker_container(base())["ports"]} == {WORKER_METRICS_PORT}
    assert any(
        i == "EXPOSE" and str(WORKER_METRICS_PORT) in rest
        for i, rest in dockerfile(DEPLOY / "worker.Dockerfile")
    )


def test_beat_is_one_process_on_the_api_image():
    """Exactly one beat (two would fire every schedule twice): compose's service and the k8s
    Deployment, never rolled with two replicas, on the torch-free image, health-checked by the
    file beat touches when it reads the schedules."""
    beat = services()["beat"]
    assert image_name(beat["image"]) == "seqcast/api"
    assert as_argv(beat["command"]) == ["seqcast", "beat"]
    assert "deploy" not in beat and "scale" not in beat and "profiles" not in beat
    assert {k: v["condition"] for k, v in beat["depends_on"].items()} == {
        "postgres": "service_healthy",
        "redis": "service_healthy",
        "migrate": "service_completed_successfully",
    }
    deployment = base()[("Deployment", "seqcast-beat")]
    assert deployment["spec"]["replicas"] == 1
    assert deployment["spec"]["strategy"] == {"type": "Recreate"}
    (container,) = pod_spec(deployment)["containers"]
    assert container["command"] == ["seqcast", "beat"]
    assert image_name(container["image"]) == "seqcast/api"
    from workers.beat import ALIVE_FILE

    probe = " ".join(container["livenessProbe"]["exec"]["command"])
    assert str(ALIVE_FILE) in probe and str(ALIVE_FILE) in healthcheck_text("beat")


def test_gpu_overlay_patches_only_the_worker():
    spec = kustomization(K8S / "overlays" / "gpu")
    for patch in spec["patches"]:
        body = yaml.safe_load((K8S / "overlays" / "gpu" / patch["path"]).read_text())
        assert (body["kind"], body["metadata"]["name"]) in base(), "patch target not in base"
    assert {i["name"] for i in spec["images"]} <= {
        image_name(c["image"]) for c in seqcast_containers(base())
    }

    base_worker, gpu_worker = worker_container(base()), worker_container(gpu_overlay())
    assert "nvidia.com/gpu" not in str(base_worker["resources"])
    assert base_worker["image"].endswith("-cpu") and gpu_worker["image"].endswith("-gpu")
    for part in ("requests", "limits"):
        assert int(gpu_worker["resources"][part]["nvidia.com/gpu"]) == 1
        # The base CPU and memory survive the merge.
        assert {"cpu", "memory"} <= set(gpu_worker["resources"][part])
    pod = gpu_overlay()[("Deployment", "seqcast-worker")]["spec"]["template"]["spec"]
    assert any(t["key"] == "nvidia.com/gpu" for t in pod["tolerations"])
    assert pod["nodeSelector"]
    assert {"name": "SEQCAST_TRAINING_DEVICE", "value": "cuda"} in gpu_worker["env"]
    assert gpu_worker["envFrom"] == base_worker["envFrom"]
    # Nothing but the worker changes.
    for key, obj in base().items():
        if key != ("Deployment", "seqcast-worker"):
            assert gpu_overlay()[key] == obj, key


# --- alert rules and the Grafana dashboard -------------------------------------------------------

PROMETHEUS = DEPLOY / "prometheus"
GRAFANA = DEPLOY / "grafana"
METRIC_TYPES = {"Counter", "Gauge", "Histogram", "Summary"}
# Labels Prometheus attaches to every scraped series, and series it makes itself.
TARGET_LABELS = {"job", "instance"}
PROMETHEUS_SERIES = {"up": set(), "ALERTS": {"alertname", "alertstate", "severity"}}
PROMQL_WORDS = {"and", "or", "unless", "bool", "offset", "inf", "nan"}
GROUPING = re.compile(r"\b(by|without|on|ignoring|group_left|group_right)\s*\(([^)]*)\)")
SELECTOR = re.compile(r"(?<![\w:.$])([A-Za-z_:][\w:]*)(?![\w:])\s*(\{[^}]*\})?(?!\s*\()")
MATCHER = re.compile(r'(\w+)\s*(=~|!~|!=|=)\s*"([^"]*)"')
DURATION = re.compile(r"^(\d+(ms|s|m|h|d|w|y))+$")


@cache
def defined_metrics() -> dict[str, set[str]]:
    """Every series name the code exposes (app/, workers/), with its labels. Read from the source,
    so the families a collector yields at scrape time count too; the exposed names (`_total`,
    `_bucket`, ...) are what prometheus_client itself makes of each definition."""
    series: dict[str, set[str]] = {}
    for path in sorted([*(ROOT / "app").rglob("*.py"), *(ROOT / "workers").rglob("*.py")]):
        for node in ast.walk(ast.parse(path.read_text())):
            if not isinstance(node, ast.Call):
                continue
            func = node.func
            kind = func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")
            kind = kind.removesuffix("MetricFamily")
            strings = [a.value for a in node.args[:2] if isinstance(a, ast.Constant)]
            if (
                kind not in METRIC_TYPES
                or len(strings) < 2
                or not all(isinstance(v, str) for v in strings)
            ):
                continue  # e.g. collections.Counter
            labels: list[str] = []
            for keyword in node.keywords:
                if keyword.arg in ("labelnames", "labels"):
                    labels = ast.literal_eval(keyword.value)
            if len(node.args) > 2:
                labels = ast.literal_eval(node.args[2])
            registry = prometheus_client.CollectorRegistry()
            getattr(prometheus_client, kind)(strings[0], strings[1], registry=registry)
            for family in registry.collect():
                for sample in family.samples:
                    extra = {"le"} if sample.name.endswith("_bucket") else set()
                    series[sample.name] = set(labels) | extra
    return series


def known_series() -> dict[str, set[str]]:
    return {**PROMETHEUS_SERIES, **defined_metrics()}


def scrape_jobs() -> set[str]:
    config = yaml.safe_load((PROMETHEUS / "prometheus.yml").read_text())
    return {job["job_name"] for job in config["scrape_configs"]}


def selectors(expr: str) -> list[tuple[str, dict[str, str]]]:
    """(metric, {label: value}) of every series selector in a PromQL expression."""
    text = re.sub(r"\[[^\]]*\]", "", GROUPING.sub("", expr))  # ranges, by (...) and the like
    found = []
    for match in SELECTOR.finditer(text):
        if match[1] in PROMQL_WORDS:
            continue
        matchers = {m[1]: m[3] for m in MATCHER.finditer(match[2] or "")}
        found.append((match[1], matchers))
    return found


def result_labels(expr: str) -> set[str]:
    """Labels an expression's result can carry: those kept by every aggregation, else those of
    the series it selects (an approximation, enough for legends and annotations)."""
    groups = [
        {label.strip() for label in m[2].split(",") if label.strip()}
        for m in GROUPING.finditer(expr)
        if m[1] == "by"
    ]
    if groups:
        return set.intersection(*groups) - {"le"}
    series = known_series()
    return TARGET_LABELS | {label for name, _ in selectors(expr) for label in series[name]}


def check_expr(expr: str, where: str) -> set[str]:
    """Every metric, label and job an expression names exists; returns its metrics."""
    series = known_series()
    found = selectors(expr)
    assert found, f"{where}: no metric in {expr!r}"
    for name, matchers in found:
        assert name in series, f"{where}: {name} is not a metric the code defines"
        unknown = set(matchers) - series[name] - TARGET_LABELS - {"__name__"}
        assert not unknown, f"{where}: {name} has no label {unknown}"
        if "job" in matchers:
            assert set(matchers["job"].split("|")) <= scrape_jobs(), f"{where}: no such job"
    names = {name for name, _ in found}
    labels = TARGET_LABELS | {"le"} | {label for name in names for label in series[name]}
    for match in GROUPING.finditer(expr):
        grouped = {label.strip() for label in match[2].split(",") if label.strip()}
        assert grouped <= labels, f"{where}: {match[1]} ({grouped - labels}) on {names}"
    return names


def test_expression_checker_catches_what_it_should():
    """The checker above, on known-bad expressions (a typo would otherwise pass silently)."""
    good = 'sum by (model) (rate(seqcast_inference_requests_total{status="503"}[5m])) > 0'
    assert check_expr(good, "good") == {"seqcast_inference_requests_total"}
    for bad in (
        "rate(seqcast_inference_requests[5m])",  # no `_total`
        'seqcast_queue_depth{modle="m"}',
        "sum by (route) (seqcast_queue_depth)",
        'up{job="seqcast-apu"}',
    ):
        with pytest.raises(AssertionError):
            check_expr(bad, "bad")
    assert result_labels(good) == {"model"}


# Prometheus' rule-file schema (rulefmt): anything else is refused at load.
GROUP_KEYS = {"name", "interval", "limit", "query_offset", "rules"}
RULE_KEYS = {"alert", "record", "expr", "for", "keep_firing_for", "labels", "annotations"}


@cache
def alert_rules() -> list[dict]:
    rules = yaml.safe_load((PROMETHEUS / "alerts.yml").read_text())
    assert set(rules) == {"groups"}
    return [rule for group in rules["groups"] for rule in group["rules"]]


def test_alert_rules_have_the_rule_file_structure():
    groups = yaml.safe_load((PROMETHEUS / "alerts.yml").read_text())["groups"]
    names = [g["name"] for g in groups]
    assert len(names) == len(set(names)), "group names must be unique"
    for group in groups:
        assert set(group) <= GROUP_KEYS and group["rules"], group["name"]
        for rule in group["rules"]:
            assert set(rule) <= RULE_KEYS, rule
            assert ("alert" in rule) != ("record" in rule), rule
            assert isinstance(rule["expr"], str) and rule["expr"].strip()
            assert DURATION.match(rule.get("for", "0s")), rule.get("for")
    alerts = [r["alert"] for r in alert_rules()]
    assert len(alerts) == len(set(alerts)), "alert names must be unique"
    for rule in alert_rules():
        assert rule["labels"]["severity"] in ("warning", "critical"), rule["alert"]
        assert {"summary", "description"} <= set(rule["annotations"]), rule["alert"]


def test_alert_rules_name_real_metrics_and_labels():
    used: set[str] = set()
    for rule in alert_rules():
        used |= check_expr(rule["expr"], rule["alert"])
        for text in rule["annotations"].values():
            for label in re.findall(r"\$labels\.(\w+)", text):
                assert label in result_labels(rule["expr"]), f"{rule['alert']}: $labels.{label}"
    # What the operators' kit promises: a full queue, failing jobs, a slow p99, a target down.
    assert {
        "seqcast_inference_requests_total",
        "seqcast_queue_depth",
        "seqcast_inference_request_duration_seconds_bucket",
        "seqcast_training_jobs_finished_total",
        "up",
    } <= used


def test_queue_alert_threshold_follows_the_default_queue_limit():
    (rule,) = [r for r in alert_rules() if r["alert"] == "SeqcastBatchQueueNearlyFull"]
    threshold = float(re.search(r">\s*([\d.]+)\s*$", rule["expr"].strip())[1])
    assert threshold == 0.75 * Settings.model_fields["batch_max_queue"].default


def test_live_accuracy_alert_once_the_gauge_exists():
    """No placeholder rule for a metric that does not exist; once it does, an alert uses it."""
    gauge = "seqcast_live_mase_ratio"
    alerted = any(gauge in rule["expr"] for rule in alert_rules())
    assert alerted == (gauge in defined_metrics())


def test_prometheus_loads_the_alert_rules():
    config = yaml.safe_load((PROMETHEUS / "prometheus.yml").read_text())
    mounts = services()["prometheus"]["volumes"]
    config_path = next(m.split(":")[1] for m in mounts if m.endswith("/prometheus.yml:ro"))
    for rule_file in config["rule_files"]:
        target = str(Path(config_path).parent / rule_file)
        assert f"./deploy/prometheus/{rule_file}:{target}:ro" in mounts, rule_file
        assert (PROMETHEUS / rule_file).is_file()


def test_every_alert_has_a_promtool_unit_test():
    tests = yaml.safe_load((PROMETHEUS / "alerts.test.yml").read_text())
    assert tests["rule_files"] == ["alerts.yml"]
    fired = {
        case["alertname"]
        for test in tests["tests"]
        for case in test["alert_rule_test"]
        if case["exp_alerts"]
    }
    assert fired == {r["alert"] for r in alert_rules()}
    for test in tests["tests"]:
        for series in test["input_series"]:
            check_expr(series["series"], "alerts.test.yml")


PROMTOOL = shutil.which("promtool")
needs_promtool = pytest.mark.skipif(
    PROMTOOL is None, reason="promtool not installed (Debian: apt-get install prometheus)"
)


@needs_promtool
def test_promtool_checks_the_config_and_rules():
    result = subprocess.run(
        [PROMTOOL, "check", "config", str(PROMETHEUS / "prometheus.yml")],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr


@needs_promtool
def test_promtool_alert_unit_tests_pass():
    result = subprocess.run(
        [PROMTOOL, "test", "rules", "alerts.test.yml"],
        cwd=PROMETHEUS,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr


@cache
def grafana_datasource() -> dict:
    provisioning = yaml.safe_load(
        (GRAFANA / "provisioning" / "datasources" / "prometheus.yml").read_text()
    )
    assert provisioning["apiVersion"] == 1
    (datasource,) = provisioning["datasources"]
    return datasource


def dashboards() -> dict[str, dict]:
    provider = yaml.safe_load((GRAFANA / "provisioning" / "dashboards" / "seqcast.yml").read_text())
    assert provider["apiVersion"] == 1
    (source,) = provider["providers"]
    assert source["type"] == "file"
    mounts = {m.split(":")[1]: m.split(":")[0] for m in services()["grafana"]["volumes"]}
    folder = ROOT / mounts[source["options"]["path"]]
    found = {p.name: json.loads(p.read_text()) for p in sorted(folder.glob("*.json"))}
    assert found, f"no dashboard in {folder}"
    return found


def test_grafana_is_provisioned_with_the_compose_prometheus():
    grafana = services()["grafana"]
    mounts = grafana["volumes"]
    for kind in ("datasources", "dashboards"):
        source = f"./deploy/grafana/provisioning/{kind}"
        assert f"{source}:/etc/grafana/provisioning/{kind}:ro" in mounts
    assert grafana["depends_on"]["prometheus"]["condition"] == "service_healthy"
    assert all(port.startswith("127.0.0.1:") for port in grafana["ports"])
    home = env_dict(grafana["environment"])["GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH"]
    assert Path(home).name in dashboards()

    datasource = grafana_datasource()
    assert datasource["type"] == "prometheus"
    host, port = re.fullmatch(r"http://([\w-]+):(\d+)", datasource["url"]).groups()
    assert host in services() and host == "prometheus"
    assert any(p.endswith(f":{port}") for p in services()[host]["ports"])


GRAFANA_PANELS = {"timeseries", "stat", "table", "gauge", "bargauge", "text"}


@pytest.mark.parametrize("name", sorted(dashboards()))
def test_dashboard_panels_query_real_metrics(name: str):
    dashboard = dashboards()[name]
    assert dashboard["uid"] and dashboard["title"] and dashboard["schemaVersion"] >= 36
    assert dashboard.get("id") is None, "a provisioned dashboard carries no database id"
    source = {"type": "prometheus", "uid": grafana_datasource()["uid"]}
    variables = {v["name"]: v for v in dashboard["templating"]["list"]}
    for variable in variables.values():
        if variable["type"] == "query":
            assert variable["datasource"] == source
            query = variable["query"]["query"] if isinstance(variable["query"], dict) else ""
            metric, label = re.fullmatch(r"label_values\((\w+),\s*(\w+)\)", query).groups()
            assert label in known_series()[metric], query

    ids = [p["id"] for p in dashboard["panels"]]
    assert len(ids) == len(set(ids)), "panel ids must be unique"
    cells: set[tuple[int, int]] = set()
    for panel in dashboard["panels"]:
        grid = panel["gridPos"]
        assert grid["w"] >= 1 and grid["x"] + grid["w"] <= 24, panel["title"]
        area = {(x, y) for x in range(grid["x"], grid["x"] + grid["w"])
                for y in range(grid["y"], grid["y"] + grid["h"])}  # fmt: skip
        assert not cells & area, f"{panel['title']} overlaps another panel"
        cells |= area
        if panel["type"] == "row":
            continue
        where = f"{name}: {panel['title']}"
        assert panel["type"] in GRAFANA_PANELS, where
        assert panel["datasource"] == source, where
        assert panel["targets"], where
        ref_ids = [t["refId"] for t in panel["targets"]]
        assert len(ref_ids) == len(set(ref_ids)), where
        for target in panel["targets"]:
            assert target.get("datasource", source) == source, where
            expr = target["expr"]
            check_expr(expr, where)
            for used in re.findall(r"\$(\w+)", expr):
                assert used.startswith("__") or used in variables, f"{where}: ${used}"
            for label in re.findall(r"\{\{\s*(\w+)\s*\}\}", target.get("legendFormat", "")):
                assert label in result_labels(expr), f"{where}: legend {{{{{label}}}}}"
