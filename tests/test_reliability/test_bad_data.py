"""Bad training and test data through MMPose's real dataset, pipeline and
model: unlabelled people, missing and corrupt images, missing, malformed and
degenerate person detection files. Each must give a clear error naming the
file, or a finite result; never a crash deep inside numpy/cv2/torch or NaN.

MMPose 1.3.2's behaviour without our classes is in the docstrings of
:class:`mmpose_cl.datasets.transforms.checked_load_image.CheckedLoadImage`
and :class:`mmpose_cl.datasets.checked_coco_dataset.CheckedCocoDataset`.
"""
import copy
import json
import math
import os.path as osp
import cv2
import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmengine.dataset import pseudo_collate
from mmengine.registry import init_default_scope
from mmengine.structures import InstanceData, PixelData
from mmpose.registry import DATASETS, MODELS
from mmpose.structures import PoseDataSample

import mmpose_cl  # noqa: F401  registers the model
import mmpose_cl.datasets.checked_coco_dataset  # noqa: F401  registers
import mmpose_cl.datasets.transforms.checked_load_image  # noqa: F401
from mmpose_cl.codecs import CLCodec
from mmpose_cl.models.heads import CLHead

CONFIG = 'configs/demo/clnet_r18_coco-mini_256x192.py'
IMAGE = '000000000785.jpg'  # one person, 17 labelled keypoints


@pytest.fixture(scope='module')
def cfg(repo_root):
    init_default_scope('mmpose')
    return Config.fromfile(osp.join(repo_root, CONFIG))


@pytest.fixture(scope='module')
def coco(coco_root):
    with open(osp.join(coco_root, 'test_coco.json')) as f:
        return json.load(f)


@pytest.fixture(scope='module')
def model(cfg):
    model = MODELS.build(cfg.model)
    model.init_weights()
    return model


def build_dataset(cfg, split, checked=False, ignore_empty=False,
                  **overrides):
    """The demo config's train or val dataset, with ``LoadImage`` replaced
    by ``CheckedLoadImage(ignore_empty=ignore_empty)`` and ``CocoDataset``
    by ``CheckedCocoDataset`` when ``checked``."""
    loader = cfg.train_dataloader if split == 'train' else cfg.val_dataloader
    ds_cfg = copy.deepcopy(loader.dataset)
    if checked:
        ds_cfg.type = 'CheckedCocoDataset'
        for t in ds_cfg.pipeline:
            if t['type'] in ('LoadImage', 'CheckedLoadImage'):
                t.update(type='CheckedLoadImage', ignore_empty=ignore_empty)
    ds_cfg.update(overrides)
    return DATASETS.build(ds_cfg)


def write_json(path, content):
    with open(path, 'w') as f:
        json.dump(content, f)
    return str(path)


def predict(model, samples):
    model.eval()
    with torch.no_grad():
        return model.test_step(pseudo_collate(samples))


# --------------------------------------------------- every keypoint unlabelled
def test_instances_with_every_keypoint_unlabelled_train_to_zero_loss(
        cfg, coco, model, tmp_path):
    """MMPose keeps a person whose keypoints are all v=0 as long as the
    annotation's num_keypoints > 0 and some coordinate > 0 (it filters on
    those, not on v): the whole batch then has no visible keypoint."""
    ann = copy.deepcopy(coco)
    for a in ann['annotations']:
        a['keypoints'] = [0 if i % 3 == 2 else v
                          for i, v in enumerate(a['keypoints'])]
    dataset = build_dataset(cfg, 'train',
                            ann_file=write_json(tmp_path / 'a.json', ann))
    assert len(dataset) == 12
    samples = [dataset[i] for i in range(len(dataset))]
    for s in samples:
        ds = s['data_samples']
        assert not ds.gt_instance_labels.keypoint_weights.any()
        assert not ds.gt_fields.heatmaps.any()
        assert not ds.gt_fields.offsets.any()

    model.train()
    losses = model.loss(*model.data_preprocessor(
        pseudo_collate(samples), training=True).values())
    assert losses['loss_heatmap'].item() == 0
    assert losses['loss_offset'].item() == 0
    assert math.isfinite(losses['acc_pose'].item())
    assert 'pred_cells' not in losses  # no visible keypoint to count
    sum(v for k, v in losses.items() if k.startswith('loss')).backward()
    assert all(torch.isfinite(p.grad).all() for p in model.parameters()
               if p.grad is not None)
    model.zero_grad()


def test_dataset_left_empty_by_mmpose_filters_names_the_ann_file(
        cfg, coco, tmp_path):
    """With num_keypoints = 0 everywhere MMPose drops every person; plain
    CocoDataset then fails inside MMEngine ('need at least one array to
    concatenate')."""
    ann = copy.deepcopy(coco)
    for a in ann['annotations']:
        a['keypoints'] = [0] * len(a['keypoints'])
        a['num_keypoints'] = 0
    ann_file = write_json(tmp_path / 'nobody.json', ann)
    with pytest.raises(ValueError, match=r'no instance left in ann_file .*'
                       r'nobody\.json'):
        build_dataset(cfg, 'train', checked=True, ann_file=ann_file)


def _head_sample(codec, keypoints, visible):
    enc = codec.encode(keypoints, visible)
    ds = PoseDataSample(metainfo=dict(input_size=codec.input_size))
    ds.gt_fields = PixelData(heatmaps=torch.from_numpy(enc['heatmaps']),
                             offsets=torch.from_numpy(enc['offsets']))
    ds.gt_instance_labels = InstanceData(
        keypoint_weights=torch.from_numpy(enc['keypoint_weights']))
    return ds


def test_head_loss_with_unlabelled_instances():
    """An all-invisible instance adds nothing to the loss (weights are
    divided by B * K, so a batch of it and a labelled one has half the
    labelled one's loss); an all-invisible batch has zero loss."""
    K, codec_cfg = 5, dict(type='CLCodec', input_size=(64, 96), stride=16)
    codec = CLCodec(input_size=(64, 96), stride=16)
    head = CLHead(in_channels=32, num_keypoints=K, block_channels=32,
                  decoder=codec_cfg)
    head.init_weights()
    head.eval()  # BN on running stats: each instance's maps are its own
    rng = np.random.default_rng(0)
    kpts = rng.uniform([1, 1], [63, 95], (1, K, 2))
    labelled = _head_sample(codec, kpts, np.ones((1, K)))
    unlabelled = _head_sample(codec, kpts, np.zeros((1, K)))
    feats = torch.randn(1, 32, 6, 4)

    alone = head.loss((feats, ), [labelled])
    mixed = head.loss((torch.cat([feats, feats]), ), [labelled, unlabelled])
    for key in ('loss_heatmap', 'loss_offset'):
        assert mixed[key].item() == pytest.approx(alone[key].item() / 2)
    assert math.isfinite(mixed['acc_pose'].item())

    nobody = head.loss((torch.cat([feats, feats]), ),
                       [unlabelled, copy.deepcopy(unlabelled)])
    assert nobody['loss_heatmap'].item() == 0
    assert nobody['loss_offset'].item() == 0
    assert math.isfinite(nobody['acc_pose'].item())
    assert 'pred_cells' not in nobody


# ------------------------------------------------------- missing/corrupt image
@pytest.fixture
def image_dir(tmp_path, coco_root):
    """A folder with one good image and bad ones, and an annotation file per
    image (the person of ``IMAGE``)."""
    with open(osp.join(coco_root, IMAGE), 'rb') as f:
        good = f.read()
    png = cv2.imencode('.png', cv2.imread(osp.join(coco_root, IMAGE)))[1]
    files = {
        'good.jpg': good,
        'empty.jpg': b'',
        'random.jpg': np.random.default_rng(0).bytes(4096),
        'truncated.jpg': good[:len(good) // 2],
        'no_end_marker.jpg': good[:-2],
        'truncated.png': png.tobytes()[:-100],
    }
    for name, data in files.items():
        (tmp_path / name).write_bytes(data)
    return tmp_path


def ann_for(coco, file_names, tmp_path):
    """An annotation file with the person of IMAGE once per file name."""
    image = next(i for i in coco['images'] if i['file_name'] == IMAGE)
    person = next(a for a in coco['annotations']
                  if a['image_id'] == image['id'])
    ann = dict(coco, images=[], annotations=[])
    for n, name in enumerate(file_names):
        ann['images'].append(dict(image, id=n + 1, file_name=name))
        ann['annotations'].append(dict(person, id=n + 1, image_id=n + 1))
    return write_json(tmp_path / f'ann_{len(file_names)}.json', ann)


@pytest.mark.parametrize('split', ['train', 'val'])
@pytest.mark.parametrize('name, error, match', [
    ('missing.jpg', FileNotFoundError, r'missing\.jpg'),
    ('empty.jpg', ValueError, r"'.*empty\.jpg' is empty \(0 bytes\)"),
    ('random.jpg', ValueError, r"cannot decode image file '.*random\.jpg'"),
    ('truncated.jpg', ValueError,
     r"cannot decode image file '.*truncated\.jpg'"),
    ('no_end_marker.jpg', ValueError, r"'.*no_end_marker\.jpg'"),
    ('truncated.png', ValueError, r"cannot decode image file "
     r"'.*truncated\.png'"),
])
def test_bad_image_file_names_the_file(cfg, coco, image_dir, split, name,
                                       error, match):
    """MMPose's LoadImage raises cv2.error for an empty file and an
    AssertionError ('Please check whether the file exists') for one that
    does not decode; CheckedLoadImage says what is wrong."""
    dataset = build_dataset(
        cfg, split, checked=True, ann_file=ann_for(coco, [name], image_dir),
        data_root=str(image_dir), data_prefix=dict(img=str(image_dir) + '/'),
        bbox_file=None)
    with pytest.raises(error, match=match):
        dataset[0]


def test_bad_images_are_skipped_in_training_with_ignore_empty(
        cfg, coco, image_dir):
    """ignore_empty=True: a bad file yields None and MMEngine's training
    dataset draws another index (here the only good one)."""
    names = ['missing.jpg', 'empty.jpg', 'random.jpg', 'truncated.jpg',
             'good.jpg']
    dataset = build_dataset(
        cfg, 'train', checked=True, ignore_empty=True,
        ann_file=ann_for(coco, names, image_dir), data_root=str(image_dir),
        data_prefix=dict(img=str(image_dir) + '/'))
    for i in range(len(names)):
        sample = dataset[i]
        assert sample['data_samples'].img_path.endswith('good.jpg')


# ------------------------------------------------------ person detection file
@pytest.fixture(scope='module')
def detections(coco_root):
    with open(osp.join(coco_root, 'test_coco_det_AP_H_56.json')) as f:
        return json.load(f)


DET = dict(image_id=785, bbox=[280.0, 44.0, 220.0, 350.0], score=0.9,
           category_id=1)


@pytest.mark.parametrize('content, match', [
    (None, r'bbox_file .*dets\.json.* does not exist'),
    ('this is {not json', r'bbox_file .*dets\.json.* is not a valid JSON'),
    ('', r'bbox_file .*dets\.json.* is not a valid JSON'),
    ({'bbox': [1, 2, 3, 4]}, r'dets\.json.* must hold a list .* got dict'),
    ([[1, 2, 3, 4]], r"dets\.json.*: detection 0 .*missing \['image_id'"),
    ([DET, {k: v for k, v in DET.items() if k != 'bbox'}],
     r"dets\.json.*: detection 1 .*missing \['bbox'\]"),
    ([{k: v for k, v in DET.items() if k != 'score'}],
     r"dets\.json.*: detection 0 .*missing \['score'\]"),
    ([dict(DET, bbox=[1, 2])], r'dets\.json.*: detection 0 .*\[x, y, w, h\]'),
    ([dict(DET, bbox='1 2 3 4')], r'dets\.json.*: detection 0 .*x, y, w, h'),
    ([dict(DET, score=None)], r'dets\.json.*: detection 0 .*score'),
    ([dict(DET, image_id=12345)],
     r'dets\.json.* has a detection of image_id 12345, which is not in '
     r'ann_file'),
    ([], r"no instance left in bbox_file '.*dets\.json'"),
])
def test_bad_bbox_file_names_the_file(cfg, tmp_path, content, match):
    bbox_file = tmp_path / 'dets.json'
    if isinstance(content, str):
        bbox_file.write_text(content)
    elif content is not None:
        write_json(bbox_file, content)
    error = FileNotFoundError if content is None else ValueError
    with pytest.raises(error, match=match):
        build_dataset(cfg, 'val', checked=True, bbox_file=str(bbox_file))


def test_missing_ann_file_is_named(cfg, tmp_path):
    with pytest.raises(FileNotFoundError, match=r'ann_file .*nope\.json'):
        build_dataset(cfg, 'val', checked=True,
                      ann_file=str(tmp_path / 'nope.json'))


def degenerate(detections):
    dets = copy.deepcopy(detections[:8])
    dets[0]['bbox'][2] = 0  # zero width
    dets[1]['bbox'][3] = 0  # zero height
    dets[2]['bbox'][2:] = [0, 0]  # a point
    dets[3]['bbox'][2] = -10  # negative width
    dets[4]['bbox'][0] = float('nan')  # json.dump writes NaN, load reads it
    dets[5]['score'] = float('inf')
    return dets  # 6 and 7 are good


def test_degenerate_detections_are_skipped(cfg, model, detections,
                                           tmp_path):
    bbox_file = write_json(tmp_path / 'dets.json', degenerate(detections))
    dataset = build_dataset(cfg, 'val', checked=True, bbox_file=bbox_file)
    assert len(dataset) == 2
    preds = predict(model, [dataset[i] for i in range(len(dataset))])
    for p in preds:
        assert np.isfinite(p.pred_instances.keypoints).all()
        assert np.isfinite(p.pred_instances.keypoint_scores).all()


def test_zero_width_or_height_detections_give_finite_keypoints_in_mmpose(
        cfg, model, detections, tmp_path):
    """Plain CocoDataset (MMPose's own) keeps zero-width/height
    boxes: the pipeline and CLNet must still give finite keypoints (MMPose
    pads a zero side to the aspect ratio; a point box crops a point). Only
    non-finite boxes made NaN keypoints, which CheckedCocoDataset skips."""
    bbox_file = write_json(tmp_path / 'dets.json',
                           degenerate(detections)[:4])
    dataset = build_dataset(cfg, 'val', bbox_file=bbox_file,
                            type='CocoDataset')
    assert len(dataset) == 4
    preds = predict(model, [dataset[i] for i in range(len(dataset))])
    for p in preds:
        assert np.isfinite(p.pred_instances.keypoints).all()
        assert np.isfinite(p.pred_instances.keypoint_scores).all()
