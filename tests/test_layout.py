"""The repository layout keeps Python's standard library importable."""

import subprocess
import sys

from amtsweg.settings import REPOSITORY_ROOT


def test_import_platform_from_repository_root_is_the_standard_library_module():
    code = (
        "import platform, sysconfig, os;"
        "stdlib = os.path.realpath(sysconfig.get_paths()['stdlib']);"
        "assert os.path.realpath(platform.__file__).startswith(stdlib), platform.__file__;"
        "print(platform.system())"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=REPOSITORY_ROOT, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() in {"Linux", "Darwin", "Windows"}


def test_source_root_is_not_a_package():
    assert not (REPOSITORY_ROOT / "platform" / "__init__.py").exists()


def test_wsgi_module_builds_the_app_from_the_repository_root():
    code = "import wsgi; print(type(wsgi.app).__name__)"
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=REPOSITORY_ROOT,
        capture_output=True,
        text=True,
        check=False,
        env={"AMTSWEG_INSTANCE_DIR": str(REPOSITORY_ROOT / "instance"), "PATH": "/usr/bin:/bin"},
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "AmtswegFlask"
