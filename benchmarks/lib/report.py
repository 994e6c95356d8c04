# Copyright (c) mmpose-cl contributors. All rights reserved.
"""What every study's report states about its run (the command, the date,
the machine and the versions), and how a report is written: ``<out>.md``
for readers, ``<out>.json`` for the next study, each atomically."""
import json
import os
import os.path as osp
import platform
import subprocess
import sys
import time
from typing import Dict, Optional, Sequence

from clpose.files import atomic_output

#: the repository (benchmarks/ is not installed: studies run from a checkout)
REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
#: where the committed results live
RESULTS = osp.join(REPO, 'benchmarks', 'results')


def command_line(script: str, argv: Optional[Sequence[str]] = None) -> str:
    """How the study was run: ``python -m benchmarks.<name> ARGS`` for a
    study of this folder, ``python <path> ARGS`` for another script."""
    args = sys.argv[1:] if argv is None else list(argv)
    path = osp.relpath(osp.abspath(script), REPO)
    folder, name = osp.split(osp.splitext(path)[0])
    head = (['python', '-m', f'benchmarks.{name}'] if folder == 'benchmarks'
            else ['python', path])
    return ' '.join(head + args)


# the CPU flags that decide the speed of convolutions and matrix products
_VECTOR_FLAGS = ('sse4', 'avx', 'fma', 'f16c', 'amx')


def environment(script: str, argv: Optional[Sequence[str]] = None) -> Dict:
    """What a report states about its run: the command, the date, the
    machine (``lscpu``'s model name, CPU family, model and flags: CPUs of one
    name can be generations apart; the GPU) and the versions.

    Args:
        script (str): The tool's ``__file__``.
        argv (Sequence[str], optional): Its arguments. Defaults to
            ``sys.argv[1:]``.
    """
    import mmcv
    import mmengine
    import mmpose
    import torch
    try:
        lscpu = subprocess.run(['lscpu'], capture_output=True, text=True,
                               env={**os.environ, 'LC_ALL': 'C'}).stdout
    except OSError:  # no lscpu (not Linux)
        lscpu = ''
    fields = dict(
        (key.strip(), value.strip())
        for key, _, value in (line.partition(':')
                              for line in lscpu.splitlines()))
    return dict(
        command=command_line(script, argv),
        date=time.strftime('%Y-%m-%d %H:%M'),
        cpu=fields.get('Model name') or platform.processor()
        or platform.machine(),
        cpu_id=' '.join(f'{key.lower()} {fields[key]}'
                        for key in ('CPU family', 'Model', 'Stepping')
                        if key in fields),
        cpu_flags=fields.get('Flags', '').split(),
        cpus=os.cpu_count(),
        threads=torch.get_num_threads(),
        gpu=torch.cuda.get_device_name(0)
        if torch.cuda.is_available() else None,
        python=platform.python_version(),
        torch=torch.__version__,
        mmengine=mmengine.__version__,
        mmcv=mmcv.__version__,
        mmpose=mmpose.__version__)


def save_report(out: str, text: Optional[str] = None,
                content: Optional[Dict] = None) -> None:
    """Write ``<out>.md`` (``text``) and ``<out>.json`` (``content``), each
    through :func:`atomic_output`."""
    for ext, data in (('md', text), ('json', content)):
        if data is not None:
            with atomic_output(f'{out}.{ext}') as tmp, open(tmp, 'w') as f:
                if ext == 'md':
                    f.write(data)
                else:
                    json.dump(data, f, indent=1)


def refuse_existing_report(parser, out: str,
                           hint: str = 'pass --overwrite to replace it'
                           ) -> None:
    """``parser.error`` naming ``<out>.md`` or ``<out>.json`` where one
    exists, so that a study does not replace a report without being asked
    (the caller skips the call when its flags allow it)."""
    for ext in ('md', 'json'):
        if osp.exists(f'{out}.{ext}'):
            parser.error(f'{out}.{ext} exists; {hint}')


def describe_environment(env: Dict) -> str:
    """One Markdown paragraph of :func:`environment`'s facts."""
    vector = [f for f in env['cpu_flags'] if f.startswith(_VECTOR_FLAGS)]
    gpu = f', GPU {env["gpu"]}' if env['gpu'] else ''
    cpu_id = f'{env["cpu_id"]}; ' if env.get('cpu_id') else ''
    return (f'`{env["command"]}`, {env["date"]}. Machine: {env["cpu"]} '
            f'({cpu_id}{env["cpus"]} CPUs, {env["threads"]} torch threads; '
            f'vector flags: {" ".join(vector) or "none reported"}){gpu}. '
            f'Python {env["python"]}, torch {env["torch"]}, mmengine '
            f'{env["mmengine"]}, mmcv {env["mmcv"]}, mmpose {env["mmpose"]}.')
