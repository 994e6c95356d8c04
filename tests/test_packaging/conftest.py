import os
import os.path as osp
import shutil
import subprocess
import sys

import pytest

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


def _source_files():
    """The files git would commit: tracked, and untracked but not ignored."""
    try:
        out = subprocess.run(
            ['git', 'ls-files', '-z', '--cached', '--others',
             '--exclude-standard'],
            cwd=REPO, capture_output=True, check=True).stdout
    except (OSError, subprocess.CalledProcessError):
        pytest.skip('needs a git checkout to know the source files')
    return [f for f in out.decode().split('\0') if f]


@pytest.fixture(scope='session')
def installed(tmp_path_factory) -> str:
    """``pip install --no-deps --no-build-isolation --target TARGET`` of a
    copy of the source files; returns TARGET.

    Building from a copy keeps ``build/``, ``*.egg-info`` and the wheel's
    ``.mim`` copies out of the checkout (pip builds in the source tree).
    """
    src = tmp_path_factory.mktemp('src')
    for rel in _source_files():
        path = osp.join(REPO, rel)
        if not osp.lexists(path):  # deleted in the work tree, not staged
            continue
        os.makedirs(osp.join(src, osp.dirname(rel)), exist_ok=True)
        shutil.copy2(path, osp.join(src, rel), follow_symlinks=False)
    # byte code a checkout collects (git ignores it): not to be installed
    for folder in ('configs', 'tools'):
        os.makedirs(osp.join(src, folder, '__pycache__'), exist_ok=True)
        open(osp.join(src, folder, '__pycache__', 'stale.pyc'), 'w').close()
    target = str(tmp_path_factory.mktemp('target'))
    before = set(os.listdir(REPO))
    proc = subprocess.run(
        [sys.executable, '-m', 'pip', 'install', '-q', '--no-deps',
         '--no-build-isolation', '--disable-pip-version-check',
         '--no-compile', '--target', target, str(src)],
        cwd=str(src), capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    new = set(os.listdir(REPO)) - before
    assert not [n for n in new if n in ('build', 'dist')
                or n.endswith('.egg-info')], new  # none in the checkout
    return target
