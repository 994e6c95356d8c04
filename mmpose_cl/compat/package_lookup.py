# Copyright (c) mmpose-cl contributors. All rights reserved.
"""MMEngine finds installed packages where ``pkg_resources`` is gone.

Upstream defect: MMEngine 0.10.7 answers "is this package installed, and
where?" with ``pkg_resources``: for ``mmpose::`` configs (``_base_`` of our
configs, ``mmpose::body_2d_keypoint/...`` in the tools) and in
``mmpose.apis`` at import. setuptools removed ``pkg_resources`` in 82, and a Python 3.12 venv has
no setuptools at all, so there ``import mmpose_cl`` failed with ``No module
named 'pkg_resources'`` from deep inside MMPose.

Work-around: where ``pkg_resources`` is not installed, :func:`apply`
replaces MMEngine's ``is_installed`` and ``get_installed_path`` (and the names
bound to them in ``mmengine.utils``, ``mmengine.config.config`` and
``mmengine.hub.hub``) with the same lookups done by ``importlib``. Where it is
installed, nothing changes (nor is it imported here): a no-op with
setuptools < 82. It must run before ``mmpose.apis`` is imported, so
:func:`mmpose_cl.compat.apply` runs it first. It becomes unnecessary once
MMEngine no longer needs ``pkg_resources``.
"""
import importlib.metadata
import importlib.util
import os.path as osp


def _module_name(package: str) -> str:
    """The import name of a distribution (``mmcv-full`` -> ``mmcv``).

    Raises:
        PackageNotFoundError: neither a module nor a distribution with a
            ``top_level.txt`` goes by that name.
    """
    module = package.replace('-', '_')
    if importlib.util.find_spec(module) is not None:
        return module
    top_level = importlib.metadata.distribution(package).read_text(
        'top_level.txt')
    if not top_level:
        raise importlib.metadata.PackageNotFoundError(package)
    return top_level.split('\n')[0]


def is_installed(package: str) -> bool:
    """Whether ``package`` is installed (a distribution or an importable,
    non-namespace module), as MMEngine's ``is_installed`` answers it."""
    try:
        importlib.metadata.distribution(package)
        return True
    except importlib.metadata.PackageNotFoundError:
        spec = importlib.util.find_spec(package)
        return spec is not None and spec.origin is not None


def get_installed_path(package: str) -> str:
    """The folder of an installed package's module, as MMEngine's
    ``get_installed_path`` answers it (``'mmpose'`` -> ``.../mmpose``)."""
    spec = importlib.util.find_spec(_module_name(package))
    if spec is None:
        raise importlib.metadata.PackageNotFoundError(package)
    if spec.origin is None:
        raise RuntimeError(f'{package} is a namespace package, which is '
                           'invalid for `get_install_path`')
    return osp.dirname(spec.origin)


def apply() -> bool:
    """Swap MMEngine's package lookups for :func:`is_installed` and
    :func:`get_installed_path` if ``pkg_resources`` is missing.

    Returns:
        bool: whether MMEngine was patched.
    """
    if importlib.util.find_spec('pkg_resources') is not None:
        return False  # found, not imported: MMEngine imports it when needed
    import mmengine.config.config
    import mmengine.hub.hub
    import mmengine.utils
    import mmengine.utils.package_utils
    for module in (mmengine.utils, mmengine.utils.package_utils,
                   mmengine.config.config, mmengine.hub.hub):
        for name, lookup in (('is_installed', is_installed),
                             ('get_installed_path', get_installed_path)):
            if hasattr(module, name):
                setattr(module, name, lookup)
    return True
