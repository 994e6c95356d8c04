"""benchmarks.lib.specs: the studies' ``--models NAME=CONFIG[:KEY=VALUE]``
lists, with values as MMEngine's ``--cfg-options`` reads them."""
import argparse

import pytest

from benchmarks.lib.specs import model_spec

CL_CONFIG = 'configs/clnet_r50_coco_256x192.py'


@pytest.mark.parametrize('text, expected', [
    (f'CLNet-R50={CL_CONFIG}', ('CLNet-R50', CL_CONFIG, {})),
    ('SB=mmpose::body_2d_keypoint/x.py',
     ('SB', 'mmpose::body_2d_keypoint/x.py', {})),
    ('SB-R18=mmpose::a/b.py:model.backbone.depth=18,'
     'model.head.in_channels=512',
     ('SB-R18', 'mmpose::a/b.py',
      {'model.backbone.depth': 18, 'model.head.in_channels': 512})),
    # a list value keeps its commas; strings, floats and None as MMEngine's
    # --cfg-options reads them
    (f'a.b_c={CL_CONFIG}:codec.input_size=(96,128),codec.sigma=8.0,'
     'model.test_cfg.output_heatmaps=False,model.backbone.init_cfg=None',
     ('a.b_c', CL_CONFIG,
      {'codec.input_size': (96, 128), 'codec.sigma': 8.0,
       'model.test_cfg.output_heatmaps': False,
       'model.backbone.init_cfg': None})),
])
def test_model_spec(text, expected, monkeypatch, repo_root):
    monkeypatch.chdir(repo_root)
    assert model_spec(text) == expected


@pytest.mark.parametrize('text, message', [
    (CL_CONFIG, 'expected NAME=CONFIG'),
    (f'two words={CL_CONFIG}', 'expected NAME=CONFIG'),
    ('A=configs/nope.py', "A: config file not found: 'configs/nope.py'"),
    (f'A={CL_CONFIG}:depth', "A: options must be KEY=VALUE, got 'depth'"),
])
def test_model_spec_errors(text, message, monkeypatch, repo_root):
    monkeypatch.chdir(repo_root)
    with pytest.raises(argparse.ArgumentTypeError, match=message):
        model_spec(text)
