"""tools/analysis/learning_comparison.py: both models get the same budget
(everything but the model and its codec is equal), train from scratch, and
the report gives each validation's AP against the training minutes."""
import copy
import json
import os.path as osp

import pytest

from mmpose_cl.utils.mmpose_tools import load_script

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


lc = load_script(osp.join(REPO, 'tools', 'analysis',
                          'learning_comparison.py'))
gen = load_script(osp.join(REPO, 'tools', 'misc',
                           'generate_synthetic_poses.py'))
# everything that makes a training budget
BUDGET = ('train_dataloader', 'val_dataloader', 'test_dataloader',
          'val_evaluator', 'test_evaluator', 'train_cfg', 'val_cfg',
          'test_cfg', 'optim_wrapper', 'param_scheduler', 'custom_hooks',
          'default_hooks', 'randomness', 'env_cfg', 'auto_scale_lr',
          'load_from', 'resume')


@pytest.fixture(scope='module')
def poses(tmp_path_factory):
    root = str(tmp_path_factory.mktemp('lc') / 'poses')
    gen.main([root, '--num-train', '6', '--num-val', '3', '--max-people',
              '2'])
    return root


def test_same_budget_for_both_models(poses, tmp_path):
    args = lc.parse_args([poses, '--epochs', '9', '--batch-size', '8',
                          '--work-dir', str(tmp_path)])
    cfgs = {name: lc.comparison_config(name, args) for name in lc.MODELS}
    budgets = []
    for name, cfg in cfgs.items():
        budget = copy.deepcopy({k: cfg[k] for k in BUDGET})
        target = budget['train_dataloader']['dataset']['pipeline'][-2]
        assert target['type'] == 'GenerateTarget'
        assert target['encoder'] == cfg.codec  # each model's own codec
        target['encoder'] = None
        budgets.append(budget)
        # from scratch: no pretrained weights anywhere in the model
        assert 'Pretrained' not in json.dumps(cfg.model.to_dict())
        assert cfg.work_dir == osp.join(str(tmp_path), name)
    assert budgets[0] == budgets[1]
    codecs = [cfg.codec['type'] for cfg in cfgs.values()]
    assert codecs == ['CLCodec', 'MSRAHeatmap']
    # the schedule: x0.1 at 2/3 and 8/9 of the epochs
    assert budgets[0]['param_scheduler'][1]['milestones'] == [6, 8]
    assert budgets[0]['train_cfg']['max_epochs'] == 9


def test_trains_both_and_reports_ap_against_minutes(poses, tmp_path):
    out = str(tmp_path / 'report')
    argv = [poses, '--epochs', '2', '--batch-size', '4', '--workers', '0',
            '--work-dir', str(tmp_path / 'work'), '--out', out]
    lc.main(argv)
    with open(f'{out}.json') as f:
        report = json.load(f)
    results = report['results']
    assert list(results) == ['CLNet-R50', 'SimpleBaseline-R50']
    for name, r in results.items():
        curve = r['curve']
        assert [p['epoch'] for p in curve] == [1, 2]
        minutes = [p['train_minutes'] for p in curve]
        assert 0 < minutes[0] < minutes[1] == pytest.approx(r['train_minutes'])
        assert all(0 <= p['coco/AP'] <= 1 for p in curve)
        assert osp.isfile(osp.join(str(tmp_path / 'work'), name,
                                   'epoch_2.pth'))
    assert results['CLNet-R50']['params'] < results['SimpleBaseline-R50'][
        'params']
    with open(f'{out}.md') as f:
        text = f.read()
    cl = results['CLNet-R50']['curve'][-1]
    assert f'| 2 | {cl["train_minutes"]:.2f} | {cl["coco/AP"]:.3f} |' in text
    assert osp.getsize(f'{out}.png') > 0
    # a second run would overwrite the checkpoints: refused before training
    with pytest.raises(FileExistsError, match='already holds checkpoints'):
        lc.main(argv)


@pytest.mark.parametrize('extra, message', [
    (['--epochs', '0'], 'argument --epochs: must be >= 1, got 0'),
    (['--workers', '-1'], 'argument --workers: must be >= 0, got -1'),
    (['--lr', '-1'], '--lr must be > 0, got -1.0'),
])
def test_bad_arguments_are_named(poses, capsys, extra, message):
    with pytest.raises(SystemExit):
        lc.parse_args([poses, *extra])
    assert message in capsys.readouterr().err


def test_missing_dataset_is_named(tmp_path, capsys):
    with pytest.raises(SystemExit):
        lc.parse_args([str(tmp_path)])
    err = capsys.readouterr().err
    assert 'person_keypoints_train.json not found' in err
    assert 'generate_synthetic_poses.py' in err


def test_a_crash_in_the_second_model_keeps_the_first_curve(
        poses, tmp_path, monkeypatch):
    curve = [dict(epoch=1, iter=3, train_minutes=0.5, **{'coco/AP': 0.25})]

    def fake_train(cfg):
        if cfg.codec['type'] == 'MSRAHeatmap':
            raise RuntimeError('out of memory in the second model')
        return dict(params=1, flops=2, curve=curve, train_minutes=0.5)

    monkeypatch.setattr(lc, 'train', fake_train)
    out = str(tmp_path / 'report')
    with pytest.raises(RuntimeError, match='second model'):
        lc.main([poses, '--work-dir', str(tmp_path / 'w'), '--out', out])
    with open(f'{out}.json') as f:
        saved = json.load(f)
    assert list(saved['results']) == ['CLNet-R50']
    assert saved['results']['CLNet-R50']['curve'] == curve
    assert saved['environment']['command'].startswith(
        'python tools/analysis/learning_comparison.py ')
