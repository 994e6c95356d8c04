"""tools/analysis/benchmark.py: the search for the largest batch that fits,
the per-image ratios of the report, and the training step it times (fp32 and
fp16 AMP) on a real bundled batch."""
import math
import os.path as osp

import pytest
import torch

from mmpose_cl.utils.mmpose_tools import load_script

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
TOOL = osp.join(REPO, 'tools', 'analysis', 'benchmark.py')


bench = load_script(TOOL)


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
def test_largest_batch_doubles_until_out_of_memory(capacity, limit, expected,
                                                   tried):
    fits, seen = fake_memory(capacity)
    assert bench.largest_batch(fits, limit) == expected
    assert seen == tried


def test_largest_batch_errors():
    fits, _ = fake_memory(0)
    with pytest.raises(RuntimeError, match='batch 1 does not fit'):
        bench.largest_batch(fits, 64)

    def broken(batch):  # only running out of memory ends the search
        raise ValueError('a real bug')

    with pytest.raises(ValueError, match='a real bug'):
        bench.largest_batch(broken, 64)


def test_per_image_ratio_compares_images_per_second():
    """At full batch each model has its own batch: the ratio is of time per
    image, i.e. of images/s, never of the latencies of unequal batches."""
    inference = {
        ('fp32', False, 'full', 'CLNet-R50'):
        dict(batch=512, latency_ms=1000., images_per_s=512.),
        ('fp32', False, 'full', 'SimpleBaseline-R50'):
        dict(batch=256, latency_ms=1280., images_per_s=200.),
    }
    assert bench.per_image_ratio(inference, 'fp32', False, 'full') == \
        pytest.approx(200 / 512)
    assert bench.per_image_ratio(inference, 'fp32', False, 'full',
                                 'SimpleBaseline-R50') == 1.0


@pytest.fixture(scope='module')
def bundled_batch(coco_root):
    """Two people of the bundled mini-COCO through the CLNet-R50 config's
    training pipeline, collated."""
    from mmengine.dataset import pseudo_collate
    from mmengine.registry import init_default_scope
    from mmpose.registry import DATASETS
    init_default_scope('mmpose')
    cfg = bench.load_config(bench.MODELS[0][1])
    dataset = DATASETS.build({
        **cfg.train_dataloader.dataset, 'data_root': coco_root,
        'ann_file': 'test_coco.json', 'data_prefix': dict(img='')})
    return cfg, pseudo_collate([dataset[0], dataset[1]])


@pytest.mark.parametrize('amp', [False, True])
def test_train_step_fp32_and_fp16_amp(bundled_batch, amp):
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
