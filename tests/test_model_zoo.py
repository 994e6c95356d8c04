"""configs/metafile.yml indexes every paper config, and docs/model_zoo.md is
what benchmarks/model_zoo.py writes from it."""
import glob
import os.path as osp
import re

import yaml

from mmpose_cl.utils import model_complexity

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))


def load_models():
    with open(osp.join(REPO, 'configs', 'metafile.yml')) as f:
        return yaml.safe_load(f)['Models']


def test_metafile_lists_every_paper_config():
    listed = {m['Config'] for m in load_models()}
    configs = {
        osp.relpath(p, REPO)
        for p in glob.glob(osp.join(REPO, 'configs', '**', 'clnet_*.py'),
                           recursive=True) if '/demo/' not in p
    }
    # every paper config is listed; the baselines beside them may be
    assert configs <= listed
    assert all(osp.isfile(osp.join(REPO, c)) for c in listed), listed
    for m in load_models():
        for result in m['Results']:
            assert result['Source'] == 'paper' or 'Weights' in m, m['Name']


def test_model_zoo_page_matches_the_counter():
    with open(osp.join(REPO, 'docs', 'model_zoo.md')) as f:
        page = f.read()
    for m in load_models():
        assert f'[`{m["Name"]}`]' in page, m['Name']
    row = re.search(r'\[`clnet_r50_coco_256x192`\].*', page).group(0)
    info = model_complexity(osp.join(REPO, 'configs',
                                     'clnet_r50_coco_256x192.py'))
    cells = [c.strip() for c in row.split('|')]
    assert f'{info["params"] / 1e6:.2f}M' in cells
    assert f'{info["flops"] / 1e9:.2f}' in cells
