"""benchmarks/benchmark_models.py: the search for the largest batch that
fits, the per-image ratios of the report, the training step it times (fp32
and fp16 AMP) on a real bundled batch, and the whole tool on two small models
with tiny settings: its tables and files (not its numbers)."""
import json
import math
import subprocess

import pytest
import torch

CL_R18 = 'configs/demo/clnet_r18_coco-mini_256x192.py'
# MMPose's SimpleBaseline-R50 config made an R18 by the --models options
SB_R18 = ('mmpose::body_2d_keypoint/topdown_heatmap/coco/'
          'td-hm_res50_8xb64-210e_coco-256x192.py:model.backbone.depth=18,'
          'model.head.in_channels=512')


@pytest.fixture(scope='module')
def bench(load_script):
    return load_script('benchmarks/benchmark_models.py')


def fake_memory(capacity):
    """``fits(batch)`` of a device that holds ``capacity`` images; records
    the batches tried."""
    tried = []

    def fits(batch):
        tried.append(batch)
        if batch > capacity:
            raise torch.OutOfMemoryError('CUDA out of memory (fake)')

    return fits, tried


@pytest.mark.parametrize('capacity, limit, expected, tried', [
    (300, 1024, 256, [1, 2, 4, 8, 16, 32, 64, 128, 256, 512]),
    (300, 100, 64, [1, 2, 4, 8, 16, 32, 64]),  # the limit, not the memory
    (1, 1024, 1, [1, 2]),
    (4096, 4096, 4096, [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 2048,
                        4096]),
])
def test_largest_batch_doubles_until_out_of_memory(bench, capacity, limit,
                                                   expected, tried):
    fits, seen = fake_memory(capacity)
    assert bench.largest_batch(fits, limit) == expected
    assert seen == tried


def test_largest_batch_errors(bench):
    fits, _ = fake_memory(0)
    with pytest.raises(RuntimeError, match='batch 1 does not fit'):
        bench.largest_batch(fits, 64)

    def broken(batch):  # only running out of memory ends the search
        raise ValueError('a real bug')

    with pytest.raises(ValueError, match='a real bug'):
        bench.largest_batch(broken, 64)


def test_per_image_ratio_compares_images_per_second(bench):
    """At full batch each model has its own batch: the ratio is of time per
    image, i.e. of images/s, never of the latencies of unequal batches."""
    inference = {
        ('fp32', False, 'full', 'CLNet-R50'):
        dict(batch=512, latency_ms=1000., images_per_s=512.),
        ('fp32', False, 'full', 'SimpleBaseline-R50'):
        dict(batch=256, latency_ms=1280., images_per_s=200.),
    }
    assert bench.per_image_ratio(inference, 'fp32', False, 'full',
                                 'CLNet-R50', 'SimpleBaseline-R50') == \
        pytest.approx(200 / 512)
    assert bench.per_image_ratio(inference, 'fp32', False, 'full',
                                 'SimpleBaseline-R50',
                                 'SimpleBaseline-R50') == 1.0


@pytest.fixture(scope='module')
def bundled_batch(bench, coco_root):
    """Two people of the bundled mini-COCO through the CLNet-R50 config's
    training pipeline, collated."""
    from mmengine.dataset import pseudo_collate
    from mmengine.registry import init_default_scope
    from mmpose.registry import DATASETS
    init_default_scope('mmpose')
    _, config, _ = bench.model_spec(bench.MODELS[0])
    cfg = bench.load_config(config)
    dataset = DATASETS.build({
        **cfg.train_dataloader.dataset, 'data_root': coco_root,
        'ann_file': 'test_coco.json', 'data_prefix': dict(img='')})
    return cfg, pseudo_collate([dataset[0], dataset[1]])


@pytest.mark.parametrize('amp', [False, True])
def test_train_step_fp32_and_fp16_amp(bench, bundled_batch, amp):
    """The timed step trains CLNet-R50 (depth 18 here, for time) in fp32 and
    in fp16 autocast with a gradient scaler: the loss is finite, the weights
    move and stay finite; under AMP the first loss matches fp32's. (The
    scaler starts at 2^16 and skips the steps whose fp16 gradients overflow,
    halving its scale each time, as in MMEngine's ``AmpOptimWrapper``.)"""
    cfg, batch = bundled_batch
    cfg = cfg.copy()
    cfg.model.backbone.depth = 18
    cfg.model.head.in_channels = 256
    device = torch.device('cpu')
    losses = {}
    for use_amp in sorted({False, amp}):
        torch.manual_seed(0)
        model = bench.build(cfg, device).train()
        before = [p.detach().clone() for p in model.parameters()]
        optim = torch.optim.Adam(model.parameters(), lr=1e-3)
        scaler = torch.amp.GradScaler('cpu', enabled=use_amp)
        losses[use_amp] = [bench.train_step(model, optim, scaler, batch,
                                            use_amp, device)
                           for _ in range(4)]
        assert all(math.isfinite(v) and v > 0 for v in losses[use_amp])
        after = list(model.parameters())
        assert all(torch.isfinite(p).all() for p in after)
        assert any(not torch.equal(a, b) for a, b in zip(before, after))
    if amp:
        assert losses[True][0] == pytest.approx(losses[False][0], rel=0.02)


def test_tool_writes_the_tables_of_any_models(bench, tmp_path, one_thread):
    """Two R18 models given by --models (one made from MMPose's R50 config
    by options), one training row, tiny settings: every row and file."""
    out = str(tmp_path / 'speed')
    bench.main(['--models', f'CL-R18={CL_R18}', f'SB-R18={SB_R18}',
                '--baseline', 'SB-R18', '--train-models', 'CL-R18',
                '--rounds', '1', '--batch', '2', '--train-batch', '2',
                '--train-iters', '1', '--train-workers', '0', '--out', out])
    with open(f'{out}.json') as f:
        report = json.load(f)
    env = report['environment']
    assert env['command'].startswith(
        'python -m benchmarks.benchmark_models --models CL-R18=')
    for key in ('date', 'cpu', 'cpu_flags', 'torch', 'mmengine', 'mmcv',
                'mmpose'):
        assert env[key], key
    # lscpu's family and model tell apart CPUs of one name
    if 'CPU family' in subprocess.run(['lscpu'], capture_output=True,
                                      text=True).stdout:
        assert env['cpu_id'].startswith('cpu family ')
        with open(f'{out}.md') as f:
            assert env['cpu_id'] in f.read()
    sizes = report['sizes']
    assert list(sizes) == ['CL-R18', 'SB-R18']
    # the options made MMPose's R50 an R18: fewer parameters than the R50
    assert sizes['SB-R18']['options'] == {'model.backbone.depth': 18,
                                          'model.head.in_channels': 512}
    assert 10e6 < sizes['SB-R18']['params'] < 20e6
    rows = {(r['flip'], r['batch'], r['model']) for r in report['inference']}
    assert rows == {(flip, batch, model) for flip in (False, True)
                    for batch in (1, 2) for model in ('CL-R18', 'SB-R18')}
    assert all(r['latency_ms'] > 0 and r['images_per_s'] > 0
               for r in report['inference'])
    (train, ) = report['training']
    assert train['model'] == 'CL-R18' and train['amp'] is False
    assert train['losses_finite'] and train['samples_per_s'] > 0
    with open(f'{out}.md') as f:
        text = f.read()
    assert 'time per image vs SB-R18' in text
    assert '| fp32 | yes | 2 | SB-R18 |' in text and '| 1.000 |' in text
    assert '| CL-R18 | fp32 |' in text  # the training row
    assert 'target' not in text.lower()  # targets live in docs/benchmarks.md
    assert sorted(p.name for p in tmp_path.iterdir()) == ['speed.json',
                                                          'speed.md']


@pytest.mark.parametrize('argv, message', [
    (['--models', 'A=configs/nope.py'], "A: config file not found: "
     "'configs/nope.py'"),
    (['--models', 'no-equals-sign'], 'expected NAME=CONFIG'),
    (['--models', f'A={CL_R18}', f'A={CL_R18}'],
     "--models: each NAME once, got ['A', 'A']"),
    (['--models', f'A={CL_R18}', '--baseline', 'B', '--train-models'],
     "--baseline: ['B'] not among --models ['A']"),
    (['--models', f'A={CL_R18}', '--baseline', 'A', '--train-models', 'C'],
     "--train-models: ['C'] not among --models ['A']"),
    (['--batch', 'auto'], '--batch auto searches the GPU memory'),
    (['--batch', '0'], "--batch must be a positive number or \"auto\", got "
     "'0'"),
    (['--rounds', '0'], 'argument --rounds: must be >= 1, got 0'),
])
def test_bad_arguments_are_named(bench, capsys, argv, message):
    with pytest.raises(SystemExit):
        bench.parse_args(argv)
    assert message in capsys.readouterr().err
