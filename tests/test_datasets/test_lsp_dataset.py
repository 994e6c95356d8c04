"""LspDataset: its metainfo (from any cwd), and the json lsp2coco.py writes
from tiny .mat files in both layouts, loaded in top-down mode."""
import os.path as osp

import numpy as np
import pytest
from mmengine.config import Config
from mmengine.registry import init_default_scope
from PIL import Image
from scipy.io import savemat

from mmpose_cl.datasets.lsp_dataset import LSP_METAINFO_FILE, LspDataset

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
# right <-> left for ankles, knees, hips, wrists, elbows, shoulders
LSP_FLIP_INDICES = [5, 4, 3, 2, 1, 0, 11, 10, 9, 8, 7, 6, 12, 13]


def test_registered():
    from mmpose.registry import DATASETS
    assert DATASETS.get('LspDataset') is LspDataset


def test_metainfo_loads_from_another_cwd(tmp_path, monkeypatch):
    from mmpose.datasets.datasets.utils import parse_pose_metainfo
    monkeypatch.chdir(tmp_path)
    # what MMPose's own datasets do (a cwd-relative path) fails here ...
    with pytest.raises(FileNotFoundError, match='lsp.py'):
        parse_pose_metainfo(
            dict(from_file='mmpose_cl/datasets/metainfo/lsp.py'))
    # ... LspDataset's does not
    assert osp.isabs(LSP_METAINFO_FILE) and osp.isfile(LSP_METAINFO_FILE)
    meta = LspDataset(lazy_init=True).metainfo
    assert meta['dataset_name'] == 'lsp'
    assert meta['num_keypoints'] == 14
    assert meta['flip_indices'] == LSP_FLIP_INDICES
    # MMPose lists each pair in both orders
    assert {tuple(sorted(p))
            for p in meta['flip_pairs']} == {(0, 5), (1, 4), (2, 3), (6, 11),
                                             (7, 10), (8, 9)}
    assert meta['upper_body_ids'] == list(range(6, 14))
    assert meta['lower_body_ids'] == list(range(6))
    assert len(meta['skeleton_links']) == 14
    assert meta['sigmas'].shape == meta['dataset_keypoint_weights'].shape \
        == (14, )


def test_sigmas_are_cocos_for_shared_joints():
    import mmpose
    coco = Config.fromfile(
        osp.join(
            osp.dirname(mmpose.__file__), '.mim', 'configs', '_base_',
            'datasets', 'coco.py')).dataset_info
    lsp = Config.fromfile(LSP_METAINFO_FILE).dataset_info
    coco_sigma = {
        kpt['name']: coco.sigmas[i]
        for i, kpt in coco.keypoint_info.items()
    }
    for i, kpt in lsp.keypoint_info.items():
        assert kpt['id'] == i
        if kpt['name'] in coco_sigma:
            assert lsp.sigmas[i] == coco_sigma[kpt['name']], kpt['name']
    assert {lsp.keypoint_info[i]['name'] for i in (12, 13)} == \
        {'neck', 'head_top'}
    assert lsp.sigmas[12:] == [0.079, 0.079]


@pytest.fixture
def converted(tmp_path, load_script):
    """2 LSP images (1 train, 1 test) and 2 LSP-extended ones, as jpgs."""
    rng = np.random.default_rng(0)
    lsp = np.stack([
        rng.uniform(2, 39, (14, 2)),
        rng.uniform(2, 29, (14, 2)),
        np.zeros((14, 2))  # LSP: 0 = visible
    ])
    lsp[2, 13, 0] = 1  # head top occluded: labelled, v 1
    lsp[:2, 0, 0] = -5  # right ankle outside: missing, v 0
    lspet = np.stack(
        [
            rng.uniform(2, 49, (14, 2)),
            rng.uniform(2, 59, (14, 2)),
            np.ones((14, 2))  # LSP-extended: 1 = visible
        ],
        axis=1)
    lspet[5, 2, 1] = 0  # left ankle not visible: labelled, v 1
    datasets = [('lsp_dataset', lsp, 'im{:04d}.jpg', (40, 30)),
                ('lspet_dataset', lspet, 'im{:05d}.jpg', (50, 60))]
    for name, joints, pattern, size in datasets:
        (tmp_path / name / 'images').mkdir(parents=True)
        savemat(str(tmp_path / name / 'joints.mat'), {'joints': joints})
        for i in range(2):
            Image.new('RGB', size, (i * 100, 50, 0)).save(
                tmp_path / name / 'images' / pattern.format(i + 1))
    paths = load_script('tools/dataset_converters/lsp2coco.py').convert(
        str(tmp_path / 'lsp_dataset'),
        str(tmp_path / 'ann'),
        lspet_dir=str(tmp_path / 'lspet_dataset'),
        lsp_train_num=1)
    return tmp_path, paths, lsp, lspet


def test_topdown_train_instances(converted):
    root, paths, lsp, lspet = converted
    ds = LspDataset(
        ann_file=paths['train'],
        data_prefix=dict(img=str(root)),
        data_mode='topdown')
    assert len(ds) == 3  # LSP image 1 + LSP-extended images 1, 2
    infos = [ds.get_data_info(i) for i in range(3)]
    assert [osp.relpath(d['img_path'], root) for d in infos] == [
        'lsp_dataset/images/im0001.jpg', 'lspet_dataset/images/im00001.jpg',
        'lspet_dataset/images/im00002.jpg'
    ]
    assert all(d['flip_indices'] == LSP_FLIP_INDICES for d in infos)

    # LSP image 1: 0-based, the outside ankle missing, the occluded head
    # top kept (MMPose trains on v 1 and 2 alike)
    first = infos[0]
    assert first['keypoints'].shape == (1, 14, 2)
    np.testing.assert_allclose(
        first['keypoints'][0, 1:], lsp[:2, 1:, 0].T - 1, atol=1e-3)
    np.testing.assert_array_equal(first['keypoints'][0, 0], [0, 0])
    np.testing.assert_array_equal(first['keypoints_visible'][0],
                                  [0] + [1] * 13)
    assert first['num_keypoints'] == 13
    assert first['raw_ann_info']['keypoints'][13 * 3 + 2] == 1
    # LSP-extended image 2: every joint labelled, the ankle occluded (v 1)
    np.testing.assert_allclose(
        infos[2]['keypoints'][0], lspet[:, :2, 1] - 1, atol=1e-3)
    np.testing.assert_array_equal(infos[2]['keypoints_visible'][0],
                                  np.ones(14))
    assert infos[2]['raw_ann_info']['keypoints'][5 * 3 + 2] == 1
    # the box holds every labelled joint
    for d in infos:
        x1, y1, x2, y2 = d['bbox'][0]
        xy = d['keypoints'][0][d['keypoints_visible'][0] > 0]
        assert (xy >= [x1, y1]).all() and (xy <= [x2, y2]).all()


def test_topdown_test_split_through_pipeline(converted):
    root, paths, lsp, _ = converted
    init_default_scope('mmpose')
    pipeline = [
        dict(type='LoadImage'),
        dict(type='GetBBoxCenterScale'),
        dict(type='RandomFlip', direction='horizontal', prob=1.0),
        dict(type='TopdownAffine', input_size=(32, 32)),
        dict(type='PackPoseInputs')
    ]
    ds = LspDataset(
        ann_file=paths['test'],
        data_prefix=dict(img=str(root)),
        data_mode='topdown',
        test_mode=True,
        pipeline=pipeline)
    assert len(ds) == 1  # LSP image 2
    sample = ds[0]
    assert tuple(sample['inputs'].shape) == (3, 32, 32)
    gt = sample['data_samples'].gt_instances
    # the flip swapped left and right: flipped right ankle = left ankle's
    # mirror (x -> w - 1 - x with w = 40), in the original image's pixels
    np.testing.assert_allclose(
        gt.keypoints[0, 0], [39 - (lsp[0, 5, 1] - 1), lsp[1, 5, 1] - 1],
        atol=1e-3)
