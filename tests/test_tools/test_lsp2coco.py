"""tools/dataset_converters/lsp2coco.py on tiny .mat files in both layouts:
LSP (3, 14, N) with row 3 = occluded, LSP-extended (14, 3, N) with column 3 =
visible, and tiny jpgs whose sizes the converter must read."""
import json
import os
import os.path as osp

import numpy as np
import pytest
from PIL import Image
from scipy.io import savemat

LSP_SIZE = (40, 30)  # (width, height) of the LSP jpgs
LSPET_SIZE = (50, 60)


@pytest.fixture(scope='module')
def lsp2coco(load_script):
    return load_script('tools/dataset_converters/lsp2coco.py')


def write_dataset(root, name, joints, pattern, size, num_images=None):
    """joints.mat and ``num_images`` (default: all) blank jpgs of ``size``:
    one jpg, hard-linked to every image name (thousands in milliseconds)."""
    folder = root / name
    (folder / 'images').mkdir(parents=True)
    savemat(str(folder / 'joints.mat'), {'joints': joints})
    n = joints.shape[-1] if num_images is None else num_images
    blank = root / f'blank_{size[0]}x{size[1]}.jpg'
    if not blank.exists():
        Image.new('RGB', size).save(blank)
    for i in range(n):
        os.link(blank, folder / 'images' / pattern.format(i + 1))
    return folder


def lsp_joints(n, seed=0):
    """(3, 14, n): 1-based x, y inside a 40 x 30 image and 0/1 'occluded'."""
    rng = np.random.default_rng(seed)
    x = rng.uniform(2, 39, (14, n))
    y = rng.uniform(2, 29, (14, n))
    occluded = (np.arange(14 * n).reshape(14, n) % 3 == 0).astype(float)
    return np.stack([x, y, occluded])


def lspet_joints(n, seed=1):
    """(14, 3, n): 1-based x, y inside a 50 x 60 image and 0/1 'visible'."""
    rng = np.random.default_rng(seed)
    x = rng.uniform(2, 49, (14, n))
    y = rng.uniform(2, 59, (14, n))
    visible = (np.arange(14 * n).reshape(14, n) % 4 != 0).astype(float)
    return np.stack([x, y, visible], axis=1)


@pytest.fixture
def lsp_data(tmp_path):
    """4 LSP images (first 2 train) and 3 LSP-extended images."""
    lsp = lsp_joints(4)
    # image 1: joints the converter must mark missing, and the image corners
    lsp[:2, 0, 0] = (0.5, 10)  # x 0-based -0.5: outside (negative)
    lsp[:2, 1, 0] = (np.nan, 10)  # not finite
    lsp[:2, 2, 0] = (41, 10)  # x 0-based 40 > width - 1 = 39
    lsp[:2, 3, 0] = (1, 1)  # 0-based (0, 0): inside
    lsp[:2, 4, 0] = (40, 30)  # 0-based (39, 29) = (w - 1, h - 1): inside
    lspet = lspet_joints(3)
    write_dataset(tmp_path, 'lsp_dataset', lsp, 'im{:04d}.jpg', LSP_SIZE)
    write_dataset(tmp_path, 'lspet_dataset', lspet, 'im{:05d}.jpg', LSPET_SIZE)
    return tmp_path, lsp, lspet


@pytest.fixture
def convert(lsp2coco):
    """``convert(root, **kwargs)``: the converter on ``root``'s two dataset
    folders; the train and test json, loaded."""

    def run(root, **kwargs):
        paths = lsp2coco.convert(
            str(root / 'lsp_dataset'),
            str(root / 'out'),
            lspet_dir=str(root / 'lspet_dataset'),
            **kwargs)
        with open(paths['train']) as f_train, open(paths['test']) as f_test:
            return json.load(f_train), json.load(f_test)

    return run


def keypoints_of(coco):
    return np.array([a['keypoints']
                     for a in coco['annotations']]).reshape(-1, 14, 3)


def test_split_file_names_and_sizes(lsp_data, convert):
    root, _, _ = lsp_data
    train, test = convert(root, lsp_train_num=2)
    assert [im['file_name'] for im in train['images']] == [
        'lsp_dataset/images/im0001.jpg', 'lsp_dataset/images/im0002.jpg',
        'lspet_dataset/images/im00001.jpg', 'lspet_dataset/images/im00002.jpg',
        'lspet_dataset/images/im00003.jpg'
    ]
    assert [im['file_name'] for im in test['images']] == [
        'lsp_dataset/images/im0003.jpg', 'lsp_dataset/images/im0004.jpg'
    ]
    # read from the jpgs
    assert [(im['width'], im['height']) for im in train['images']] == \
        [LSP_SIZE] * 2 + [LSPET_SIZE] * 3
    assert [im['id'] for im in train['images']] == \
        [1, 2, 100001, 100002, 100003]
    for coco in (train, test):
        for im, ann in zip(coco['images'], coco['annotations']):
            assert ann['id'] == ann['image_id'] == im['id']
            assert (ann['category_id'], ann['iscrowd']) == (1, 0)
            assert len(ann['keypoints']) == 14 * 3


def test_lsp_row3_is_occluded_and_shift_to_0_based(lsp_data, convert):
    root, lsp, _ = lsp_data
    train, test = convert(root, lsp_train_num=2)
    kpts = np.concatenate([keypoints_of(train)[:2], keypoints_of(test)])
    for i in range(1, 4):  # images 2-4: every joint inside
        np.testing.assert_allclose(kpts[i, :, 0], lsp[0, :, i] - 1, atol=1e-3)
        np.testing.assert_allclose(kpts[i, :, 1], lsp[1, :, i] - 1, atol=1e-3)
        # LSP: 1 = occluded -> v 1; 0 = visible -> v 2
        np.testing.assert_array_equal(kpts[i, :, 2],
                                      np.where(lsp[2, :, i] == 1, 1, 2))
    assert test['annotations'][0]['num_keypoints'] == 14


def test_missing_joints_outside_nonfinite_negative(lsp_data, convert):
    root, lsp, _ = lsp_data
    train, _ = convert(root, lsp_train_num=2)
    first = keypoints_of(train)[0]
    # outside (negative), NaN, x > w - 1: missing, written [0, 0, 0]
    np.testing.assert_array_equal(first[:3], np.zeros((3, 3)))
    # the image's first and last pixels are inside
    np.testing.assert_allclose(first[3, :2], [0, 0])
    np.testing.assert_allclose(first[4, :2], [39, 29])
    assert (first[3:, 2] > 0).all()
    assert train['annotations'][0]['num_keypoints'] == 11


def test_lspet_column3_is_visible(lsp_data, convert):
    root, _, lspet = lsp_data
    train, _ = convert(root, lsp_train_num=2)
    kpts = keypoints_of(train)[2:]
    for i in range(3):
        np.testing.assert_allclose(
            kpts[i, :, :2], lspet[:, :2, i] - 1, atol=1e-3)
        # LSP-extended: 1 = visible -> v 2; 0 -> v 1 (labelled, occluded)
        np.testing.assert_array_equal(kpts[i, :, 2],
                                      np.where(lspet[:, 2, i] == 1, 2, 1))


def test_bbox_is_joint_extent_with_margin_clipped(tmp_path, lsp2coco):
    lsp = np.zeros((3, 14, 2))
    lsp[0], lsp[1] = 16, 12  # 0-based (15, 11): inside both extents
    # image 1: 0-based extent x 10..20, y 8..13 (longer side 10)
    lsp[:2, 0, 0] = (11, 9)
    lsp[:2, 1, 0] = (21, 14)
    # image 2: extent x 0..39, y 0..29: the margin is clipped away
    lsp[:2, 0, 1] = (1, 1)
    lsp[:2, 1, 1] = (40, 30)
    write_dataset(tmp_path, 'lsp_dataset', lsp, 'im{:04d}.jpg', LSP_SIZE)
    paths = lsp2coco.convert(
        str(tmp_path / 'lsp_dataset'),
        str(tmp_path / 'out'),
        lsp_train_num=0,
        bbox_margin=0.1)
    with open(paths['test']) as f:
        anns = json.load(f)['annotations']
    # pad 0.1 x 10 = 1 px each side: x 9..21, y 7..14
    assert anns[0]['bbox'] == pytest.approx([9, 7, 12, 7])
    assert anns[0]['area'] == pytest.approx(12 * 7)
    assert anns[1]['bbox'] == pytest.approx([0, 0, 39, 29])


def test_categories_from_metainfo(lsp_data, convert):
    root, _, _ = lsp_data
    train, test = convert(root, lsp_train_num=2)
    assert train['categories'] == test['categories']
    (cat, ) = train['categories']
    assert cat['id'] == 1 and cat['name'] == 'person'
    assert cat['keypoints'][:3] == ['right_ankle', 'right_knee', 'right_hip']
    assert cat['keypoints'][12:] == ['neck', 'head_top']
    assert len(cat['skeleton']) == 14
    assert [13, 14] in cat['skeleton']  # neck - head top, 1-based


def test_default_is_the_papers_split(tmp_path, lsp2coco):
    """2000 LSP + 10000 LSP-extended -> 11000 train, 1000 test, with the
    sizes read from the 12000 (linked) jpgs."""
    lsp_dir = write_dataset(tmp_path, 'lsp_dataset', lsp_joints(2000),
                            'im{:04d}.jpg', (64, 64))
    lspet_dir = write_dataset(tmp_path, 'lspet_dataset', lspet_joints(10000),
                              'im{:05d}.jpg', (64, 64))
    paths = lsp2coco.convert(
        str(lsp_dir),
        str(tmp_path / 'out'),
        lspet_dir=str(lspet_dir))
    with open(paths['train']) as f_train, open(paths['test']) as f_test:
        train, test = json.load(f_train), json.load(f_test)
    assert (len(train['images']), len(train['annotations'])) == (11000, 11000)
    assert (len(test['images']), len(test['annotations'])) == (1000, 1000)
    assert train['images'][999]['file_name'].endswith('im1000.jpg')
    assert train['images'][1000]['file_name'].endswith('im00001.jpg')
    assert test['images'][0]['file_name'].endswith('im1001.jpg')
    assert test['images'][-1]['file_name'].endswith('im2000.jpg')
    assert {(im['width'], im['height']) for im in test['images']} == {(64, 64)}


def test_cli(lsp_data, lsp2coco, capsys):
    root, _, _ = lsp_data
    out = root / 'cli_out'
    lsp2coco.main([
        '--lsp-dir',
        str(root / 'lsp_dataset'), '--lspet-dir',
        str(root / 'lspet_dataset'), '--out-dir',
        str(out), '--lsp-train-num', '3', '--img-root',
        str(root)
    ])
    printed = capsys.readouterr().out
    assert 'train: 6 images' in printed and 'test: 1 images' in printed
    # a missing folder: the message, not a traceback
    with pytest.raises(SystemExit, match='lsp2coco.py: lsp: folder .*nope '
                       'does not exist'):
        lsp2coco.main(['--lsp-dir', str(root / 'nope'), '--out-dir',
                       str(root / 'cli_out2')])
    with open(out / 'lsp_test.json') as f:
        test = json.load(f)
    assert test['images'][0]['file_name'] == 'lsp_dataset/images/im0004.jpg'


def test_missing_image_is_named(tmp_path, lsp2coco):
    write_dataset(
        tmp_path,
        'lsp_dataset',
        lsp_joints(3),
        'im{:04d}.jpg',
        LSP_SIZE,
        num_images=2)
    with pytest.raises(FileNotFoundError,
                       match=r'im0003\.jpg does not exist: its width and '
                       'height are needed'):
        lsp2coco.convert(str(tmp_path / 'lsp_dataset'), str(tmp_path / 'o'))
    assert not osp.exists(tmp_path / 'o' / 'lsp_test.json')


def test_missing_and_malformed_files_are_named(tmp_path, lsp2coco):
    lsp_dir = tmp_path / 'lsp_dataset'
    lsp_dir.mkdir()
    mat = str(lsp_dir / 'joints.mat')
    with pytest.raises(FileNotFoundError, match=r'lsp_dataset/joints\.mat'):
        lsp2coco.convert(str(lsp_dir), str(tmp_path / 'o'))
    with pytest.raises(FileNotFoundError, match='lspet.*does not exist'):
        lsp2coco.convert(
            str(lsp_dir),
            str(tmp_path / 'o'),
            lspet_dir=str(tmp_path / 'nowhere'))
    # the LSP-extended layout in the LSP folder
    savemat(mat, {'joints': lspet_joints(2)})
    with pytest.raises(
            ValueError,
            match=r'joints\.mat has shape \(14, 3, 2\), '
            r'expected \(3, 14, N\)'):
        lsp2coco.convert(str(lsp_dir), str(tmp_path / 'o'))
    # and the LSP layout read as LSP-extended
    savemat(mat, {'joints': lsp_joints(2)})
    with pytest.raises(ValueError, match=r'expected \(14, 3, N\)'):
        lsp2coco.load_joints(mat, 'lspet')
    savemat(mat, {'points': lsp_joints(2)})
    with pytest.raises(ValueError, match=r"no `joints` array.*'points'"):
        lsp2coco.load_joints(mat, 'lsp')
    bad_flags = lsp_joints(2)
    bad_flags[2, 0, 0] = 0.3
    savemat(mat, {'joints': bad_flags})
    with pytest.raises(ValueError, match=r'must be 0 or 1, got \[0\.3\]'):
        lsp2coco.load_joints(mat, 'lsp')
    with open(mat, 'w') as f:
        f.write('not a mat file')
    with pytest.raises(ValueError, match='cannot read .*joints.mat'):
        lsp2coco.load_joints(mat, 'lsp')


def test_bad_arguments(lsp_data, lsp2coco, convert):
    root, _, _ = lsp_data
    with pytest.raises(ValueError, match='lsp_train_num must be <= the 4'):
        convert(root, lsp_train_num=5)
    with pytest.raises(ValueError, match='lsp_train_num .* got -1'):
        convert(root, lsp_train_num=-1)
    with pytest.raises(ValueError, match='bbox_margin .* got -0.1'):
        convert(root, bbox_margin=-0.1)
    with pytest.raises(ValueError, match='img_root .* must contain'):
        convert(root, img_root=str(root / 'lsp_dataset'))
    with pytest.raises(ValueError, match="layout must be .* got 'mpii'"):
        lsp2coco.load_joints(str(root / 'lsp_dataset' / 'joints.mat'), 'mpii')
