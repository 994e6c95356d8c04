"""tools/analysis/get_flops.py prints MMEngine's parameter and FLOP counts
of each config, and names a config that does not exist."""
import sys

import pytest

CONFIG = 'configs/demo/clnet_r18_coco-mini_256x192.py'


def test_prints_the_counts_of_each_config(load_script, repo_root,
                                          monkeypatch, capsys):
    from mmengine.analysis import get_model_complexity_info
    from mmengine.config import Config
    from mmpose.apis import init_model

    monkeypatch.chdir(repo_root)
    tool = load_script('tools/analysis/get_flops.py')
    monkeypatch.setattr(sys, 'argv', ['get_flops.py', CONFIG])
    tool.main()
    row = capsys.readouterr().out.splitlines()[-1].split(' | ')
    # the model's parameters, and the FLOPs MMEngine's counter gives for
    # its tensor path (as MMPose's own get_flops counts them)
    cfg = Config.fromfile(CONFIG)
    w, h = cfg.codec['input_size']
    model = init_model(cfg, None, device='cpu')
    params = sum(p.numel() for p in model.parameters())
    model.forward = model._forward
    info = get_model_complexity_info(model, (3, h, w), show_table=False,
                                     show_arch=False)
    assert row[0].strip() == CONFIG and row[1].strip() == f'{h}x{w}'
    assert row[2].strip() == f'{params / 1e6:.2f}M'
    assert row[3].strip() == f"{info['flops'] / 1e9:.2f}G"


def test_a_missing_config_is_named(load_script, monkeypatch, capsys):
    tool = load_script('tools/analysis/get_flops.py')
    monkeypatch.setattr(sys, 'argv', ['get_flops.py', CONFIG, 'nope.py'])
    with pytest.raises(SystemExit):
        tool.main()
    assert "config 'nope.py' not found" in capsys.readouterr().err
