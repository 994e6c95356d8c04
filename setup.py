import os
import os.path as osp
import platform
import shutil

from setuptools import find_packages, setup
from setuptools.command.build_py import build_py

REPO = osp.dirname(osp.abspath(__file__))
# What OpenMMLab codebases install under <package>/.mim for MIM
# (`mim train/test mmpose_cl ...`) and MMEngine (`<package>::<config>`):
# the same four entries as MMPose's setup.py (it also has a dataset index).
# tools/ holds the user's command lines only; the studies (benchmarks/) are
# not installed.
MIM_ENTRIES = ('configs', 'tools', 'demo', 'model-index.yml')


def readme():
    with open('README.md', encoding='utf-8') as f:
        return f.read()


def version():
    scope = {}
    with open('mmpose_cl/version.py', encoding='utf-8') as f:
        exec(f.read(), scope)
    return scope['__version__']


def add_mim_extension(mim_path: str, mode: str) -> None:
    """Put ``MIM_ENTRIES`` of the repository under ``mim_path``.

    MMPose's ``add_mim_extension``, with the target passed in: ``symlink``
    links them (relative links) for an editable install, ``copy`` copies
    them (without byte code) into a wheel's build directory.
    """
    os.makedirs(mim_path, exist_ok=True)
    for name in MIM_ENTRIES:
        src = osp.join(REPO, name)
        dst = osp.join(mim_path, name)
        if osp.islink(dst) or osp.isfile(dst):
            os.remove(dst)
        elif osp.isdir(dst):
            shutil.rmtree(dst)
        if not osp.exists(src):
            raise FileNotFoundError(
                f'setup.py: {src} is missing; MIM needs it')
        if mode == 'symlink':
            os.symlink(osp.relpath(src, mim_path), dst)
        elif osp.isdir(src):
            shutil.copytree(src, dst, ignore=shutil.ignore_patterns(
                '__pycache__', '*.pyc'))
        else:
            shutil.copyfile(src, dst)


class BuildPyWithMim(build_py):
    """``build_py`` that also installs ``mmpose_cl/.mim``.

    MMPose decides from ``sys.argv`` and writes into the source tree in both
    modes. Here a wheel (``pip install .``, ``pip wheel .``) gets copies in
    its build directory, so a build leaves the checkout as it was; an
    editable install (``pip install -e .``, where the package is imported
    from the checkout) gets links in ``mmpose_cl/.mim`` of the checkout, so
    edited configs are seen at once (copies on Windows, as MMPose).
    """

    def run(self):
        super().run()
        if self.editable_mode:
            mode = 'copy' if platform.system() == 'Windows' else 'symlink'
            add_mim_extension(osp.join(REPO, 'mmpose_cl', '.mim'), mode)
        else:
            add_mim_extension(
                osp.join(self.build_lib, 'mmpose_cl', '.mim'), 'copy')


setup(
    name='mmpose_cl',
    version=version(),
    description='Composite Localization (CLNet) for human pose estimation, '
    'as an MMPose 1.x plugin',
    long_description=readme(),
    long_description_content_type='text/markdown',
    license='Apache-2.0',
    packages=find_packages(
        include=['mmpose_cl', 'mmpose_cl.*', 'clpose', 'clpose.*']),
    # metainfo/ holds config-style .py files, not a package
    package_data={'mmpose_cl': ['datasets/metainfo/*.py']},
    cmdclass={'build_py': BuildPyWithMim},
    python_requires='>=3.8',
    # The OpenMMLab stack needs a particular install order and build flags
    # (see requirements.txt and tools/setup_env.sh), so it is not declared
    # here where pip would try to resolve it on its own.
    install_requires=[],
    zip_safe=False,
)
