"""The class deployment on JupyterHub (deploy/jupyterhub/): no cluster, no network, no chart.

config.yaml is parsed and every setting is checked where Zero to JupyterHub 4.x reads it: its keys
against the chart's values schema (transcribed below), the learner's and the instructor's settings
on the parsed values, and the hub.extraConfig that keeps the instructor profile from learners is
run against stand-in spawners. deploy/jupyterhub/nbgrader_config.py is loaded with traitlets.
"""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pytest
import yaml
from traitlets.config import Config, PyFileConfigLoader

ROOT = Path(__file__).resolve().parent.parent
DEPLOY = ROOT / "deploy" / "jupyterhub"
REPO_IN_IMAGE = "/srv/repo"  # jupyter-repo2docker --target-repo-dir
HOME = "/home/jovyan"  # singleuser.storage.homeMountPath (the chart's default)
EXCHANGE = "/srv/nbgrader/exchange"
SECRET_REF = {"valueFrom": {"secretKeyRef": {"name": "bp2yolo-gradebook", "key": "url"}}}

# The chart's values, as its values.schema.yaml declares them (additionalProperties: false at each
# level, so helm refuses any other key): the part this deployment may use. ... is a free-form value
# (a passthrough, a list, Kubernetes' own objects); None is a leaf.
_IMAGE = {"name": None, "tag": None, "pullPolicy": None, "pullSecrets": ...}
Z2JH_4_VALUES = {
    "hub": {
        "config": ..., "extraConfig": ..., "extraEnv": ..., "extraFiles": ..., "loadRoles": ...,
        "services": ..., "db": ..., "image": _IMAGE, "resources": ..., "networkPolicy": ...,
        "baseUrl": None, "cookieSecret": None, "allowNamedServers": None,
        "concurrentSpawnLimit": None, "activeServerLimit": None, "shutdownOnLogout": None,
    },
    "proxy": {"https": ..., "service": ..., "chp": ..., "traefik": ...},
    "singleuser": {
        "image": _IMAGE,
        "memory": {"limit": None, "guarantee": None},
        "cpu": {"limit": None, "guarantee": None},
        "cmd": None, "defaultUrl": None, "extraEnv": ..., "profileList": ..., "extraFiles": ...,
        "storage": {
            "type": None, "capacity": None, "homeMountPath": None, "extraLabels": ...,
            "extraVolumes": ..., "extraVolumeMounts": ..., "dynamic": ..., "static": ...,
        },
        "networkPolicy": ..., "lifecycleHooks": ..., "initContainers": ..., "extraContainers": ...,
        "extraLabels": ..., "extraAnnotations": ..., "extraPodConfig": ..., "extraResource": ...,
        "nodeSelector": ..., "extraTolerations": ..., "cloudMetadata": ..., "uid": None,
        "fsGid": None, "startTimeout": None, "allowPrivilegeEscalation": None,
        "serviceAccountName": None, "podNameTemplate": None, "events": None,
    },
    "ingress": ..., "cull": ..., "prePuller": ..., "scheduling": ..., "custom": ..., "debug": ...,
}
# What a KubeSpawner 7 profile may hold (its profile_list help), plus this deployment's own key.
PROFILE_KEYS = {"display_name", "slug", "description", "default", "kubespawner_override",
                "profile_options", "allowed_groups"}
# The Spawner / KubeSpawner traits the instructor profile overrides (JupyterHub 5, KubeSpawner 7).
SPAWNER_TRAITS = {"cmd", "args", "notebook_dir", "default_url", "environment", "mem_limit",
                  "mem_guarantee", "cpu_limit", "cpu_guarantee", "extra_labels"}


@pytest.fixture(scope="module")
def values() -> dict:
    return yaml.safe_load((DEPLOY / "config.yaml").read_text())


def nbgrader_config() -> Config:
    return PyFileConfigLoader("nbgrader_config.py", path=str(DEPLOY)).load_config()


def profile(values: dict, slug: str) -> dict:
    [found] = [p for p in values["singleuser"]["profileList"] if p["slug"] == slug]
    return found


def in_repo(image_path: str) -> Path:
    """Where a path of the image's copy of the repository (/srv/repo/...) is in this checkout."""
    assert image_path.startswith(REPO_IN_IMAGE + "/"), image_path
    return ROOT / image_path.removeprefix(REPO_IN_IMAGE + "/")


def unknown_keys(value: object, schema: object, where: str = "") -> list[str]:
    """The key paths of value that the schema tree does not have."""
    if schema is ...:
        return []
    if schema is None:
        return [f"{where} (a leaf in the chart, here a mapping)"] if isinstance(value, dict) else []
    if not isinstance(value, dict):
        return [f"{where} (a mapping in the chart, here {type(value).__name__})"]
    found = []
    for key, sub in value.items():
        path = f"{where}.{key}" if where else key
        found += unknown_keys(sub, schema[key], path) if key in schema else [path]
    return found


def visible_profiles(values: dict, *groups: str) -> list[str]:
    """Run hub.extraConfig as the hub does after the chart sets c.KubeSpawner.profile_list, then
    ask the resulting profile_list which profiles a user in these groups is offered."""
    c = Config()
    c.KubeSpawner.profile_list = values["singleuser"]["profileList"]
    for name, source in sorted(values["hub"].get("extraConfig", {}).items()):
        exec(compile(source, name, "exec"), {"c": c})  # our own snippet, as the hub runs it
    profiles = c.KubeSpawner.profile_list
    assert callable(profiles), "hub.extraConfig must replace profile_list with a function"
    user = SimpleNamespace(groups=[SimpleNamespace(name=group) for group in groups])
    offered = profiles(SimpleNamespace(user=user))
    assert all("allowed_groups" not in p for p in offered), "KubeSpawner must not see our key"
    return [p["slug"] for p in offered]


def test_config_parses_and_uses_only_keys_the_chart_has(values):
    assert len((DEPLOY / "config.yaml").read_text().splitlines()) < 200
    assert unknown_keys(values, Z2JH_4_VALUES) == []
    for entry in values["singleuser"]["profileList"]:
        assert set(entry) <= PROFILE_KEYS, entry["display_name"]
        assert set(entry.get("kubespawner_override", {})) <= SPAWNER_TRAITS


def test_the_key_check_catches_a_misplaced_key(values):
    wrong = {"singleuser": {"image": {"name": "x", "tags": "y"}, "extraVolumes": []}}
    assert unknown_keys(wrong, Z2JH_4_VALUES) == ["singleuser.image.tags",
                                                  "singleuser.extraVolumes"]


def test_the_learner_image_is_this_repository_built_by_repo2docker(values):
    image = values["singleuser"]["image"]
    assert (image["name"], image["tag"]) == ("registry.example.org/bp2yolo/learner", "COMMIT")
    text = (DEPLOY / "config.yaml").read_text()
    assert "jupyter-repo2docker --no-run --user-id 1000 --user-name jovyan" in text
    assert f"--target-repo-dir {REPO_IN_IMAGE} --image-name {image['name']}:COMMIT ." in text
    # repo2docker reads binder/, and environment.yml installs the same file.
    assert (ROOT / "binder" / "postBuild").is_file()
    assert "-r binder/requirements.txt" in (ROOT / "environment.yml").read_text()


def test_learners_get_the_config_of_make_lab_on_their_own_workspace(values):
    single = values["singleuser"]
    learner_path, exchange_path = single["extraEnv"]["JUPYTER_CONFIG_PATH"].split(":")
    assert in_repo(learner_path) == ROOT / "jupyter" / "learner"
    assert (in_repo(learner_path) / "labconfig" / "page_config.json").is_file()
    assert (in_repo(exchange_path) / "nbgrader_config.py").is_file()
    assert in_repo(exchange_path) == DEPLOY
    # The start copies the course into ~/workspace and serves it, where the default URL is.
    shell, flag, script, name = single["cmd"]
    assert (shell, flag, name) == ("bash", "-c", "bp2yolo-learner")
    assert script.startswith('python "$REPO_DIR/tools/workspace.py" --workspace "$HOME/workspace"')
    assert script.endswith('&& cd "$HOME/workspace" && exec jupyterhub-singleuser "$@"')
    assert (ROOT / "tools" / "workspace.py").is_file()
    assert single["defaultUrl"] == "/lab/tree/course/00_start_here.ipynb"
    assert (ROOT / "course" / "00_start_here.ipynb").is_file()
    assert "--LabApp.default_url=/lab/tree/course/00_start_here.ipynb" in \
        (ROOT / "Makefile").read_text()
    learner = profile(values, "learner")
    assert learner["default"] is True
    assert set(learner) == {"display_name", "slug", "description", "default"}  # no overrides


def test_the_exchange_is_mounted_for_everyone(values):
    storage = values["singleuser"]["storage"]
    assert {"name": "nbgrader-exchange",
            "persistentVolumeClaim": {"claimName": "nbgrader-exchange"}} in storage["extraVolumes"]
    assert {"name": "nbgrader-exchange", "mountPath": EXCHANGE} in storage["extraVolumeMounts"]
    assert nbgrader_config().Exchange.root == EXCHANGE  # where nbgrader looks for it
    for entry in values["singleuser"]["profileList"]:  # no profile replaces the mounts
        assert not {"volumes", "volume_mounts"} & set(entry.get("kubespawner_override", {}))


def test_the_instructor_profile_is_for_the_group_instructors_only(values):
    instructor = profile(values, "instructor")
    assert instructor["allowed_groups"] == ["instructors"]
    assert not instructor.get("default")
    groups = values["hub"]["config"]["JupyterHub"]["load_groups"]
    assert list(groups) == ["instructors"] and groups["instructors"]["users"]
    assert visible_profiles(values) == ["learner"]
    assert visible_profiles(values, "teaching-assistants") == ["learner"]
    assert visible_profiles(values, "instructors") == ["learner", "instructor"]


def test_the_instructor_profile_has_the_instructor_tools(values):
    override = profile(values, "instructor")["kubespawner_override"]
    assert override["args"] == [
        "--ServerApp.jpserver_extensions=nbgrader.server_extensions.formgrader=True"]
    assert "--ServerApp.jpserver_extensions=nbgrader.server_extensions.formgrader=True" in \
        (ROOT / "Makefile").read_text()  # what `make formgrader` passes
    grading, exchange_path = override["environment"]["JUPYTER_CONFIG_PATH"].split(":")
    assert grading == f"{HOME}/bp2yolo/grading"
    assert (ROOT / "grading" / "nbgrader_config.py").is_file()
    assert in_repo(exchange_path) == DEPLOY
    assert override["notebook_dir"] == HOME and grading.startswith(override["notebook_dir"] + "/")
    assert override["cmd"] == ["jupyterhub-singleuser"]


def test_the_gradebook_url_comes_from_the_secret_in_instructor_pods_only(values):
    environment = profile(values, "instructor")["kubespawner_override"]["environment"]
    assert environment["BP2YOLO_GRADEBOOK_URL"] == SECRET_REF
    assert "BP2YOLO_GRADEBOOK_URL" not in values["singleuser"]["extraEnv"]
    assert "kubespawner_override" not in profile(values, "learner")
    # grading/paths.py reads this very variable.
    assert 'os.environ.get("BP2YOLO_GRADEBOOK_URL")' in (ROOT / "grading" / "paths.py").read_text()
    assert yaml.safe_dump(values).count("bp2yolo-gradebook") == 1


def test_authentication_is_a_placeholder_with_admins_and_the_group(values):
    config = values["hub"]["config"]
    assert config["JupyterHub"]["authenticator_class"] == "generic-oauth"
    assert config["GenericOAuthenticator"]["client_id"] == "REPLACE-ME"
    assert config["Authenticator"]["admin_users"]
    assert config["Authenticator"]["allowed_users"]  # JupyterHub 5 admits no one else by default


def test_the_learners_nbgrader_config_loads_with_the_exchange():
    config = nbgrader_config()
    assert config.Exchange.root == EXCHANGE
    assert config.CourseDirectory.course_id == "bp2yolo"
    assert 'c.CourseDirectory.course_id = "bp2yolo"' in \
        (ROOT / "grading" / "nbgrader_config.py").read_text()
    # Submissions come from the workspace the learner's start makes: assignments/ in it.
    assert config.Exchange.assignment_dir == f"{HOME}/workspace/assignments"
    assert (ROOT / "assignments" / "01_chain_rule").is_dir()
    assert config.ExchangeCollect.check_owner is False
