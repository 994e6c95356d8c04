"""The configs of the paper's experiments without labels or with a twist
: COCO test-dev2017 (results for the evaluation server),
the MPII test set (predictions as a .mat), per-stage evaluation (fig. 4b)
and the stride-32 ablation with sigma scaled to the stride."""
import json
import os.path as osp
import re
import subprocess
import sys

import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmengine.evaluator import Evaluator
from mmengine.registry import init_default_scope
from mmengine.structures import InstanceData
from scipy.io import loadmat

import mmpose_cl  # noqa: F401
from mmpose_cl.models.heads import flip_cl_maps

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))
DATA = osp.join(REPO, 'tests', 'data')
TEST_DEV = ['clnet_r152_coco_384x288_test-dev',
            'clnet_hourglass8_coco_384x256_test-dev']

pytestmark = pytest.mark.usefixtures('one_thread')


def config(name):
    init_default_scope('mmpose')
    return Config.fromfile(osp.join(REPO, 'configs', name + '.py'))


def build_dataset(cfg, **overrides):
    from mmpose.registry import DATASETS
    return DATASETS.build({**cfg, **overrides})


@pytest.mark.parametrize('name', TEST_DEV)
def test_test_dev_config_writes_results_for_the_server(name, tmp_path):
    cfg = config(name)
    dataset_cfg, metric = cfg.test_dataloader.dataset, cfg.test_evaluator
    # COCO's image list of test-dev2017 and the detections of SimpleBaseline
    # and HRNet, in test2017/
    assert dataset_cfg.ann_file == 'annotations/image_info_test-dev2017.json'
    assert osp.basename(dataset_cfg.bbox_file) == (
        'COCO_test-dev2017_detections_AP_H_609_person.json')
    assert dataset_cfg.data_prefix == dict(img='test2017/')
    assert metric.type == 'CocoMetric' and metric.format_only is True
    assert metric.outfile_prefix == f'work_dirs/{name}/results'
    assert metric.ann_file == 'data/coco/' + dataset_cfg.ann_file
    # training still validates on val2017, with AP
    assert cfg.val_dataloader.dataset.ann_file == (
        'annotations/person_keypoints_val2017.json')
    assert not cfg.val_evaluator.get('format_only', False)

    # the bundled images as a labels-free image list (what
    # image_info_test-dev2017.json holds) with the bundled detections
    with open(osp.join(DATA, 'coco', 'test_coco.json')) as f:
        coco = json.load(f)
    info = tmp_path / 'image_info.json'
    info.write_text(json.dumps(
        dict(images=coco['images'], categories=coco['categories'])))
    dataset = build_dataset(
        dataset_cfg, data_root=osp.join(DATA, 'coco'), ann_file=str(info),
        bbox_file=osp.join(DATA, 'coco', 'test_coco_det_AP_H_56.json'),
        data_prefix=dict(img=''))
    evaluator = Evaluator(
        dict(metric, ann_file=str(info),
             outfile_prefix=str(tmp_path / 'results')))
    evaluator.dataset_meta = dataset.metainfo
    image_ids = set()
    for i in range(0, len(dataset), 12):  # 10 people of the 4 images
        sample = dataset[i]['data_samples']
        x1, y1, x2, y2 = sample.gt_instances.bboxes[0]  # the detection
        x, y = (x1 + x2) / 2, (y1 + y2) / 2
        sample.pred_instances = InstanceData(
            keypoints=np.array([[[x + k, y - k] for k in range(17)]]),
            keypoint_scores=np.full((1, 17), 0.9))
        evaluator.process([sample])
        image_ids.add(sample.img_id)
    assert evaluator.evaluate(10) == {}  # format_only: no AP
    with open(tmp_path / 'results.keypoints.json') as f:
        results = json.load(f)
    assert {r['image_id'] for r in results} == image_ids
    for r in results:
        assert r['category_id'] == 1 and len(r['keypoints']) == 3 * 17
        assert 0 < r['score'] <= 1


def heredocs(path):
    """The ``python - <<'EOF'`` scripts written in a config's header."""
    with open(path) as f:
        text = f.read()
    blocks = re.findall(r"#   python - <<'EOF'\n(.*?)#   EOF\n", text,
                        flags=re.S)
    return [re.sub(r'^#   ', '', b, flags=re.M) for b in blocks]


def test_mpii_test_config_and_its_commands_make_a_pred_mat(
        tmp_path, monkeypatch):
    """Run the config's steps on the bundled MPII people with their labels
    removed: step 1 (empty labels), the test dataset and DumpResults of the
    config (predictions put in by hand), step 3 (the .mat)."""
    name = 'clnet_r50_mpii_256x256_test'
    path = osp.join(REPO, 'configs', name + '.py')
    make_nolabels, make_mat = heredocs(path)
    ann_dir = tmp_path / 'data' / 'mpii' / 'annotations'
    ann_dir.mkdir(parents=True)
    (tmp_path / 'data' / 'mpii' / 'images').symlink_to(
        osp.join(DATA, 'mpii'))
    with open(osp.join(DATA, 'mpii', 'test_mpii.json')) as f:
        people = [{k: v for k, v in p.items()
                   if k not in ('joints', 'joints_vis')}
                  for p in json.load(f)]
    (ann_dir / 'mpii_test.json').write_text(json.dumps(people))
    monkeypatch.chdir(tmp_path)

    subprocess.run([sys.executable, '-'], input=make_nolabels, text=True,
                   check=True)
    cfg = config(name)
    assert cfg.test_dataloader.dataset.headbox_file is None
    assert cfg.test_evaluator == dict(
        type='DumpResults', out_file_path=f'work_dirs/{name}/preds.pkl')
    dataset = build_dataset(cfg.test_dataloader.dataset)
    assert len(dataset) == len(people) == 5
    evaluator = Evaluator(cfg.test_evaluator)
    expected = {}
    for i in reversed(range(len(dataset))):  # the .mat is put in order
        sample = dataset[i]['data_samples']
        assert not sample.gt_instances.keypoints_visible.any()
        expected[sample.id] = 100.0 * i + np.arange(32.).reshape(1, 16, 2)
        sample.pred_instances = InstanceData(
            keypoints=expected[sample.id], keypoint_scores=np.ones((1, 16)))
        evaluator.process([sample])
    assert evaluator.evaluate(len(dataset)) == {}
    subprocess.run([sys.executable, '-'], input=make_mat, text=True,
                   check=True)
    preds = loadmat(f'work_dirs/{name}/pred.mat')['preds']
    # MATLAB's 1-based pixels, in the order of mpii_test.json
    np.testing.assert_array_equal(
        preds, np.concatenate([expected[i] for i in sorted(expected)]) + 1)


def test_hourglass_mpii_test_config_is_the_r50_ones_with_its_model():
    cl, hg = (config('clnet_r50_mpii_256x256_test'),
              config('clnet_hourglass8_mpii_256x256_test'))
    assert hg.test_dataloader.dataset == cl.test_dataloader.dataset
    name = 'clnet_hourglass8_mpii_256x256_test'
    assert hg.test_evaluator == dict(
        type='DumpResults', out_file_path=f'work_dirs/{name}/preds.pkl')
    assert hg.model.backbone.type == 'CLNetHourglass'


def bundled_mpii_sample(cfg):
    """The first bundled MPII person through the config's test pipeline,
    with the config's codec targets (GenerateTarget before packing)."""
    pipeline = cfg.val_pipeline[:-1] + [
        dict(type='GenerateTarget', encoder=cfg.codec), cfg.val_pipeline[-1]
    ]
    dataset = build_dataset(
        cfg.val_dataloader.dataset, data_root=osp.join(DATA, 'mpii'),
        ann_file='test_mpii.json', headbox_file=None,
        data_prefix=dict(img=''), pipeline=pipeline)
    return dataset[0]['data_samples']


@pytest.mark.parametrize('stage', [0, 5, -1])
def test_cfg_options_stage_decodes_that_stage_on_a_bundled_sample(stage):
    """``--cfg-options model.test_cfg.stage=i`` on CLNet-Hourglass (MPII):
    stage ``i`` gets the sample's target maps, the other 7 noise; the flip
    test (on in the config) gets the same for the mirrored crop."""
    from mmpose.registry import MODELS
    cfg = config('clnet_hourglass8_mpii_256x256')
    cfg.merge_from_dict({'model.test_cfg.stage': stage})
    cfg.model.backbone.init_cfg = None
    model = MODELS.build(cfg.model).eval()
    assert model.test_cfg == dict(flip_test=True, stage=stage)
    sample = bundled_mpii_sample(cfg)
    good = torch.cat([sample.gt_fields.heatmaps,
                      sample.gt_fields.offsets])[None]  # (1, 48, 16, 16)
    gen = torch.Generator().manual_seed(0)
    feats = [torch.rand(good.shape, generator=gen) for _ in range(8)]
    feats_flip = [torch.rand(good.shape, generator=gen) for _ in range(8)]
    feats[stage] = good
    # the maps of the mirrored crop: the target maps, mirrored
    feats_flip[stage] = torch.cat(
        flip_cl_maps(good[:, :16], good[:, 16:],
                     sample.metainfo['flip_indices']), dim=1)
    with torch.no_grad():
        (pred, ) = model.head.predict([tuple(feats), tuple(feats_flip)],
                                      [sample], model.test_cfg)
    expected, _ = model.head.decoder.decode(sample.gt_fields.heatmaps.numpy(),
                                            sample.gt_fields.offsets.numpy())
    np.testing.assert_allclose(pred.keypoints, expected, atol=1e-3)
    # and they are the labelled keypoints, in crop pixels (TopdownAffine
    # without rotation: (x - centre + scale / 2) * input_size / scale)
    visible = sample.gt_instance_labels.keypoint_weights[0].numpy() > 0
    assert visible.sum() >= 10
    meta = sample.metainfo
    in_crop = (sample.gt_instances.keypoints[0] - meta['input_center'] +
               meta['input_scale'] / 2) * cfg.codec.input_size / meta[
                   'input_scale']
    np.testing.assert_allclose(pred.keypoints[0][visible], in_crop[visible],
                               atol=1e-3)


@pytest.mark.parametrize('stage', [0, 6])
def test_plain_hourglass_stage_on_a_bundled_sample(stage):
    """The same for the plain 8-stack (MSRAHeatmap targets; without the
    flip test, whose exactness is MMPose's CPMHead's, see
    test_multi_stage_heatmap_head.py)."""
    from mmpose.registry import MODELS
    cfg = config('baselines/td-hm_hourglass8_mpii_256x256')
    cfg.merge_from_dict({'model.test_cfg.stage': stage,
                         'model.test_cfg.flip_test': False})
    model = MODELS.build(cfg.model).eval()
    sample = bundled_mpii_sample(cfg)
    good = sample.gt_fields.heatmaps[None]  # (1, 16, 64, 64)
    feats = [torch.rand_like(good) for _ in range(8)]
    feats[stage] = good
    with torch.no_grad():
        (pred, ) = model.head.predict(tuple(feats), [sample], model.test_cfg)
    expected, _ = model.head.decoder.decode(good[0].numpy())
    np.testing.assert_allclose(pred.keypoints, expected, atol=1e-4)


def test_stride32_sigma_scaled_ablation():
    cfg = config('ablations/clnet_r50_lsp_256x256_stride32_sigma-scaled')
    paper = config('ablations/clnet_r50_lsp_256x256_stride32')
    assert cfg.codec.sigma == 'stride' and paper.codec.sigma == 16.0
    assert {k: v for k, v in cfg.codec.items() if k != 'sigma'} == {
        k: v for k, v in paper.codec.items() if k != 'sigma'}
    targets = [t for t in cfg.train_dataloader.dataset.pipeline
               if t.type == 'GenerateTarget']
    assert [t.encoder for t in targets] == [cfg.codec]
    assert cfg.model.head.decoder == cfg.codec
    from mmpose.registry import KEYPOINT_CODECS
    assert KEYPOINT_CODECS.build(cfg.codec).sigma == 32.0
    # everything else is the paper's stride-32 row
    for key in ('backbone', 'head'):
        ours = {k: v for k, v in cfg.model[key].items() if k != 'decoder'}
        theirs = {k: v for k, v in paper.model[key].items() if k != 'decoder'}
        assert ours == theirs


def test_plain_baselines_are_the_cl_rows_with_newells_model():
    for dataset in ('coco_256x192', 'mpii_256x256', 'lsp_256x256'):
        plain = config(f'baselines/td-hm_hourglass8_{dataset}')
        cl = config(f'clnet_hourglass8_{dataset}')
        assert plain.model.backbone.type == 'NewellHourglass'
        assert plain.model.head.type == 'MultiStageHeatmapHead'
        assert plain.model.head.num_stages == plain.model.backbone.num_stacks
        assert plain.model.backbone.num_stacks == cl.model.backbone.num_stacks
        K = cl.model.backbone.num_keypoints
        assert plain.model.backbone.num_keypoints == K
        assert plain.model.head.in_channels == plain.model.head.out_channels
        assert plain.model.head.out_channels == K
        assert plain.codec.type == 'MSRAHeatmap'
        assert plain.codec.input_size == cl.codec.input_size
        # stride 4
        assert [4 * s for s in plain.codec.heatmap_size] == list(
            plain.codec.input_size)
        # same data, recipe and evaluation
        for key in ('optim_wrapper', 'param_scheduler', 'val_evaluator',
                    'train_cfg'):
            assert plain[key] == cl[key], key
        assert plain.val_dataloader == cl.val_dataloader
        plain_train = dict(plain.train_dataloader.dataset, pipeline=None)
        assert plain_train == dict(cl.train_dataloader.dataset,
                                   pipeline=None)
        for ours, theirs in zip(plain.train_dataloader.dataset.pipeline,
                                cl.train_dataloader.dataset.pipeline):
            if ours.type == 'GenerateTarget':
                assert ours.encoder == plain.codec
            else:
                assert ours == theirs

